/*
 * rules_config.c — see rules_config.h. Keys and defaults are listed in
 * docs/planner-rules.md.
 */
#include "rules_config.h"

static const char *const keys[] = {"fast",
                                   "slow",
                                   "macd_hist",
                                   "rsi",
                                   "ctx_ema",
                                   "regime",
                                   "require_regime",
                                   "enter_band",
                                   "exit_band",
                                   "rsi_long_min",
                                   "rsi_long_max",
                                   "rsi_short_min",
                                   "rsi_short_max",
                                   "vol_window",
                                   "horizon",
                                   "stop_vol_mult",
                                   "reward_risk",
                                   "fee_bps",
                                   "slippage_bps",
                                   "min_edge",
                                   "min_hold",
                                   "cooldown",
                                   "risk_pct",
                                   "leverage",
                                   "exposure_use",
                                   "margin_use",
                                   NULL};

static int read_names(const perp_host *h, const perp_config_node *cfg,
                      trend_params *p)
{
    if (h->cfg_str(h, cfg, "fast", p->fast, &p->fast) ||
        h->cfg_str(h, cfg, "slow", p->slow, &p->slow) ||
        h->cfg_str(h, cfg, "macd_hist", p->macd_hist, &p->macd_hist) ||
        h->cfg_str(h, cfg, "rsi", p->rsi, &p->rsi) ||
        h->cfg_str(h, cfg, "ctx_ema", p->ctx_ema, &p->ctx_ema) ||
        h->cfg_str(h, cfg, "regime", p->regime, &p->regime) ||
        h->cfg_bool(h, cfg, "require_regime", p->require_regime,
                    &p->require_regime))
        return PERP_EINVAL;
    if (!*p->fast || !*p->slow)
        return h->cfg_error(h, cfg, "fast and slow must name 1m indicators");
    return PERP_OK;
}

/* A number that must lie in [lo, hi]. */
static int num_in(const perp_host *h, const perp_config_node *cfg,
                  const char *key, double lo, double hi, double *v)
{
    if (h->cfg_num(h, cfg, key, *v, v) != PERP_OK)
        return PERP_EINVAL;
    if (!(*v >= lo && *v <= hi))
        return h->cfg_error(h, h->cfg_child(cfg, key),
                            "%s: expected a number in %g..%g, found %g", key,
                            lo, hi, *v);
    return PERP_OK;
}

static int read_bands(const perp_host *h, const perp_config_node *cfg,
                      trend_params *p)
{
    if (num_in(h, cfg, "enter_band", 0.01, 100, &p->enter_band) ||
        num_in(h, cfg, "exit_band", -100, 100, &p->exit_band) ||
        num_in(h, cfg, "rsi_long_min", 0, 100, &p->rsi_long_min) ||
        num_in(h, cfg, "rsi_long_max", 0, 100, &p->rsi_long_max) ||
        num_in(h, cfg, "rsi_short_min", 0, 100, &p->rsi_short_min) ||
        num_in(h, cfg, "rsi_short_max", 0, 100, &p->rsi_short_max))
        return PERP_EINVAL;
    /* Without a gap between the two bands a position could be entered and
     * left on the same spread: no hysteresis. */
    if (p->exit_band <= -p->enter_band)
        return h->cfg_error(h, h->cfg_child(cfg, "exit_band"),
                            "exit_band: must be above -enter_band (%g)",
                            -p->enter_band);
    if (p->rsi_long_min > p->rsi_long_max ||
        p->rsi_short_min > p->rsi_short_max)
        return h->cfg_error(h, cfg, "rsi bands: min above max");
    return PERP_OK;
}

static int read_exits(const perp_host *h, const perp_config_node *cfg,
                      trend_params *p)
{
    int64_t window = p->vol_window;
    int64_t horizon = (int64_t)(p->horizon_min * 60000);
    if (h->cfg_int(h, cfg, "vol_window", window, &window) ||
        h->cfg_duration_ms(h, cfg, "horizon", horizon, &horizon) ||
        num_in(h, cfg, "stop_vol_mult", 0.1, 100, &p->stop_vol_mult) ||
        num_in(h, cfg, "reward_risk", 0.1, 100, &p->reward_risk) ||
        num_in(h, cfg, "fee_bps", 0, 1000, &p->fee_bps) ||
        num_in(h, cfg, "slippage_bps", 0, 1000, &p->slippage_bps) ||
        num_in(h, cfg, "min_edge", 0, 1000, &p->min_edge) ||
        h->cfg_duration_ms(h, cfg, "min_hold", p->min_hold_ms,
                           &p->min_hold_ms) ||
        h->cfg_duration_ms(h, cfg, "cooldown", p->cooldown_ms, &p->cooldown_ms))
        return PERP_EINVAL;
    if (window < 3 || window > 100000)
        return h->cfg_error(h, h->cfg_child(cfg, "vol_window"),
                            "vol_window: expected 3..100000 candles, found "
                            "%lld",
                            (long long)window);
    if (horizon < 60000)
        return h->cfg_error(h, h->cfg_child(cfg, "horizon"),
                            "horizon: expected at least 1m");
    if (p->min_hold_ms < 0 || p->cooldown_ms < 0)
        return h->cfg_error(h, cfg, "min_hold, cooldown: must be >= 0");
    p->vol_window = (int)window;
    p->horizon_min = (double)horizon / 60000.0;
    return PERP_OK;
}

static int read_sizing(const perp_host *h, const perp_config_node *cfg,
                       trend_params *p)
{
    return num_in(h, cfg, "risk_pct", 0.01, 100, &p->risk_pct) ||
                   num_in(h, cfg, "leverage", 1, 1000, &p->leverage) ||
                   num_in(h, cfg, "exposure_use", 0.01, 1, &p->exposure_use) ||
                   num_in(h, cfg, "margin_use", 0.01, 1, &p->margin_use)
               ? PERP_EINVAL
               : PERP_OK;
}

int rules_config_read(const perp_host *h, const perp_config_node *cfg,
                      trend_params *p)
{
    trend_params_default(p);
    if (!cfg)
        return PERP_OK;
    if (h->cfg_check_keys(h, cfg, keys) || read_names(h, cfg, p) ||
        read_bands(h, cfg, p) || read_exits(h, cfg, p) ||
        read_sizing(h, cfg, p))
        return PERP_EINVAL;
    return PERP_OK;
}
