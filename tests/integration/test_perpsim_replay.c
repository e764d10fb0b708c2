/*
 * `perpd run` with perpsim at its heart: the replay feed over a small BTC
 * CSV, the script planner (one buy), external funding from a CSV file, the
 * jsonl sink. The trade, funding and liquidation records are checked
 * against values worked out by hand below.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

/* 2023-03-28T11:00:00Z, on an hour, so funding falls at T0 + 1 h. */
#define T0_S      1680001200LL
#define T0_MS     (T0_S * 1000)
#define MIN_MS    60000LL
#define N_BARS    80
#define CRASH_BAR 70

/* Flat bars at 20000 until the crash bar (O 20000 H 20000 L 13000 C
 * 14000), then flat at 14000. */
static void write_inputs(const char *dir)
{
    size_t cap = 64 * (N_BARS + 2);
    char *csv = calloc(1, cap);
    strcpy(csv, "ts,open,high,low,close,volume\n");
    for (int i = 0; i < N_BARS; i++) {
        char row[128];
        long long ts = T0_S + 60LL * i;
        if (i < CRASH_BAR)
            snprintf(row, sizeof row, "%lld,20000,20000,20000,20000,1\n", ts);
        else if (i == CRASH_BAR)
            snprintf(row, sizeof row, "%lld,20000,20000,13000,14000,9\n", ts);
        else
            snprintf(row, sizeof row, "%lld,14000,14000,14000,14000,1\n", ts);
        strcat(csv, row);
    }
    free(temp_dir_write(dir, "BTC-USD_1m.csv", csv));
    free(csv);

    char text[1024];
    snprintf(text, sizeof text,
             "{\"ts\": %lld, \"positions\": {\"BTC\": {\"coin\": \"BTC\", "
             "\"signal\": \"buy\", \"quantity\": 1.4, \"leverage\": 5, "
             "\"confidence\": 0.9, \"justification\": \"all in\"}}, "
             "\"notes_for_audience\": \"long 1.4 BTC\"}\n",
             T0_MS + 5 * MIN_MS);
    free(temp_dir_write(dir, "script.jsonl", text));
    snprintf(text, sizeof text, "ts,symbol,rate\n%lld,BTC-USD,0.0001\n", T0_S);
    free(temp_dir_write(dir, "rates.csv", text));
}

static char *write_yaml(const char *dir)
{
    char text[2048];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: perpsim-it\n"
             "  description: perpsim funding and liquidation\n"
             "  cycle: 60s\n"
             "  symbols: [BTC-USD]\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - plugin: replay\n"
             "    dir: %s\n"
             "    speed: max\n"
             "planner:\n"
             "  plugin: script\n"
             "  path: %s/script.jsonl\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "  starting_equity: 10000\n"
             "  max_leverage: 5\n"
             "  mm_rate: 0.03\n"
             "  fee_bps: 2\n"
             "  slippage_bps: 1\n"
             "  liq_penalty_bps: 5\n"
             "  funding: {model: external, interval: 1h, file: "
             "%s/rates.csv}\n"
             "sinks:\n"
             "  - plugin: jsonl\n"
             "    path: %s/records.jsonl\n",
             test_build_dir(), dir, dir, dir, dir);
    return temp_dir_write(dir, "agent.yaml", text);
}

/* Hand-worked run (fee 2 bps, slippage 1 bp, mm 0.03, penalty 5 bps,
 * funding 0.0001 per hour paid hourly):
 *   T0+5m  buy 1.4 at 20000 x 1.0001 = 20002; fee 1.4 x 20002 x 0.0002 =
 *          5.60056; cash 9994.39944. (Liquidation price then: (1.4 x 20002
 *          - cash) / (1.4 x 0.97) ~ 13262.9 after the first funding.)
 *   T0+1h  funding for the 55 min held: -1.4 x 20000 x 0.0001 x 55/60 =
 *          -2.5666667; cash 9991.8327733
 *   crash bar (opens T0+70m): walked 20000, 20000 (high, nearer), 13000 at
 *          T0+70m40s: first the funding since T0+1h, 640 s at mark 13000:
 *          -1.4 x 13000 x 0.0001 x 640/3600 = -0.3235556; then equity =
 *          9991.8327733 - 0.3235556 + 1.4 x (13000 - 20002) = 188.7092178
 *          < maintenance 0.03 x 1.4 x 13000 = 546 -> liquidated at 13000:
 *          penalty 1.4 x 13000 x 0.0005 = 9.1, realized -9802.8;
 *          cash = 188.7092178 - 9.1 = 179.6092178. */
