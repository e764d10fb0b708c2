/*
 * or_prompt.h — the two messages of a request, in cache-friendly order:
 * the system message is the system prompt with the observation's
 * CONSTANT part (how to read it, the trading rules, the limits) where
 * {{constant}} stands, or after it; the user message is the user
 * template with the CHANGING part where {{observation}} stands. The
 * changing part gets what prompt_tokens_max leaves after the system
 * message and the template (host estimates). With observation_format:
 * json, or a host older than SDK 1.2, the user message carries the
 * observation record's JSON instead, and {{constant}} is dropped.
 */
#ifndef OR_PROMPT_H
#define OR_PROMPT_H

#include <perp/sdk.h>

#include "or_config.h"

typedef struct or_prompt {
    char *system, *user;   /* malloc'd */
    int64_t system_tokens; /* host estimates */
    int64_t user_tokens;
    int64_t budget;        /* estimated tokens left for the changing part
                              (0: no budget) */
    perp_prompt_text cuts; /* what the budget cut (text is NULL) */
    int text;              /* 1: the LLM rendering, 0: the record's JSON */
} or_prompt;

/* PERP_OK, or PERP_ENOMEM / PERP_ERR (rendering failed) with *p freed. */
perp_status or_prompt_build(const perp_host *h, const or_config *c,
                            const perp_observation *obs, or_prompt *p);
void or_prompt_free(or_prompt *p);

#endif
