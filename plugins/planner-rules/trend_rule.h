/*
 * trend_rule.h — the rule planner's decision for one market, as a pure
 * function of the observation (no I/O, no state), so tests can feed it
 * constructed observations.
 */
#ifndef RULES_TREND_RULE_H
#define RULES_TREND_RULE_H

#include <perp/sdk.h>

typedef struct trend_params {
    const char *ema; /* indicator names as the YAML names them */
    const char *macd_hist;
    const char *rsi;
    const char *atr; /* optional: absent -> mean true range of candles */
    int use_ctx;     /* 1: read the context timeframe's indicators */
    double rsi_long_min, rsi_long_max;
    double rsi_short_min, rsi_short_max;
    double risk_pct;      /* of equity lost if the stop is hit */
    double stop_atr_mult; /* stop distance = mult x ATR */
    double reward_risk;   /* take profit distance / stop distance */
    double leverage;      /* wanted; capped by the limits and the market */
    double exposure_use;  /* fraction of limits.max_exposure it may fill */
    double margin_use;    /* fraction of available margin it may commit */
    int atr_window;       /* candles for the fallback true range */
} trend_params;

void trend_params_default(trend_params *p);

/* Fills *out (coin set, signal, sizes, exit plan, justification) for
 * market m. Always gives a decision: hold, with the reason, when data is
 * missing. */
void trend_decide(const trend_params *p, const perp_observation *obs,
                  const perp_market_view *m, perp_coin_decision *out);

#endif
