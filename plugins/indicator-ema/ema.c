/*
 * indicator-ema — exponential moving average, as TA-Lib's TA_EMA (default
 * compatibility, no unstable period).
 *
 * Definition, for period n and k = 2 / (n + 1):
 *   ema[n-1] = (x[0] + ... + x[n-1]) / n          (SMA seed)
 *   ema[t]   = (x[t] - ema[t-1]) * k + ema[t-1]   for t >= n
 * First defined index: n - 1 (TA_EMA_Lookback = n - 1); NAN before.
 *
 * Keys: ema_config below. One output, shown under
 * the YAML name. O(1) per candle: a running sum until the seed, then
 * ema*(1-k) + x*k, the same value as TA-Lib's form to a few ulps (and
 * the recurrence damps rounding by 1-k per step), but whose chain from
 * one candle's ema to the next is a multiply and an add, not a subtract,
 * a multiply and an add.
 */
#include <math.h>
#include <stdlib.h>
#include <perp/sdk.h>

#include <perp/indicator.h>

typedef struct ema_state {
    size_t period;
    double k;
    double keep; /* 1 - k */
    perp_price_source src;
    size_t seen;  /* candles folded in, counted up to period */
    double sum;   /* seed accumulator, used while seen < period */
    double value; /* current EMA, NAN until seen >= period */
} ema_state;

static void ema_reset(void *self)
{
    ema_state *s = self;
    s->seen = 0;
    s->sum = 0.0;
    s->value = NAN;
}

static const perp_config_key ema_config[] = {
    PERP_CFG_PERIOD("period", "20", 2, "candles in the SMA seed; k = 2/(n+1)"),
    PERP_CFG_PRICE_SOURCE, PERP_CFG_LAST};

static perp_status ema_create(const perp_host *h, const perp_config_node *cfg,
                              void **self)
{
    ema_state tmp = {0};
    if (perp_cfg_period(h, cfg, "period", 20, &tmp.period) != PERP_OK ||
        perp_cfg_price_source(h, cfg, &tmp.src) != PERP_OK)
        return PERP_EINVAL;
    ema_state *s = malloc(sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    *s = tmp;
    s->k = 2.0 / (double)(s->period + 1);
    s->keep = 1.0 - s->k;
    ema_reset(s);
    *self = s;
    return PERP_OK;
}

static void ema_destroy(void *self)
{
    free(self);
}

static size_t ema_output_count(void *self)
{
    (void)self;
    return 1;
}

static const char *ema_output_name(void *self, size_t i)
{
    (void)self;
    return i == 0 ? "ema" : NULL;
}

/* Before the first value: sum the seed window (the cold branch). */
static void ema_seed(ema_state *s, double x)
{
    s->sum += x;
    if (++s->seen == s->period)
        s->value = s->sum / (double)s->period;
}

static perp_status ema_update(void *self, const perp_candle *c,
                              const double *prior, double *out)
{
    (void)prior;
    ema_state *s = self;
    double x = perp_price_source_value(s->src, c);
    if (PERP_LIKELY(s->seen == s->period))
        s->value = s->value * s->keep + x * s->k;
    else
        ema_seed(s, x);
    out[0] = s->value;
    return PERP_OK;
}

/* TA_EMA_Lookback: the SMA seed needs `period` candles. */
static size_t ema_lookback(void *self)
{
    const ema_state *s = self;
    return s->period - 1;
}

static const perp_indicator_vtable ema_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = ema_create,
    .destroy = ema_destroy,
    .output_count = ema_output_count,
    .output_name = ema_output_name,
    .bind = NULL,
    .update = ema_update,
    .reset = ema_reset,
    .output_label = NULL,
    .summary = NULL,
    .lookback = ema_lookback,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "ema", "1.0.0",
                        "exponential moving average (TA-Lib EMA, SMA-seeded)",
                        ema_vtable, ema_config)
