/*
 * indicator-volatility — realized volatility: the standard deviation of
 * log returns over a window of candles, and the same annualised. Outputs
 * "rv" and "rv_annual" (shown as <name>.rv, <name>.rv_annual).
 *
 * Definition, for window w, with r[t] = ln(x[t] / x[t-1]) (t >= 1):
 *   rv[t]        = sqrt(sum((r[i] - mean)^2) / w) over i = t-w+1 .. t
 *   rv_annual[t] = rv[t] * sqrt(year / interval)
 *                  year = 365 days; interval = the candle's interval_ms,
 *                  so sqrt(525600) for 1m candles, sqrt(1460) for 6h
 * First defined index: w (15 for the default: 15 returns need 16 closes).
 * Both are fractions (0.45 means 45 %), per candle and per year.
 *
 * Population (divide by w), not sample (w - 1): it is TA-Lib's STDDEV
 * applied to the returns, the same form Bollinger uses, and the one the
 * Python twin used, so the regime thresholds calibrated on it carry over.
 * The sample form would be larger by sqrt(w/(w-1)) (3.5 % for w = 15).
 *
 * Keys: vol_config below. O(1) per candle
 * (amortised; see rolling_std.h), and no libm call for the returns of
 * ordinary candles (see log_return below).
 */
#include <math.h>
#include <stdlib.h>
#include <perp/sdk.h>

#include <perp/indicator.h>

#include "../indicator-bollinger/rolling_std.h"

#define VOL_MS_PER_YEAR (365.0 * 86400000.0)

typedef struct vol_state {
    size_t window;
    perp_price_source src;
    rstd win;
    double prev;      /* previous price, NAN before the first */
    double inv_prev;  /* 1 / prev, computed a candle ahead of its use */
    int64_t scale_ms; /* interval the cached scale was computed for */
    double scale;     /* sqrt(year / interval) */
} vol_state;

static void vol_reset(void *self)
{
    vol_state *s = self;
    rstd_reset(&s->win);
    s->prev = NAN;
    s->inv_prev = NAN;
}

static const perp_config_key vol_config[] = {
    PERP_CFG_PERIOD("window", "15", 2, "log returns in the deviation"),
    PERP_CFG_PRICE_SOURCE, PERP_CFG_LAST};

