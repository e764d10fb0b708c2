/*
 * or_wire.h — the chat-completions wire format: the request body perpd
 * sends and the parts of a response it reads.
 */
#ifndef OR_WIRE_H
#define OR_WIRE_H

#include <perp/sdk.h>
#include <stdint.h>

typedef enum or_format {
    OR_FORMAT_JSON_SCHEMA = 0,
    OR_FORMAT_JSON_OBJECT = 1,
    OR_FORMAT_NONE = 2
} or_format;

typedef struct or_request {
    const char *model;
    const char *system;      /* system prompt text */
    const char *user;        /* rendered user message */
    const char *bad_answer;  /* repair: the previous answer, or NULL */
    const char *repair_note; /* repair: why it was refused, or NULL */
    double temperature;
    int64_t max_tokens; /* 0: not sent */
    or_format format;
    int require_parameters;      /* OpenRouter provider routing */
    const perp_observation *obs; /* coins for the schema */
} or_request;

/* malloc'd compact JSON body; NULL on allocation failure. */
char *or_request_body(const or_request *r);

typedef struct or_response {
    char *content; /* malloc'd message content, or NULL */
    char finish_reason[32];
    int64_t prompt_tokens, completion_tokens;
    int64_t cached_tokens; /* usage.prompt_tokens_details.cached_tokens,
                              -1 when the server gave none */
    double cost_usd;       /* NAN when the server gave none */
    char error[200];       /* an error object in the body, or "" */
} or_response;

/* Reads a 200 body. 0 if it is a chat completion (content may still be
 * empty), -1 with r->error set if it is not. */
int or_response_parse(const char *body, size_t len, or_response *r);
void or_response_free(or_response *r);

#endif
