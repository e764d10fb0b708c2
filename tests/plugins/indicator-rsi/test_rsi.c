/*
 * test_rsi.c — indicator-rsi against TA-Lib's RSI (Wilder) written
 * plainly, on the real 1-minute history and on StockCharts' worked
 * example; the flat-series rule; config errors.
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

/* TA-Lib RSI: simple means of the first n gains/losses at index n, then
 * Wilder's (avg * (n-1) + x) / n; rsi = 100 * G / (G + L); 50 if G + L
 * is 0 (the documented deviation from TA-Lib's 1e-8 cut-off). */
static void batch_rsi(const perp_candle *c, const double *x, size_t len,
                      size_t n, double *out)
{
    (void)c;
    double g = 0.0, l = 0.0;
    for (size_t i = 0; i < len; i++) {
        out[i] = NAN;
        if (i == 0)
            continue;
        double d = x[i] - x[i - 1];
        double gain = d > 0 ? d : 0.0, loss = d < 0 ? -d : 0.0;
        if (i <= n) {
            g += gain;
            l += loss;
            if (i < n)
                continue;
            g /= (double)n;
            l /= (double)n;
        } else {
            g = (g * (double)(n - 1) + gain) / (double)n;
            l = (l * (double)(n - 1) + loss) / (double)n;
        }
        out[i] = g + l > 0 ? 100.0 * g / (g + l) : 50.0;
    }
}

static void check_history(const char *file, size_t period)
{
    char yaml[96];
    snprintf(yaml, sizeof yaml, "{plugin: rsi, period: %zu}", period);
    size_t n = 0;
    /* Documented first defined index: period. */
    size_t bad = ind_history_mismatch(vt(), yaml, file, batch_rsi, period,
                                      period, 1e-9, &n);
    cr_assert_eq(bad, n, "%s RSI(%zu) differs at index %zu", file, period, bad);
}

Test(rsi, real_history_matches_batch_definition)
{
    check_history("BTC-USD_1m.csv", 7);
    check_history("SOL-USD_1m.csv", 14);
}

/* StockCharts ChartSchool, "Relative Strength Index (RSI)", the 14-day
 * worked example (cs-rsi spreadsheet, the series Wilder-method texts
 * reprint): closes to four decimals, RSI as printed to two. */
Test(rsi, stockcharts_worked_example)
{
    static const double closes[33] = {
        44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955,
        45.4245, 45.8433, 46.0826, 45.8931, 46.0328, 45.6140, 46.2820,
        46.2820, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122,
        46.2521, 45.7137, 46.4515, 45.7835, 45.3548, 44.0288, 44.1783,
        44.2181, 44.5672, 43.4205, 42.6628, 43.1314};
    static const double rsi14[19] = {
        70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38,
        54.71, 50.42, 39.99, 41.46, 41.87, 45.46, 37.30, 33.08, 37.77};
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: rsi, period: 14}"), PERP_OK);
    for (size_t i = 0; i < 33; i++) {
        perp_candle c = ind_flat_candle(closes[i], (int64_t)i * 60000);
        double out;
        ind_feed(&in, &c, &out);
        if (i < 14)
            cr_assert(isnan(out), "RSI defined too early at %zu", i);
        else
            cr_assert(fabs(out - rsi14[i - 14]) <= 0.005 + 1e-12,
                      "day %zu: %.4f, published %.2f", i + 1, out,
                      rsi14[i - 14]);
    }
    ind_close(&in);
}

Test(rsi, extremes_and_flat_series)
{
    ind_instance up, flat;
    cr_assert_eq(ind_open(&up, vt(), "{plugin: rsi, period: 3}"), PERP_OK);
    cr_assert_eq(ind_open(&flat, vt(), "{plugin: rsi, period: 3}"), PERP_OK);
    double a = 0, b = 0;
    for (int i = 0; i < 8; i++) {
        perp_candle c = ind_flat_candle(100 + i, i * 60000);
        perp_candle f = ind_flat_candle(100, i * 60000);
        ind_feed(&up, &c, &a);
        ind_feed(&flat, &f, &b);
    }
    cr_assert_eq(a, 100.0); /* only gains */
    cr_assert_eq(b, 50.0);  /* never moved: neutral, not TA-Lib's 0 */
    ind_close(&up);
    ind_close(&flat);
}

Test(rsi, bad_config_is_refused)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: rsi, period: -7}"), PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: rsi, window: 7}"), PERP_EINVAL);
}

/* lookback() is the warm-up the host sizes the live start from and shows
 * as "warming_up": TA_RSI_Lookback(n) = n: n moves need n + 1 closes.
 * It must also be where the plugin's outputs become defined. */
Test(rsi, lookback_is_talib_and_the_first_defined_index)
{
    static const struct {
        const char *yaml;
        size_t want;
    } cases[] = {
        {"{plugin: rsi, period: 7}", 7},
        {"{plugin: rsi, period: 14}", 14},
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
