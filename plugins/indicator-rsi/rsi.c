/*
 * indicator-rsi — Wilder's relative strength index, as TA-Lib's TA_RSI
 * (default compatibility, no unstable period).
 *
 * Definition, for period n, with d[t] = x[t] - x[t-1] (t >= 1),
 * gain = max(d, 0), loss = max(-d, 0):
 *   G[n] = (gain[1] + ... + gain[n]) / n,  L[n] likewise  (simple seed)
 *   G[t] = (G[t-1] * (n-1) + gain[t]) / n  for t > n      (Wilder)
 *   rsi[t] = 100 * G[t] / (G[t] + L[t])
 * First defined index: n (TA_RSI_Lookback = n); NAN before.
 *
 * One deliberate difference: TA-Lib returns 0 when G + L < 1e-8, an
 * absolute threshold that misfires on sub-dollar coins (DOGE moves by
 * 1e-5); here the ratio is used whenever G + L > 0, and a series that has
 * not moved at all since its start reads 50 (neutral), not 0.
 *
 * O(1) per candle (its keys: rsi_config below, or `perpd plugins
 * --describe rsi`). After the seed the averages are
 * carried as 2G and G + L (both Wilder averages, of d + |d| and of |d|,
 * since the recurrence is linear), which needs no clamping per candle.
 */
#include <math.h>
#include <stdlib.h>
#include <perp/sdk.h>

#include <perp/indicator.h>

#if defined(__GNUC__)
#define RSI_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define RSI_LIKELY(x) (x)
#endif

/* Constants first, then the per-candle state, then what the steady state
 * never stores: a 16-byte pair load overlapping a fresh 8-byte store
 * cannot be forwarded and stalls every candle. */
typedef struct rsi_state {
    size_t period;
    perp_price_source src;
    double inv_n; /* 1/period */
    size_t seen;  /* candles folded in, counted up to period + 1 */
    double prev;  /* previous price */
    double gain2; /* 2 G, the steady state's gain average (see update) */
    double total; /* G + L, the Wilder average of |d|, from the seed */
    double gain;  /* sums while seeding */
    double loss;
    double value; /* output until the steady state */
} rsi_state;

static void rsi_reset(void *self)
{
    rsi_state *s = self;
    s->seen = 0;
    s->prev = NAN;
    s->gain = 0.0;
    s->loss = 0.0;
    s->gain2 = 0.0;
    s->total = 0.0;
    s->value = NAN;
}

static const perp_config_key rsi_config[] = {
    PERP_CFG_PERIOD("period", "14", 2, "candles in Wilder's averages"),
    PERP_CFG_PRICE_SOURCE, PERP_CFG_LAST};

static perp_status rsi_create(const perp_host *h, const perp_config_node *cfg,
                              void **self)
{
    rsi_state tmp = {0};
    if (perp_cfg_period(h, cfg, "period", 14, &tmp.period) != PERP_OK ||
        perp_cfg_price_source(h, cfg, &tmp.src) != PERP_OK)
        return PERP_EINVAL;
    rsi_state *s = malloc(sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    *s = tmp;
    s->inv_n = 1.0 / (double)s->period;
    rsi_reset(s);
    *self = s;
    return PERP_OK;
}

static void rsi_destroy(void *self)
{
    free(self);
}

static size_t rsi_output_count(void *self)
{
    (void)self;
    return 1;
}

static const char *rsi_output_name(void *self, size_t i)
{
    (void)self;
    return i == 0 ? "rsi" : NULL;
}

/* G / (G + L) as a percentage, from G and the total G + L. */
static double rsi_ratio(double gain, double total)
{
    /* 100 * gain beside the total, so the output waits only for the
     * division (one rounding more than 100 * (gain / total): an ulp). */
    double scaled = 100.0 * gain;
    return total > 0.0 ? scaled / total : 50.0;
}

/* Up to the seed (the cold branch): simple sums of the first n moves. */
static void rsi_seed(rsi_state *s, double x)
{
    size_t t = s->seen++;
    if (t > 0) {
        double d = x - s->prev;
        s->gain += d > 0.0 ? d : 0.0;
        s->loss += d < 0.0 ? -d : 0.0;
        if (t == s->period) {
            s->gain /= (double)s->period;
            s->loss /= (double)s->period;
            s->total = s->gain + s->loss;
            s->gain2 = 2.0 * s->gain;
            s->value = rsi_ratio(s->gain, s->total);
        }
    }
    s->prev = x;
}

static perp_status rsi_update(void *self, const perp_candle *c,
                              const double *prior, double *out)
{
    (void)prior;
    rsi_state *s = self;
    double x = perp_price_source_value(s->src, c);
    if (!RSI_LIKELY(s->seen > s->period)) {
        rsi_seed(s, x);
        out[0] = s->value;
        return PERP_OK;
    }
    double d = x - s->prev;
    if (!RSI_LIKELY(d == d))
        d = 0.0; /* a NAN price counts as no move, as in the seed */
    /* With a = |d|: gain = (d + a)/2, loss = (a - d)/2, so
     * gain + loss = a. The averages are linear, so the loss is
     * carried as the total G + L (the Wilder average of a) and the
     * gain doubled (2G, the average of d + a, exact powers of two):
     * no clamps, no halving, and the output waits for no add after
     * the two averages. Wilder (avg*(n-1) + x)/n is written as
     * avg + (x - avg)/n with a stored 1/n: the same value to a few
     * ulps, and a short chain with no division. */
    double a = fabs(d);
    double gain2 = s->gain2 + ((d + a) - s->gain2) * s->inv_n;
    double total = s->total + (a - s->total) * s->inv_n;
    s->gain2 = gain2;
    s->total = total;
    s->prev = x;
    /* 50 * 2G = 100 G exactly, beside the total: then one division. */
    out[0] = total > 0.0 ? (50.0 * gain2) / total : 50.0;
    return PERP_OK;
}

/* TA_RSI_Lookback: `period` moves need period + 1 prices. */
static size_t rsi_lookback(void *self)
{
    const rsi_state *s = self;
    return s->period;
}

static const perp_indicator_vtable rsi_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = rsi_create,
    .destroy = rsi_destroy,
    .output_count = rsi_output_count,
    .output_name = rsi_output_name,
    .bind = NULL,
    .update = rsi_update,
    .reset = rsi_reset,
    .output_label = NULL,
    .summary = NULL,
    .lookback = rsi_lookback,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "rsi", "1.0.0",
                        "relative strength index (TA-Lib RSI, Wilder "
                        "smoothing)",
                        rsi_vtable, rsi_config)
