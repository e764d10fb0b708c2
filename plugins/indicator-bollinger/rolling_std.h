/*
 * rolling_std.h — mean and population standard deviation of the last n
 * values, O(1) per value (header-only; also used by indicator-volatility
 * by relative include, since each plugin compiles on its own).
 *
 * Why not plain sums of x and x^2: E[x^2] - E[x]^2 cancels
 * catastrophically for prices (BTC at 25 000 with a window sd of 1 loses
 * ~9 digits), which is also why TA-Lib's own STDDEV is inexact for
 * high-priced assets. Instead, sums of deviations from a shift k that an
 * exact pass sets to the window mean:
 *   s1 = sum(x - k),  s2 = sum((x - k)^2)   over the window
 *   mean = k + s1 / n,  m2 = s2 - s1^2 / n  (= sum((x - mean)^2))
 * Sliding x in and `old` out adds (x - old) to s1 and
 * (x - old) * ((x - k) + (old - k)) to s2: two independent adds per value,
 * no division, and terms the size of the deviations, not of the price.
 *
 * Exact pass (two-pass mean, then m2 around it; k := mean, s1 := 0):
 *   - when the ring wraps, i.e. every n values, oldest first; so between
 *     two passes no value both enters and leaves the sums: every value
 *     that leaves was summed exactly by the last pass, and every value
 *     that entered is still in the window;
 *   - whenever the guard  (s2_0 + s2) > lim * m2  holds, s2_0 being s2
 *     right after the last pass, lim = 9e4 / (3n + 14).
 * Error bound (eps = 2^-53, first order). Each slide's s2 increment is
 * within 10 eps ((x-k)^2 + (old-k)^2) of the true one, and the add
 * rounds by eps |s2|. Over at most n slides the (x-k)^2 terms sum to at
 * most the current true s2, the (old-k)^2 terms to at most s2_0, and
 * every intermediate s2 is at most s2_0 + s2 (a sum over the union of the
 * two windows). So |err s2| <= (n + 10) eps (s2_0 + s2); s1's error
 * enters m2 through s1^2/n and adds at most 2 (n + 2) eps (s2_0 + s2)
 * (Cauchy-Schwarz: |s1| <= sqrt(n s2)). Hence
 *   |err m2| <= (3n + 14) eps (s2_0 + s2) <= (3n + 14) eps lim m2 < 1e-11 m2
 * whenever the guard does not fire: the variance is good to 1e-11
 * relative (the sd to half that) however long the series runs, and a
 * burst followed by calm (s2_0 large, m2 small) forces an exact pass.
 * The exact pass itself is two-pass summation, error ~ n eps relative.
 *
 * Flat windows read exactly 0 and the mean reads exactly the price:
 * when every value in the window is equal the true m2 is 0, so the
 * computed m2 is within the bound above of 0, below (s2_0 + s2) / lim,
 * and the guard fires (or m2 <= 0 and the sd reads 0); the exact pass's
 * deviations from k = the latest value are then all exactly 0.
 *
 * Ownership: rstd_init allocates the ring; rstd_free releases it.
 */
#ifndef ROLLING_STD_H
#define ROLLING_STD_H

#include <math.h>
#include <stdlib.h>

/* The warm-up and the exact pass run once per n values: out of line, so
 * the steady-state update that inlines rstd_push stays a short leaf. */
#if defined(__GNUC__)
#define RSTD_COLD        __attribute__((noinline, cold))
#define RSTD_LIKELY(x)   __builtin_expect(!!(x), 1)
#define RSTD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define RSTD_COLD
#define RSTD_LIKELY(x)   (x)
#define RSTD_UNLIKELY(x) (x)
#endif

typedef struct rstd {
    double k;      /* shift: the window mean at the last exact pass */
    double s1, s2; /* sum(x - k), sum((x - k)^2) over the window */
    double var;    /* m2 / n (m2 = s2 - s1^2/n) after the latest push */
    double s2_0;   /* s2 right after the last exact pass */
    double lim;    /* guard factor, 9e4 / (3n + 14) */
    double inv_n;  /* 1/n: multiplies, not divides, per value */
    double *ring;  /* owned, n values; ring[head] is the oldest once full */
    size_t head;   /* next slot to write */
    size_t count;  /* values in the window (<= n) */
    size_t n;
} rstd;

