/*
 * or_config.c — reads and checks planner-openrouter's settings.
 */
#include "or_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/file.h>

/* One row of `prices`. */
static const perp_config_key price_rows[] = {
    PERP_CFG_REQ_STR("model", "model id the prices are for"),
    {.name = "input",
     .type = PERP_CFG_NUMBER,
     .default_value = "0",
     .min = 0,
     .flags = PERP_CFG_HAS_MIN,
     .description = "USD per million prompt tokens"},
    {.name = "output",
     .type = PERP_CFG_NUMBER,
     .default_value = "0",
     .min = 0,
     .flags = PERP_CFG_HAS_MIN,
     .description = "USD per million completion tokens"},
    {.name = "cached_input",
     .type = PERP_CFG_NUMBER,
     .min = 0,
     .flags = PERP_CFG_HAS_MIN,
     .description = "USD per million cached prompt tokens (default: input)"},
    PERP_CFG_LAST};

const perp_config_key or_config_map[] = {
    PERP_CFG_STR("base_url", "https://openrouter.ai/api/v1",
                 "OpenAI-compatible API root (/chat/completions is added)"),
    PERP_CFG_STR("model", "deepseek/deepseek-v3.2", "model id"),
    PERP_CFG_STR("api_key_env", "OPENROUTER_API_KEY",
                 "environment variable holding the API key"),
    PERP_CFG_FILE("system_prompt", "config/prompts/system.md",
                  "system prompt file"),
    PERP_CFG_FILE("user_prompt", "config/prompts/user.md",
                  "user prompt template file"),
    PERP_CFG_CHOICE("response_format", "json_schema",
                    "json_schema|json_object|none",
                    "response_format sent with the request"),
    PERP_CFG_NUM("temperature", "0.2", 0, 2, "sampling temperature"),
    {.name = "max_tokens",
     .type = PERP_CFG_INTEGER,
     .default_value = "4000",
     .min = 0,
     .flags = PERP_CFG_HAS_MIN,
     .description = "completion token cap (0: none sent)"},
    PERP_CFG_DUR("connect_timeout", "10s", 1, 3600000,
                 "TCP/TLS connect timeout"),
    PERP_CFG_DUR("timeout", "120s", 1, 3600000, "whole-request timeout"),
    PERP_CFG_INT("max_retries", "3", 0, 20,
                 "retries on 429, 5xx and transport errors"),
    PERP_CFG_DUR("backoff", "1s", 0, 3600000,
                 "first retry delay (doubling, with jitter)"),
    PERP_CFG_DUR("max_backoff", "30s", 0, 3600000, "retry delay cap"),
    PERP_CFG_DUR("max_retry_after", "60s", 0, 86400000,
                 "longest Retry-After honoured"),
    PERP_CFG_BOOLEAN("repair", "true",
                     "one repair request on an unparsable answer"),
    PERP_CFG_OUT_FILE("record", NULL, "store answers by request hash (JSONL)"),
    PERP_CFG_FILE("replay", NULL,
                  "answer from a record file offline (no key needed)"),
    {.name = "price_in_per_mtok",
     .type = PERP_CFG_NUMBER,
     .default_value = "0",
     .min = 0,
     .flags = PERP_CFG_HAS_MIN,
     .description = "USD per million prompt tokens, when the server reports "
                    "no usage.cost and `prices` has no row for the model"},
    {.name = "price_out_per_mtok",
     .type = PERP_CFG_NUMBER,
     .default_value = "0",
     .min = 0,
     .flags = PERP_CFG_HAS_MIN,
     .description = "USD per million completion tokens, likewise"},
    {.name = "prices",
     .type = PERP_CFG_LIST,
     .children = price_rows,
     .min = 1,
     .flags = PERP_CFG_HAS_MIN,
     .description = "prices per model (deepseek/deepseek-v3.2 is built in)"},
    PERP_CFG_CHOICE("observation_format", "text", "text|json",
                    "the LLM rendering, or the record's JSON"),
    PERP_CFG_INT("prompt_tokens_max", "6000", 0, 10000000,
                 "estimated tokens of system + user message (0: no budget)"),
    PERP_CFG_INT("prompt_context_candles", "2", 0, 100000,
                 "context candles shown per market"),
    PERP_CFG_INT("prompt_reason_chars", "40", 0, 100000,
                 "characters of a round trip's reasons shown"),
    PERP_CFG_STR("title", "perpd", "X-Title header (OpenRouter)"),
    PERP_CFG_STR("referer", "", "HTTP-Referer header (OpenRouter)"),
    {.name = "require_parameters",
     .type = PERP_CFG_BOOL,
     .description = "provider.require_parameters (default: true on "
                    "openrouter.ai, else false)"},
    {.name = "max_response_bytes",
     .type = PERP_CFG_INTEGER,
     .default_value = "8388608",
     .min = 1024,
     .max = 1 << 30,
     .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX,
     .description = "largest response body read"},
    PERP_CFG_LAST};

