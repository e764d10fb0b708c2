/*
 * or_config.h — planner-openrouter's YAML settings, prompts and key. The
 * keys are or_config_map (`perpd plugins --describe openrouter`).
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

/* The plugin's YAML keys, checked by the host before create(). */
extern const perp_config_key or_config_map[];

/* PERP_OK, or PERP_EINVAL after logging what is wrong (a missing key
 * names the variable, never a value). */
perp_status or_config_read(const perp_host *h, const perp_config_node *n,
                           or_config *c);
void or_config_free(or_config *c);

#endif
