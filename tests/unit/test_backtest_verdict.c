/*
 * Does a version beat buy-and-hold (host/backtest_compare.c)? Its alpha
 * equals benchmark.c's, and the bootstrap interval says what the tape
 * can and cannot tell.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backtest_compare.h"
#include "benchmark.h"

#define N    2000
#define HOUR 3600000LL

static int64_t ts[N];
static double eq[N], bh[N];

/* The benchmark walks with returns b_k; the version earns
 * beta x b_k + drift + noise_k. */
static void make(double beta, double drift, double noise, unsigned seed)
{
    srand(seed);
    eq[0] = bh[0] = 10000;
    ts[0] = 0;
    for (int i = 1; i < N; i++) {
        double b =
            0.01 * sin(i / 5.0) + 0.004 * (rand() / (double)RAND_MAX - 0.5);
        double e = noise * (rand() / (double)RAND_MAX - 0.5);
        ts[i] = i * HOUR;
        bh[i] = bh[i - 1] * (1 + b);
        eq[i] = eq[i - 1] * (1 + beta * b + drift + e);
    }
}

Test(verdict, a_steady_edge_beats_buy_and_hold)
{
    /* v = 0.5 b + 1e-4 an hour exactly: alpha = 1e-4 x 8760 x 100
     * = 87.6 % a year in every resample, so the interval is that point. */
    make(0.5, 1e-4, 0, 1);
    host_bt_verdict v;
    cr_assert_eq(host_bt_verdict_of(ts, eq, bh, N, 500, &v), PERP_OK);
    cr_assert_eq(v.periods, N - 1);
    cr_assert_eq(v.block, 13, "ceil(1999^(1/3)) = 13");
    cr_assert_float_eq(v.alpha_pct, 87.6, 1e-6);
    cr_assert_float_eq(v.lo, 87.6, 1e-6);
    cr_assert_float_eq(v.hi, 87.6, 1e-6);
    cr_assert_eq(v.beats, 1);
    char text[512];
    host_bt_verdict_text(&v, "edge", text, sizeof text);
    cr_assert(strstr(text, "edge vs buy-and-hold: alpha +87.60 %/yr"), "%s",
              text);
    cr_assert(strstr(text, "beats buy-and-hold"), "%s", text);
}

Test(verdict, a_steady_loss_trails_and_noise_alone_cannot_be_told)
{
    make(1.0, -2e-4, 0, 2);
    host_bt_verdict v;
    cr_assert_eq(host_bt_verdict_of(ts, eq, bh, N, 500, &v), PERP_OK);
    cr_assert_eq(v.beats, -1);
    /* No edge, much noise: the interval straddles 0. */
    make(0.3, 0, 0.02, 3);
    cr_assert_eq(host_bt_verdict_of(ts, eq, bh, N, 1000, &v), PERP_OK);
    cr_assert_lt(v.lo, 0);
    cr_assert_gt(v.hi, 0);
    cr_assert_eq(v.beats, 0);
    char text[512];
    host_bt_verdict_text(&v, "noise", text, sizeof text);
    cr_assert(strstr(text, "cannot tell"), "%s", text);
    /* The same point alpha as benchmark.c's, and the same interval on a
     * second run (constant seed). */
    host_bench_figures f;
    host_bench_figures_compute(ts, eq, bh, N, &f);
    cr_assert_float_eq(v.alpha_pct, f.alpha_pct, 1e-9 * fabs(f.alpha_pct));
    host_bt_verdict w;
    host_bt_verdict_of(ts, eq, bh, N, 1000, &w);
    cr_assert_eq(v.lo, w.lo);
    cr_assert_eq(v.hi, w.hi);
}

Test(verdict, too_little_history_or_no_benchmark_is_said)
{
    make(1, 0, 0.01, 4);
    for (int i = 0; i < N - 3; i++)
        bh[i] = NAN; /* the book started three snapshots from the end */
    host_bt_verdict v;
    cr_assert_eq(host_bt_verdict_of(ts, eq, bh, N, 100, &v), PERP_EINVAL);
    cr_assert_eq(v.periods, 2);
    char text[512];
    host_bt_verdict_text(&v, "late", text, sizeof text);
    cr_assert(strstr(text, "too little history"), "%s", text);
}
