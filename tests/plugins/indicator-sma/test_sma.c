/*
 * test_sma.c — indicator-sma against the plain window mean (TA-Lib SMA) on
 * the real 1-minute history, a textbook example, and config errors.
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

static void batch_sma(const perp_candle *c, const double *x, size_t len,
                      size_t n, double *out)
{
    (void)c;
    for (size_t i = 0; i < len; i++) {
        if (i + 1 < n) {
            out[i] = NAN;
            continue;
        }
        double sum = 0.0;
        for (size_t j = i + 1 - n; j <= i; j++)
            sum += x[j];
        out[i] = sum / (double)n;
    }
}

static void check_history(const char *file, size_t period)
{
    char yaml[96];
    snprintf(yaml, sizeof yaml, "{plugin: sma, period: %zu}", period);
    size_t n = 0;
    size_t bad = ind_history_mismatch(vt(), yaml, file, batch_sma, period,
                                      period - 1, 1e-9, &n);
    cr_assert_eq(bad, n, "%s SMA(%zu) differs at index %zu", file, period, bad);
}

Test(sma, real_history_matches_batch_definition)
{
    check_history("BTC-USD_1m.csv", 20);
    check_history("XRP-USD_1m.csv", 50);
}

/* StockCharts ChartSchool, "Moving Averages - Simple and Exponential":
 * a 5-day SMA of closes 11..17 is 13, then 14, then 15. */
Test(sma, stockcharts_worked_example)
{
    static const double want[7] = {NAN, NAN, NAN, NAN, 13, 14, 15};
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: sma, period: 5}"), PERP_OK);
    for (int i = 0; i < 7; i++) {
        perp_candle c = ind_flat_candle(11 + i, i * 60000);
        double out;
        ind_feed(&in, &c, &out);
        cr_assert(ind_close_rel(out, want[i], 1e-15), "day %d: %g", i + 1, out);
    }
    ind_close(&in);
}

Test(sma, bad_config_is_refused)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: sma, period: 0}"), PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: sma, period: [3]}"),
                 PERP_EINVAL);
}

/* lookback() is the warm-up the host sizes the live start from and shows
 * as "warming_up": TA_SMA_Lookback(n) = n - 1.
 * It must also be where the plugin's outputs become defined. */
Test(sma, lookback_is_talib_and_the_first_defined_index)
{
    static const struct {
        const char *yaml;
        size_t want;
    } cases[] = {
        {"{plugin: sma, period: 2}", 2 - 1},
        {"{plugin: sma, period: 50}", 50 - 1},
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