static inline void rstd_reset(rstd *r)
{
    r->head = 0;
    r->count = 0;
    r->k = r->s1 = r->s2 = r->var = r->s2_0 = 0.0;
}

static inline int rstd_init(rstd *r, size_t n)
{
    r->n = n;
    r->inv_n = 1.0 / (double)n;
    r->lim = 9e4 / (3.0 * (double)n + 14.0);
    r->ring = calloc(n, sizeof *r->ring);
    rstd_reset(r);
    return r->ring ? 0 : -1;
}

static inline void rstd_free(rstd *r)
{
    free(r->ring);
    r->ring = NULL;
}

/* Two-pass mean and m2 over the ring, oldest first (ring[head..n) then
 * ring[0..head): two plain loops, no modulo). The mean is taken as the
 * latest value plus the mean deviation from it, so a flat window gives
 * exactly that value and exactly 0. */
RSTD_COLD static void rstd_exact(rstd *r)
{
    const double *v = r->ring;
    double ref = v[(r->head == 0 ? r->n : r->head) - 1], d = 0.0;
    for (size_t i = r->head; i < r->n; i++)
        d += v[i] - ref;
    for (size_t i = 0; i < r->head; i++)
        d += v[i] - ref;
    double mean = ref + d * r->inv_n, m2 = 0.0;
    for (size_t i = r->head; i < r->n; i++)
        m2 += (v[i] - mean) * (v[i] - mean);
    for (size_t i = 0; i < r->head; i++)
        m2 += (v[i] - mean) * (v[i] - mean);
    r->k = mean;
    r->s1 = 0.0;
    r->s2 = r->s2_0 = m2;
    r->var = m2 * r->inv_n;
}

/* Warm-up: fills the ring in order, so it wraps exactly when full. */
RSTD_COLD static void rstd_fill(rstd *r, double x)
{
    r->ring[r->head] = x;
    if (++r->head == r->n)
        r->head = 0;
    if (++r->count == r->n)
        rstd_exact(r);
}

/* The steady-state slide of a full window: x in, the oldest out. Returns
 * nonzero when an exact pass is due (ring wrap or guard), which the
 * caller runs (rstd_exact) before reading the window: a plugin's update
 * can then hand that rare case to a cold function by a tail call and
 * keep its own steady path a leaf with no stack frame. */
static inline int rstd_slide(rstd *r, double x)
{
    size_t h = r->head;
    double old = r->ring[h];
    r->ring[h] = x;
    /* x - old, not (x - k) - (old - k): one subtract fewer between the
     * new value and the output, and no larger error (a single rounding,
     * eps |x - old| <= eps (|x - k| + |old - k|)). */
    double dd = x - old, dsum = (x - r->k) + (old - r->k);
    double s1 = r->s1 + dd, s2 = r->s2 + dd * dsum;
    double mean_d = s1 * r->inv_n;
    double m2 = s2 - s1 * mean_d;
    r->s1 = s1;
    r->s2 = s2; /* m2 only feeds the guard below: not stored */
    /* The variance straight from the sums (the same value as m2 / n to a
     * few ulps): the output waits for one multiply fewer. */
    r->var = s2 * r->inv_n - mean_d * mean_d;
    r->head = ++h == r->n ? 0 : h;
    /* One branch for both reasons; `|` keeps it one. */
    return RSTD_UNLIKELY((h == r->n) | (r->s2_0 + s2 > r->lim * m2));
}

static inline void rstd_push(rstd *r, double x)
{
    if (!RSTD_LIKELY(r->count == r->n)) {
        rstd_fill(r, x);
        return;
    }
    if (rstd_slide(r, x))
        rstd_exact(r);
}

static inline int rstd_full(const rstd *r)
{
    return r->count == r->n;
}

static inline double rstd_mean(const rstd *r)
{
    return r->k + r->s1 * r->inv_n;
}

/* Population standard deviation (divides by n). A rounded variance of a flat
 * window may be a hair below 0: clamped with a select, not a branch, so
 * the plugins (built with -fno-math-errno) take one sqrtsd. */
static inline double rstd_pstd(const rstd *r)
{
    return sqrt(r->var > 0.0 ? r->var : 0.0);
}

#endif
