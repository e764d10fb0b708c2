/*
 * test_regime.c — indicator-regime on constructed series, with the real
 * ema, macd, rsi and volatility arithmetic computed in the test (the same
 * definitions as the plugins, written plainly) and handed to the regime
 * through prior[], as the host does: steady rise, steady fall, flat with
 * noise, large alternating moves give the four classes.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ind_harness.h"

static const perp_indicator_vtable *vt(void)
{
    return perp_plugin_entry()->vtable;
}

/* The default pipeline's outputs, in YAML order. */
static const char *const names[] = {"rsi_7",           "ema_20",    "macd.macd",
                                    "macd.signal",     "macd.hist", "rv_15m.rv",
                                    "rv_15m.rv_annual"};
enum { P_RSI, P_EMA, P_MACD, P_SIG, P_HIST, P_RV, P_RVA, P_N };

/* Incremental EMA with SMA seed (TA-Lib), enough for the inputs. */
typedef struct ema {
    size_t n, seen;
    double sum, v;
} ema;

static double ema_push(ema *e, double x)
{
    e->seen++;
    if (e->seen < e->n) {
        e->sum += x;
        return NAN;
    }
    if (e->seen == e->n)
        e->v = (e->sum + x) / (double)e->n;
    else
        e->v = (x - e->v) * 2.0 / (double)(e->n + 1) + e->v;
    return e->v;
}

/* Runs the series through plain indicator arithmetic and the regime;
 * returns the regime label after the last candle. */
static void classify(const double *x, size_t len, char *label, size_t cap,
                     double *strength, const char **vol)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: regime, name: regime}"),
                 PERP_OK);
    cr_assert_eq(in.vt->bind(in.self, P_N, names), PERP_OK);
    ema e20 = {.n = 20}, e12 = {.n = 12}, e26 = {.n = 26};
    double g = 0, l = 0, out[3];
    double prior[P_N];
    for (size_t i = 0; i < len; i++) {
        for (int k = 0; k < P_N; k++)
            prior[k] = NAN;
        prior[P_EMA] = ema_push(&e20, x[i]);
        double f = ema_push(&e12, x[i]), s = ema_push(&e26, x[i]);
        prior[P_MACD] = f - s; /* seeding detail irrelevant past 60 bars */
        if (i >= 1) {
            double d = x[i] - x[i - 1];
            double gain = d > 0 ? d : 0, loss = d < 0 ? -d : 0;
            g = i <= 7 ? g + gain / 7 : (g * 6 + gain) / 7;
            l = i <= 7 ? l + loss / 7 : (l * 6 + loss) / 7;
            if (i >= 7)
                prior[P_RSI] = g + l > 0 ? 100 * g / (g + l) : 50;
        }
        if (i >= 15) {
            double r[15], m = 0, ss = 0;
            for (int j = 0; j < 15; j++) {
                r[j] = log(x[i - 14 + j] / x[i - 15 + j]);
                m += r[j] / 15;
            }
            for (int j = 0; j < 15; j++)
                ss += (r[j] - m) * (r[j] - m);
            prior[P_RV] = sqrt(ss / 15);
            prior[P_RVA] = prior[P_RV] * sqrt(525600.0);
        }
        perp_candle c = ind_flat_candle(x[i], (int64_t)i * 60000);
        cr_assert_eq(in.vt->update(in.self, &c, prior, out), PERP_OK);
        if (i < 25)
            cr_assert(isnan(out[0]) && !in.vt->output_label(in.self, 0),
                      "classified before its inputs exist (%zu)", i);
    }
    const char *lab = in.vt->output_label(in.self, 0);
    cr_assert(lab != NULL);
    snprintf(label, cap, "%s", lab);
    *strength = out[2];
    *vol = in.vt->output_label(in.self, 1);
    const char *sum = in.vt->summary(in.self);
    cr_assert(sum && strlen(sum) > 10 && !strchr(sum, '\n'));
    cr_log_info("%s", sum);
    ind_close(&in);
}

