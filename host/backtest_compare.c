/*
 * backtest_compare.c — paired block bootstrap of a Sharpe difference.
 */
#include "backtest_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/sdk.h>

#define YEAR_S (365.0 * 86400.0)

/* The equity of c at t: its last point at or before t (*i walks on). */
static double equity_at(const host_bt_curve *c, size_t *i, int64_t t)
{
    while (*i + 1 < c->n && c->ts[*i + 1] <= t)
        (*i)++;
    return c->equity[*i];
}

static int64_t align_up(int64_t t, int64_t p)
{
    int64_t r = t % p;
    if (r < 0)
        r += p;
    return r ? t + (p - r) : t;
}

/* Paired simple returns on the grid; returns how many (ra, rb owned). */
static size_t paired_returns(const host_bt_curve *a, const host_bt_curve *b,
                             int64_t p, double **ra, double **rb)
{
    *ra = *rb = NULL;
    if (a->n == 0 || b->n == 0)
        return 0;
    int64_t start = align_up(a->ts[0] > b->ts[0] ? a->ts[0] : b->ts[0], p);
    int64_t end =
        a->ts[a->n - 1] < b->ts[b->n - 1] ? a->ts[a->n - 1] : b->ts[b->n - 1];
    if (end < start + p)
        return 0;
    size_t n = (size_t)((end - start) / p);
    *ra = malloc(n * sizeof **ra);
    *rb = malloc(n * sizeof **rb);
    if (!*ra || !*rb)
        return 0;
    size_t ia = 0, ib = 0, k = 0;
    double pa = equity_at(a, &ia, start), pb = equity_at(b, &ib, start);
    for (int64_t t = start + p; t <= end && k < n; t += p) {
        double ea = equity_at(a, &ia, t), eb = equity_at(b, &ib, t);
        (*ra)[k] = pa > 0 ? ea / pa - 1 : 0;
        (*rb)[k] = pb > 0 ? eb / pb - 1 : 0;
        pa = ea;
        pb = eb;
        k++;
    }
    return k;
}

typedef struct moments {
    double sa, sa2, sb, sb2;
    size_t n;
} moments;

static void add(moments *m, double a, double b)
{
    m->sa += a;
    m->sa2 += a * a;
    m->sb += b;
    m->sb2 += b * b;
    m->n++;
}

static double sharpe(double s, double s2, size_t n, double scale)
{
    double mean = s / (double)n, var = s2 / (double)n - mean * mean;
    double sd = var > 0 ? sqrt(var) : 0;
    return sd > 1e-9 * fabs(mean) && sd > 0 ? mean / sd * scale : 0;
}

static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int host_bt_compare(const host_bt_curve *a, const host_bt_curve *b,
                    int64_t period_ms, size_t resamples,
                    host_bt_comparison *out)
{
    memset(out, 0, sizeof *out);
    out->period_ms = period_ms;
    double *ra, *rb;
    size_t n = paired_returns(a, b, period_ms, &ra, &rb);
    out->periods = n;
    if (n < 3) {
        free(ra);
        free(rb);
        return PERP_EINVAL;
    }
    double scale = sqrt(YEAR_S / ((double)period_ms / 1000.0));
    moments m = {0};
    for (size_t i = 0; i < n; i++)
        add(&m, ra[i], rb[i]);
    out->sharpe_a = sharpe(m.sa, m.sa2, n, scale);
    out->sharpe_b = sharpe(m.sb, m.sb2, n, scale);
    out->diff = out->sharpe_a - out->sharpe_b;
    size_t block = (size_t)ceil(cbrt((double)n));
    out->block = block;
    out->resamples = resamples;
    double *d = malloc(resamples * sizeof *d);
    if (!d) {
        free(ra);
        free(rb);
        return PERP_ENOMEM;
    }
    uint64_t seed = 0x5EEDB007ull;
    for (size_t r = 0; r < resamples; r++) {
        moments s = {0};
        while (s.n < n) {
            size_t start = (size_t)(next_u64(&seed) % n);
            for (size_t j = 0; j < block && s.n < n; j++) {
                size_t k = (start + j) % n;
                add(&s, ra[k], rb[k]);
            }
        }
        d[r] = sharpe(s.sa, s.sa2, n, scale) - sharpe(s.sb, s.sb2, n, scale);
    }
    qsort(d, resamples, sizeof *d, cmp_double);
    out->lo = d[(size_t)floor(0.025 * (double)(resamples - 1))];
    out->hi = d[(size_t)ceil(0.975 * (double)(resamples - 1))];
    out->apart = out->lo > 0 || out->hi < 0;
    free(d);
    free(ra);
    free(rb);
    return PERP_OK;
}

