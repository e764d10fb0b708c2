/*
 * agent_settings.c — parses and checks the agent and limits sections.
 */
#include "agent_settings.h"

#include <math.h>
#include <string.h>

#include "config.h"
#include "log.h"

#define DAY_MS 86400000LL

static const char *const default_symbols[] = {"BTC-USD", "ETH-USD", "SOL-USD",
                                              "DOGE-USD", "XRP-USD"};

static int node_error(const perp_config_node *n, const char *fmt, const char *a)
{
    char where[256];
    host_cfg_where(n, where, sizeof where);
    host_log(PERP_LOG_ERROR, "agent", "%s: %s%s", where, fmt, a ? a : "");
    return PERP_EINVAL;
}

int host_agent_check_top_level(const perp_config_node *root)
{
    static const char *const allowed[] = {"agent",    "plugin_path", "limits",
                                          "feeds",    "indicators",  "planner",
                                          "backend",  "sinks",       "services",
                                          "backtest", NULL};
    if (!root || host_cfg_kind(root) != HOST_NODE_MAP)
        return node_error(root,
                          "expected a mapping of sections (agent, "
                          "feeds, planner, backend, ...)",
                          NULL);
    /* check_keys always lets "plugin" and "name" through; they mean
     * nothing at the top level. */
    const char *stray[] = {"plugin", "name"};
    for (size_t i = 0; i < 2; i++) {
        const perp_config_node *n = host_cfg_child(root, stray[i]);
        if (n)
            return node_error(n, "unknown top-level key: ", stray[i]);
    }
    return host_cfg_check_keys("agent", root, allowed);
}

static int read_symbols(const perp_config_node *agent, host_agent_settings *s)
{
    const perp_config_node *seq = host_cfg_child(agent, "symbols");
    if (!seq) {
        s->n_symbols = 5;
        for (size_t i = 0; i < 5; i++)
            s->symbols[i] = default_symbols[i];
        return PERP_OK;
    }
    size_t n = host_cfg_len(seq);
    if (host_cfg_kind(seq) != HOST_NODE_SEQ || n == 0)
        return node_error(seq,
                          "symbols: expected a non-empty list such as "
                          "[BTC-USD, ETH-USD]",
                          NULL);
    if (n > PERP_MAX_SYMBOLS)
        return node_error(seq, "symbols: too many (at most 32)", NULL);
    for (size_t i = 0; i < n; i++) {
        const perp_config_node *e = host_cfg_at(seq, i);
        const char *sym = host_cfg_scalar(e);
        if (!sym || !*sym || strlen(sym) >= PERP_SYMBOL_MAX)
            return node_error(e,
                              "symbols: expected a product id such as "
                              "BTC-USD",
                              NULL);
        char coin[PERP_COIN_MAX], other[PERP_COIN_MAX];
        perp_symbol_coin(sym, coin);
        for (size_t j = 0; j < i; j++) {
            perp_symbol_coin(s->symbols[j], other);
            if (strcmp(coin, other) == 0)
                return node_error(e, "symbols: two symbols share the coin ",
                                  coin);
        }
        s->symbols[i] = sym;
    }
    s->n_symbols = n;
    return PERP_OK;
}

/* A context timeframe the candle builder can align: whole minutes that
 * divide a day. */
static int ctx_ok(int64_t ms)
{
    return ms >= 60000 && ms % 60000 == 0 && DAY_MS % ms == 0;
}

