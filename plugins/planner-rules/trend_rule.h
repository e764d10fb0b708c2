/*
 * trend_rule.h — the rule planner's decision for one market. A pure
 * function of the observation, the parameters and a small per-market
 * memory the caller owns (so tests can feed constructed observations and
 * step the memory themselves). The rule is described in trend_rule.c and
 * docs/planner-rules.md.
 */
#ifndef RULES_TREND_RULE_H
#define RULES_TREND_RULE_H

#include <stdint.h>

#include <perp/sdk.h>

#include "vol_cache.h"

typedef struct trend_params {
    /* Indicator names as the YAML names them (borrowed). "" disables the
     * optional ones (macd_hist, rsi, ctx_ema). */
    const char *fast;      /* 1m EMA, the faster trend line (ema_60) */
    const char *slow;      /* 1m EMA, the slower trend line (ema_240) */
    const char *macd_hist; /* 1m momentum; must agree at entry */
    const char *rsi;       /* 1m RSI; entries only inside the bands */
    const char *ctx_ema;   /* context-timeframe EMA; close must agree */
    const char *regime;    /* a regime output, context timeframe first;
                              "": the market's regime (perp_market_view) */
    int require_regime;    /* entries only in trending_up / trending_down */
    /* Hysteresis on the trend spread (fast - slow) / (price x sigma_h):
     * enter at |spread| >= enter_band, leave at spread <= -exit_band for
     * a long (>= +exit_band for a short). */
    double enter_band, exit_band;
    double rsi_long_min, rsi_long_max;
    double rsi_short_min, rsi_short_max;
    int vol_window;               /* 1m candles for the realized volatility */
    double horizon_min;           /* sigma_h = sigma_1m x sqrt(horizon_min) */
    double stop_vol_mult;         /* stop distance = mult x sigma_h x price */
    double reward_risk;           /* take-profit distance / stop distance */
    double fee_bps, slippage_bps; /* per side, as the venue charges */
    double min_edge;     /* take-profit distance >= min_edge x round trip */
    int64_t min_hold_ms; /* no rule exit before (stops always apply) */
    int64_t cooldown_ms; /* no entry this long after any exit */
    double risk_pct;     /* of equity lost at the stop, costs included */
    double leverage;     /* wanted; capped by the limits and the market */
    double exposure_use; /* fraction of limits.max_exposure it may fill */
    double margin_use;   /* fraction of available margin it may commit */
} trend_params;

/* Where each named input was found last cycle (the order of a market's
 * indicators does not change, so one strcmp confirms it). */
enum {
    TREND_AT_FAST,
    TREND_AT_SLOW,
    TREND_AT_HIST,
    TREND_AT_RSI,
    TREND_AT_CTX_EMA,
    TREND_AT_REGIME_CTX,
    TREND_AT_REGIME_1M,
    TREND_AT_N
};

/* What the rule remembers about one market between cycles. A zero
 * trend_memory is a fresh one. The caches only save work: they never
 * change a decision or its text. */
typedef struct trend_memory {
    int had_position;      /* a position was open at the previous cycle */
    int64_t last_exit_ts;  /* when it was last seen closed; 0: never */
    size_t at[TREND_AT_N]; /* index hints into ind_1m / ind_ctx */
    vol_cache vol;         /* log returns of the closes already seen */
    int exact_only;        /* no estimate: the exact volatility every cycle (the
                              reference the tests hold the cache to) */
} trend_memory;

void trend_params_default(trend_params *p);

/* The output called `name` in v[0..n), or NULL (also for an empty name). */
const perp_indicator_value *trend_find(const perp_indicator_value *v, size_t n,
                                       const char *name);

/* Fills *out (coin set, signal, sizes, exit plan, justification) for
 * market m and updates *mem. The candles of m are closed bars: one seen
 * before (same open time and close) is taken as unchanged. Always gives a
 * decision: hold, with the reason, when data is missing or a filter says no. */
void trend_decide(const trend_params *p, const perp_observation *obs,
                  const perp_market_view *m, trend_memory *mem,
                  perp_coin_decision *out);

#endif