#define LEN 120

Test(regime, steady_rise_is_trending_up)
{
    double x[LEN], s;
    const char *vol;
    char lab[32];
    for (int i = 0; i < LEN; i++)
        x[i] = 100.0 * pow(1.002, i); /* +0.2 % a minute, no noise */
    classify(x, LEN, lab, sizeof lab, &s, &vol);
    cr_assert_str_eq(lab, "trending_up", "got %s (strength %.1f)", lab, s);
    cr_assert_str_eq(vol, "low");
    cr_assert(s >= 50 && s <= 100);
}

Test(regime, steady_fall_is_trending_down)
{
    double x[LEN], s;
    const char *vol;
    char lab[32];
    for (int i = 0; i < LEN; i++)
        x[i] = 100.0 * pow(0.998, i);
    classify(x, LEN, lab, sizeof lab, &s, &vol);
    cr_assert_str_eq(lab, "trending_down", "got %s (strength %.1f)", lab, s);
}

Test(regime, flat_with_noise_is_ranging)
{
    double x[LEN], s;
    const char *vol;
    char lab[32];
    unsigned seed = 12345;
    for (int i = 0; i < LEN; i++) {
        seed = seed * 1103515245u + 12345u; /* noise of +-0.01 */
        x[i] = 100.0 + ((double)((seed >> 16) % 2001) - 1000.0) * 1e-5;
    }
    classify(x, LEN, lab, sizeof lab, &s, &vol);
    cr_assert_str_eq(lab, "ranging", "got %s (strength %.1f)", lab, s);
    cr_assert(s < 30);
}

Test(regime, large_alternating_moves_are_volatile_choppy)
{
    double x[LEN], s;
    const char *vol;
    char lab[32];
    for (int i = 0; i < LEN; i++)
        x[i] = i % 2 ? 103.0 : 100.0; /* +-3 % every minute */
    classify(x, LEN, lab, sizeof lab, &s, &vol);
    cr_assert_str_eq(lab, "volatile_choppy", "got %s (strength %.1f)", lab, s);
    cr_assert_str_eq(vol, "extreme");
}

Test(regime, missing_input_fails_bind)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: regime, ema: ema_50}"), PERP_OK);
    cr_assert_eq(in.vt->bind(in.self, P_N, names), PERP_EINVAL);
    ind_close(&in);
}

Test(regime, bad_thresholds_are_refused)
{
    ind_instance in;
    cr_assert_eq(
        ind_open(&in, vt(), "{plugin: regime, vol_low: 60, vol_moderate: 50}"),
        PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: regime, choppy_vol: wild}"),
                 PERP_EINVAL);
    cr_assert_eq(ind_open(&in, vt(), "{plugin: regime, up_ratio: 0.4}"),
                 PERP_EINVAL);
}

/* Its own lookback is 0: once every input is defined (here all from the
 * first candle), so is the regime. The host adds the warm-up of the
 * indicators before it. */
Test(regime, lookback_is_zero_once_inputs_are_defined)
{
    ind_instance in;
    cr_assert_eq(ind_open(&in, vt(), "{plugin: regime, name: regime}"),
                 PERP_OK);
    cr_assert_not_null(in.vt->lookback);
    cr_expect_eq(in.vt->lookback(in.self), 0);
    cr_assert_eq(in.vt->bind(in.self, P_N, names), PERP_OK);
    double prior[P_N] = {
        [P_RSI] = 60,   [P_EMA] = 100,  [P_MACD] = 0.5, [P_SIG] = 0.4,
        [P_HIST] = 0.1, [P_RV] = 0.001, [P_RVA] = 0.72};
    perp_candle c = ind_flat_candle(101.0, 0);
    double out[3];
    cr_assert_eq(in.vt->update(in.self, &c, prior, out), PERP_OK);
    for (int k = 0; k < 3; k++)
        cr_expect(isfinite(out[k]), "output %d undefined at index 0", k);
    ind_close(&in);
}
