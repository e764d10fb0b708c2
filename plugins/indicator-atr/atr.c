/*
 * indicator-atr — Wilder's average true range, as TA-Lib's TA_ATR
 * (default compatibility, no unstable period).
 *
 * Definition, for period n, with close c, high h, low l:
 *   tr[t]  = max(h[t] - l[t], |c[t-1] - h[t]|, |c[t-1] - l[t]|)  t >= 1
 *            (TA_TRANGE; the first candle has no previous close, so no tr)
 *   atr[n] = (tr[1] + ... + tr[n]) / n                     (simple seed)
 *   atr[t] = (atr[t-1] * (n-1) + tr[t]) / n                t > n (Wilder)
 * First defined index: n (TA_ATR_Lookback = n; 14 for the default).
 * n = 1 gives the true range itself from index 1, as TA-Lib does.
 *
 * Keys: atr_config below. Reads high, low and close; no source. O(1)
 * per candle.
 */
#include <math.h>
#include <stdlib.h>
#include <perp/sdk.h>

#include <perp/indicator.h>

#if defined(__GNUC__)
#define ATR_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define ATR_LIKELY(x) (x)
#endif

typedef struct atr_state {
    size_t period;
    size_t seen; /* candles folded in, counted up to period + 1 */
    double prev_close;
    double atr; /* sum of tr while seeding, then the average */
    double value;
    double inv_n; /* 1/period */
} atr_state;

static void atr_reset(void *self)
{
    atr_state *s = self;
    s->seen = 0;
    s->prev_close = NAN;
    s->atr = 0.0;
    s->value = NAN;
}

static const perp_config_key atr_config[] = {
    PERP_CFG_PERIOD("period", "14", 1, "true ranges in Wilder's average"),
    PERP_CFG_LAST};

static perp_status atr_create(const perp_host *h, const perp_config_node *cfg,
                              void **self)
{
    atr_state tmp = {0};
    if (perp_cfg_period(h, cfg, "period", 14, &tmp.period) != PERP_OK)
        return PERP_EINVAL;
    atr_state *s = malloc(sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    *s = tmp;
    s->inv_n = 1.0 / (double)s->period;
    atr_reset(s);
    *self = s;
    return PERP_OK;
}

static void atr_destroy(void *self)
{
    free(self);
}

static size_t atr_output_count(void *self)
{
    (void)self;
    return 1;
}

static const char *atr_output_name(void *self, size_t i)
{
    (void)self;
    return i == 0 ? "atr" : NULL;
}

/* TA_TRANGE's comparison order. */
static double true_range(const perp_candle *c, double prev_close)
{
    double greatest = c->high - c->low;
    double up = fabs(prev_close - c->high);
    if (up > greatest)
        greatest = up;
    double down = fabs(prev_close - c->low);
    if (down > greatest)
        greatest = down;
    return greatest;
}

/* Up to the seed (the cold branch): the sum of the first n true ranges. */
static void atr_seed(atr_state *s, const perp_candle *c)
{
    size_t t = s->seen++;
    if (t > 0) {
        s->atr += true_range(c, s->prev_close);
        if (t == s->period) {
            s->atr /= (double)s->period;
            s->value = s->atr;
        }
    }
    s->prev_close = c->close;
}

static perp_status atr_update(void *self, const perp_candle *c,
                              const double *prior, double *out)
{
    (void)prior;
    atr_state *s = self;
    if (!ATR_LIKELY(s->seen > s->period)) {
        atr_seed(s, c);
        out[0] = s->value;
        return PERP_OK;
    }
    /* Wilder, as avg + (tr - avg)/n with a stored 1/n; `value` is only
     * the warm-up's output, so the steady state does not store it. */
    double atr = s->atr + (true_range(c, s->prev_close) - s->atr) * s->inv_n;
    s->atr = atr;
    s->prev_close = c->close;
    out[0] = atr;
    return PERP_OK;
}

/* TA_ATR_Lookback: `period` true ranges need period + 1 candles. */
static size_t atr_lookback(void *self)
{
    const atr_state *s = self;
    return s->period;
}

static const perp_indicator_vtable atr_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = atr_create,
    .destroy = atr_destroy,
    .output_count = atr_output_count,
    .output_name = atr_output_name,
    .bind = NULL,
    .update = atr_update,
    .reset = atr_reset,
    .output_label = NULL,
    .summary = NULL,
    .lookback = atr_lookback,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "atr", "1.0.0",
                        "average true range (TA-Lib ATR, Wilder smoothing)",
                        atr_vtable, atr_config)
