/*
 * The trend rule on constructed observations: filters, hysteresis,
 * minimum hold, cooldown, the fee check, sizing and exit levels with the
 * arithmetic written out; every entry it makes must pass the host's
 * validator.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stderr_capture.h"
#include "config.h"
#include "plugin_instance.h"
#include "plugin_services.h"
#include "trend_rule.h"
#include "trend_sizing.h"
#include "validator.h"

/* Exported by the plugin compiled into this test (PERP_PLUGIN). */
const perp_plugin_descriptor *perp_plugin_entry(void);

#define N_CANDLES 10
#define MIN_MS    60000LL
#define T_NOW     (1000 * 24 * 60 * MIN_MS) /* a cycle far from epoch */

enum { FAST, SLOW, HIST, RSI, N_IND };

static perp_candle candles[N_CANDLES];
static perp_indicator_value ind[N_IND], ctx_ind[1];
static double values[N_IND], ctx_value;
static perp_market_view mk;
static perp_observation obs;
static trend_params params;
static trend_memory mem;
static perp_coin_decision d;

/* sigma_1m with vol_window 3: the two log returns of the closes 100, 101,
 * 100 are +ln(1.01) and -ln(1.01), mean 0, so the population standard
 * deviation is ln(1.01) = 0.00995033085. horizon 1 minute: sigma_h is the
 * same. */
static double sigma_h(void)
{
    return log(1.01);
}

static void setup(void)
{
    for (int i = 0; i < N_CANDLES; i++) {
        double c = i == N_CANDLES - 2 ? 101 : 100;
        candles[i] = (perp_candle){.ts = T_NOW - (N_CANDLES - i) * MIN_MS,
                                   .interval_ms = MIN_MS,
                                   .open = c,
                                   .high = c + 1,
                                   .low = c - 1,
                                   .close = c,
                                   .volume = 5};
    }
    memset(&mk, 0, sizeof mk);
    strcpy(mk.symbol, "BTC-USD");
    strcpy(mk.coin, "BTC");
    mk.mid = mk.bid = mk.ask = 100;
    mk.rules = (perp_symbol_rules){.tick_size = 0.01,
                                   .size_step = 0.001,
                                   .min_notional = 10,
                                   .max_leverage = 20};
    mk.candles_1m = candles;
    mk.n_candles_1m = N_CANDLES;
    static const char *names[N_IND] = {"ema_60", "ema_240", "macd.hist",
                                       "rsi_7"};
    for (int i = 0; i < N_IND; i++)
        ind[i] = (perp_indicator_value){names[i], NULL, NAN, &values[i], 1};
    mk.ind_1m = ind;
    mk.n_ind_1m = N_IND;
    ctx_ind[0] = (perp_indicator_value){"regime_ctx.regime", "trending_up", 0,
                                        &ctx_value, 1};
    mk.ind_ctx = ctx_ind;
    mk.n_ind_ctx = 1;
    memset(&obs, 0, sizeof obs);
    obs.struct_size = sizeof obs;
    obs.ts = T_NOW;
    obs.markets = &mk;
    obs.n_markets = 1;
    obs.account.equity = obs.account.cash = obs.account.available = 10000;
    obs.limits =
        (perp_limits){.min_notional = 10, .max_leverage = 5, .max_exposure = 3};
    trend_params_default(&params);
    params.vol_window = 3;
    params.horizon_min = 1;
    memset(&mem, 0, sizeof mem);
}

/* The trend spread (fast - slow) / (close x sigma_h) is set to `spread`
 * by moving the fast EMA away from a slow one at 100. */
static void set_ind(double spread, double hist, double rsi)
{
    values[SLOW] = 100;
    values[FAST] = 100 + spread * 100 * sigma_h();
    values[HIST] = hist;
    values[RSI] = rsi;
    for (int i = 0; i < N_IND; i++)
        ind[i].value = values[i];
}

static void set_regime(const char *label)
{
    ctx_ind[0].label = label;
    ctx_ind[0].value = ctx_value = label ? 0 : NAN;
}

static void decide(void)
{
    trend_decide(&params, &obs, &mk, &mem, &d);
}

static void assert_valid(void)
{
    char why[256] = "";
    cr_assert_eq(host_validate_decision(&obs, &d, NULL, why, sizeof why), 1,
                 "validator refused: %s", why);
}

