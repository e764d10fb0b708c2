/*
 * backtest_compare.h — can the tape tell two versions apart?
 *
 * Both equity curves are read on one grid of period_ms (equity at t = the
 * last snapshot at or before t), over the span both cover; the paired
 * per-period simple returns give each version's Sharpe (population
 * standard deviation, annualised by sqrt(year / period), as
 * host/metrics.c) and their difference A - B. The 95 % interval of that
 * difference comes from a circular block bootstrap of the pairs (blocks
 * of ceil(n^(1/3)) periods keep the returns' short-range dependence; the
 * same blocks are drawn for both versions, so what they share cancels),
 * percentiles 2.5 and 97.5 of B resamples. The generator is seeded with a
 * constant: the same tape gives the same interval on every run.
 */
#ifndef HOST_BACKTEST_COMPARE_H
#define HOST_BACKTEST_COMPARE_H

#include <stddef.h>
#include <stdint.h>

typedef struct host_bt_curve {
    const int64_t *ts; /* ascending, ms */
    const double *equity;
    size_t n;
} host_bt_curve;

typedef struct host_bt_comparison {
    size_t periods; /* paired returns */
    int64_t period_ms;
    size_t block; /* bootstrap block length, periods */
    size_t resamples;
    double sharpe_a, sharpe_b, diff; /* annualised; diff = a - b */
    double lo, hi;                   /* 95 % interval of diff */
    int apart; /* 1: the interval excludes 0, the tape tells them apart */
} host_bt_comparison;

/* PERP_OK, or PERP_EINVAL when the curves share fewer than 3 periods
 * (out->periods says how many). */
int host_bt_compare(const host_bt_curve *a, const host_bt_curve *b,
                    int64_t period_ms, size_t resamples,
                    host_bt_comparison *out);

/* One plain sentence: the difference, its interval, and the verdict. */
void host_bt_comparison_text(const host_bt_comparison *c, const char *a,
                             const char *b, char *out, size_t len);

#endif
