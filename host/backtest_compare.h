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
    const double *bench; /* buy-and-hold at each point (NAN before it
                            started), or NULL */
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

/* Does a version beat buy-and-hold? Its annualised alpha against its
 * benchmark (benchmark.h: the same paired snapshot returns, the same
 * definition) and the 95 % interval of that alpha from a circular block
 * bootstrap of the pairs (blocks of ceil(n^(1/3)) periods, beta and
 * alpha recomputed in each of `resamples` resamples, percentiles 2.5 and
 * 97.5, the constant seed above). */
typedef struct host_bt_verdict {
    size_t periods, block, resamples;
    double alpha_pct, lo, hi; /* % a year */
    int beats; /* 1: the interval is above 0; -1: below; 0: it holds 0 */
} host_bt_verdict;

/* ts, equity, bench: n recorded snapshots (bench NAN before the book
 * started). PERP_OK, or PERP_EINVAL with fewer than 3 paired returns or
 * a flat benchmark (out->periods says how many). */
int host_bt_verdict_of(const int64_t *ts, const double *equity,
                       const double *bench, size_t n, size_t resamples,
                       host_bt_verdict *out);

/* One plain sentence: alpha, its interval, and whether it beats. */
void host_bt_verdict_text(const host_bt_verdict *v, const char *version,
                          char *out, size_t len);

#endif
