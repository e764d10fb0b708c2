/*
 * benchmark.h — a version judged against buy-and-hold (docs/benchmark.md).
 *
 * The benchmark of a version is an equal-weight buy-and-hold book of its
 * symbols: at the first equity snapshot at which every symbol has a
 * price, the version's starting equity is split evenly across them and
 * bought at those prices, without leverage, fees or funding, and held.
 * Its value at a later snapshot is sum_i (E0 / n) x p_i(t) / p_i(t0).
 *
 * The figures come from paired per-period simple returns, v_k of the
 * version's equity and b_k of the benchmark, between consecutive
 * snapshots at which both are known (a version snapshots once a cycle, so
 * a period is its cycle). P = periods per year = 365 d / the mean
 * snapshot interval (the Sharpe ratio's annualisation, host/metrics.c).
 * Moments are population moments.
 *
 *   beta              cov(v, b) / var(b)                 (NAN: var(b) = 0)
 *   alpha % a year    (mean(v) - beta mean(b)) x P x 100  (Jensen, rf = 0)
 *   tracking error %  sd(v - b) x sqrt(P) x 100
 *   information ratio mean(v - b) / sd(v - b) x sqrt(P)
 *                     (NAN, shown "-": undefined when sd(v - b) per
 *                     period is below HOST_BENCH_TE_FLOOR, a version that
 *                     holds the benchmark's own book)
 *   benchmark return  (B_last / B_first - 1) x 100, B_first = E0
 *   excess return     (E_last / E_first - B_last / B_first) x 100 over
 *                     the same span (the book may start after the
 *                     version: a symbol whose data begins later)
 *
 * Pure computation, no I/O: the agent folds a snapshot in at a time (O(1)
 * per cycle, Welford's co-moments, so long runs lose no precision), and
 * the backtest recomputes from the recorded curve with the same code.
 */
#ifndef HOST_BENCHMARK_H
#define HOST_BENCHMARK_H

#include <stddef.h>
#include <stdint.h>

#include <perp/sdk.h>

/* Per-period sd of v - b below which the two curves are one. */
#define HOST_BENCH_TE_FLOOR 1e-10

/* The buy-and-hold book. Zero it to start. */
typedef struct host_bench_book {
    int started;
    size_t n;
    double units[PERP_MAX_SYMBOLS]; /* E0 / n / p_i(t0) */
} host_bench_book;

/* The book's value at prices px[0..n) (n <= PERP_MAX_SYMBOLS). Before it
 * has started it starts here, worth equity0, if every price is finite and
 * > 0; else NAN (not started yet, or a price is missing). */
double host_bench_book_value(host_bench_book *b, const double *px, size_t n,
                             double equity0);

/* Paired returns folded in. Zero it to start. */
typedef struct host_bench_stats {
    size_t n; /* paired snapshots (both values finite and > 0) */
    int64_t first_ts, last_ts;
    double first_v, first_b, last_v, last_b;
    size_t k;                      /* paired returns */
    double mean_v, mean_b, mean_a; /* a = v - b */
    double m2_v, m2_b, m2_a, c_vb; /* sums of squared (co-)deviations */
} host_bench_stats;

/* One snapshot: the version's equity and the benchmark's value at ts.
 * A snapshot where either is not finite and > 0 is skipped. */
void host_bench_stats_add(host_bench_stats *s, int64_t ts, double equity,
                          double bench);

typedef struct host_bench_figures {
    size_t periods;          /* paired returns */
    double periods_per_year; /* P */
    double return_pct;        /* the benchmark's total return */
    double excess_return_pct; /* the version's over the same span, less */
    double beta, alpha_pct, tracking_error_pct, info_ratio;
} host_bench_figures;

/* NAN figures while fewer than 2 paired returns. */
void host_bench_figures_of(const host_bench_stats *s, host_bench_figures *out);

/* The same from recorded curves: ts ascending, bench NAN where the book
 * had not started. */
void host_bench_figures_compute(const int64_t *ts, const double *equity,
                                const double *bench, size_t n,
                                host_bench_figures *out);

#endif
