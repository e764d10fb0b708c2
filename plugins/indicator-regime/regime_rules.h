/*
 * regime_rules.h — the regime classification as a pure function of one
 * candle's inputs and the configured thresholds (no plugin state), so the
 * rules can be read, documented and tested on their own.
 */
#ifndef REGIME_RULES_H
#define REGIME_RULES_H

#include <stddef.h>
#include <perp/sdk.h>

typedef enum regime_kind {
    REGIME_TRENDING_UP = 0,
    REGIME_TRENDING_DOWN = 1,
    REGIME_RANGING = 2,
    REGIME_VOLATILE_CHOPPY = 3
} regime_kind;

typedef enum regime_vol {
    REGIME_VOL_LOW = 0,
    REGIME_VOL_MODERATE = 1,
    REGIME_VOL_HIGH = 2,
    REGIME_VOL_EXTREME = 3
} regime_vol;

/* Defaults in brackets; docs/indicators.md explains each. */
typedef struct regime_thresholds {
    double vol_low;            /* [25] annualised rv, percent: below: low */
    double vol_moderate;       /* [50] below: moderate */
    double vol_high;           /* [100] below: high; else extreme */
    double ranging_below;      /* [30] strength below: ranging */
    double trend_min;          /* [50] strength for a trend */
    double choppy_strength;    /* [60] strong but split votes: choppy */
    double up_ratio;           /* [0.7] up-vote share for trending_up */
    double down_ratio;         /* [0.3] at most this share: trending_down */
    regime_vol choppy_vol;     /* [high] volatility that can mean chop */
    double min_trend_to_noise; /* [2] |close-ema|/ema over rv */
} regime_thresholds;

/* The thresholds' config-map rows (regime.c's table holds them); the
 * defaults are regime_default_thresholds' values. Order and strictness
 * between keys are checked by regime_read_thresholds. */
#define REGIME_THRESHOLD_ROWS                                                  \
    PERP_CFG_NUM("vol_low", "25", 0.01, 100000,                                \
                 "annualised rv percent below which volatility is low"),       \
        PERP_CFG_NUM("vol_moderate", "50", 0.01, 100000,                       \
                     "below it (and above vol_low): moderate"),                \
        PERP_CFG_NUM("vol_high", "100", 0.01, 100000,                          \
                     "below it: high; at or above it: extreme"),               \
        PERP_CFG_NUM("ranging_below", "30", 0, 100,                            \
                     "trend strength below which the market is ranging"),      \
        PERP_CFG_NUM("trend_min", "50", 0, 100,                                \
                     "trend strength a trend needs"),                          \
        PERP_CFG_NUM("choppy_strength", "60", 0, 100,                          \
                     "strength with split votes that reads as choppy"),        \
        PERP_CFG_NUM("up_ratio", "0.7", 0.5, 1,                                \
                     "up-vote share for trending_up (above 0.5)"),             \
        PERP_CFG_NUM("down_ratio", "0.3", 0, 0.5,                              \
                     "up-vote share at most this: trending_down (below 0.5)"), \
        PERP_CFG_CHOICE("choppy_vol", "high", "low|moderate|high|extreme",     \
                        "volatility level that can mean chop"),                \
    {                                                                          \
        .name = "min_trend_to_noise", .type = PERP_CFG_NUMBER,                 \
        .default_value = "2", .min = 0, .flags = PERP_CFG_HAS_MIN,             \
        .description = "|close - ema| / ema over rv a trend needs"             \
    }

typedef struct regime_inputs {
    double close;
    double ema;       /* EMA of close (20) */
    double macd;      /* MACD line (fast EMA - slow EMA), price units */
    double rsi;       /* 0..100 */
    double rv;        /* std of one-candle log returns, a fraction */
    double rv_annual; /* the same annualised, a fraction */
} regime_inputs;

typedef struct regime_result {
    regime_kind regime;
    regime_vol vol_level;
    double strength;       /* 0..100 */
    double up_share;       /* 0..1, weighted votes for "up" */
    double trend_to_noise; /* INFINITY when rv == 0 */
} regime_result;

void regime_default_thresholds(regime_thresholds *th);
/* Reads every threshold key (the host has checked each against its row)
 * and checks what the rows cannot say: the order between them and the
 * strict ends of the ratios. PERP_EINVAL after a cfg_error naming the
 * key. */
perp_status regime_read_thresholds(const perp_host *h,
                                   const perp_config_node *cfg,
                                   regime_thresholds *th);

regime_result regime_classify(const regime_thresholds *th,
                              const regime_inputs *in);
/* One line, e.g. "Low volatility - trending higher (strength 67/100;
 * close +1.90% vs EMA, RSI 100.0, rv 12.3%/yr)". */
void regime_describe(const regime_inputs *in, const regime_result *r, char *buf,
                     size_t len);

const char *regime_name(regime_kind k);    /* "trending_up", ... */
const char *regime_vol_name(regime_vol v); /* "low", ... */

#endif
