/* impact.c — the square-root impact window; the rules are in impact.h. */
#include "impact.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MINUTE_MS 60000.0

int psim_impact_init(psim_impact_window *w, int64_t window_ms)
{
    memset(w, 0, sizeof *w);
    if (window_ms < 60000)
        window_ms = 60000;
    w->window_ms = window_ms;
    w->cap = (size_t)(window_ms / 60000) + 1;
    w->ring = calloc(w->cap, sizeof *w->ring);
    return w->ring ? PERP_OK : PERP_ENOMEM;
}

void psim_impact_free(psim_impact_window *w)
{
    free(w->ring);
    memset(w, 0, sizeof *w);
}

static psim_bar_stat *at(const psim_impact_window *w, size_t i)
{
    return &w->ring[(w->head + i) % w->cap];
}

static void take_out(psim_impact_window *w, const psim_bar_stat *b)
{
    w->sum_minutes -= b->minutes;
    w->sum_notional -= b->notional;
    w->sum_r2 -= b->r2;
    w->sum_r_minutes -= b->r_minutes;
}

static void drop_oldest(psim_impact_window *w)
{
    take_out(w, at(w, 0));
    w->head = (w->head + 1) % w->cap;
    w->n--;
}

/* The sums again from the ring: what subtraction left behind goes. */
static void resum(psim_impact_window *w)
{
    w->sum_minutes = w->sum_notional = w->sum_r2 = w->sum_r_minutes = 0;
    for (size_t i = 0; i < w->n; i++) {
        const psim_bar_stat *b = at(w, i);
        w->sum_minutes += b->minutes;
        w->sum_notional += b->notional;
        w->sum_r2 += b->r2;
        w->sum_r_minutes += b->r_minutes;
    }
    w->since_resum = 0;
}

int psim_impact_add(psim_impact_window *w, const perp_candle *c)
{
    int64_t close_ts = c->ts + c->interval_ms;
    if (!w->ring || !(c->close > 0) || !isfinite(c->close) ||
        !(c->volume >= 0) || !isfinite(c->volume) || c->interval_ms <= 0 ||
        (w->prev_close > 0 && close_ts <= w->prev_close_ts))
        return 0;
    psim_bar_stat b = {.close_ts = close_ts,
                       .minutes = (double)c->interval_ms / MINUTE_MS,
                       .notional = c->close * c->volume};
    if (w->prev_close > 0) {
        double r = c->close / w->prev_close - 1.0;
        b.r2 = r * r;
        b.r_minutes = (double)(close_ts - w->prev_close_ts) / MINUTE_MS;
    }
    w->prev_close = c->close;
    w->prev_close_ts = close_ts;
    while (w->n > 0 && at(w, 0)->close_ts <= close_ts - w->window_ms)
        drop_oldest(w);
    if (w->n == w->cap)
        drop_oldest(w);
    *at(w, w->n) = b;
    w->n++;
    w->sum_minutes += b.minutes;
    w->sum_notional += b.notional;
    w->sum_r2 += b.r2;
    w->sum_r_minutes += b.r_minutes;
    if (++w->since_resum >= w->cap)
        resum(w);
    return 1;
}

double psim_impact_sigma(const psim_impact_window *w)
{
    if (!w || !(w->sum_r_minutes > 0))
        return NAN;
    return sqrt(fmax(w->sum_r2, 0.0) / w->sum_r_minutes);
}

double psim_impact_volume(const psim_impact_window *w)
{
    if (!w || w->n == 0 || !(w->sum_minutes > 0))
        return NAN;
    return fmax(w->sum_notional, 0.0) / w->sum_minutes;
}

double psim_slippage_bps(psim_slippage_model model, double fixed_bps, double k,
                         double cap_bps, const psim_impact_window *w,
                         double notional)
{
    if (model == PSIM_SLIPPAGE_FIXED)
        return fixed_bps;
    double sigma = psim_impact_sigma(w), v = psim_impact_volume(w);
    double n = fabs(notional);
    if (!isfinite(sigma) || !(v > 0) || !isfinite(n))
        return cap_bps;
    double impact = k * sigma * sqrt(n / v) * 1e4;
    return fmin(cap_bps, fmax(fixed_bps, impact));
}
