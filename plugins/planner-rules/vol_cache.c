/*
 * vol_cache.c — see vol_cache.h.
 *
 * The bound. For k returns with S2 = sum r^2, the variance from sums,
 * (S2 - S1^2 / k) / k, is within about (2k + 6) u S2 / k of the true
 * variance (u = 2^-53; every term of S2 is positive and S1^2 / k <= S2),
 * and Welford's result within a few k u S2 / k of it. Both are taken as
 * within DELTA x S2 / k of each other, DELTA = 1e-10: above 1000 times
 * the worst case for k <= 512. Then |sigma - exact| / exact <=
 * (var error / var) / (1 - that), and the estimate is refused unless the
 * variance is at least 4 times its error.
 */
#include "vol_cache.h"

#include <math.h>

#define DELTA 1e-10

static double log_return(const perp_candle *c, size_t i)
{
    if (!(c[i].close > 0) || !(c[i - 1].close > 0))
        return NAN;
    return log(c[i].close / c[i - 1].close);
}

static void push(vol_cache *vc, double r)
{
    vc->r[vc->head] = vc->r[vc->head + VOL_CACHE_MAX] = r;
    vc->head = (vc->head + 1) % VOL_CACHE_MAX;
    if (vc->n < VOL_CACHE_MAX)
        vc->n++;
}

/* Index of the cache's newest candle in c[0..n), or n when it is not
 * there (first call, a jump, a candle that changed): start over. */
static size_t newest_cached(const vol_cache *vc, const perp_candle *c, size_t n,
                            size_t lookback)
{
    if (vc->n == 0)
        return n;
    for (size_t k = 0; k < n && k <= lookback; k++) {
        size_t j = n - 1 - k;
        if (c[j].ts == vc->last_ts)
            return c[j].close == vc->last_close ? j : n;
        if (c[j].ts < vc->last_ts)
            return n;
    }
    return n;
}

/* Adds the returns of the candles after the newest cached one, or of the
 * last `need` candles when starting over. */
static void catch_up(vol_cache *vc, const perp_candle *c, size_t n, size_t need)
{
    size_t j = newest_cached(vc, c, n, need);
    size_t from;
    if (j == n) {
        vc->n = vc->head = 0;
        from = n - need;
    } else
        from = j + 1;
    for (size_t i = from; i < n; i++)
        push(vc, log_return(c, i));
    vc->last_ts = c[n - 1].ts;
    vc->last_close = c[n - 1].close;
}

/* Sum and sum of squares of r[0..k), in four lanes (the order does not
 * matter to an estimate; the bound covers any order). */
static void sums(const double *r, size_t k, double *s1, double *s2)
{
    double a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= k; i += 4)
        for (int l = 0; l < 4; l++) {
            a[l] += r[i + l];
            b[l] += r[i + l] * r[i + l];
        }
    for (; i < k; i++) {
        a[0] += r[i];
        b[0] += r[i] * r[i];
    }
    *s1 = (a[0] + a[1]) + (a[2] + a[3]);
    *s2 = (b[0] + b[1]) + (b[2] + b[3]);
}

int vol_cache_estimate(vol_cache *vc, const perp_candle *c, size_t n,
                       int window, double *sigma, double *rel)
{
    if (window < 3 || (size_t)window - 1 > VOL_CACHE_MAX ||
        n < (size_t)window || !c)
        return 0;
    size_t k = (size_t)window - 1;
    catch_up(vc, c, n, k);
    if (vc->n < k)
        return 0;
    double s1, s2;
    sums(vc->r + vc->head + VOL_CACHE_MAX - k, k, &s1, &s2);
    double var = (s2 - s1 * s1 / (double)k) / (double)k;
    double err = DELTA * s2 / (double)k;
    if (!isfinite(var) || !(var > 4 * err))
        return 0;
    double r = err / var;
    *sigma = sqrt(var);
    *rel = r / (1 - r);
    return 1;
}