static void hold_position(double qty, int64_t entered_min_ago)
{
    perp_position *p = &obs.account.positions[0];
    obs.account.n_positions = 1;
    memset(p, 0, sizeof *p);
    strcpy(p->symbol, "BTC-USD");
    p->qty = qty;
    p->mark_price = p->entry_price = 100;
    p->leverage = 3;
    p->entry_ts = T_NOW - entered_min_ago * MIN_MS;
}

static void go_flat(void)
{
    obs.account.n_positions = 0;
}

TestSuite(rules, .init = setup);

Test(rules, realized_vol_matches_the_definition)
{
    /* closes 100, 101, 100: returns +-ln(1.01), mean 0 */
    cr_assert_float_eq(trend_realized_vol(candles, N_CANDLES, 3), log(1.01),
                       1e-15);
    /* window 4 adds the return 100 -> 100 (0): returns 0, a, -a with
     * a = ln(1.01), mean 0, variance 2a^2 / 3 */
    cr_assert_float_eq(trend_realized_vol(candles, N_CANDLES, 4),
                       log(1.01) * sqrt(2.0 / 3.0), 1e-15);
    cr_assert(isnan(trend_realized_vol(candles, 3, 4)), "too few candles");
}

Test(rules, long_entry_sized_by_risk)
{
    /* spread 1.5 >= enter_band 1; regime trending_up; hist > 0; RSI 60 in
     * 50..75.
     * stop distance = 2 x sigma_h x 100 = 2 x 0.00995033085 x 100
     *               = 1.99006617
     * target distance = 2.5 x 1.99006617 = 4.97516543
     * round trip = 2 x (2 + 1) bps x 100 = 0.06; 8 x 0.06 = 0.48 < 4.975
     * qty = 1 % x 0.5 ... i.e. 0.5 % of 10 000 = 50 USD / (1.99006617 +
     *       0.06) = 24.3894... -> 24.389 on the 0.001 step (notional 2 439
     *       under 0.9 x 3 x 10 000 exposure and 0.9 x 10 000 x 3 margin)
     * stop 100 - 1.99006617 = 98.0099 floored to the tick: 98.00
     * target 104.975165 ceiled: 104.98; leverage min(3, 5, 20) = 3 */
    set_ind(1.5, 0.5, 60);
    decide();
    cr_assert_str_eq(d.coin, "BTC");
    cr_assert_eq(d.signal, PERP_SIGNAL_BUY, "%s", d.justification);
    cr_assert_float_eq(d.quantity, 24.389, 1e-9);
    cr_assert_float_eq(d.leverage, 3, 1e-12);
    cr_assert_float_eq(d.exit_plan.stop_loss, 98.00, 1e-9);
    cr_assert_float_eq(d.exit_plan.profit_target, 104.98, 1e-9);
    /* risk: 24.389 x (100 - 98 + 0.06) = 50.24134 */
    cr_assert_float_eq(d.risk_usd, 50.24134, 1e-9);
    cr_assert_not_null(strstr(d.justification, "long entry"), "%s",
                       d.justification);
    assert_valid();
}

Test(rules, short_entry_mirrors)
{
    /* stop 100 + 1.99006617 = 101.9901 ceiled: 102.00; target 95.024835
     * floored: 95.02 */
    set_regime("trending_down");
    set_ind(-1.5, -0.5, 40);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_SELL, "%s", d.justification);
    cr_assert_float_eq(d.quantity, 24.389, 1e-9);
    cr_assert_float_eq(d.exit_plan.stop_loss, 102.00, 1e-9);
    cr_assert_float_eq(d.exit_plan.profit_target, 95.02, 1e-9);
    assert_valid();
}

Test(rules, no_entry_in_ranging_or_choppy_regimes)
{
    set_ind(1.5, 0.5, 60);
    const char *labels[] = {"ranging", "volatile_choppy", "trending_down",
                            NULL};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        set_regime(labels[i]);
        decide();
        cr_assert_eq(d.signal, PERP_SIGNAL_HOLD, "entered in %s",
                     labels[i] ? labels[i] : "an undefined regime");
        cr_assert_not_null(strstr(d.justification, "regime"), "%s",
                           d.justification);
    }
    set_regime("ranging");
    set_ind(-1.5, -0.5, 40); /* nor a short */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    params.require_regime = 0; /* the filter is what held it */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_SELL);
}

Test(rules, no_entry_without_momentum_or_in_rsi_extremes)
{
    set_ind(1.5, -0.5, 60); /* histogram disagrees */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    set_ind(1.5, 0.5, 80); /* overbought */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    params.rsi = ""; /* an unnamed filter is off */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_BUY);
}

