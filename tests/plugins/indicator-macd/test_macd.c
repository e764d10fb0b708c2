/*
 * test_macd.c — indicator-macd against TA-Lib's MACD (ta_MACD.c seeding:
 * both EMAs seeded at the slow lookback) written plainly, on the real
 * 1-minute history; a hand-worked example; config errors.
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

/* EMA(n) over x[from..len) seeded at `seed` (>= from + n - 1) with the
 * mean of the n values ending there, as TA-Lib's INT_EMA(startIdx=seed). */
static void ema_from(const double *x, size_t len, size_t n, size_t seed,
                     double *out)
{
    double k = 2.0 / (double)(n + 1);
    for (size_t i = 0; i < len; i++)
        out[i] = NAN;
    if (seed >= len)
        return;
    double sum = 0.0;
    for (size_t j = seed + 1 - n; j <= seed; j++)
        sum += x[j];
    out[seed] = sum / (double)n;
    for (size_t i = seed + 1; i < len; i++)
        out[i] = (x[i] - out[i - 1]) * k + out[i - 1];
}

static void batch_macd(const double *x, size_t len, size_t f, size_t s,
                       size_t g, double *line, double *sig, double *hist)
{
    double *fast = malloc(len * sizeof *fast),
           *slow = malloc(len * sizeof *slow);
    ema_from(x, len, f, s - 1, fast); /* fast seeded at the slow lookback */
    ema_from(x, len, s, s - 1, slow);
    for (size_t i = 0; i < len; i++)
        line[i] = fast[i] - slow[i];
    ema_from(line, len, g, s - 1 + g - 1, sig);
    for (size_t i = 0; i < len; i++)
        hist[i] = line[i] - sig[i];
    free(fast);
    free(slow);
}

static void check_history(const char *file)
{
    size_t n = 0;
    perp_candle *c = ind_history(file, &n);
    double *x = malloc(n * sizeof *x);
    double *want[3];
    for (int k = 0; k < 3; k++)
        want[k] = malloc(n * sizeof *want[k]);
    for (size_t i = 0; i < n; i++)
        x[i] = c[i].close;
    batch_macd(x, n, 12, 26, 9, want[0], want[1], want[2]);
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: macd, name: macd}"), PERP_OK);
    cr_assert_eq(in.n_out, 3);
    double *got = ind_run(&in, c, n);
    /* Documented first defined indices: line 25, signal and hist 33. The
     * histogram is a difference of nearly equal numbers, so it is held to
     * 1e-9 of the line's magnitude rather than of its own. */
    static const size_t first[3] = {25, 33, 33};
    for (int k = 0; k < 2; k++) {
        size_t bad =
            ind_first_mismatch(got, 3, (size_t)k, want[k], n, first[k], 1e-9);
        cr_assert_eq(bad, n, "%s output %d differs at %zu", file, k, bad);
    }
    for (size_t i = 0; i < n; i++) {
        double h = got[i * 3 + 2];
        if (i < 33) {
            cr_assert(isnan(h), "hist defined at %zu", i);
            continue;
        }
        double scale = fmax(fabs(want[0][i]), fabs(want[1][i]));
        cr_assert(fabs(h - want[2][i]) <= 1e-9 * scale + 1e-300,
                  "%s hist at %zu: %.17g vs %.17g", file, i, h, want[2][i]);
    }
    ind_close(&in);
    free(got);
    for (int k = 0; k < 3; k++)
        free(want[k]);
    free(x);
    free(c);
}

Test(macd, real_history_matches_batch_definition)
{
    check_history("BTC-USD_1m.csv");
    check_history("ETH-USD_1m.csv");
}