/* A prompt far larger than a model's context is a wrong file. */
#define PROMPT_MAX_BYTES (1024u * 1024u)

/* A prompt file (perp/file.h: a regular file, read errors reported);
 * errors point at the YAML key when it was given. */
static char *read_file(const perp_host *h, const perp_config_node *n,
                       const char *what, const char *path)
{
    char *buf;
    size_t len;
    char err[512];
    if (perp_file_read_all(path, PROMPT_MAX_BYTES, &buf, &len, err,
                           sizeof err) == 0)
        return buf;
    const perp_config_node *at = n ? h->cfg_child(n, what) : NULL;
    if (at)
        h->cfg_error(h, at, "%s: cannot read %s", what, err);
    else
        h->log(h, PERP_LOG_ERROR, "%s: cannot read %s", what, err);
    return NULL;
}

static perp_status read_strings(const perp_host *h, const perp_config_node *n,
                                or_config *c, const char **base,
                                const char **fmt, const char **sys,
                                const char **user)
{
    const char *record = "", *replay = "";
    if (h->cfg_str(h, n, "base_url", "https://openrouter.ai/api/v1", base) ||
        h->cfg_str(h, n, "model", "deepseek/deepseek-v3.2", &c->model) ||
        h->cfg_str(h, n, "api_key_env", "OPENROUTER_API_KEY", &c->key_env) ||
        h->cfg_str(h, n, "system_prompt", "config/prompts/system.md", sys) ||
        h->cfg_str(h, n, "user_prompt", "config/prompts/user.md", user) ||
        h->cfg_str(h, n, "response_format", "json_schema", fmt) ||
        h->cfg_str(h, n, "record", "", &record) ||
        h->cfg_str(h, n, "replay", "", &replay) ||
        h->cfg_str(h, n, "title", "perpd", &c->title) ||
        h->cfg_str(h, n, "referer", "", &c->referer))
        return PERP_EINVAL;
    c->record = *record ? record : NULL;
    c->replay = *replay ? replay : NULL;
    return PERP_OK;
}

static perp_status read_numbers(const perp_host *h, const perp_config_node *n,
                                or_config *c, int64_t *max_resp)
{
    if (h->cfg_num(h, n, "temperature", 0.2, &c->temperature) ||
        h->cfg_int(h, n, "max_tokens", 4000, &c->max_tokens) ||
        h->cfg_duration_ms(h, n, "connect_timeout", 10000, &c->connect_ms) ||
        h->cfg_duration_ms(h, n, "timeout", 120000, &c->timeout_ms) ||
        h->cfg_int(h, n, "max_retries", 3, &c->max_retries) ||
        h->cfg_duration_ms(h, n, "backoff", 1000, &c->backoff_ms) ||
        h->cfg_duration_ms(h, n, "max_backoff", 30000, &c->max_backoff_ms) ||
        h->cfg_duration_ms(h, n, "max_retry_after", 60000,
                           &c->max_retry_after_ms) ||
        h->cfg_bool(h, n, "repair", 1, &c->repair) ||
        h->cfg_num(h, n, "price_in_per_mtok", 0, &c->price_in_per_mtok) ||
        h->cfg_num(h, n, "price_out_per_mtok", 0, &c->price_out_per_mtok) ||
        h->cfg_int(h, n, "max_response_bytes", 8 << 20, max_resp))
        return PERP_EINVAL;
    return PERP_OK;
}

static perp_status check_exclusive(const perp_host *h,
                                   const perp_config_node *n,
                                   const or_config *c)
{
    if (c->record && c->replay)
        return h->cfg_error(h, n, "record and replay exclude each other");
    return PERP_OK;
}

static perp_status read_format(const perp_host *h, const perp_config_node *n,
                               const char *fmt, or_config *c)
{
    if (strcmp(fmt, "json_schema") == 0)
        c->format = OR_FORMAT_JSON_SCHEMA;
    else if (strcmp(fmt, "json_object") == 0)
        c->format = OR_FORMAT_JSON_OBJECT;
    else if (strcmp(fmt, "none") == 0)
        c->format = OR_FORMAT_NONE;
    else
        return h->cfg_error(h, h->cfg_child(n, "response_format"),
                            "response_format: expected json_schema, "
                            "json_object or none, found '%s'",
                            fmt);
    return PERP_OK;
}

static perp_status read_key(const perp_host *h, or_config *c)
{
    const char *key = getenv(c->key_env);
    if (key && *key) {
        c->api_key = strdup(key);
        return c->api_key ? PERP_OK : PERP_ENOMEM;
    }
    if (c->replay)
        return PERP_OK; /* offline: no key needed */
    h->log(h, PERP_LOG_ERROR,
           "environment variable %s is not set: it must hold the API key "
           "(or set api_key_env, or use replay: FILE)",
           c->key_env);
    return PERP_EINVAL;
}