Test(rules, hysteresis_between_entry_and_exit_bands)
{
    set_ind(0.9, 0.5, 60); /* flat: 0.9 < enter_band 1 */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_not_null(strstr(d.justification, "no trend"));
    hold_position(10, 120); /* long for 2 h */
    set_ind(0.9, 0.5, 60);  /* the same spread keeps it */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    set_ind(-0.2, -0.5, 40); /* crossed zero, not -exit_band (-0.25) */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD, "%s", d.justification);
    set_ind(-0.3, -0.5, 40);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_CLOSE);
    cr_assert_not_null(strstr(d.justification, "exit long"));
    assert_valid();
    hold_position(-10, 120); /* a short mirrors */
    set_ind(0.2, 0.5, 60);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    set_ind(0.3, 0.5, 60);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_CLOSE);
}

Test(rules, minimum_holding_time_before_a_rule_exit)
{
    set_ind(-1.0, -0.5, 40);
    hold_position(10, 30); /* 30 of the 60 minutes */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_not_null(strstr(d.justification, "minimum"), "%s",
                       d.justification);
    hold_position(10, 60);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_CLOSE);
}

Test(rules, cooldown_after_a_position_disappears)
{
    set_ind(1.5, 0.5, 60);
    hold_position(10, 120);
    decide(); /* remembers the position */
    cr_assert(mem.had_position);
    go_flat(); /* stopped out before this cycle */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_not_null(strstr(d.justification, "cooldown"), "%s",
                       d.justification);
    cr_assert_eq(mem.last_exit_ts, T_NOW);
    obs.ts = T_NOW + 119 * MIN_MS; /* cooldown 120 minutes */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    obs.ts = T_NOW + 120 * MIN_MS;
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_BUY, "%s", d.justification);
}

Test(rules, cooldown_from_recent_trades)
{
    perp_round_trip t[2];
    memset(t, 0, sizeof t);
    strcpy(t[0].symbol, "ETH-USD"); /* another market: no effect */
    t[0].exit_ts = T_NOW - 1 * MIN_MS;
    strcpy(t[1].symbol, "BTC-USD");
    t[1].exit_ts = T_NOW - 30 * MIN_MS;
    obs.recent_trades = t;
    obs.n_recent_trades = 2;
    set_ind(1.5, 0.5, 60);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_not_null(strstr(d.justification, "cooldown"));
    t[1].exit_ts = T_NOW - 120 * MIN_MS;
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_BUY);
}

Test(rules, no_entry_when_the_move_does_not_pay_the_fees)
{
    /* closes 100, 100.01, 100: sigma = ln(1.0001) = 0.000099995; stop
     * distance 2 x 0.000099995 x 100 = 0.019999, target 2.5 x that =
     * 0.0499975 < 8 x round trip 0.06 = 0.48 */
    candles[N_CANDLES - 2].close = 100.01;
    values[SLOW] = 100;
    set_ind(0, 0.5, 60);
    values[FAST] = ind[FAST].value = 100 + 1.5 * 100 * log(1.0001);
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_not_null(strstr(d.justification, "expected move"), "%s",
                       d.justification);
    params.min_edge = 0.5; /* 0.05 >= 0.5 x 0.06 = 0.03 */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_BUY, "%s", d.justification);
}

Test(rules, size_capped_by_margin_and_min_notional)
{
    /* available 100: notional <= 0.9 x 100 x 3 = 270 -> qty 2.7 */
    obs.account.available = 100;
    set_ind(1.5, 0.5, 60);
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
    /* another position of 26 000 notional: room = 0.9 x 3 x 10 000 -
     * 26 000 = 1 000 -> qty 10 */
    perp_position *p = &obs.account.positions[0];
    obs.account.n_positions = 1;
    memset(p, 0, sizeof *p);
    strcpy(p->symbol, "ETH-USD");
    p->qty = 10;
    p->mark_price = 2600;
    p->leverage = 5;
    set_ind(1.5, 0.5, 60);
    decide();
    cr_assert_float_eq(d.quantity, 10, 1e-9);
    assert_valid();
}

