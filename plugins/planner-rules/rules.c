/*
 * planner-rules — a deterministic trend-following planner that needs no
 * key (the default when no API key is set). The rule itself is described
 * in trend_rule.c. Config (all optional):
 *   ema: ema_20        macd_hist: macd.hist    rsi: rsi_7    atr: atr_14
 *   timeframe: 1m | ctx
 *   rsi_long: [50, 75]   rsi_short: [25, 50]  as rsi_long_min/max, ...
 *   risk_pct: 1   stop_atr_mult: 2   reward_risk: 2   leverage: 3
 *   exposure_use: 0.9   margin_use: 0.9   atr_window: 14
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trend_rule.h"

typedef struct rules {
    const perp_host *host; /* borrowed */
    trend_params p;        /* names borrowed from the config tree */
} rules;

static int read_names(const perp_host *h, const perp_config_node *cfg,
                      trend_params *p)
{
    const char *tf = "1m";
    if (h->cfg_str(h, cfg, "ema", p->ema, &p->ema) ||
        h->cfg_str(h, cfg, "macd_hist", p->macd_hist, &p->macd_hist) ||
        h->cfg_str(h, cfg, "rsi", p->rsi, &p->rsi) ||
        h->cfg_str(h, cfg, "atr", p->atr, &p->atr) ||
        h->cfg_str(h, cfg, "timeframe", tf, &tf))
        return PERP_EINVAL;
    if (strcmp(tf, "1m") != 0 && strcmp(tf, "ctx") != 0)
        return h->cfg_error(h, h->cfg_child(cfg, "timeframe"),
                            "timeframe: expected 1m or ctx, found '%s'", tf);
    p->use_ctx = strcmp(tf, "ctx") == 0;
    return PERP_OK;
}

/* A number that must lie in [lo, hi]. */
static int num_in(const perp_host *h, const perp_config_node *cfg,
                  const char *key, double lo, double hi, double *v)
{
    if (h->cfg_num(h, cfg, key, *v, v) != PERP_OK)
        return PERP_EINVAL;
    if (*v < lo || *v > hi)
        return h->cfg_error(h, h->cfg_child(cfg, key),
                            "%s: expected a number in %g..%g, found %g", key,
                            lo, hi, *v);
    return PERP_OK;
}

static int read_numbers(const perp_host *h, const perp_config_node *cfg,
                        trend_params *p)
{
    int64_t window = p->atr_window;
    if (num_in(h, cfg, "rsi_long_min", 0, 100, &p->rsi_long_min) ||
        num_in(h, cfg, "rsi_long_max", 0, 100, &p->rsi_long_max) ||
        num_in(h, cfg, "rsi_short_min", 0, 100, &p->rsi_short_min) ||
        num_in(h, cfg, "rsi_short_max", 0, 100, &p->rsi_short_max) ||
        num_in(h, cfg, "risk_pct", 0.01, 100, &p->risk_pct) ||
        num_in(h, cfg, "stop_atr_mult", 0.01, 100, &p->stop_atr_mult) ||
        num_in(h, cfg, "reward_risk", 0.1, 100, &p->reward_risk) ||
        num_in(h, cfg, "leverage", 1, 1000, &p->leverage) ||
        num_in(h, cfg, "exposure_use", 0.01, 1, &p->exposure_use) ||
        num_in(h, cfg, "margin_use", 0.01, 1, &p->margin_use) ||
        h->cfg_int(h, cfg, "atr_window", window, &window))
        return PERP_EINVAL;
    if (window < 1 || window > 10000)
        return h->cfg_error(h, h->cfg_child(cfg, "atr_window"),
                            "atr_window: expected 1..10000, found %lld",
                            (long long)window);
    p->atr_window = (int)window;
    return PERP_OK;
}

static int rules_create(const perp_host *host, const perp_config_node *cfg,
                        void **self)
{
    static const char *const keys[] = {"ema",
                                       "macd_hist",
                                       "rsi",
                                       "atr",
                                       "timeframe",
                                       "rsi_long_min",
                                       "rsi_long_max",
                                       "rsi_short_min",
                                       "rsi_short_max",
                                       "risk_pct",
                                       "stop_atr_mult",
                                       "reward_risk",
                                       "leverage",
                                       "exposure_use",
                                       "margin_use",
                                       "atr_window",
                                       NULL};
    rules *r = calloc(1, sizeof *r);
    if (!r)
        return PERP_ENOMEM;
    r->host = host;
    trend_params_default(&r->p);
    if ((cfg && host->cfg_check_keys(host, cfg, keys)) ||
        read_names(host, cfg, &r->p) || read_numbers(host, cfg, &r->p)) {
        free(r);
        return PERP_EINVAL;
    }
    *self = r;
    return PERP_OK;
}

static void rules_destroy(void *self)
{
    free(self);
}

static int rules_plan(void *self, const perp_observation *obs,
                      perp_decision *out)
{
    rules *r = self;
    size_t entries = 0, exits = 0;
    for (size_t i = 0; i < obs->n_markets && i < PERP_MAX_SYMBOLS; i++) {
        perp_coin_decision *c = &out->coins[out->n_coins++];
        trend_decide(&r->p, obs, &obs->markets[i], c);
        entries +=
            c->signal == PERP_SIGNAL_BUY || c->signal == PERP_SIGNAL_SELL;
        exits += c->signal == PERP_SIGNAL_CLOSE;
    }
    snprintf(out->notes, sizeof out->notes,
             "Trend rule (%s, %s, %s): %zu entr%s, %zu exit%s, %zu hold%s.",
             r->p.ema, r->p.macd_hist, r->p.rsi, entries,
             entries == 1 ? "y" : "ies", exits, exits == 1 ? "" : "s",
             out->n_coins - entries - exits,
             out->n_coins - entries - exits == 1 ? "" : "s");
    return PERP_OK;
}

static const perp_planner_vtable rules_vtable = {
    .struct_size = sizeof(perp_planner_vtable),
    .create = rules_create,
    .destroy = rules_destroy,
    .plan = rules_plan,
};

PERP_PLUGIN(PERP_KIND_PLANNER, "rules", "1.0.0",
            "deterministic trend following on EMA, MACD and RSI; no key",
            rules_vtable)
