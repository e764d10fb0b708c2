/*
 * rolling_std.h — mean and population standard deviation of the last n
 * values, O(1) per value (header-only; also used by indicator-volatility
 * by relative include, since each plugin compiles on its own).
 *
 * Why not sums of x and x^2: E[x^2] - E[x]^2 cancels catastrophically for
 * prices (BTC at 25 000 with a window std of 1 loses ~9 digits), which is
 * also why TA-Lib's own STDDEV is inexact for high-priced assets. Instead:
 *   - a two-pass mean and m2 once the window is full, then the sliding
    (Welford-style) form
 *       mean' = mean + (in - out) / n
 *       m2'   = m2 + (in - out) * (in - mean' + out - mean)
 *     whose rounding errors are absolute, proportional to the terms added;
 *   - an exact two-pass recompute from the ring every n values (O(1)
 *     amortised) and whenever the accumulated terms exceed 1e5 times the
 *     current m2 (the variance collapsed after a burst), which bounds the
 *     relative error of m2 by ~1e-11;
 *   - a window of n identical values has variance exactly 0 and mean
 *     exactly that value (tracked as a run length), so a flat market
 *     reads 0, not 1e-20.
 * Ownership: rstd_init allocates the ring; rstd_free releases it.
 */
#ifndef ROLLING_STD_H
#define ROLLING_STD_H

#include <math.h>
#include <stdlib.h>

typedef struct rstd {
    size_t n;
    double *ring; /* owned, n values; ring[head] is the oldest once full */
    size_t head;
    size_t count;       /* values in the window (<= n) */
    size_t since_exact; /* sliding updates since the last recompute */
    size_t run;         /* how many latest values are equal */
    double mean, m2;
    double inv_n; /* 1/n: a multiply per update instead of a divide */
    double churn; /* sum of |m2 increments| since the last recompute */
} rstd;

static inline void rstd_reset(rstd *r)
{
    r->head = 0;
    r->count = 0;
    r->since_exact = 0;
    r->run = 0;
    r->mean = 0.0;
    r->m2 = 0.0;
    r->churn = 0.0;
}

static inline int rstd_init(rstd *r, size_t n)
{
    r->n = n;
    r->inv_n = 1.0 / (double)n;
    r->ring = calloc(n, sizeof *r->ring);
    rstd_reset(r);
    return r->ring ? 0 : -1;
}

static inline void rstd_free(rstd *r)
{
    free(r->ring);
    r->ring = NULL;
}

/* Two-pass mean and m2 over the ring, oldest first. */
static inline void rstd_exact(rstd *r)
{
    /* Oldest first: ring[head..n) then ring[0..head). Two plain loops, no
     * modulo (a division per element would cost more than the update). */
    double sum = 0.0;
    for (size_t i = r->head; i < r->n; i++)
        sum += r->ring[i];
    for (size_t i = 0; i < r->head; i++)
        sum += r->ring[i];
    double mean = sum / (double)r->n;
    double m2 = 0.0;
    for (size_t i = r->head; i < r->n; i++)
        m2 += (r->ring[i] - mean) * (r->ring[i] - mean);
    for (size_t i = 0; i < r->head; i++)
        m2 += (r->ring[i] - mean) * (r->ring[i] - mean);
    r->mean = mean;
    r->m2 = m2;
    r->since_exact = 0;
    r->churn = 0.0;
}

static inline void rstd_slide(rstd *r, double x, double old)
{
    double mean = r->mean + (x - old) * r->inv_n;
    double dm2 = (x - old) * (x - mean + old - r->mean);
    r->mean = mean;
    r->m2 += dm2;
    r->churn += fabs(dm2);
}

static inline void rstd_push(rstd *r, double x)
{
    size_t last = r->head == 0 ? r->n - 1 : r->head - 1;
    r->run = (r->count > 0 && r->ring[last] == x) ? r->run + 1 : 1;
    double old = r->ring[r->head];
    r->ring[r->head] = x;
    r->head = r->head + 1 == r->n ? 0 : r->head + 1;
    if (r->count < r->n) {
        if (++r->count == r->n)
            rstd_exact(r);
        return;
    }
    rstd_slide(r, x, old);
    if (++r->since_exact >= r->n || r->churn > 1e5 * r->m2)
        rstd_exact(r);
}

static inline int rstd_full(const rstd *r)
{
    return r->count == r->n;
}

static inline double rstd_mean(const rstd *r)
{
    if (r->run >= r->n)
        return r->ring[r->head == 0 ? r->n - 1 : r->head - 1];
    return r->mean;
}

/* Population standard deviation (divides by n). */
static inline double rstd_pstd(const rstd *r)
{
    if (r->run >= r->n || r->m2 <= 0.0)
        return 0.0;
    return sqrt(r->m2 / (double)r->n);
}

#endif
