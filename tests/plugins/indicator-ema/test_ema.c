/*
 * test_ema.c — indicator-ema against TA-Lib's EMA definition written
 * plainly, on the real 1-minute history and on StockCharts' worked
 * example; config errors; reset.
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

/* TA-Lib EMA: SMA of the first n closes at n-1, then (x - e) * k + e. */
static void batch_ema(const perp_candle *c, const double *x, size_t len,
                      size_t n, double *out)
{
    (void)c;
    double k = 2.0 / (double)(n + 1);
    for (size_t i = 0; i < len; i++) {
        if (i + 1 < n) {
            out[i] = NAN;
        } else if (i + 1 == n) {
            double sum = 0.0;
            for (size_t j = 0; j < n; j++)
                sum += x[j];
            out[i] = sum / (double)n;
        } else {
            out[i] = (x[i] - out[i - 1]) * k + out[i - 1];
        }
    }
}

static void check_history(const char *file, size_t period)
{
    char yaml[96];
    snprintf(yaml, sizeof yaml, "{plugin: ema, name: e, period: %zu}", period);
    size_t n = 0;
    /* Documented first defined index: period - 1. */
    size_t bad = ind_history_mismatch(vt(), yaml, file, batch_ema, period,
                                      period - 1, 1e-9, &n);
    cr_assert_eq(bad, n, "%s EMA(%zu) differs at index %zu of %zu", file,
                 period, bad, n);
}

Test(ema, real_history_matches_batch_definition)
{
    check_history("BTC-USD_1m.csv", 20);
    check_history("ETH-USD_1m.csv", 20);
    check_history("DOGE-USD_1m.csv", 9);
}

/* StockCharts ChartSchool, "Moving Averages - Simple and Exponential",
 * the 10-day EMA worked example (cs-movavg spreadsheet): closes and the
 * EMA column as printed, two decimals. */
Test(ema, stockcharts_worked_example)
{
    static const double closes[30] = {
        22.27, 22.19, 22.08, 22.17, 22.18, 22.13, 22.23, 22.43, 22.24, 22.29,
        22.15, 22.39, 22.38, 22.61, 23.36, 24.05, 23.75, 23.83, 23.95, 23.63,
        23.82, 23.87, 23.65, 23.19, 23.10, 23.33, 22.68, 23.10, 22.40, 22.17};
    static const double ema10[21] = {22.22, 22.21, 22.24, 22.27, 22.33, 22.52,
                                     22.80, 22.97, 23.13, 23.28, 23.34, 23.43,
                                     23.51, 23.53, 23.47, 23.40, 23.39, 23.26,
                                     23.23, 23.08, 22.92};
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: ema, period: 10}"), PERP_OK);
    for (size_t i = 0; i < 30; i++) {
        perp_candle c = ind_flat_candle(closes[i], (int64_t)i * 60000);
        double out;
        cr_assert_eq(ind_feed(&in, &c, &out), PERP_OK);
        if (i < 9)
            cr_assert(isnan(out), "EMA defined too early at %zu", i);
        else
            cr_assert(fabs(out - ema10[i - 9]) <= 0.005 + 1e-12,
                      "day %zu: %.4f, published %.2f", i + 1, out,
                      ema10[i - 9]);
    }
    ind_close(&in);
}

Test(ema, source_option_reads_the_chosen_price)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: ema, period: 2, source: hl2}"),
                 PERP_OK);
    perp_candle a = ind_flat_candle(10, 0), b = ind_flat_candle(10, 60000);
    a.high = 12, a.low = 8;  /* hl2 = 10 */
    b.high = 15, b.low = 11; /* hl2 = 13 */
    double out;
    ind_feed(&in, &a, &out);
    cr_assert(isnan(out));
    ind_feed(&in, &b, &out);
    cr_assert_float_eq(out, 11.5, 1e-12); /* (10 + 13) / 2 */
    ind_close(&in);
}

Test(ema, bad_config_is_refused)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: ema, period: 1}"), PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: ema, period: abc}"),
                 PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: ema, perod: 20}"), PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: ema, source: vwap}"),
                 PERP_EINVAL);
}

Test(ema, reset_starts_over)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: ema, period: 3}"), PERP_OK);
    double first[6], again[6];
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 6; i++) {
            perp_candle c = ind_flat_candle(100 + i * i, i * 60000);
            ind_feed(&in, &c, pass ? &again[i] : &first[i]);
        }
        in.vt->reset(in.self);
    }
    for (int i = 0; i < 6; i++)
        cr_assert(ind_close_rel(first[i], again[i], 0));
    ind_close(&in);
}

/* lookback() is the warm-up the host sizes the live start from and shows
 * as "warming_up": TA_EMA_Lookback(n) = n - 1: the SMA seed of n closes.
 * It must also be where the plugin's outputs become defined. */
Test(ema, lookback_is_talib_and_the_first_defined_index)
{
    static const struct {
        const char *yaml;
        size_t want;
    } cases[] = {
        {"{plugin: ema, period: 2}", 2 - 1},
        {"{plugin: ema, period: 20}", 20 - 1},
        {"{plugin: ema, period: 240}", 240 - 1},
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