void host_bt_comparison_text(const host_bt_comparison *c, const char *a,
                             const char *b, char *out, size_t len)
{
    if (c->periods < 3) {
        snprintf(out, len,
                 "%s vs %s: too little common history to compare (%zu "
                 "periods)",
                 a, b, c->periods);
        return;
    }
    char span[256];
    snprintf(span, sizeof span,
             "Sharpe %.3f vs %.3f, difference %+.3f, 95%% CI [%+.3f, %+.3f] "
             "over %zu periods of %lld min",
             c->sharpe_a, c->sharpe_b, c->diff, c->lo, c->hi, c->periods,
             (long long)(c->period_ms / 60000));
    if (c->apart)
        snprintf(out, len, "%s vs %s: %s: the tape tells them apart (%s is %s)",
                 a, b, span, a, c->diff > 0 ? "better" : "worse");
    else
        snprintf(out, len,
                 "%s vs %s: %s: the tape cannot tell them apart (the "
                 "interval includes 0)",
                 a, b, span);
}

/* ------------------------------------------------ versus buy-and-hold */

static int priced(double x)
{
    return isfinite(x) && x > 0;
}

/* The paired returns of benchmark.h (snapshots where both are priced);
 * returns how many (rv, rb owned) and sets *per_year. */
static size_t benchmark_returns(const int64_t *ts, const double *eq,
                                const double *bench, size_t n, double **rv,
                                double **rb, double *per_year)
{
    *rv = malloc((n ? n : 1) * sizeof **rv);
    *rb = malloc((n ? n : 1) * sizeof **rb);
    *per_year = NAN;
    if (!*rv || !*rb)
        return 0;
    size_t k = 0, paired = 0;
    int64_t first = 0, last = 0;
    double pv = 0, pb = 0;
    for (size_t i = 0; i < n; i++) {
        if (!priced(eq[i]) || !priced(bench[i]))
            continue;
        if (paired++ == 0) {
            first = ts[i];
        } else {
            (*rv)[k] = eq[i] / pv - 1.0;
            (*rb)[k] = bench[i] / pb - 1.0;
            k++;
        }
        last = ts[i];
        pv = eq[i];
        pb = bench[i];
    }
    if (paired > 1 && last > first)
        *per_year =
            YEAR_S / ((double)(last - first) / 1000.0 / (double)(paired - 1));
    return k;
}

typedef struct co_sums {
    double v, b, vb, bb;
    size_t n;
} co_sums;

static void co_add(co_sums *s, double v, double b)
{
    s->v += v;
    s->b += b;
    s->vb += v * b;
    s->bb += b * b;
    s->n++;
}

/* pre[i]: the sums of the first i pairs (pre[0] zero), so a block of
 * any length costs one subtraction, not a pass over it. */
static co_sums *prefix_sums(const double *rv, const double *rb, size_t k)
{
    co_sums *pre = calloc(k + 1, sizeof *pre);
    for (size_t i = 0; pre && i < k; i++) {
        pre[i + 1] = pre[i];
        co_add(&pre[i + 1], rv[i], rb[i]);
    }
    return pre;
}