static perp_status read_prompt(const perp_host *h, const perp_config_node *n,
                               or_config *c)
{
    const char *fmt = "text";
    if (h->cfg_str(h, n, "observation_format", "text", &fmt) ||
        h->cfg_int(h, n, "prompt_tokens_max", 6000, &c->prompt_tokens_max) ||
        h->cfg_int(h, n, "prompt_context_candles", 2, &c->context_candles) ||
        h->cfg_int(h, n, "prompt_reason_chars", 40, &c->reason_chars))
        return PERP_EINVAL;
    c->text_format = strcmp(fmt, "json") != 0; /* the map allows these two */
    return PERP_OK;
}

/* USD per million tokens, as published for OpenRouter's deepseek/
 * deepseek-v3.2 when captured (shared/protocols/NOTES.md); a fallback
 * for cost estimates only: usage.cost, when sent, is what is recorded. */
static const struct {
    const char *model;
    double in, out, cached;
} builtin_prices[] = {{"deepseek/deepseek-v3.2", 0.28, 0.40, 0.28}};

static perp_status price_row(const perp_host *h, const perp_config_node *row,
                             or_config *c)
{
    const char *model = NULL;
    double in = 0, out = 0, cached = -1;
    if (h->cfg_str(h, row, "model", NULL, &model) ||
        h->cfg_num(h, row, "input", 0, &in) ||
        h->cfg_num(h, row, "output", 0, &out) ||
        h->cfg_num(h, row, "cached_input", -1, &cached))
        return PERP_EINVAL;
    if (!model || !*model)
        return h->cfg_error(h, row, "prices: each row needs a model");
    if (strcmp(model, c->model) == 0) {
        c->price_in = in;
        c->price_out = out;
        c->price_cached = cached >= 0 ? cached : in;
        c->price_known = 1;
        c->price_source = "prices";
    }
    return PERP_OK;
}

static perp_status read_prices(const perp_host *h, const perp_config_node *n,
                               or_config *c)
{
    const perp_config_node *list = n ? h->cfg_child(n, "prices") : NULL;
    for (size_t i = 0; list && i < h->cfg_len(list); i++)
        if (price_row(h, h->cfg_at(list, i), c))
            return PERP_EINVAL;
    if (c->price_known)
        return PERP_OK;
    if (c->price_in_per_mtok > 0 || c->price_out_per_mtok > 0) {
        c->price_in = c->price_cached = c->price_in_per_mtok;
        c->price_out = c->price_out_per_mtok;
        c->price_known = 1;
        c->price_source = "price_in_per_mtok";
        return PERP_OK;
    }
    for (size_t i = 0; i < sizeof builtin_prices / sizeof builtin_prices[0];
         i++)
        if (strcmp(builtin_prices[i].model, c->model) == 0) {
            c->price_in = builtin_prices[i].in;
            c->price_out = builtin_prices[i].out;
            c->price_cached = builtin_prices[i].cached;
            c->price_known = 1;
            c->price_source = "built-in";
        }
    return PERP_OK;
}

perp_status or_config_read(const perp_host *h, const perp_config_node *n,
                           or_config *c)
{
    const char *base, *fmt, *sys, *user;
    int64_t max_resp = 0;
    memset(c, 0, sizeof *c);
    if (read_strings(h, n, c, &base, &fmt, &sys, &user) ||
        read_numbers(h, n, c, &max_resp) || read_format(h, n, fmt, c) ||
        check_exclusive(h, n, c))
        return PERP_EINVAL;
    c->max_response = (size_t)max_resp;
    if (read_prompt(h, n, c) || read_prices(h, n, c))
        return PERP_EINVAL;
    if (h->cfg_bool(h, n, "require_parameters",
                    strstr(base, "openrouter.ai") != NULL,
                    &c->require_parameters))
        return PERP_EINVAL;
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    if (asprintf(&c->url, "%.*s/chat/completions", (int)bl, base) < 0) {
        c->url = NULL;
        return PERP_ENOMEM;
    }
    c->system_prompt = read_file(h, n, "system_prompt", sys);
    c->user_template = read_file(h, n, "user_prompt", user);
    if (!c->system_prompt || !c->user_template)
        return PERP_EINVAL;
    return read_key(h, c);
}

void or_config_free(or_config *c)
{
    if (c->api_key)
        explicit_bzero(c->api_key, strlen(c->api_key));
    free(c->api_key);
    free(c->url);
    free(c->system_prompt);
    free(c->user_template);
    memset(c, 0, sizeof *c);
}
