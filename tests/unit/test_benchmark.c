/*
 * The buy-and-hold book and the figures against it (host/benchmark.c),
 * against arithmetic worked by hand in the comments.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "benchmark.h"

#define DAY_MS 86400000LL

Test(benchmark, book_starts_when_every_price_is_known_and_holds_its_units)
{
    host_bench_book b;
    memset(&b, 0, sizeof b);
    double px[2] = {100, NAN};
    /* ETH has no price yet: nothing bought. */
    cr_assert(isnan(host_bench_book_value(&b, px, 2, 10000)));
    cr_assert_eq(b.started, 0);
    /* 10000 split in two: 5000 / 100 = 50 BTC, 5000 / 50 = 100 ETH. */
    px[1] = 50;
    cr_assert_float_eq(host_bench_book_value(&b, px, 2, 10000), 10000, 1e-9);
    cr_assert_float_eq(b.units[0], 50, 1e-12);
    cr_assert_float_eq(b.units[1], 100, 1e-12);
    /* 50 x 110 + 100 x 45 = 5500 + 4500 = 10000; 50 x 120 + 100 x 60 =
     * 12000. The starting equity given later does not re-buy. */
    px[0] = 110;
    px[1] = 45;
    cr_assert_float_eq(host_bench_book_value(&b, px, 2, 777), 10000, 1e-9);
    px[0] = 120;
    px[1] = 60;
    cr_assert_float_eq(host_bench_book_value(&b, px, 2, 777), 12000, 1e-9);
}

/* Three daily returns, version v = +2 %, -1 %, +3 %, benchmark
 * b = +1 %, -2 %, +1 %:
 *   E: 100, 102, 100.98, 104.0094     B: 100, 101, 98.98, 99.9698
 *   mean v = 0.04 / 3, mean b = 0
 *   var b = (1 + 4 + 1) e-4 / 3 = 2e-4
 *   cov = mean(v b) - 0 = (2 + 2 + 3) e-4 / 3 = 7e-4 / 3
 *   beta = (7e-4 / 3) / 2e-4 = 7 / 6
 *   alpha = (0.04 / 3 - 7/6 x 0) x 365 x 100 = 486.666... % a year
 *   a = v - b = 0.01, 0.01, 0.02: mean 0.04 / 3,
 *   var a = (1 + 1 + 4) e-4 / 3 - (0.04 / 3)^2 = 2e-4 - 1.7778e-4
 *         = 2.2222e-5 = 2e-4 / 9, sd a = sqrt(2) x 0.01 / 3
 *   tracking error = sqrt(2) / 300 x sqrt(365) x 100 = 9.00617 %
 *   IR = (0.04 / 3) / (sqrt(2) / 300) x sqrt(365) = 2 sqrt(2) sqrt(365)
 *      = 54.0370
 *   benchmark return = 99.9698 / 100 - 1 = -0.0302 %
 *   excess = 104.0094 / 100 - 99.9698 / 100 = 4.0396 % */
Test(benchmark, hand_worked_beta_alpha_tracking_error_information_ratio)
{
    const double e[] = {100, 102, 100.98, 104.0094};
    const double b[] = {100, 101, 98.98, 99.9698};
    host_bench_stats s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 4; i++)
        host_bench_stats_add(&s, i * DAY_MS, e[i], b[i]);
    host_bench_figures f;
    host_bench_figures_of(&s, &f);
    cr_assert_eq(f.periods, 3);
    cr_assert_float_eq(f.periods_per_year, 365, 1e-9);
    cr_assert_float_eq(f.beta, 7.0 / 6.0, 1e-9);
    cr_assert_float_eq(f.alpha_pct, 0.04 / 3 * 365 * 100, 1e-6);
    cr_assert_float_eq(f.tracking_error_pct, sqrt(2) / 300 * sqrt(365) * 100,
                       1e-9);
    cr_assert_float_eq(f.tracking_error_pct, 9.00617, 1e-5);
    cr_assert_float_eq(f.info_ratio, 2 * sqrt(2) * sqrt(365), 1e-6);
    cr_assert_float_eq(f.info_ratio, 54.0370, 1e-4);
    cr_assert_float_eq(f.return_pct, -0.0302, 1e-9);
    cr_assert_float_eq(f.excess_return_pct, 4.0396, 1e-9);
    /* The recorded-curve form gives the same. */
    const int64_t ts[] = {0, DAY_MS, 2 * DAY_MS, 3 * DAY_MS};
    host_bench_figures g;
    host_bench_figures_compute(ts, e, b, 4, &g);
    cr_assert_eq(memcmp(&f, &g, sizeof f), 0);
}

/* The version is the benchmark: beta 1, alpha 0, no tracking error, and
 * the information ratio undefined (0 / 0), not a huge number. */
Test(benchmark, holding_the_book_itself_is_beta_1_alpha_0_ir_undefined)
{
    host_bench_stats s;
    memset(&s, 0, sizeof s);
    double x = 10000;
    for (int i = 0; i < 500; i++) {
        x *= 1 + 0.01 * sin(i / 7.0);
        host_bench_stats_add(&s, i * 60000LL, x, x);
    }
    host_bench_figures f;
    host_bench_figures_of(&s, &f);
    cr_assert_float_eq(f.beta, 1.0, 1e-12);
    cr_assert_float_eq(f.alpha_pct, 0.0, 1e-9);
    cr_assert_float_eq(f.tracking_error_pct, 0.0, 1e-12);
    cr_assert(isnan(f.info_ratio), "IR %g", f.info_ratio);
    cr_assert_float_eq(f.excess_return_pct, 0.0, 1e-12);
}

/* Snapshots before the book started (NAN) are not paired; the first
 * paired one is the base. A flat benchmark has no beta. */
Test(benchmark, unpaired_snapshots_are_skipped_and_a_flat_benchmark_has_no_beta)
{
    const int64_t ts[] = {0, DAY_MS, 2 * DAY_MS, 3 * DAY_MS, 4 * DAY_MS};
    const double e[] = {90, 100, 110, 99, 108.9};
    const double b[] = {NAN, 100, 100, 100, 100};
    host_bench_figures f;
    host_bench_figures_compute(ts, e, b, 5, &f);
    cr_assert_eq(f.periods, 3);
    cr_assert(isnan(f.beta));
    cr_assert(isnan(f.alpha_pct));
    cr_assert_float_eq(f.return_pct, 0, 1e-12);
    /* 108.9 / 100 - 1 over the paired span. */
    cr_assert_float_eq(f.excess_return_pct, 8.9, 1e-9);
    /* v - b = +10 %, -10 %, +10 %: mean 1/30, sd sqrt(0.01 - 1/900). */
    double sd = sqrt(0.01 - 1.0 / 900);
    cr_assert_float_eq(f.info_ratio, (1.0 / 30) / sd * sqrt(365), 1e-9);
    host_bench_figures_compute(ts, e, b, 1, &f);
    cr_assert(isnan(f.beta) && isnan(f.info_ratio));
}
