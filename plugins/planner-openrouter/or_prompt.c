/*
 * or_prompt.c — builds the system and user messages (see or_prompt.h).
 */
#include "or_prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONSTANT_MARK    "{{constant}}"
#define OBSERVATION_MARK "{{observation}}"
/* Role markers and message framing of a chat request, in tokens. */
#define FRAMING_TOKENS 8

/* tpl with its first `mark` replaced by value; without the mark, value is
 * appended after a blank line (or nothing when value is ""). */
static char *fill(const char *tpl, const char *mark, const char *value)
{
    const char *at = strstr(tpl, mark);
    size_t head = at ? (size_t)(at - tpl) : strlen(tpl);
    const char *tail = at ? at + strlen(mark) : "";
    const char *sep = !at && *value ? "\n\n" : "";
    size_t n = head + strlen(sep) + strlen(value) + strlen(tail) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%.*s%s%s%s", (int)head, tpl, sep, value, tail);
    return s;
}

static int64_t tokens(const perp_host *h, const char *s)
{
    return PERP_HOST_HAS(h, prompt_tokens) ? h->prompt_tokens(h, s)
                                           : (int64_t)(strlen(s) / 3);
}

static perp_status render(const perp_host *h, const or_config *c,
                          const perp_observation *obs, perp_prompt_part part,
                          int64_t budget, perp_prompt_text *t)
{
    perp_prompt_options o = PERP_PROMPT_OPTIONS_INIT;
    o.part = part;
    o.tokens_max = budget;
    o.context_candles = (uint32_t)c->context_candles;
    o.reason_chars = (uint32_t)c->reason_chars;
    memset(t, 0, sizeof *t);
    t->struct_size = sizeof *t;
    return h->prompt_render(h, obs, &o, t);
}

static perp_status build_text(const perp_host *h, const or_config *c,
                              const perp_observation *obs, or_prompt *p)
{
    perp_prompt_text k;
    perp_status rc = render(h, c, obs, PERP_PROMPT_CONSTANT, 0, &k);
    if (rc != PERP_OK)
        return rc;
    p->system = fill(c->system_prompt, CONSTANT_MARK, k.text);
    h->free_mem(k.text);
    char *bare = fill(c->user_template, OBSERVATION_MARK, "");
    if (!p->system || !bare) {
        free(bare);
        return PERP_ENOMEM;
    }
    p->system_tokens = tokens(h, p->system);
    if (c->prompt_tokens_max > 0) {
        p->budget = c->prompt_tokens_max - p->system_tokens - tokens(h, bare) -
                    FRAMING_TOKENS;
        if (p->budget < 1)
            p->budget = 1; /* cut everything, and say it is over */
    }
    free(bare);
    perp_prompt_text t;
    rc = render(h, c, obs, PERP_PROMPT_CHANGING, p->budget, &t);
    if (rc != PERP_OK)
        return rc;
    p->user = fill(c->user_template, OBSERVATION_MARK, t.text);
    h->free_mem(t.text);
    t.text = NULL;
    p->cuts = t;
    return p->user ? PERP_OK : PERP_ENOMEM;
}

static perp_status build_json(const perp_host *h, const or_config *c,
                              const perp_observation *obs, or_prompt *p)
{
    char *json = h->observation_json(h, obs);
    if (!json)
        return PERP_ERR;
    p->system = fill(c->system_prompt, CONSTANT_MARK, "");
    p->user = fill(c->user_template, OBSERVATION_MARK, json);
    h->free_mem(json);
    if (!p->system || !p->user)
        return PERP_ENOMEM;
    p->system_tokens = tokens(h, p->system);
    return PERP_OK;
}

perp_status or_prompt_build(const perp_host *h, const or_config *c,
                            const perp_observation *obs, or_prompt *p)
{
    memset(p, 0, sizeof *p);
    p->text = c->text_format && PERP_HOST_HAS(h, prompt_render);
    perp_status rc =
        p->text ? build_text(h, c, obs, p) : build_json(h, c, obs, p);
    if (rc != PERP_OK) {
        or_prompt_free(p);
        return rc;
    }
    p->user_tokens = tokens(h, p->user);
    return PERP_OK;
}

void or_prompt_free(or_prompt *p)
{
    free(p->system);
    free(p->user);
    p->system = p->user = NULL;
}