static perp_status vol_create(const perp_host *h, const perp_config_node *cfg,
                              void **self)
{
    vol_state tmp = {0};
    if (perp_cfg_period(h, cfg, "window", 15, &tmp.window) != PERP_OK ||
        perp_cfg_price_source(h, cfg, &tmp.src) != PERP_OK)
        return PERP_EINVAL;
    vol_state *s = malloc(sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    *s = tmp;
    if (rstd_init(&s->win, s->window) != 0) {
        free(s);
        return PERP_ENOMEM;
    }
    s->scale_ms = 0;
    s->scale = NAN;
    vol_reset(s);
    *self = s;
    return PERP_OK;
}

static void vol_destroy(void *self)
{
    vol_state *s = self;
    if (!s)
        return;
    rstd_free(&s->win);
    free(s);
}

static size_t vol_output_count(void *self)
{
    (void)self;
    return 2;
}

static const char *vol_output_name(void *self, size_t i)
{
    (void)self;
    static const char *const names[] = {"rv", "rv_annual"};
    return i < 2 ? names[i] : NULL;
}

/* sqrt(year / interval), cached: the interval of a stream never changes,
 * and a square root per candle is a visible share of the budget. */
/* Recomputed only when the interval changes (never, for one timeframe). */
RSTD_COLD static double vol_rescale(vol_state *s, int64_t interval_ms)
{
    s->scale_ms = interval_ms;
    s->scale =
        interval_ms > 0 ? sqrt(VOL_MS_PER_YEAR / (double)interval_ms) : NAN;
    return s->scale;
}

static inline double vol_scale(vol_state *s, int64_t interval_ms)
{
    return RSTD_LIKELY(interval_ms == s->scale_ms)
               ? s->scale
               : vol_rescale(s, interval_ms);
}

/* Below this |u| the series in log_return is exact to double precision. */
#define VOL_SERIES_BOUND 0x1p-7

/*
 * ln(x / prev) without a libm call for moves under 0.78 % (every BTC
 * 1-minute candle but a handful): with u = (x - prev) / prev,
 *   ln(x / prev) = log1p(u) = u - u^2/2 + u^3/3 - ... + (-1)^(j+1) u^j/j
 * Truncation after u^8, for |u| < 2^-7: the remainder of an alternating
 * series with decreasing terms is below its first omitted term, and for
 * u < 0 (all terms negative) below the geometric bound, so in both cases
 *   |R| <= |u|^9 / (9 (1 - |u|)),
 * while |log1p(u)| >= |u| (1 - |u|/2); hence
 *   |R| / |log1p(u)| <= |u|^8 / (9 (1 - |u|)(1 - |u|/2)) < 2^-56 / 8.9
 *                     < 2^-59,
 * a sixty-fourth of an ulp. Rounding: x - prev is exact when the prices
 * are within a factor 2 (Sterbenz); u is that difference times 1/prev,
 * computed (rounded) one candle earlier so that no division sits
 * between a price and its output: two roundings, u within 2 eps
 * relative. The sum is u + u^2 P(u) with |u^2 P(u)| <= 0.51 |u|^2 <
 * 2^-7.9 |u|, so the rounding of P's few terms is scaled down by that
 * and the last add dominates: within about 2 ulp, and far better than
 * log(x / prev), whose rounded ratio costs |ln| an absolute 2^-53.
 * Larger moves, and non-finite or non-positive prices, take libm's log.
 */
static inline double log1p_series(double u)
{
    /* u + u^2 P(u), P(u) = -1/2 + u/3 - u^2/4 + u^3/5 - u^4/6 + u^5/7 -
     * u^6/8, in Estrin's scheme: pairs of terms in parallel, so the
     * return waits for six operations after u instead of nine. */
    double u2 = u * u, u4 = u2 * u2;
    double a = -0.5 + u * (1.0 / 3.0), b = -0.25 + u * 0.2;
    double d = -1.0 / 6.0 + u * (1.0 / 7.0), e = -0.125;
    return u + (u2 * (a + u2 * b) + (u4 * u2) * (d + u2 * e));
}

static inline double log_return(double x, double prev, double inv_prev)
{
    double u = (x - prev) * inv_prev;
    if (!RSTD_LIKELY(fabs(u) < VOL_SERIES_BOUND))
        return log(x / prev);
    return log1p_series(u);
}

static void vol_write(vol_state *s, const perp_candle *c, double *out)
{
    double rv = rstd_pstd(&s->win);
    out[0] = rv;
    out[1] = rv * vol_scale(s, c->interval_ms);
}

/* The first window of candles (and a candle after a NAN price). */
RSTD_COLD static int vol_warm_up(vol_state *s, const perp_candle *c, double x,
                                 double prev, double *out)
{
    if (!isnan(prev))
        rstd_push(&s->win, log_return(x, prev, s->inv_prev));
    s->inv_prev = 1.0 / x;
    if (!rstd_full(&s->win)) {
        out[0] = out[1] = NAN;
        return PERP_OK;
    }
    vol_write(s, c, out);
    return PERP_OK;
}

/* The rare steady-state candles, each reached by a tail call from
 * vol_update so that its common path stays a leaf with no stack frame:
 * a move of 2^-7 or more (libm's log), an exact pass of the window, a
 * change of interval. Each finishes the candle from where update left
 * it. */
RSTD_COLD static int vol_finish(vol_state *s, const perp_candle *c, double r,
                                double *out)
{
    rstd_push(&s->win, r);
    vol_write(s, c, out);
    return PERP_OK;
}

RSTD_COLD static int vol_big_move(vol_state *s, const perp_candle *c, double x,
                                  double prev, double *out)
{
    return vol_finish(s, c, log(x / prev), out);
}

RSTD_COLD static int vol_exact_write(vol_state *s, const perp_candle *c,
                                     double *out)
{
    rstd_exact(&s->win);
    vol_write(s, c, out);
    return PERP_OK;
}

RSTD_COLD static int vol_rescale_write(vol_state *s, const perp_candle *c,
                                       double rv, double *out)
{
    out[0] = rv;
    out[1] = rv * vol_rescale(s, c->interval_ms);
    return PERP_OK;
}

static perp_status vol_update(void *self, const perp_candle *c,
                              const double *prior, double *out)
{
    (void)prior;
    vol_state *s = self;
    double x = perp_price_source_value(s->src, c);
    double prev = s->prev, inv_prev = s->inv_prev;
    s->prev = x;
    if (!RSTD_LIKELY(rstd_full(&s->win) && !isnan(prev)))
        return vol_warm_up(s, c, x, prev, out);
    /* The division for the next candle: off this candle's path. */
    s->inv_prev = 1.0 / x;
    double u = (x - prev) * inv_prev;
    if (!RSTD_LIKELY(fabs(u) < VOL_SERIES_BOUND))
        return vol_big_move(s, c, x, prev, out);
    if (rstd_slide(&s->win, log1p_series(u)))
        return vol_exact_write(s, c, out);
    double rv = rstd_pstd(&s->win);
    if (!RSTD_LIKELY(c->interval_ms == s->scale_ms))
        return vol_rescale_write(s, c, rv, out);
    out[0] = rv;
    out[1] = rv * s->scale;
    return PERP_OK;
}

/* `window` log returns need window + 1 closes (TA-Lib's ROC
 * lookback 1 plus STDDEV's window - 1). */
static size_t vol_lookback(void *self)
{
    const vol_state *s = self;
    return s->window;
}

static const perp_indicator_vtable vol_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = vol_create,
    .destroy = vol_destroy,
    .output_count = vol_output_count,
    .output_name = vol_output_name,
    .bind = NULL,
    .update = vol_update,
    .reset = vol_reset,
    .output_label = NULL,
    .summary = NULL,
    .lookback = vol_lookback,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "volatility", "1.0.0",
                        "realized volatility of log returns, per candle and "
                        "annualised",
                        vol_vtable, vol_config)
