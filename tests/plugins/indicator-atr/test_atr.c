/*
 * test_atr.c — indicator-atr against TA-Lib's ATR (TRANGE from index 1,
 * simple seed, Wilder smoothing) written plainly on the real 1-minute
 * history; StockCharts' worked example; a hand-worked example.
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

static double tr(const perp_candle *c, double prev_close)
{
    return fmax(c->high - c->low,
                fmax(fabs(c->high - prev_close), fabs(c->low - prev_close)));
}

static void batch_atr(const perp_candle *c, const double *close, size_t len,
                      size_t n, double *out)
{
    (void)close;
    double atr = 0.0;
    for (size_t i = 0; i < len; i++) {
        out[i] = NAN;
        if (i == 0)
            continue;
        if (i < n) {
            atr += tr(&c[i], c[i - 1].close);
        } else if (i == n) {
            atr = (atr + tr(&c[i], c[i - 1].close)) / (double)n;
            out[i] = atr;
        } else {
            atr =
                (atr * (double)(n - 1) + tr(&c[i], c[i - 1].close)) / (double)n;
            out[i] = atr;
        }
    }
}

static void check_history(const char *file, size_t period)
{
    char yaml[96];
    snprintf(yaml, sizeof yaml, "{plugin: atr, period: %zu}", period);
    size_t n = 0;
    /* Documented first defined index: period. */
    size_t bad = ind_history_mismatch(vt(), yaml, file, batch_atr, period,
                                      period, 1e-9, &n);
    cr_assert_eq(bad, n, "%s ATR(%zu) differs at %zu", file, period, bad);
}

Test(atr, real_history_matches_batch_definition)
{
    check_history("BTC-USD_1m.csv", 14);
    check_history("DOGE-USD_1m.csv", 14);
}

/* Hand-worked ATR(2): candles (h, l, c) = (10, 8, 9), (12, 9, 11),
 * (11, 7, 8), (9, 8, 8.5).
 *  tr1 = max(12-9, |12-9|, |9-9|) = 3; tr2 = max(4, |11-11|, |7-11|) = 4
 *  atr2 = (3 + 4)/2 = 3.5 (first defined index 2 = period)
 *  tr3 = max(1, |9-8|, |8-8|) = 1; atr3 = (3.5*1 + 1)/2 = 2.25 */
Test(atr, hand_worked)
{
    static const double hlc[4][3] = {
        {10, 8, 9}, {12, 9, 11}, {11, 7, 8}, {9, 8, 8.5}};
    static const double want[4] = {NAN, NAN, 3.5, 2.25};
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: atr, period: 2}"), PERP_OK);
    for (int i = 0; i < 4; i++) {
        perp_candle c = ind_flat_candle(hlc[i][2], i * 60000);
        c.high = hlc[i][0];
        c.low = hlc[i][1];
        double out;
        ind_feed(&in, &c, &out);
        cr_assert(ind_close_rel(out, want[i], 1e-15), "%d: %g", i, out);
    }
    ind_close(&in);
}

/* StockCharts ChartSchool, "Average True Range (ATR)", the 14-period
 * QQQ example (cs-atr spreadsheet): highs, lows and closes as printed to
 * two decimals, ATR as printed. StockCharts takes the first day's true
 * range as high - low; TA-Lib has no true range for its first candle. A
 * leading candle whose close lies inside day 1's range makes TA-Lib's
 * first true range exactly day 1's high - low, so the two agree from
 * there on. The spreadsheet computed from unrounded prices, so agreement
 * is to 0.01, not 0.005. */
Test(atr, stockcharts_worked_example)
{
    static const double h[30] = {
        48.70, 48.72, 48.90, 48.87, 48.82, 49.05, 49.20, 49.35, 49.92, 50.19,
        50.12, 49.66, 49.88, 50.19, 50.36, 50.57, 50.65, 50.43, 49.63, 50.33,
        50.29, 50.17, 49.32, 48.50, 48.32, 46.80, 47.80, 48.39, 48.66, 48.79};
    static const double l[30] = {
        47.79, 48.14, 48.39, 48.37, 48.24, 48.64, 48.94, 48.86, 49.50, 49.87,
        49.20, 48.90, 49.43, 49.73, 49.26, 50.09, 50.30, 49.21, 48.98, 49.61,
        49.20, 49.43, 48.08, 47.64, 41.55, 44.28, 47.31, 47.20, 47.90, 47.73};
    static const double c[30] = {
        48.16, 48.61, 48.75, 48.63, 48.74, 49.03, 49.07, 49.32, 49.91, 50.13,
        49.53, 49.50, 49.75, 50.03, 50.31, 50.52, 50.41, 49.34, 49.37, 50.23,
        49.24, 49.93, 48.43, 48.18, 46.57, 45.41, 47.77, 47.72, 48.62, 47.85};
    static const double atr[17] = {0.56, 0.59, 0.59, 0.57, 0.62, 0.62,
                                   0.64, 0.67, 0.69, 0.78, 0.78, 1.21,
                                   1.30, 1.38, 1.37, 1.34, 1.32};
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: atr, period: 14}"), PERP_OK);
    perp_candle lead = ind_flat_candle(48.20, 0); /* inside 47.79..48.70 */
    double out;
    ind_feed(&in, &lead, &out);
    for (int i = 0; i < 30; i++) {
        perp_candle k = ind_flat_candle(c[i], (i + 1) * 60000);
        k.high = h[i];
        k.low = l[i];
        ind_feed(&in, &k, &out);
        if (i < 13)
            cr_assert(isnan(out), "defined early at day %d", i + 1);
        else
            cr_assert(fabs(out - atr[i - 13]) <= 0.01, "day %d: %.4f vs %.2f",
                      i + 1, out, atr[i - 13]);
    }
    ind_close(&in);
}

Test(atr, bad_config_is_refused)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: atr, period: 0}"), PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: atr, source: close}"),
                 PERP_EINVAL);
}

/* lookback() is the warm-up the host sizes the live start from and shows
 * as "warming_up": TA_ATR_Lookback(n) = n: n true ranges need n + 1 candles.
 * It must also be where the plugin's outputs become defined. */
Test(atr, lookback_is_talib_and_the_first_defined_index)
{
    static const struct {
        const char *yaml;
        size_t want;
    } cases[] = {
        {"{plugin: atr, period: 1}", 1},
        {"{plugin: atr, period: 14}", 14},
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