static int read_agent(const perp_config_node *agent, host_agent_settings *s)
{
    static const char *const keys[] = {
        "version",   "description",   "cycle",
        "symbols",   "dry_run",       "context",
        "history",   "series",        "stale_after",
        "bootstrap", "warmup",        "observation_every",
        "max_gap",   "metrics_every", "checkpoint_every",
        NULL};
    if (host_cfg_kind(agent) != HOST_NODE_MAP)
        return node_error(agent, "agent: expected a mapping", NULL);
    if (host_cfg_check_keys("agent", agent, keys) != PERP_OK)
        return PERP_EINVAL;
    if (!host_cfg_child(agent, "version"))
        return node_error(agent,
                          "agent.version: missing (a tag such as "
                          "v1.0.0)",
                          NULL);
    int64_t history = 60, series = 3, warmup = 0;
    int rc = 0;
    rc |= host_cfg_get_str("agent", agent, "version", NULL, &s->version);
    rc |= host_cfg_get_str("agent", agent, "description", "", &s->description);
    rc |=
        host_cfg_get_duration_ms("agent", agent, "cycle", 60000, &s->cycle_ms);
    rc |= host_cfg_get_duration_ms("agent", agent, "context", 6 * 3600000LL,
                                   &s->ctx_ms);
    rc |= host_cfg_get_duration_ms("agent", agent, "stale_after", 120000,
                                   &s->stale_after_ms);
    rc |= host_cfg_get_duration_ms("agent", agent, "max_gap",
                                   HOST_MAX_GAP_DEFAULT_MS, &s->max_gap_ms);
    rc |= host_cfg_get_bool("agent", agent, "dry_run", 0, &s->dry_run);
    rc |= host_cfg_get_bool("agent", agent, "bootstrap", 1, &s->bootstrap);
    rc |= host_cfg_get_int("agent", agent, "history", 60, &history);
    rc |= host_cfg_get_int("agent", agent, "series", 3, &series);
    rc |= host_cfg_get_int("agent", agent, "warmup", 0, &warmup);
    rc |= host_cfg_get_int("agent", agent, "observation_every", 1,
                           &s->observation_every);
    rc |= host_cfg_get_int("agent", agent, "metrics_every", 10,
                           &s->metrics_every);
    rc |= host_cfg_get_int("agent", agent, "checkpoint_every",
                           HOST_CHECKPOINT_EVERY_DEFAULT, &s->checkpoint_every);
    if (rc != 0)
        return PERP_EINVAL;
    if (!s->version || !*s->version)
        return node_error(agent, "agent.version: must not be empty", NULL);
    if (s->cycle_ms < 1000)
        return node_error(host_cfg_child(agent, "cycle"),
                          "cycle: expected a duration of at least 1s", NULL);
    if (!ctx_ok(s->ctx_ms))
        return node_error(host_cfg_child(agent, "context"),
                          "context: expected whole minutes dividing a day "
                          "(5m, 1h, 6h, 1d)",
                          NULL);
    if (s->max_gap_ms < s->cycle_ms)
        return node_error(host_cfg_child(agent, "max_gap"),
                          "max_gap: expected a duration of at least one "
                          "cycle",
                          NULL);
    if (history < 1 || history > 100000)
        return node_error(host_cfg_child(agent, "history"),
                          "history: expected 1..100000 candles", NULL);
    if (warmup < 0 || warmup > 100000)
        return node_error(host_cfg_child(agent, "warmup"),
                          "warmup: expected 0..100000 one-minute candles",
                          NULL);
    if (series < 1 || series > 10000)
        return node_error(host_cfg_child(agent, "series"),
                          "series: expected 1..10000 values", NULL);
    if (s->observation_every < 1)
        return node_error(host_cfg_child(agent, "observation_every"),
                          "observation_every: expected a count >= 1", NULL);
    if (s->metrics_every < 1)
        return node_error(host_cfg_child(agent, "metrics_every"),
                          "metrics_every: expected a count >= 1", NULL);
    if (s->checkpoint_every < 1 ||
        s->checkpoint_every > HOST_CHECKPOINT_EVERY_MAX)
        return node_error(host_cfg_child(agent, "checkpoint_every"),
                          "checkpoint_every: expected 1..1000000 cycles", NULL);
    s->history = (size_t)history;
    /* The warm-up is sized from the indicators' lookbacks once they are
     * open (agent.c); agent.warmup only overrides the 1m count. */
    s->warmup_override = (size_t)warmup;
    s->warmup_1m = s->warmup_ctx = s->history;
    s->series = (size_t)series;
    return read_symbols(agent, s);
}

static int read_limit(const perp_config_node *lim, const char *key, double def,
                      double *out)
{
    if (host_cfg_get_num("agent", lim, key, def, out) != PERP_OK)
        return PERP_EINVAL;
    if (!isfinite(*out) || *out < 0)
        return node_error(host_cfg_child(lim, key),
                          "expected a finite number >= 0 for ", key);
    return PERP_OK;
}

static int read_limits(const perp_config_node *lim, host_agent_settings *s)
{
    static const char *const keys[] = {"min_notional", "max_leverage",
                                       "max_exposure", "max_position_notional",
                                       NULL};
    s->limits.min_notional = 5;
    s->limits.max_exposure = 3;
    s->limits.max_position_notional = 0;
    s->limits.max_leverage = 0;
    if (!lim)
        return PERP_OK;
    if (host_cfg_kind(lim) != HOST_NODE_MAP)
        return node_error(lim, "limits: expected a mapping", NULL);
    if (host_cfg_check_keys("agent", lim, keys) != PERP_OK)
        return PERP_EINVAL;
    int rc = 0;
    rc |= read_limit(lim, "min_notional", 5, &s->limits.min_notional);
    rc |= read_limit(lim, "max_exposure", 3, &s->limits.max_exposure);
    rc |= read_limit(lim, "max_position_notional", 0,
                     &s->limits.max_position_notional);
    rc |= read_limit(lim, "max_leverage", 0, &s->limits.max_leverage);
    if (rc != 0)
        return PERP_EINVAL;
    s->max_leverage_set = host_cfg_child(lim, "max_leverage") != NULL;
    if (s->max_leverage_set && s->limits.max_leverage < 1)
        return node_error(host_cfg_child(lim, "max_leverage"),
                          "max_leverage: expected at least 1", NULL);
    return PERP_OK;
}

int host_agent_settings_read(const perp_config_node *root,
                             host_agent_settings *out)
{
    memset(out, 0, sizeof *out);
    const perp_config_node *agent = host_cfg_child(root, "agent");
    if (!agent)
        return node_error(root,
                          "agent: missing section (needs at least "
                          "`version:`)",
                          NULL);
    if (read_agent(agent, out) != PERP_OK)
        return PERP_EINVAL;
    return read_limits(host_cfg_child(root, "limits"), out);
}
