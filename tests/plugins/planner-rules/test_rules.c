/*
 * The trend rule on constructed observations, with the sizing arithmetic
 * written out; every entry it makes must pass the host's validator.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "host_services.h"
#include "trend_rule.h"
#include "validator.h"

/* Exported by the plugin compiled into this test (PERP_PLUGIN). */
const perp_plugin_descriptor *perp_plugin_entry(void);

static perp_candle candles[20];
static perp_indicator_value ind[4];
static double values[4];
static perp_market_view mk;
static perp_observation obs;
static trend_params params;
static perp_coin_decision d;

/* close 100, high 101, low 99: true range 2 on every bar */
static void setup(void)
{
    for (int i = 0; i < 20; i++)
        candles[i] = (perp_candle){.ts = i * 60000,
                                   .interval_ms = 60000,
                                   .open = 100,
                                   .high = 101,
                                   .low = 99,
                                   .close = 100,
                                   .volume = 5};
    memset(&mk, 0, sizeof mk);
    strcpy(mk.symbol, "BTC-USD");
    strcpy(mk.coin, "BTC");
    mk.mid = mk.bid = mk.ask = 100;
    mk.rules = (perp_symbol_rules){.tick_size = 0.01,
                                   .size_step = 0.001,
                                   .min_notional = 10,
                                   .max_leverage = 20};
    mk.candles_1m = candles;
    mk.n_candles_1m = 20;
    static const char *names[4] = {"ema_20", "macd.hist", "rsi_7", "atr_14"};
    for (int i = 0; i < 4; i++)
        ind[i] = (perp_indicator_value){names[i], NULL, NAN, &values[i], 1};
    mk.ind_1m = ind;
    mk.n_ind_1m = 4;
    memset(&obs, 0, sizeof obs);
    obs.struct_size = sizeof obs;
    obs.markets = &mk;
    obs.n_markets = 1;
    obs.account.equity = obs.account.cash = obs.account.available = 10000;
    obs.limits =
        (perp_limits){.min_notional = 10, .max_leverage = 5, .max_exposure = 3};
    trend_params_default(&params);
}

static void set_ind(double ema, double hist, double rsi, double atr)
{
    double v[4] = {ema, hist, rsi, atr};
    for (int i = 0; i < 4; i++)
        ind[i].value = values[i] = v[i];
}

static void decide(void)
{
    trend_decide(&params, &obs, &mk, &d);
}

static void assert_valid(void)
{
    char why[256] = "";
    cr_assert_eq(host_validate_decision(&obs, &d, NULL, why, sizeof why), 1,
                 "validator refused: %s", why);
}

TestSuite(rules, .init = setup);

Test(rules, long_entry_sized_by_risk)
{
    /* close 100 > EMA 99, hist 0.5 > 0, RSI 60 in 50..75.
     * risk 1 % of 10 000 = 100 USD; stop = 2 x ATR 1 = 2; qty = 100 / 2
     * = 50 (notional 5 000 under 0.9 x 3 x 10 000 = 27 000 exposure and
     * 0.9 x 10 000 x 3 = 27 000 margin room); leverage min(3, 5, 20) = 3;
     * stop 98, target 100 + 2 x 2 = 104 */
    set_ind(99, 0.5, 60, 1);
    decide();
    cr_assert_str_eq(d.coin, "BTC");
    cr_assert_eq(d.signal, PERP_SIGNAL_BUY);
    cr_assert_float_eq(d.quantity, 50, 1e-9);
    cr_assert_float_eq(d.leverage, 3, 1e-12);
    cr_assert_float_eq(d.exit_plan.stop_loss, 98, 1e-9);
    cr_assert_float_eq(d.exit_plan.profit_target, 104, 1e-9);
    cr_assert_float_eq(d.risk_usd, 100, 1e-9);
    cr_assert_not_null(strstr(d.justification, "long entry"), "%s",
                       d.justification);
    assert_valid();
}

Test(rules, short_entry_mirrors)
{
    set_ind(101, -0.5, 40, 1);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_SELL);
    cr_assert_float_eq(d.quantity, 50, 1e-9);
    cr_assert_float_eq(d.exit_plan.stop_loss, 102, 1e-9);
    cr_assert_float_eq(d.exit_plan.profit_target, 96, 1e-9);
    assert_valid();
}

Test(rules, no_entry_outside_the_rsi_band_or_without_agreement)
{
    set_ind(99, 0.5, 80, 1); /* overbought */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    set_ind(99, -0.5, 60, 1); /* close above EMA but histogram down */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    set_ind(101, -0.5, 20, 1); /* oversold */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
}

Test(rules, undefined_or_stale_holds)
{
    set_ind(NAN, 0.5, 60, 1);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_str_eq(d.justification, "indicators not defined yet");
    set_ind(99, 0.5, 60, 1);
    mk.stale = 1;
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_str_eq(d.justification, "market data is stale");
}

