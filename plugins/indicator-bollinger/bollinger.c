/*
 * indicator-bollinger — Bollinger bands, as TA-Lib's TA_BBANDS with the
 * SMA moving average and equal deviations up and down. Outputs "upper",
 * "middle", "lower" (shown as <name>.upper, ...).
 *
 * Definition, for period n and width k:
 *   middle[t] = SMA(n) = mean(x[t-n+1 .. t])
 *   sd[t]     = sqrt(sum((x[i] - middle[t])^2) / n)   population, as
 *               TA-Lib's STDDEV (nbdev uses the population form)
 *   upper[t]  = middle[t] + k * sd[t];  lower[t] = middle[t] - k * sd[t]
 * First defined index: n - 1 (TA_BBANDS_Lookback = n - 1; 19 for 20).
 *
 * Two numerical differences from TA-Lib's code, not its definition:
 * TA-Lib computes the variance as E[x^2] - E[x]^2 (catastrophic
 * cancellation at BTC prices) and zeroes it below an absolute 1e-8
 * (which flattens the bands of sub-dollar coins such as DOGE); here the
 * variance is computed stably (rolling_std.h: within 1e-11 relative of
 * the two-pass value) and is zero only for a window of equal prices.
 *
 * Keys: boll_config below. O(1) per candle (amortised).
 */
#include <math.h>
#include <stdlib.h>
#include <perp/sdk.h>

#include <perp/indicator.h>

#include "rolling_std.h"

typedef struct boll_state {
    size_t period;
    double k;
    perp_price_source src;
    rstd win;
} boll_state;

static void boll_reset(void *self)
{
    boll_state *s = self;
    rstd_reset(&s->win);
}

static const perp_config_key boll_config[] = {
    PERP_CFG_PERIOD("period", "20", 2, "candles in the SMA and deviation"),
    PERP_CFG_NUM("k", "2", 0.001, 1000, "band width in standard deviations"),
    PERP_CFG_PRICE_SOURCE, PERP_CFG_LAST};

static perp_status boll_read_cfg(const perp_host *h,
                                 const perp_config_node *cfg, boll_state *s)
{
    if (perp_cfg_period(h, cfg, "period", 20, &s->period) != PERP_OK ||
        h->cfg_num(h, cfg, "k", 2.0, &s->k) != PERP_OK ||
        perp_cfg_price_source(h, cfg, &s->src) != PERP_OK)
        return PERP_EINVAL;
    return PERP_OK;
}

static perp_status boll_create(const perp_host *h, const perp_config_node *cfg,
                               void **self)
{
    boll_state tmp = {0};
    if (boll_read_cfg(h, cfg, &tmp) != PERP_OK)
        return PERP_EINVAL;
    boll_state *s = malloc(sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    *s = tmp;
    if (rstd_init(&s->win, s->period) != 0) {
        free(s);
        return PERP_ENOMEM;
    }
    *self = s;
    return PERP_OK;
}

static void boll_destroy(void *self)
{
    boll_state *s = self;
    if (!s)
        return;
    rstd_free(&s->win);
    free(s);
}

static size_t boll_output_count(void *self)
{
    (void)self;
    return 3;
}

static const char *boll_output_name(void *self, size_t i)
{
    (void)self;
    static const char *const names[] = {"upper", "middle", "lower"};
    return i < 3 ? names[i] : NULL;
}

static void boll_write(const boll_state *s, double *out)
{
    double mid = rstd_mean(&s->win);
    double width = s->k * rstd_pstd(&s->win);
    out[0] = mid + width;
    out[1] = mid;
    out[2] = mid - width;
}

/* The first n - 1 candles: NAN until the window is full. */
RSTD_COLD static int boll_warm_up(boll_state *s, double x, double *out)
{
    rstd_push(&s->win, x);
    if (!rstd_full(&s->win)) {
        out[0] = out[1] = out[2] = NAN;
        return PERP_OK;
    }
    boll_write(s, out);
    return PERP_OK;
}

/* The exact pass the slide asked for, then the outputs (once per n
 * candles; a tail call from boll_update, so that stays frameless). */
RSTD_COLD static int boll_exact_write(boll_state *s, double *out)
{
    rstd_exact(&s->win);
    boll_write(s, out);
    return PERP_OK;
}

static perp_status boll_update(void *self, const perp_candle *c,
                               const double *prior, double *out)
{
    (void)prior;
    boll_state *s = self;
    double x = perp_price_source_value(s->src, c);
    if (!RSTD_LIKELY(rstd_full(&s->win)))
        return boll_warm_up(s, x, out);
    if (rstd_slide(&s->win, x))
        return boll_exact_write(s, out);
    boll_write(s, out);
    return PERP_OK;
}

/* TA_BBANDS_Lookback: a full window of `period` candles. */
static size_t boll_lookback(void *self)
{
    const boll_state *s = self;
    return s->period - 1;
}

static const perp_indicator_vtable boll_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = boll_create,
    .destroy = boll_destroy,
    .output_count = boll_output_count,
    .output_name = boll_output_name,
    .bind = NULL,
    .update = boll_update,
    .reset = boll_reset,
    .output_label = NULL,
    .summary = NULL,
    .lookback = boll_lookback,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "bollinger", "1.0.0",
                        "Bollinger bands (TA-Lib BBANDS, SMA, population sd)",
                        boll_vtable, boll_config)
