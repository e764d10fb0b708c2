/*
 * test_volatility.c — indicator-volatility against the plain definition
 * (population standard deviation of the last w log returns, times
 * sqrt(minutes per year / interval minutes)) on the real 1-minute
 * history; a hand-worked example; annualisation for 6 h candles.
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

static void batch_rv(const double *x, size_t len, size_t w, double *rv)
{
    for (size_t i = 0; i < len; i++) {
        rv[i] = NAN;
        if (i < w)
            continue;
        double r[w], sum = 0.0;
        for (size_t j = 0; j < w; j++) {
            size_t t = i + 1 - w + j;
            r[j] = log(x[t] / x[t - 1]);
            sum += r[j];
        }
        double m = sum / (double)w, ss = 0.0;
        for (size_t j = 0; j < w; j++)
            ss += (r[j] - m) * (r[j] - m);
        rv[i] = sqrt(ss / (double)w);
    }
}

static void check_history(const char *file)
{
    size_t n = 0;
    perp_candle *c = ind_history(file, &n);
    double *x = calloc(n, sizeof *x), *rv = calloc(n, sizeof *rv),
           *ann = calloc(n, sizeof *ann);
    for (size_t i = 0; i < n; i++)
        x[i] = c[i].close;
    batch_rv(x, n, 15, rv);
    for (size_t i = 0; i < n; i++)
        ann[i] = rv[i] * sqrt(525600.0); /* minutes per 365-day year */
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: volatility, window: 15}"),
                 PERP_OK);
    double *got = ind_run(&in, c, n);
    /* Documented first defined index: window = 15. */
    size_t bad = ind_first_mismatch(got, 2, 0, rv, n, 15, 1e-9);
    cr_assert_eq(bad, n, "%s rv differs at %zu", file, bad);
    bad = ind_first_mismatch(got, 2, 1, ann, n, 15, 1e-9);
    cr_assert_eq(bad, n, "%s rv_annual differs at %zu", file, bad);
    ind_close(&in);
    free(got);
    free(x);
    free(rv);
    free(ann);
    free(c);
}

Test(volatility, real_history_matches_batch_definition)
{
    check_history("BTC-USD_1m.csv");
    check_history("DOGE-USD_1m.csv");
}

/* Hand-worked, window 2, closes 100, 110, 99: returns ln 1.1 and ln 0.9;
 * population sd of two values = |a - b| / 2 = (ln 1.1 - ln 0.9) / 2 =
 * ln(11/9) / 2 = 0.100335...; first defined at index 2. On 6-hour
 * candles the annualising factor is sqrt(365 * 4) = sqrt(1460). */
Test(volatility, hand_worked_and_six_hour_annualisation)
{
    static const double x[3] = {100, 110, 99};
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: volatility, window: 2}"),
                 PERP_OK);
    double out[2];
    for (int i = 0; i < 3; i++) {
        perp_candle c = ind_flat_candle(x[i], i * 21600000LL);
        c.interval_ms = 21600000;
        ind_feed(&in, &c, out);
        if (i < 2)
            cr_assert(isnan(out[0]) && isnan(out[1]));
    }
    double sd = log(11.0 / 9.0) / 2.0;
    cr_assert_float_eq(out[0], sd, 1e-15);
    cr_assert_float_eq(out[1], sd * sqrt(1460.0), 1e-13);
    ind_close(&in);
}

/* Moves on both sides of the 0.78 % (2^-7) bound where the plugin
 * switches from its series to libm's log, mixed with large ones, against
 * the plain definition. The moves are all >= 0.1 %, so log(x / prev) in
 * the batch is itself good to ~1e-13 relative and 1e-9 is a fair bar. */
Test(volatility, series_and_log_agree_across_the_switch)
{
    static const double moves[] = {0.0077,  -0.0077, 0.0079, -0.0079,
                                   0.00781, -0.0078, 0.05,   -0.2,
                                   0.001,   -0.003,  0.0076, 0.3};
    size_t nm = sizeof moves / sizeof moves[0], len = 400;
    double *x = calloc(len, sizeof *x), *rv = calloc(len, sizeof *rv);
    x[0] = 25000.0;
    for (size_t i = 1; i < len; i++)
        x[i] = x[i - 1] * (1.0 + moves[(i * 7) % nm]);
    batch_rv(x, len, 5, rv);
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: volatility, window: 5}"),
                 PERP_OK);
    double out[2];
    for (size_t i = 0; i < len; i++) {
        perp_candle c = ind_flat_candle(x[i], (int64_t)i * 60000);
        ind_feed(&in, &c, out);
        cr_assert(ind_close_rel(out[0], rv[i], 1e-9), "at %zu: %.17g vs %.17g",
                  i, out[0], rv[i]);
    }
    ind_close(&in);
    free(x);
    free(rv);
}

Test(volatility, no_movement_is_exactly_zero)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: volatility, window: 3}"),
                 PERP_OK);
    double out[2];
    for (int i = 0; i < 12; i++) {
        perp_candle c =
            ind_flat_candle(i < 5 ? 100 + 7 * (i % 2) : 101, i * 60000);
        ind_feed(&in, &c, out);
    }
    cr_assert_eq(out[0], 0.0);
    cr_assert_eq(out[1], 0.0);
    ind_close(&in);
}

Test(volatility, bad_config_is_refused)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: volatility, window: 1}"),
                 PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: volatility, period: 15}"),
                 PERP_EINVAL);
}

/* lookback() is the warm-up the host sizes the live start from and shows
 * as "warming_up": w log returns need w + 1 closes: TA-Lib ROC lookback 1 plus
 * STDDEV(w) lookback w - 1. It must also be where the plugin's outputs become
 * defined. */
Test(volatility, lookback_is_talib_and_the_first_defined_index)
{
    static const struct {
        const char *yaml;
        size_t want;
    } cases[] = {
        {"{plugin: volatility, window: 15}", 1 + (15 - 1)},
        {"{plugin: volatility, window: 2}", 1 + (2 - 1)},
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