Test(rules, exit_levels_on_the_tick_grid_and_the_right_side)
{
    double stop, target;
    /* tick 10: long stop floor(98.01 / 10) x 10 = 90, target ceil = 110 */
    trend_exit_levels(100, 1, 1.99, 4.98, 10, &stop, &target);
    cr_assert_float_eq(stop, 90, 1e-9);
    cr_assert_float_eq(target, 110, 1e-9);
    /* distances below a tick still leave one tick each side */
    trend_exit_levels(100, 1, 0.001, 0.001, 0.01, &stop, &target);
    cr_assert_float_eq(stop, 99.99, 1e-9);
    cr_assert_float_eq(target, 100.01, 1e-9);
    trend_exit_levels(100, -1, 0.001, 0.001, 0.01, &stop, &target);
    cr_assert_float_eq(stop, 100.01, 1e-9);
    cr_assert_float_eq(target, 99.99, 1e-9);
    /* a price off the grid (100.005): the nearest grid points outside */
    trend_exit_levels(100.005, 1, 0.001, 0.001, 0.01, &stop, &target);
    cr_assert_float_eq(stop, 100.00, 1e-9);
    cr_assert_float_eq(target, 100.01, 1e-9);
}

Test(rules, undefined_or_stale_holds)
{
    set_ind(1.5, 0.5, 60);
    values[SLOW] = ind[SLOW].value = NAN;
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_str_eq(d.justification, "ema_240 not defined yet");
    set_ind(1.5, 0.5, 60);
    mk.n_candles_1m = 2; /* too few closes for the volatility */
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    mk.n_candles_1m = N_CANDLES;
    mk.stale = 1;
    decide();
    cr_assert_eq(d.signal, PERP_SIGNAL_HOLD);
    cr_assert_str_eq(d.justification, "market data is stale");
}

static void no_emit(void *ud, const perp_record *r)
{
    (void)ud;
    (void)r;
}

Test(rules, plugin_reads_yaml_and_remembers_exits)
{
    char err[256];
    host_config *cfg = host_config_parse(
        "plugin: rules\nfast: e1\nslow: e2\nregime: rg\nleverage: 2\n"
        "vol_window: 3\nhorizon: 1m\ncooldown: 10m\n",
        "t.yaml", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    ind[FAST].name = "e1";
    ind[SLOW].name = "e2";
    ctx_ind[0].name = "rg";
    set_ind(1.5, 0.5, 60);
    host_context ctx = {.version = "t", .emit = no_emit};
    perp_host *h = host_services_new(&ctx, "rules");
    const perp_plugin_descriptor *desc = perp_plugin_entry();
    cr_assert_eq(desc->kind, PERP_KIND_PLANNER);
    cr_assert_str_eq(desc->name, "rules");
    const perp_planner_vtable *vt = desc->vtable;
    void *self = NULL;
    cr_assert_eq(host_plugin_create(perp_plugin_entry(), h,
                                    host_config_root(cfg), &self),
                 PERP_OK);
    perp_decision out;
    memset(&out, 0, sizeof out);
    cr_assert_eq(vt->plan(self, &obs, &out), PERP_OK);
    cr_assert_eq(out.n_coins, 1);
    cr_assert_eq(out.coins[0].signal, PERP_SIGNAL_BUY, "%s",
                 out.coins[0].justification);
    cr_assert_float_eq(out.coins[0].leverage, 2, 1e-12);
    cr_assert_not_null(strstr(out.notes, "1 entry"), "%s", out.notes);
    hold_position(10, 5); /* filled; then stopped out a minute later */
    memset(&out, 0, sizeof out);
    vt->plan(self, &obs, &out);
    /* the notes follow the counts (they are written only when these
     * change) */
    cr_assert_str_eq(out.notes,
                     "Trend rule (e1 vs e2, hysteresis +1.00/-0.25): 0 "
                     "entries, 0 exits, 1 hold.");
    go_flat();
    obs.ts += MIN_MS;
    memset(&out, 0, sizeof out);
    vt->plan(self, &obs, &out);
    cr_assert_eq(out.coins[0].signal, PERP_SIGNAL_HOLD);
    cr_assert_not_null(strstr(out.coins[0].justification, "cooldown"), "%s",
                       out.coins[0].justification);
    obs.ts += 10 * MIN_MS; /* cooldown: 10m */
    memset(&out, 0, sizeof out);
    vt->plan(self, &obs, &out);
    cr_assert_eq(out.coins[0].signal, PERP_SIGNAL_BUY);
    vt->destroy(self);
    host_config_free(cfg);
    host_services_free(h);
}

Test(rules, plugin_defaults_without_a_node)
{
    host_context ctx = {.version = "t", .emit = no_emit};
    perp_host *h = host_services_new(&ctx, "rules");
    const perp_planner_vtable *vt = perp_plugin_entry()->vtable;
    void *self = NULL;
    cr_assert_eq(vt->create(h, NULL, &self), PERP_OK);
    vt->destroy(self);
    host_services_free(h);
}

Test(rules, plugin_refuses_bad_config)
{
    const char *bad[] = {
        "plugin: rules\nexit_band: -1\n", /* no gap */
        "plugin: rules\nrisk_pct: 0\n",   "plugin: rules\nleverage: abc\n",
        "plugin: rules\nvol_window: 2\n", "plugin: rules\nmin_hold: soon\n",
        "plugin: rules\nhorizon: 10s\n",  "plugin: rules\nrsi_long_min: 80\n",
        "plugin: rules\nfast: \"\"\n",    "plugin: rules\nfoo: 1\n"};
    host_context ctx = {.version = "t"};
    perp_host *h = host_services_new(&ctx, "rules");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256];
        host_config *cfg = host_config_parse(bad[i], "t.yaml", err, sizeof err);
        cr_assert_not_null(cfg, "%s", err);
        void *self = NULL;
        cr_assert_eq(host_plugin_create(perp_plugin_entry(), h,
                                        host_config_root(cfg), &self),
                     PERP_EINVAL, "accepted: %s", bad[i]);
        host_config_free(cfg);
    }
    host_services_free(h);
}

