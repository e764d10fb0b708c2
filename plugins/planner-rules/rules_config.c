/*
 * rules_config.c — see rules_config.h. The defaults of the map are
 * trend_params_default's values; docs/planner-rules.md explains the rule
 * they drive.
 */
#include "rules_config.h"

const perp_config_key rules_config_map[] = {
    PERP_CFG_STR("fast", "ema_60", "one-minute fast trend line (output)"),
    PERP_CFG_STR("slow", "ema_240", "one-minute slow trend line (output)"),
    PERP_CFG_STR("macd_hist", "macd.hist",
                 "momentum that must agree at entry; \"\" off"),
    PERP_CFG_STR("rsi", "rsi_7", "RSI for the entry bands; \"\" off"),
    PERP_CFG_STR("ctx_ema", "",
                 "context EMA the context close must agree with; \"\" off"),
    PERP_CFG_STR("regime", "regime_ctx.regime",
                 "regime output; \"\" = the market's regime"),
    PERP_CFG_BOOLEAN("require_regime", "true",
                     "entries only in trending_up/trending_down"),
    PERP_CFG_NUM("enter_band", "1", 0.01, 100,
                 "spread needed to enter, in sigma_h units"),
    PERP_CFG_NUM("exit_band", "0.25", -100, 100,
                 "spread against the position that exits (> -enter_band)"),
    PERP_CFG_NUM("rsi_long_min", "50", 0, 100, "RSI band for a long: low"),
    PERP_CFG_NUM("rsi_long_max", "75", 0, 100, "RSI band for a long: high"),
    PERP_CFG_NUM("rsi_short_min", "25", 0, 100, "RSI band for a short: low"),
    PERP_CFG_NUM("rsi_short_max", "50", 0, 100, "RSI band for a short: high"),
    PERP_CFG_INT("vol_window", "60", 3, 100000,
                 "one-minute closes for sigma_1m (<= agent.history)"),
    {.name = "horizon",
     .type = PERP_CFG_DURATION,
     .default_value = "1h",
     .min = 60000,
     .flags = PERP_CFG_HAS_MIN,
     .description = "sigma_h = sigma_1m * sqrt(horizon in minutes)"},
    PERP_CFG_NUM("stop_vol_mult", "2", 0.1, 100, "stop distance in sigma_h"),
    PERP_CFG_NUM("reward_risk", "2.5", 0.1, 100,
                 "take-profit distance / stop distance"),
    PERP_CFG_NUM("fee_bps", "2", 0, 1000, "fee per side, for costs and size"),
    PERP_CFG_NUM("slippage_bps", "1", 0, 1000, "slippage per side, likewise"),
    PERP_CFG_NUM("min_edge", "8", 0, 1000,
                 "take-profit distance >= min_edge x round-trip cost"),
    {.name = "min_hold",
     .type = PERP_CFG_DURATION,
     .default_value = "1h",
     .min = 0,
     .flags = PERP_CFG_HAS_MIN,
     .description = "no rule exit before this"},
    {.name = "cooldown",
     .type = PERP_CFG_DURATION,
     .default_value = "2h",
     .min = 0,
     .flags = PERP_CFG_HAS_MIN,
     .description = "no entry this long after an exit on the market"},
    PERP_CFG_NUM("risk_pct", "0.5", 0.01, 100,
                 "% of equity lost at the stop, costs included"),
    PERP_CFG_NUM("leverage", "3", 1, 1000,
                 "wanted leverage (capped by limits and market)"),
    PERP_CFG_NUM("exposure_use", "0.9", 0.01, 1,
                 "share of limits.max_exposure it may fill"),
    PERP_CFG_NUM("margin_use", "0.9", 0.01, 1,
                 "share of available margin it may commit"),
    PERP_CFG_LAST};

static perp_status read_names(const perp_host *h, const perp_config_node *cfg,
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

/* A number (its row's range checked by the host); the default is *v. */
static int num(const perp_host *h, const perp_config_node *cfg, const char *key,
               double *v)
{
    return h->cfg_num(h, cfg, key, *v, v);
}

static perp_status read_bands(const perp_host *h, const perp_config_node *cfg,
                              trend_params *p)
{
    if (num(h, cfg, "enter_band", &p->enter_band) ||
        num(h, cfg, "exit_band", &p->exit_band) ||
        num(h, cfg, "rsi_long_min", &p->rsi_long_min) ||
        num(h, cfg, "rsi_long_max", &p->rsi_long_max) ||
        num(h, cfg, "rsi_short_min", &p->rsi_short_min) ||
        num(h, cfg, "rsi_short_max", &p->rsi_short_max))
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

static perp_status read_exits(const perp_host *h, const perp_config_node *cfg,
                              trend_params *p)
{
    int64_t window = p->vol_window;
    int64_t horizon = (int64_t)(p->horizon_min * 60000);
    if (h->cfg_int(h, cfg, "vol_window", window, &window) ||
        h->cfg_duration_ms(h, cfg, "horizon", horizon, &horizon) ||
        num(h, cfg, "stop_vol_mult", &p->stop_vol_mult) ||
        num(h, cfg, "reward_risk", &p->reward_risk) ||
        num(h, cfg, "fee_bps", &p->fee_bps) ||
        num(h, cfg, "slippage_bps", &p->slippage_bps) ||
        num(h, cfg, "min_edge", &p->min_edge) ||
        h->cfg_duration_ms(h, cfg, "min_hold", p->min_hold_ms,
                           &p->min_hold_ms) ||
        h->cfg_duration_ms(h, cfg, "cooldown", p->cooldown_ms, &p->cooldown_ms))
        return PERP_EINVAL;
    p->vol_window = (int)window;
    p->horizon_min = (double)horizon / 60000.0;
    return PERP_OK;
}

static perp_status read_sizing(const perp_host *h, const perp_config_node *cfg,
                               trend_params *p)
{
    return num(h, cfg, "risk_pct", &p->risk_pct) ||
                   num(h, cfg, "leverage", &p->leverage) ||
                   num(h, cfg, "exposure_use", &p->exposure_use) ||
                   num(h, cfg, "margin_use", &p->margin_use)
               ? PERP_EINVAL
               : PERP_OK;
}

perp_status rules_config_read(const perp_host *h, const perp_config_node *cfg,
                              trend_params *p)
{
    trend_params_default(p);
    if (!cfg)
        return PERP_OK;
    if (read_names(h, cfg, p) || read_bands(h, cfg, p) ||
        read_exits(h, cfg, p) || read_sizing(h, cfg, p))
        return PERP_EINVAL;
    return PERP_OK;
}