/* Hand-worked MACD(2, 3, 2) with TA-Lib's seeding on closes
 * 2, 4, 3, 7, 5, 8 (k_fast = 2/3, k_slow = 1/2, k_signal = 2/3):
 *  i=2: slow = (2+4+3)/3 = 3; fast = (4+3)/2 = 7/2; line = 1/2
 *  i=3: slow = 3 + (7-3)/2 = 5; fast = 7/2 + (7-7/2)*2/3 = 35/6;
 *       line = 5/6; signal = (1/2 + 5/6)/2 = 2/3; hist = 1/6
 *  i=4: slow = 5; fast = 35/6 + (5-35/6)*2/3 = 95/18; line = 5/18;
 *       signal = 2/3 + (5/18-2/3)*2/3 = 11/27; hist = -7/54
 *  i=5: slow = 5 + 3/2 = 13/2; fast = 95/18 + (8-95/18)*2/3 = 383/54;
 *       line = 16/27; signal = 11/27 + (16/27-11/27)*2/3 = 43/81;
 *       hist = 5/81
 * (StockCharts' MACD table seeds the fast EMA at index f-1 instead, so
 * its numbers differ from TA-Lib's for the first few dozen bars.) */
Test(macd, hand_worked_talib_seeding)
{
    static const double x[6] = {2, 4, 3, 7, 5, 8};
    static const double line[6] = {NAN,     NAN,      1.0 / 2,
                                   5.0 / 6, 5.0 / 18, 16.0 / 27};
    static const double sig[6] = {NAN, NAN, NAN, 2.0 / 3, 11.0 / 27, 43.0 / 81};
    static const double hist[6] = {NAN, NAN, NAN, 1.0 / 6, -7.0 / 54, 5.0 / 81};
    ind_instance in;
    cr_assert_eq(
        ind_open(&in, vt(), "{plugin: macd, fast: 2, slow: 3, signal: 2}"),
        PERP_OK);
    for (int i = 0; i < 6; i++) {
        perp_candle c = ind_flat_candle(x[i], i * 60000);
        double out[3];
        ind_feed(&in, &c, out);
        cr_assert(ind_close_rel(out[0], line[i], 1e-12), "line %d: %.17g", i,
                  out[0]);
        cr_assert(ind_close_rel(out[1], sig[i], 1e-12), "signal %d: %.17g", i,
                  out[1]);
        cr_assert(ind_close_rel(out[2], hist[i], 1e-12), "hist %d: %.17g", i,
                  out[2]);
    }
    ind_close(&in);
}

/* On a straight line x = a + b*i an SMA-seeded EMA(n) lags by exactly
 * b*(n-1)/2 (the seed sits at the window's centre and the recurrence
 * keeps that lag), so MACD(12,26,9) = b*(26-12)/2 = 7b, signal 7b,
 * hist 0, from the first defined index. */
Test(macd, straight_line_analytic)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: macd}"), PERP_OK);
    for (int i = 0; i < 60; i++) {
        perp_candle c = ind_flat_candle(100 + 0.5 * i, i * 60000);
        double out[3];
        ind_feed(&in, &c, out);
        if (i >= 25)
            cr_assert_float_eq(out[0], 3.5, 1e-9, "line at %d", i);
        if (i >= 33) {
            cr_assert_float_eq(out[1], 3.5, 1e-9);
            cr_assert_float_eq(out[2], 0.0, 1e-9);
        }
    }
    ind_close(&in);
}

Test(macd, bad_config_is_refused)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: macd, fast: 26, slow: 12}"),
                 PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: macd, signal: 0}"), PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: macd, period: 9}"), PERP_EINVAL);
}

/* lookback() is the warm-up the host sizes the live start from and shows
 * as "warming_up": TA_MACD_Lookback(f, s, g) = (s - 1) + (g - 1): the slow EMA,
 * then the signal EMA of the line; every output is defined from there (the line
 * alone 8 candles earlier for 12/26/9). It must also be where the plugin's
 * outputs become defined. */
Test(macd, lookback_is_talib_and_the_first_defined_index)
{
    static const struct {
        const char *yaml;
        size_t want;
    } cases[] = {
        {"{plugin: macd, fast: 12, slow: 26, signal: 9}", (26 - 1) + (9 - 1)},
        {"{plugin: macd, fast: 3, slow: 5, signal: 1}", (5 - 1) + (1 - 1)},
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