/* Adds pairs [a, b) of the prefix sums to s. */
static void co_span(co_sums *s, const co_sums *pre, size_t a, size_t b)
{
    s->v += pre[b].v - pre[a].v;
    s->b += pre[b].b - pre[a].b;
    s->vb += pre[b].vb - pre[a].vb;
    s->bb += pre[b].bb - pre[a].bb;
    s->n += b - a;
}

/* A circular block of len pairs from start. */
static void co_block(co_sums *s, const co_sums *pre, size_t k, size_t start,
                     size_t len)
{
    if (start + len <= k) {
        co_span(s, pre, start, start + len);
    } else {
        co_span(s, pre, start, k);
        co_span(s, pre, 0, start + len - k);
    }
}

/* Annualised alpha % of the sums; NAN when the benchmark is flat. */
static double co_alpha(const co_sums *s, double per_year)
{
    double n = (double)s->n, mv = s->v / n, mb = s->b / n;
    double var_b = s->bb / n - mb * mb, cov = s->vb / n - mv * mb;
    if (!(var_b > 0))
        return NAN;
    return (mv - cov / var_b * mb) * per_year * 100.0;
}

int host_bt_verdict_of(const int64_t *ts, const double *equity,
                       const double *bench, size_t n, size_t resamples,
                       host_bt_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->alpha_pct = out->lo = out->hi = NAN;
    double *rv, *rb, per_year;
    size_t k = benchmark_returns(ts, equity, bench, n, &rv, &rb, &per_year);
    out->periods = k;
    co_sums all = {0};
    for (size_t i = 0; i < k; i++)
        co_add(&all, rv[i], rb[i]);
    double *d = k >= 3 ? malloc((resamples ? resamples : 1) * sizeof *d) : 0;
    co_sums *pre = d ? prefix_sums(rv, rb, k) : NULL;
    free(rv);
    free(rb);
    if (k < 3 || !pre || !isfinite(co_alpha(&all, per_year)) || !resamples) {
        free(d);
        free(pre);
        return k < 3 || pre ? PERP_EINVAL : PERP_ENOMEM;
    }
    out->alpha_pct = co_alpha(&all, per_year);
    out->block = (size_t)ceil(cbrt((double)k));
    out->resamples = resamples;
    uint64_t seed = 0x5EEDB007ull;
    size_t got = 0;
    for (size_t r = 0; r < resamples; r++) {
        co_sums s = {0};
        while (s.n < k) {
            size_t start = (size_t)(next_u64(&seed) % k);
            size_t len = k - s.n < out->block ? k - s.n : out->block;
            co_block(&s, pre, k, start, len);
        }
        double a = co_alpha(&s, per_year);
        if (isfinite(a))
            d[got++] = a;
    }
    if (got > 0) {
        qsort(d, got, sizeof *d, cmp_double);
        out->lo = d[(size_t)floor(0.025 * (double)(got - 1))];
        out->hi = d[(size_t)ceil(0.975 * (double)(got - 1))];
        out->beats = out->lo > 0 ? 1 : out->hi < 0 ? -1 : 0;
    }
    free(d);
    free(pre);
    return PERP_OK;
}

void host_bt_verdict_text(const host_bt_verdict *v, const char *version,
                          char *out, size_t len)
{
    if (!isfinite(v->alpha_pct)) {
        snprintf(out, len,
                 "%s vs buy-and-hold: too little history to judge (%zu "
                 "paired returns)",
                 version, v->periods);
        return;
    }
    snprintf(out, len,
             "%s vs buy-and-hold: alpha %+.2f %%/yr, 95%% CI [%+.2f, %+.2f] "
             "over %zu periods: %s",
             version, v->alpha_pct, v->lo, v->hi, v->periods,
             v->beats > 0   ? "beats buy-and-hold"
             : v->beats < 0 ? "trails buy-and-hold"
                            : "the tape cannot tell whether it beats "
                              "buy-and-hold (the interval includes 0)");
}
