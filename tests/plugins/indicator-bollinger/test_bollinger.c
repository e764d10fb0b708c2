/*
 * test_bollinger.c — indicator-bollinger against the plain two-pass
 * definition (SMA middle, population standard deviation) on the real
 * 1-minute history, a textbook standard deviation, and config errors.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ind_harness.h"

static const perp_indicator_vtable *vt(void)
{
    return perp_plugin_entry()->vtable;
}

static void batch_bbands(const double *x, size_t len, size_t n, double k,
                         double *up, double *mid, double *lo)
{
    for (size_t i = 0; i < len; i++) {
        if (i + 1 < n) {
            up[i] = mid[i] = lo[i] = NAN;
            continue;
        }
        double sum = 0.0;
        for (size_t j = i + 1 - n; j <= i; j++)
            sum += x[j];
        double m = sum / (double)n, ss = 0.0;
        for (size_t j = i + 1 - n; j <= i; j++)
            ss += (x[j] - m) * (x[j] - m);
        double sd = sqrt(ss / (double)n);
        mid[i] = m;
        up[i] = m + k * sd;
        lo[i] = m - k * sd;
    }
}

static void check_history(const char *file)
{
    size_t n = 0;
    perp_candle *c = ind_history(file, &n);
    double *x = malloc(n * sizeof *x), *want[3];
    for (int k = 0; k < 3; k++)
        want[k] = malloc(n * sizeof *want[k]);
    for (size_t i = 0; i < n; i++)
        x[i] = c[i].close;
    batch_bbands(x, n, 20, 2.0, want[0], want[1], want[2]);
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: bollinger, period: 20, k: 2}"),
                 PERP_OK);
    double *got = ind_run(&in, c, n);
    /* Documented first defined index: period - 1 = 19. */
    for (int k = 0; k < 3; k++) {
        size_t bad =
            ind_first_mismatch(got, 3, (size_t)k, want[k], n, 19, 1e-9);
        cr_assert_eq(bad, n, "%s band %d differs at %zu", file, k, bad);
    }
    /* The bands' width is what the deviation drives; hold it to 1e-9 of
     * itself where it is not zero, so a sloppy variance cannot hide
     * behind the price level. */
    for (size_t i = 19; i < n; i++) {
        double w = got[i * 3] - got[i * 3 + 2], ww = want[0][i] - want[2][i];
        cr_assert(fabs(w - ww) <= 1e-9 * ww + 1e-9 * 1e-6 * want[1][i],
                  "%s width at %zu: %.17g vs %.17g", file, i, w, ww);
    }
    ind_close(&in);
    free(got);
    for (int k = 0; k < 3; k++)
        free(want[k]);
    free(x);
    free(c);
}

Test(bollinger, real_history_matches_batch_definition)
{
    check_history("BTC-USD_1m.csv");
    check_history("DOGE-USD_1m.csv");
}

/* The population standard deviation of 2, 4, 4, 4, 5, 5, 7, 9 is exactly
 * 2 around a mean of 5 (the worked example of Wikipedia's "Standard
 * deviation" article); the sample form would give 2.138. So
 * Bollinger(8, 2) is 9 / 5 / 1. */
Test(bollinger, textbook_population_deviation)
{
    static const double x[8] = {2, 4, 4, 4, 5, 5, 7, 9};
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: bollinger, period: 8}"),
                 PERP_OK);
    double out[3];
    for (int i = 0; i < 8; i++) {
        perp_candle c = ind_flat_candle(x[i], i * 60000);
        ind_feed(&in, &c, out);
        if (i < 7)
            cr_assert(isnan(out[1]));
    }
    cr_assert_float_eq(out[0], 9.0, 1e-12);
    cr_assert_float_eq(out[1], 5.0, 1e-12);
    cr_assert_float_eq(out[2], 1.0, 1e-12);
    ind_close(&in);
}

/* A burst (moves of thousands) followed by calm (moves of cents) with
 * bursts in between: the sliding sums carry rounding from the burst
 * terms, which is large against the calm window's variance, so this is
 * where a sliding variance goes wrong if it is not re-based. The width
 * is held to 1e-9 of the two-pass value at every index. */
Test(bollinger, burst_then_calm_width_matches_two_pass)
{
    size_t len = 600, n = 20;
    double *x = malloc(len * sizeof *x), *want[3];
    for (int k = 0; k < 3; k++)
        want[k] = malloc(len * sizeof *want[k]);
    for (size_t i = 0; i < len; i++) {
        int burst = (i / 100) % 2 == 0 && i % 100 < 30;
        double step = burst ? 4000.0 * (double)((i * 37) % 11) / 10.0
                            : 0.01 * (double)((i * 13) % 7);
        x[i] = 30000.0 + ((i % 2) ? step : -step);
    }
    batch_bbands(x, len, n, 2.0, want[0], want[1], want[2]);
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: bollinger, period: 20}"),
                 PERP_OK);
    double out[3];
    for (size_t i = 0; i < len; i++) {
        perp_candle c = ind_flat_candle(x[i], (int64_t)i * 60000);
        ind_feed(&in, &c, out);
        if (i + 1 < n)
            continue;
        double w = out[0] - out[2], ww = want[0][i] - want[2][i];
        cr_assert(fabs(w - ww) <= 1e-9 * ww, "width at %zu: %.17g vs %.17g", i,
                  w, ww);
        cr_assert(ind_close_rel(out[1], want[1][i], 1e-12));
    }
    ind_close(&in);
    for (int k = 0; k < 3; k++)
        free(want[k]);
    free(x);
}

Test(bollinger, flat_market_has_zero_width)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: bollinger, period: 5}"),
                 PERP_OK);
    double out[3];
    for (int i = 0; i < 30; i++) {
        /* a burst, then the price stays put */
        perp_candle c = ind_flat_candle(
            i < 10 ? 25000 + 300 * (i % 3) : 25000.37, i * 60000);
        ind_feed(&in, &c, out);
    }
    cr_assert_eq(out[0], 25000.37);
    cr_assert_eq(out[2], 25000.37);
    ind_close(&in);
}

Test(bollinger, bad_config_is_refused)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: bollinger, k: -1}"),
                 PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: bollinger, period: 1}"),
                 PERP_EINVAL);
}

/* lookback() is the warm-up the host sizes the live start from and shows
 * as "warming_up": TA_BBANDS_Lookback(n) = n - 1 (SMA middle band).
 * It must also be where the plugin's outputs become defined. */
Test(bollinger, lookback_is_talib_and_the_first_defined_index)
{
    static const struct {
        const char *yaml;
        size_t want;
    } cases[] = {
        {"{plugin: bollinger, period: 20}", 20 - 1},
        {"{plugin: bollinger, period: 5, k: 1}", 5 - 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t lookback, first;
        cr_assert_eq(ind_warmup(vt(), cases[i].yaml, &lookback, &first),
                     PERP_OK, "%s", cases[i].yaml);
        cr_expect_eq(lookback, cases[i].want, "%s: lookback %zu, want %zu",
                     cases[i].yaml, lookback, cases[i].want);
        cr_expect_eq(first, cases[i].want,
                     "%s: first defined at %zu, lookback says %zu",
                     cases[i].yaml, first, cases[i].want);
    }
}
