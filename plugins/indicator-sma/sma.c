/*
 * indicator-sma — simple moving average, as TA-Lib's TA_SMA.
 *
 * Definition, for period n: sma[t] = (x[t-n+1] + ... + x[t]) / n.
 * First defined index: n - 1 (TA_SMA_Lookback = n - 1); NAN before.
 *
 * Keys: sma_config below. O(1) per candle: a ring
 * of the last n values and a running sum. A running sum drifts by one
 * rounding per candle, so every n candles, when the ring wraps and so
 * holds the window oldest first in ring[0..n), the sum is recomputed from
 * it in the plain window order (O(n) every n candles: O(1) amortised),
 * which keeps it equal to the plain window sum to ~1e-15 relative however
 * long it runs. The wrap and the recompute share one branch.
 */
#include <math.h>
#include <stdlib.h>
#include <perp/sdk.h>

#include <perp/indicator.h>

typedef struct sma_state {
    size_t period;
    perp_price_source src;
    double *ring; /* owned, period values, oldest at head once full */
    size_t head;  /* next slot to write */
    size_t seen;  /* candles folded in, counted up to period */
    double sum;
    double inv_period; /* multiply, not divide, per candle */
} sma_state;

static void sma_reset(void *self)
{
    sma_state *s = self;
    s->head = 0;
    s->seen = 0;
    s->sum = 0.0;
}

static const perp_config_key sma_config[] = {
    PERP_CFG_PERIOD("period", "20", 2, "candles averaged"),
    PERP_CFG_PRICE_SOURCE, PERP_CFG_LAST};

static perp_status sma_create(const perp_host *h, const perp_config_node *cfg,
                              void **self)
{
    sma_state tmp = {0};
    if (perp_cfg_period(h, cfg, "period", 20, &tmp.period) != PERP_OK ||
        perp_cfg_price_source(h, cfg, &tmp.src) != PERP_OK)
        return PERP_EINVAL;
    sma_state *s = malloc(sizeof *s);
    double *ring = calloc(tmp.period, sizeof *ring);
    if (!s || !ring) {
        free(s);
        free(ring);
        return PERP_ENOMEM;
    }
    *s = tmp;
    s->ring = ring;
    s->inv_period = 1.0 / (double)s->period;
    sma_reset(s);
    *self = s;
    return PERP_OK;
}

static void sma_destroy(void *self)
{
    sma_state *s = self;
    if (!s)
        return;
    free(s->ring);
    free(s);
}

static size_t sma_output_count(void *self)
{
    (void)self;
    return 1;
}

static const char *sma_output_name(void *self, size_t i)
{
    (void)self;
    return i == 0 ? "sma" : NULL;
}

/* Sum of ring[0..n): the window oldest first (the order a plain window
 * sum uses) at the moment the ring wraps. */
static double sma_exact_sum(const sma_state *s)
{
    double sum = 0.0;
    for (size_t i = 0; i < s->period; i++)
        sum += s->ring[i];
    return sum;
}

/* Warm-up (the cold branch): the ring fills in order and wraps when full. */
static void sma_fill(sma_state *s, double x)
{
    s->ring[s->head] = x;
    s->sum += x;
    if (++s->head == s->period)
        s->head = 0;
    s->seen++;
}

static perp_status sma_update(void *self, const perp_candle *c,
                              const double *prior, double *out)
{
    (void)prior;
    sma_state *s = self;
    double x = perp_price_source_value(s->src, c);
    if (s->seen < s->period) {
        sma_fill(s, x);
        out[0] = s->seen == s->period ? s->sum * s->inv_period : NAN;
        return PERP_OK;
    }
    size_t h = s->head;
    double old = s->ring[h];
    s->ring[h] = x;
    if (++h == s->period) {
        h = 0;
        s->sum = sma_exact_sum(s);
    } else {
        s->sum += x - old;
    }
    s->head = h;
    out[0] = s->sum * s->inv_period;
    return PERP_OK;
}

/* TA_SMA_Lookback: a full window of `period` candles. */
static size_t sma_lookback(void *self)
{
    const sma_state *s = self;
    return s->period - 1;
}

static const perp_indicator_vtable sma_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = sma_create,
    .destroy = sma_destroy,
    .output_count = sma_output_count,
    .output_name = sma_output_name,
    .bind = NULL,
    .update = sma_update,
    .reset = sma_reset,
    .output_label = NULL,
    .summary = NULL,
    .lookback = sma_lookback,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "sma", "1.0.0",
                        "simple moving average (TA-Lib SMA)", sma_vtable,
                        sma_config)
