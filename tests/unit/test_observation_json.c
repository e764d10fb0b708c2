/*
 * The observation rendered to JSON and read back with jansson: every part
 * of the struct is present, prices keep their digits, NAN is null.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observation_json.h"

static perp_candle candles[3];
static double ema_series[3] = {0.12, 0.1234, 0.123456789};
static double hist_series[2] = {NAN, -0.00001234};
static perp_indicator_value ind[2];
static perp_market_view mk;
static perp_round_trip trip;
static const char *feedback[1] = {"ETH: leverage 1000 exceeds max 5"};
static perp_observation obs;
static json_t *root;

static void build(void)
{
    memset(&obs, 0, sizeof obs);
    memset(&mk, 0, sizeof mk);
    for (int i = 0; i < 3; i++) {
        candles[i] = (perp_candle){.ts = 60000 * i,
                                   .interval_ms = 60000,
                                   .open = 0.1234567 + i,
                                   .high = 0.2 + i,
                                   .low = 0.1 + i,
                                   .close = 0.15 + i,
                                   .volume = 1e6 + i};
        snprintf(candles[i].symbol, sizeof candles[i].symbol, "DOGE-USD");
    }
    ind[0] =
        (perp_indicator_value){"ema_20", NULL, ema_series[2], ema_series, 3};
    ind[1] = (perp_indicator_value){"macd.hist", NULL, hist_series[1],
                                    hist_series, 2};
    strcpy(mk.symbol, "DOGE-USD");
    strcpy(mk.coin, "DOGE");
    mk.mid = 0.123456789;
    mk.bid = 0.12345;
    mk.ask = 0.1234567;
    mk.spread_bps = 5.67;
    mk.volume_24h = NAN;
    mk.funding_rate_1h = 0.0000125;
    mk.rules.min_notional = 10;
    mk.rules.max_leverage = 20;
    mk.rules.tick_size = 0.00001;
    mk.candles_1m = candles;
    mk.n_candles_1m = 3;
    mk.candles_ctx = candles;
    mk.n_candles_ctx = 2;
    mk.ind_1m = ind;
    mk.n_ind_1m = 2;
    mk.regime = "trending_up";
    obs.struct_size = sizeof obs;
    obs.ts = 1700000000000 + 90 * 60000;
    obs.cycle = 7;
    obs.version = "v1.2.3";
    obs.ctx_interval_ms = 21600000;
    obs.markets = &mk;
    obs.n_markets = 1;
    obs.account.starting_equity = 10000;
    obs.account.equity = 10500;
    obs.account.available = 9000;
    obs.account.n_positions = 1;
    perp_position *p = &obs.account.positions[0];
    strcpy(p->symbol, "DOGE-USD");
    p->qty = -1000;
    p->entry_price = 0.13;
    p->mark_price = 0.123456789;
    p->leverage = 3;
    p->liquidation_price = 0.17;
    p->unrealized_pnl = 6.543211;
    p->entry_ts = 1700000000000;
    p->exit_plan.stop_loss = 0.14;
    strcpy(p->exit_plan.invalidation, "reclaim 0.135");
    memset(&trip, 0, sizeof trip);
    strcpy(trip.symbol, "BTC-USD");
    trip.side = 1;
    trip.qty = 0.01;
    trip.entry_price = 95000.5;
    trip.exit_price = 96000.25;
    trip.entry_ts = 0;
    trip.exit_ts = 30 * 60000;
    trip.net_pnl = 9.2;
    trip.entry_reason = "breakout";
    trip.exit_reason = NULL;
    obs.recent_trades = &trip;
    obs.n_recent_trades = 1;
    obs.metrics.trades = 1;
    obs.metrics.win_rate = 1;
    obs.metrics.profit_factor = INFINITY;
    obs.limits.max_leverage = 5;
    obs.limits.max_exposure = 3;
    obs.feedback = feedback;
    obs.n_feedback = 1;
    char *s = host_observation_to_json(&obs);
    cr_assert_not_null(s);
    json_error_t e;
    root = json_loads(s, 0, &e);
    cr_assert_not_null(root, "invalid JSON: %s: %s", e.text, s);
    free(s);
}

static void teardown(void)
{
    json_decref(root);
}

TestSuite(observation_json, .init = build, .fini = teardown);

static json_t *at(json_t *o, const char *path)
{
    /* "a.b.0.c": object keys and array indexes */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "/"); tok && o; tok = strtok(NULL, "/")) {
        if (json_is_array(o))
            o = json_array_get(o, (size_t)atoi(tok));
        else
            o = json_object_get(o, tok);
    }
    cr_assert_not_null(o, "missing %s", path);
    return o;
}

static double num(const char *path)
{
    json_t *v = at(root, path);
    cr_assert(json_is_number(v), "%s is not a number", path);
    return json_number_value(v);
}

Test(observation_json, header)
{
    cr_assert_eq(json_integer_value(at(root, "cycle")), 7);
    cr_assert_str_eq(json_string_value(at(root, "version")), "v1.2.3");
    cr_assert_eq(json_integer_value(at(root, "ts")), obs.ts);
}

