/*
 * or_config.h — planner-openrouter's YAML settings, prompts and key.
 *
 *   base_url: https://openrouter.ai/api/v1   model: deepseek/deepseek-v3.2
 *   api_key_env: OPENROUTER_API_KEY
 *   system_prompt: config/prompts/system.md  user_prompt:
 * config/prompts/user.md response_format: json_schema | json_object | none
 *   temperature: 0.2   max_tokens: 4000
 *   connect_timeout: 10s   timeout: 120s
 *   max_retries: 3   backoff: 1s   max_backoff: 30s   max_retry_after: 60s
 *   repair: true   record: FILE   replay: FILE
 *   price_in_per_mtok: 0   price_out_per_mtok: 0 (USD per million tokens,
 *       used when the server reports no usage.cost)
 *   prices: [{model: M, input: USD/Mtok, output: USD/Mtok, cached_input:
 *       USD/Mtok}] (per model; deepseek/deepseek-v3.2 is built in)
 *   observation_format: text | json (the LLM rendering, or the record's)
 *   prompt_tokens_max: 6000 (estimated tokens of system + user message)
 *   prompt_context_candles: 2   prompt_reason_chars: 40
 *   title: perpd   referer: ""   require_parameters: (true on openrouter.ai)
 *   max_response_bytes: 8388608
 */
#ifndef OR_CONFIG_H
#define OR_CONFIG_H

#include <perp/sdk.h>

#include "or_wire.h"

typedef struct or_config {
    char *url;         /* owned: base_url + /chat/completions */
    const char *model; /* strings below borrowed from the config tree */
    const char *key_env;
    char *api_key;       /* owned copy of the secret; NULL in replay */
    char *system_prompt; /* owned file contents */
    char *user_template; /* owned file contents */
    or_format format;
    double temperature;
    int64_t max_tokens;
    int64_t connect_ms, timeout_ms;
    int64_t max_retries;
    int64_t backoff_ms, max_backoff_ms, max_retry_after_ms;
    int repair;
    const char *record, *replay; /* NULL when unset */
    double price_in_per_mtok, price_out_per_mtok;
    const char *title, *referer;
    int text_format; /* observation_format: 1 text, 0 json */
    int64_t prompt_tokens_max;
    int64_t context_candles, reason_chars;
    /* USD per million tokens for cfg.model: from `prices`, else the
     * price_*_per_mtok keys, else the built-in row; known 0 if none. */
    double price_in, price_out, price_cached;
    int price_known;
    const char *price_source; /* "prices", "price_in_per_mtok", "built-in" */
    int require_parameters;
    size_t max_response;
} or_config;

/* PERP_OK, or PERP_EINVAL after logging what is wrong (a missing key
 * names the variable, never a value). */
int or_config_read(const perp_host *h, const perp_config_node *n, or_config *c);
void or_config_free(or_config *c);

#endif
