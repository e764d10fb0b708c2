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
 * Config: period (7 in the default pipeline; default 14, 2..100000),
 * source (close). O(1) per candle.
 */
#include <math.h>
#include <stdlib.h>
#include <perp/sdk.h>

#include "../indicator-ema/indicator_cfg.h"

/* Constants first, then the per-candle state, then `value`, which the
 * steady state never stores: the compiler loads and stores gain and loss
 * as one 16-byte pair, and a pair load overlapping a fresh 8-byte store
 * (value next to inv_n, as this struct once had) cannot be forwarded and
 * stalls every candle. */
typedef struct rsi_state {
    size_t period;
    ind_source src;
    double inv_n; /* 1/period */
    size_t seen;  /* candles folded in, counted up to period + 1 */
    double prev;  /* previous price */
    double gain;  /* sum while seeding, then Wilder average */
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
    s->value = NAN;
}

static int rsi_create(const perp_host *h, const perp_config_node *cfg,
                      void **self)
{
    static const char *const keys[] = {"period", "source", IND_HOST_KEYS, NULL};
    rsi_state tmp = {0};
    if (h->cfg_check_keys(h, cfg, keys) != PERP_OK ||
        ind_cfg_period(h, cfg, "period", 14, 2, 100000, &tmp.period) !=
            PERP_OK ||
        ind_cfg_source(h, cfg, &tmp.src) != PERP_OK)
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

static double rsi_ratio(double gain, double loss)
{
    double total = gain + loss;
    return total > 0.0 ? 100.0 * (gain / total) : 50.0;
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
            s->value = rsi_ratio(s->gain, s->loss);
        }
    }
    s->prev = x;
}

static int rsi_update(void *self, const perp_candle *c, const double *prior,
                      double *out)
{
    (void)prior;
    rsi_state *s = self;
    double x = ind_source_value(s->src, c);
    if (s->seen > s->period) {
        double d = x - s->prev;
        double up = d > 0.0 ? d : 0.0, down = d < 0.0 ? -d : 0.0;
        /* Wilder (avg*(n-1) + x)/n written as avg + (x - avg)/n with a
         * stored 1/n: the same value to a few ulps, but a short
         * dependency chain with no division. */
        s->gain += (up - s->gain) * s->inv_n;
        s->loss += (down - s->loss) * s->inv_n;
        s->prev = x;
        out[0] = rsi_ratio(s->gain, s->loss);
    } else {
        rsi_seed(s, x);
        out[0] = s->value;
    }
    return PERP_OK;
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
};

PERP_PLUGIN(PERP_KIND_INDICATOR, "rsi", "1.0.0",
            "relative strength index (TA-Lib RSI, Wilder smoothing)",
            rsi_vtable)