/* The fixture names its indicators e.g. "ema_60"; a YAML that makes the
 * rule read names the pipeline does not have must say so once, naming
 * each, rather than hold in silence. */
Test(rules, plugin_names_missing_indicators_once)
{
    char err[256];
    host_config *cfg =
        host_config_parse("plugin: rules\nfast: ema_fast_x\nregime: regime_x\n",
                          "t.yaml", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    host_context ctx = {.version = "t", .emit = no_emit};
    perp_host *h = host_services_new(&ctx, "rules");
    const perp_planner_vtable *vt = perp_plugin_entry()->vtable;
    void *self = NULL;
    cr_assert_eq(host_plugin_create(perp_plugin_entry(), h,
                                    host_config_root(cfg), &self),
                 PERP_OK);
    perp_decision out;
    stderr_capture_begin();
    for (int i = 0; i < 3; i++) {
        memset(&out, 0, sizeof out);
        cr_assert_eq(vt->plan(self, &obs, &out), PERP_OK);
    }
    char *log = stderr_capture_end();
    cr_assert_not_null(strstr(log, "ema_fast_x (1m)"), "%s", log);
    cr_assert_not_null(strstr(log, "regime_x"), "%s", log);
    const char *first = strstr(log, "not in the pipeline");
    cr_assert_not_null(first, "%s", log);
    cr_assert_null(strstr(first + 1, "not in the pipeline"), "said once: %s",
                   log);
    cr_assert_eq(out.coins[0].signal, PERP_SIGNAL_HOLD);
    free(log);
    vt->destroy(self);
    host_config_free(cfg);
    host_services_free(h);
}

/* Indicator names longer than the warning's buffer are cut, not written
 * past it (ASan would report the overflow). */
Test(rules, missing_indicator_warning_with_huge_names_stays_in_bounds)
{
    char yaml[4096], name[701];
    memset(name, 'x', 700);
    name[700] = '\0';
    snprintf(yaml, sizeof yaml, "plugin: rules\nfast: %s\nslow: %s\nrsi: %s\n",
             name, name, name);
    char err[256];
    host_config *cfg = host_config_parse(yaml, "t.yaml", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    host_context ctx = {.version = "t", .emit = no_emit};
    perp_host *h = host_services_new(&ctx, "rules");
    const perp_planner_vtable *vt = perp_plugin_entry()->vtable;
    void *self = NULL;
    cr_assert_eq(host_plugin_create(perp_plugin_entry(), h,
                                    host_config_root(cfg), &self),
                 PERP_OK);
    perp_decision out;
    memset(&out, 0, sizeof out);
    stderr_capture_begin();
    cr_assert_eq(vt->plan(self, &obs, &out), PERP_OK);
    char *log = stderr_capture_end();
    cr_assert_not_null(strstr(log, "not in the pipeline: xxxx"), "%.200s", log);
    free(log);
    vt->destroy(self);
    host_config_free(cfg);
    host_services_free(h);
}