Test(perpsim_replay, trade_funding_and_liquidation_records)
{
    char *dir = temp_dir_new();
    write_inputs(dir);
    char *yaml = write_yaml(dir);
    char *err = NULL;
    int rc = perpd_run("run", yaml, PERPD_STDERR, &err);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, err);

    json_t *all = jsonl_records_read(dir);
    json_t *trades = jsonl_records_of_type(all, "trade");
    json_t *funding = jsonl_records_of_type(all, "funding");
    json_t *liqs = jsonl_records_of_type(all, "liquidation");
    cr_assert_eq(json_array_size(trades), 2, "%s", err);
    cr_assert_eq(json_array_size(funding), 2, "%s", err);
    cr_assert_eq(json_array_size(liqs), 1, "%s", err);

    json_t *buy = json_array_get(trades, 0);
    cr_assert_eq(jsonl_ts(buy), T0_MS + 5 * MIN_MS);
    cr_assert_str_eq(jsonl_str(buy, "side"), "buy");
    cr_assert_str_eq(jsonl_str(buy, "cause"), "entry");
    cr_assert_float_eq(jsonl_num(buy, "qty"), 1.4, 1e-12);
    cr_assert_float_eq(jsonl_num(buy, "price"), 20002.0, 1e-9);
    cr_assert_float_eq(jsonl_num(buy, "fee"), 5.60056, 1e-9);

    json_t *f1 = json_array_get(funding, 0);
    cr_assert_eq(jsonl_ts(f1), T0_MS + 60 * MIN_MS);
    cr_assert_str_eq(jsonl_str(f1, "symbol"), "BTC-USD");
    cr_assert_float_eq(jsonl_num(f1, "payment"), -2.8 * 55 / 60, 1e-9);
    cr_assert_float_eq(jsonl_num(f1, "position"), 1.4, 1e-12);
    json_t *f2 = json_array_get(funding, 1);
    long long crash_ts = T0_MS + CRASH_BAR * MIN_MS + 40000;
    cr_assert_eq(jsonl_ts(f2), crash_ts);
    cr_assert_float_eq(jsonl_num(f2, "payment"), -1.82 * 640 / 3600, 1e-9);

    json_t *liq = json_array_get(liqs, 0);
    cr_assert_eq(jsonl_ts(liq), crash_ts);
    cr_assert_float_eq(jsonl_num(liq, "qty"), 1.4, 1e-12);
    cr_assert_float_eq(jsonl_num(liq, "price"), 13000, 1e-9);
    cr_assert_float_eq(jsonl_num(liq, "penalty"), 9.1, 1e-9);
    cr_assert_float_eq(jsonl_num(liq, "equity_before"), 188.7092178, 1e-6);
    cr_assert_float_eq(jsonl_num(liq, "maintenance_before"), 546, 1e-9);

    json_t *out = json_array_get(trades, 1);
    cr_assert_eq(jsonl_ts(out), crash_ts);
    cr_assert_str_eq(jsonl_str(out, "side"), "sell");
    cr_assert_str_eq(jsonl_str(out, "cause"), "liquidation");
    cr_assert_float_eq(jsonl_num(out, "price"), 13000, 1e-9);
    cr_assert_float_eq(jsonl_num(out, "fee"), 9.1, 1e-9);
    cr_assert_float_eq(jsonl_num(out, "realized_pnl"), -9802.8, 1e-8);
    cr_assert_float_eq(jsonl_num(out, "position_after"), 0.0, 1e-12);

    json_t *eq = jsonl_records_of_type(all, "equity");
    json_t *last = json_array_get(eq, json_array_size(eq) - 1);
    cr_assert_not_null(last);
    cr_assert_float_eq(jsonl_num(last, "cash"), 179.6092178, 1e-6);
    cr_assert_float_eq(jsonl_num(last, "equity"), 179.6092178, 1e-6);
    cr_assert_float_eq(jsonl_num(last, "funding_net"),
                       -2.8 * 55 / 60 - 1.82 * 640 / 3600, 1e-9);
    cr_assert_float_eq(jsonl_num(last, "fees_paid"), 5.60056 + 9.1, 1e-9);

    json_decref(trades);
    json_decref(funding);
    json_decref(liqs);
    json_decref(eq);
    json_decref(all);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}