Test(observation_json, prices_keep_significant_digits)
{
    /* 10 significant digits: 0.123456789 survives exactly as written */
    cr_assert_float_eq(num("markets/0/mid"), 0.123456789, 1e-15);
    cr_assert_float_eq(num("markets/0/ask"), 0.1234567, 1e-15);
    cr_assert_float_eq(num("markets/0/funding_rate_1h"), 0.0000125, 1e-18);
    cr_assert_float_eq(num("markets/0/rules/tick_size"), 0.00001, 1e-18);
    cr_assert_float_eq(num("markets/0/indicators_1m/macd.hist/value"),
                       -0.00001234, 1e-18);
}

Test(observation_json, nan_is_null)
{
    cr_assert(json_is_null(at(root, "markets/0/volume_24h")));
    cr_assert(json_is_null(at(root, "markets/0/indicators_1m/macd.hist/"
                                    "series/0")));
    cr_assert(json_is_null(at(root, "metrics/profit_factor")));
    cr_assert(json_is_null(at(root, "markets/0/regime_summary")));
}

Test(observation_json, candles_are_compact_rows)
{
    json_t *c = at(root, "markets/0/candles_1m");
    cr_assert_eq(json_array_size(c), 3);
    cr_assert_eq(json_array_size(json_array_get(c, 2)), 6);
    cr_assert_eq(json_integer_value(at(root, "markets/0/candles_1m/2/0")),
                 120000);
    cr_assert_float_eq(num("markets/0/candles_1m/2/1"), 2.1234567, 1e-12);
    cr_assert_float_eq(num("markets/0/candles_1m/2/5"), 1000002, 1e-9);
    cr_assert_eq(json_array_size(at(root, "markets/0/candles_ctx")), 2);
}

Test(observation_json, indicators_current_and_series)
{
    json_t *s = at(root, "markets/0/indicators_1m/ema_20/series");
    cr_assert_eq(json_array_size(s), 3);
    cr_assert_float_eq(json_number_value(json_array_get(s, 0)), 0.12, 1e-15);
    cr_assert_float_eq(num("markets/0/indicators_1m/ema_20/value"), 0.123456789,
                       1e-15);
    cr_assert_str_eq(json_string_value(at(root, "markets/0/regime")),
                     "trending_up");
    cr_assert_eq(json_object_size(at(root, "markets/0/indicators_ctx")), 0);
}

Test(observation_json, account_and_positions)
{
    cr_assert_float_eq(num("account/total_return_pct"), 5.0, 1e-12);
    cr_assert_float_eq(num("account/available"), 9000, 1e-9);
    cr_assert_str_eq(json_string_value(at(root, "account/positions/0/side")),
                     "short");
    cr_assert_float_eq(num("account/positions/0/entry_price"), 0.13, 1e-15);
    cr_assert_float_eq(num("account/positions/0/mark_price"), 0.123456789,
                       1e-15);
    cr_assert_float_eq(num("account/positions/0/liquidation_price"), 0.17,
                       1e-15);
    cr_assert_float_eq(num("account/positions/0/leverage"), 3, 1e-15);
    /* opened 90 minutes before the cycle */
    cr_assert_eq(
        json_integer_value(at(root, "account/positions/0/holding_minutes")),
        90);
    cr_assert_float_eq(num("account/positions/0/exit_plan/stop_loss"), 0.14,
                       1e-15);
    /* profit_target 0 = not set */
    cr_assert(
        json_is_null(at(root, "account/positions/0/exit_plan/profit_target")));
    cr_assert_str_eq(json_string_value(at(root, "account/positions/0/exit_plan/"
                                                "invalidation_condition")),
                     "reclaim 0.135");
}

Test(observation_json, trades_metrics_limits_feedback)
{
    cr_assert_float_eq(num("recent_trades/0/entry_price"), 95000.5, 1e-9);
    cr_assert_float_eq(num("recent_trades/0/exit_price"), 96000.25, 1e-9);
    cr_assert_float_eq(num("recent_trades/0/hold_minutes"), 30, 1e-12);
    cr_assert_str_eq(
        json_string_value(at(root, "recent_trades/0/entry_reason")),
        "breakout");
    cr_assert_str_eq(json_string_value(at(root, "recent_trades/0/exit_reason")),
                     "");
    cr_assert_eq(json_integer_value(at(root, "metrics/trades")), 1);
    cr_assert_float_eq(num("limits/max_leverage"), 5, 1e-15);
    cr_assert(json_is_null(at(root, "limits/max_position_notional")));
    cr_assert_str_eq(json_string_value(at(root, "feedback/0")),
                     "ETH: leverage 1000 exceeds max 5");
}

Test(observation_json, empty_observation_renders)
{
    perp_observation empty;
    memset(&empty, 0, sizeof empty);
    char *s = host_observation_to_json(&empty);
    cr_assert_not_null(s);
    cr_assert_not_null(strstr(s, "\"markets\":[]"), "%s", s);
    free(s);
    cr_assert_null(host_observation_to_json(NULL));
}