static void hold_long(double qty)
{
    perp_position *p = &obs.account.positions[0];
    obs.account.n_positions = 1;
    memset(p, 0, sizeof *p);
    strcpy(p->symbol, "BTC-USD");
    p->qty = qty;
    p->mark_price = p->entry_price = 100;
    p->leverage = 3;
}

Test(rules, exits_on_the_opposite_cross)
{
    hold_long(10);
    set_ind(99, 0.5, 60, 1); /* trend intact */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    set_ind(101, 0.5, 60, 1); /* close fell below EMA */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_CLOSE);
    cr_assert_not_null(strstr(d.justification, "exit"));
    assert_valid();
    hold_long(-10); /* a short exits when the histogram turns up */
    set_ind(101, 0.1, 40, 1);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_CLOSE);
}

Test(rules, size_capped_by_margin_and_step)
{
    /* available 100: notional <= 0.9 x 100 x 3 = 270 -> qty 2.7 */
    obs.account.available = 100;
    set_ind(99, 0.5, 60, 1);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_BUY);
    cr_assert_float_eq(d.quantity, 2.7, 1e-9);
    assert_valid();
    /* available 3: 0.9 x 3 x 3 = 8.1 < min notional 10 -> hold */
    obs.account.available = 3;
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
}

Test(rules, size_capped_by_exposure)
{
    /* another position of 25 000 notional: room = 27 000 - 25 000 =
     * 2 000 -> qty 20 */
    perp_position *p = &obs.account.positions[0];
    obs.account.n_positions = 1;
    memset(p, 0, sizeof *p);
    strcpy(p->symbol, "ETH-USD");
    p->qty = 10;
    p->mark_price = 2500;
    p->leverage = 5;
    set_ind(99, 0.5, 60, 1);
    decide();
    cr_assert_float_eq(d.quantity, 20, 1e-9);
    assert_valid();
}

Test(rules, falls_back_to_candle_true_range)
{
    /* no ATR indicator: mean true range of the last 14 bars = 2; stop =
     * 2 x 2 = 4; qty = 100 / 4 = 25; stop 96, target 108 */
    set_ind(99, 0.5, 60, NAN);
    decide();
    cr_assert_float_eq(d.quantity, 25, 1e-9);
    cr_assert_float_eq(d.exit_plan.stop_loss, 96, 1e-9);
    cr_assert_float_eq(d.exit_plan.profit_target, 108, 1e-9);
}

static void no_emit(void *ud, const perp_record *r)
{
    (void)ud;
    (void)r;
}

Test(rules, plugin_reads_indicator_names_from_yaml)
{
    char err[256];
    host_config *cfg = host_config_parse(
        "plugin: rules\nema: e50\nmacd_hist: m.h\nrsi: r14\nleverage: 2\n",
        "t.yaml", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    static const char *names[4] = {"e50", "m.h", "r14", "atr_14"};
    for (int i = 0; i < 4; i++)
        ind[i].name = names[i];
    set_ind(99, 0.5, 60, 1);
    host_context ctx = {.version = "t", .emit = no_emit};
    perp_host *h = host_services_new(&ctx, "rules");
    const perp_plugin_descriptor *desc = perp_plugin_entry();
    cr_assert_eq(desc->kind, PERP_KIND_PLANNER);
    cr_assert_str_eq(desc->name, "rules");
    const perp_planner_vtable *vt = desc->vtable;
    void *self = NULL;
    cr_assert_eq(vt->create(h, host_config_root(cfg), &self), PERP_OK);
    perp_decision out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(vt->plan(self, &obs, &out), PERP_OK);
    cr_assert_eq(out.n_coins, 1);
    cr_assert_eq(out.coins[0].signal, PERP_SIGNAL_BUY);
    cr_assert_float_eq(out.coins[0].leverage, 2, 1e-12);
    cr_assert_not_null(strstr(out.notes, "1 entry"), "%s", out.notes);
    vt->destroy(self);
    host_config_free(cfg);
    host_services_free(h);
}

Test(rules, plugin_refuses_bad_config)
{
    const char *bad[] = {
        "plugin: rules\ntimeframe: 5m\n", "plugin: rules\nrisk_pct: 0\n",
        "plugin: rules\nleverage: abc\n", "plugin: rules\nfoo: 1\n"};
    host_context ctx = {.version = "t"};
    perp_host *h = host_services_new(&ctx, "rules");
    const perp_planner_vtable *vt = perp_plugin_entry()->vtable;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256];
        host_config *cfg = host_config_parse(bad[i], "t.yaml", err, sizeof err);
        cr_assert_not_null(cfg, "%s", err);
        void *self = NULL;
        cr_assert_eq(vt->create(h, host_config_root(cfg), &self), PERP_EINVAL,
                     "accepted: %s", bad[i]);
        host_config_free(cfg);
    }
    host_services_free(h);
}
