/*
 * benchmark.c — the buy-and-hold book and the figures against it; the
 * definitions are in benchmark.h and docs/benchmark.md.
 */
#include "benchmark.h"

#include <math.h>
#include <string.h>

#define SECONDS_PER_YEAR (365.0 * 86400.0) /* as host/metrics.c */

static int priced(double x)
{
    return isfinite(x) && x > 0;
}

double host_bench_book_value(host_bench_book *b, const double *px, size_t n,
                             double equity0)
{
    if (n == 0 || n > PERP_MAX_SYMBOLS)
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (!priced(px[i]))
            return NAN;
    if (!b->started) {
        if (!priced(equity0))
            return NAN;
        b->n = n;
        for (size_t i = 0; i < n; i++)
            b->units[i] = equity0 / (double)n / px[i];
        b->started = 1;
        return equity0;
    }
    double v = 0;
    for (size_t i = 0; i < b->n && i < n; i++)
        v += b->units[i] * px[i];
    return v;
}

void host_bench_stats_add(host_bench_stats *s, int64_t ts, double equity,
                          double bench)
{
    if (!priced(equity) || !priced(bench))
        return;
    if (s->n == 0) {
        s->first_ts = ts;
        s->first_v = equity;
        s->first_b = bench;
    } else {
        double v = equity / s->last_v - 1.0, b = bench / s->last_b - 1.0;
        double a = v - b;
        s->k++;
        double k = (double)s->k;
        double dv = v - s->mean_v, db = b - s->mean_b, da = a - s->mean_a;
        s->mean_v += dv / k;
        s->mean_b += db / k;
        s->mean_a += da / k;
        s->m2_v += dv * (v - s->mean_v);
        s->m2_b += db * (b - s->mean_b);
        s->m2_a += da * (a - s->mean_a);
        s->c_vb += dv * (b - s->mean_b);
    }
    s->last_ts = ts;
    s->last_v = equity;
    s->last_b = bench;
    s->n++;
}

void host_bench_figures_of(const host_bench_stats *s, host_bench_figures *out)
{
    memset(out, 0, sizeof *out);
    out->periods = s->k;
    out->return_pct = s->n ? (s->last_b / s->first_b - 1.0) * 100.0 : NAN;
    out->excess_return_pct =
        s->n ? (s->last_v / s->first_v - s->last_b / s->first_b) * 100.0 : NAN;
    out->periods_per_year = out->beta = out->alpha_pct = NAN;
    out->tracking_error_pct = out->info_ratio = NAN;
    if (s->k < 2 || s->last_ts <= s->first_ts)
        return;
    double interval_s =
        (double)(s->last_ts - s->first_ts) / 1000.0 / (double)(s->n - 1);
    double p = SECONDS_PER_YEAR / interval_s;
    double k = (double)s->k;
    out->periods_per_year = p;
    double var_b = s->m2_b / k, var_a = s->m2_a / k;
    if (var_b > 0) {
        out->beta = s->c_vb / s->m2_b;
        out->alpha_pct = (s->mean_v - out->beta * s->mean_b) * p * 100.0;
    }
    double sd_a = var_a > 0 ? sqrt(var_a) : 0.0;
    out->tracking_error_pct = sd_a * sqrt(p) * 100.0;
    if (sd_a >= HOST_BENCH_TE_FLOOR)
        out->info_ratio = s->mean_a / sd_a * sqrt(p);
}

void host_bench_figures_compute(const int64_t *ts, const double *equity,
                                const double *bench, size_t n,
                                host_bench_figures *out)
{
    host_bench_stats s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; ts && equity && bench && i < n; i++)
        host_bench_stats_add(&s, ts[i], equity[i], bench[i]);
    host_bench_figures_of(&s, out);
}
