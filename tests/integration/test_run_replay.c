/*
 * `perpd run` end to end: the replay feed over a small CSV folder, the
 * script planner (a buy, then a close), perpsim and the jsonl sink. The
 * records written are checked against prices worked out by hand below.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

/* 2023-03-28T10:40:00Z: a whole minute (28 000 000 minutes). */
#define T0_S   1680000000LL
#define T0_MS  (T0_S * 1000)
#define N_BARS 30

/* BTC: flat bars at 20000 for the first 15 minutes, then 21000. ETH:
 * flat at 1500. Flat bars (open = high = low = close) keep intrabar
 * stops out of the picture. */
static double btc_close(int i)
{
    return i < 15 ? 20000.0 : 21000.0;
}

static void write_csvs(const char *dir)
{
    char btc[4096] = "ts,open,high,low,close,volume\n";
    char eth[4096] = "ts,open,high,low,close,volume\n";
    for (int i = 0; i < N_BARS; i++) {
        char row[128];
        double c = btc_close(i);
        snprintf(row, sizeof row, "%lld,%.2f,%.2f,%.2f,%.2f,2.5\n",
                 T0_S + 60LL * i, c, c, c, c);
        strcat(btc, row);
        snprintf(row, sizeof row, "%lld,1500,1500,1500,1500,10\n",
                 T0_S + 60LL * i);
        strcat(eth, row);
    }
    free(temp_dir_write(dir, "BTC-USD_1m.csv", btc));
    free(temp_dir_write(dir, "ETH-USD_1m.csv", eth));
}

/* The buy is due at T0+5m (the cycle that sees the bar opened at T0+4m,
 * close 20000); the close at T0+25m (sees the bar opened at T0+24m,
 * close 21000). */
static void write_script(const char *dir)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"ts\": %lld, \"positions\": {\"BTC\": {\"coin\": \"BTC\", "
             "\"signal\": \"buy\", \"quantity\": 0.1, \"leverage\": 2, "
             "\"confidence\": 0.8, \"justification\": \"test entry\"}}, "
             "\"notes_for_audience\": \"going long\"}\n"
             "\n"
             "{\"ts\": %lld, \"positions\": {\"BTC\": {\"coin\": \"BTC\", "
             "\"signal\": \"close\", \"quantity\": 0, \"leverage\": 2, "
             "\"confidence\": 0.8, \"justification\": \"test exit\"}}, "
             "\"notes_for_audience\": \"flat again\"}\n",
             T0_MS + 5 * 60000LL, T0_MS + 25 * 60000LL);
    free(temp_dir_write(dir, "script.jsonl", text));
}

/* Funding is switched off so the equity below is fees and P&L alone. */
static char *write_yaml(const char *dir, const char *extra_top)
{
    char text[2048];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: it-1.0\n"
             "  description: integration replay\n"
             "  cycle: 60s\n"
             "  symbols: [BTC-USD, ETH-USD]\n"
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
             "  fee_bps: 2\n"
             "  slippage_bps: 1\n"
             "  funding: {model: none}\n"
             "sinks:\n"
             "  - plugin: jsonl\n"
             "    path: %s/records.jsonl\n"
             "%s",
             test_build_dir(), dir, dir, dir, extra_top);
    return temp_dir_write(dir, "agent.yaml", text);
}

Test(run_replay, buy_then_close_gives_the_hand_worked_trades)
{
    char *dir = temp_dir_new();
    write_csvs(dir);
    write_script(dir);
    char *yaml = write_yaml(dir, "");
    char *err = NULL;
    int rc = perpd_run("run", yaml, PERPD_STDERR, &err);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, err);

    json_t *all = jsonl_records_read(dir);
    /* The version is registered first, with its config snapshot. */
    json_t *first = json_array_get(all, 0);
    cr_assert_str_eq(jsonl_str(first, "type"), "version");
    json_t *vdata = json_object_get(first, "data");
    cr_assert_str_eq(json_string_value(json_object_get(vdata, "version")),
                     "it-1.0");
    cr_assert(json_is_object(json_object_get(vdata, "config")));

    size_t i;
    json_t *rec;
    json_array_foreach(all, i, rec)
    {
        cr_assert_str_eq(json_string_value(json_object_get(rec, "version")),
                         "it-1.0");
    }

    /* Bars close at T0+1m .. T0+30m. Cycles fall on T0+1m .. T0+30m, the
     * last at the last bar's close (issue 17). 30 cycles, each one
     * observation and one equity snapshot. Decisions: the runs of holds
     * are collapsed, one record each (cycles 1-4, 6-24, 26-30) around
     * the buy (5) and the close (25): five records for 30 cycles. */
    cr_assert_eq(jsonl_records_count(all, "observation"), 30);
    cr_assert_eq(jsonl_records_count(all, "decision"), 5);
    cr_assert_eq(jsonl_decision_cycles(all), 30);
    json_t *run = json_object_get(
        json_object_get(jsonl_records_nth(all, "decision", 2), "data"), "held");
    cr_assert_eq(json_integer_value(json_object_get(run, "cycles")), 19);
    cr_assert_eq(json_integer_value(json_object_get(run, "from")),
                 T0_MS + 6 * 60000LL);
    cr_assert_eq(json_integer_value(json_object_get(run, "to")),
                 T0_MS + 24 * 60000LL);
    cr_assert_eq(jsonl_ts(jsonl_records_nth(all, "decision", 2)),
                 T0_MS + 24 * 60000LL);
    cr_assert_eq(jsonl_records_count(all, "equity"), 30);
    cr_assert_eq(jsonl_records_count(all, "rejection"), 0, "%s", err);
    json_t *obs0 = jsonl_records_nth(all, "observation", 0);
    cr_assert_eq(json_integer_value(json_object_get(obs0, "ts")),
                 T0_MS + 60000);

    cr_assert_eq(jsonl_records_count(all, "trade"), 2, "%s", err);
    json_t *buy = jsonl_records_nth(all, "trade", 0);
    json_t *sell = jsonl_records_nth(all, "trade", 1);
    /* Entry at the T0+5m cycle: mark 20000 (last close); buy price =
     * 20000 * (1 + 1 bps slippage) = 20002.00, already on the 0.01 tick.
     * Fee = 0.1 * 20002 * 2 bps = 0.40004. */
    cr_assert_eq(json_integer_value(json_object_get(buy, "ts")),
                 T0_MS + 5 * 60000LL);
    cr_assert_str_eq(json_string_value(json_object_get(buy, "symbol")),
                     "BTC-USD");
    cr_assert_str_eq(json_string_value(json_object_get(buy, "side")), "buy");
    cr_assert_float_eq(jsonl_num(buy, "qty"), 0.1, 1e-12);
    cr_assert_float_eq(jsonl_num(buy, "price"), 20002.00, 1e-6);
    cr_assert_float_eq(jsonl_num(buy, "fee"), 0.40004, 1e-9);
    /* Exit at the T0+25m cycle: mark 21000; sell price = 21000 * (1 - 1
     * bps) = 20997.90. Fee = 0.1 * 20997.9 * 2 bps = 0.419958. Realized
     * (gross) = 0.1 * (20997.90 - 20002.00) = 99.59. */
    cr_assert_eq(json_integer_value(json_object_get(sell, "ts")),
                 T0_MS + 25 * 60000LL);
    cr_assert_str_eq(json_string_value(json_object_get(sell, "side")), "sell");
    cr_assert_float_eq(jsonl_num(sell, "price"), 20997.90, 1e-6);
    cr_assert_float_eq(jsonl_num(sell, "fee"), 0.419958, 1e-9);
    cr_assert_float_eq(jsonl_num(sell, "realized_pnl"), 99.59, 1e-6);
    cr_assert_float_eq(jsonl_num(sell, "position_after"), 0.0, 1e-12);

    /* Last equity: 10000 - 0.40004 - 0.419958 + 99.59 = 10098.770002,
     * flat, so equity = cash. */
    json_t *last_eq = jsonl_records_nth(all, "equity", 29);
    cr_assert_float_eq(jsonl_num(last_eq, "equity"), 10098.770002, 1e-6);
    cr_assert_float_eq(jsonl_num(last_eq, "cash"), 10098.770002, 1e-6);
    /* While long (cycles T0+5m .. T0+24m) a position record follows each
     * equity record: 20 of them. */
    cr_assert_eq(jsonl_records_count(all, "position"), 20);

    json_decref(all);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(run_replay, unknown_top_level_key_is_refused_with_its_place)
{
    char *dir = temp_dir_new();
    write_csvs(dir);
    write_script(dir);
    char *yaml = write_yaml(dir, "stray_section: 1\n");
    char *err = NULL;
    int rc = perpd_run("check", yaml, PERPD_STDERR, &err);
    cr_assert_eq(rc, 1, "perpd check exited %d:\n%s", rc, err);
    /* stray_section is on line 24 of the file written above, column 1. */
    char want[1100];
    snprintf(want, sizeof want, "%s:24:1", yaml);
    cr_assert(strstr(err, want) != NULL, "no %s in:\n%s", want, err);
    cr_assert(strstr(err, "stray_section") != NULL, "%s", err);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(run_replay, malformed_script_line_names_file_and_line)
{
    char *dir = temp_dir_new();
    write_csvs(dir);
    free(temp_dir_write(dir, "script.jsonl",
                        "{\"ts\": 1, \"positions\": {}}\n{\"ts\": oops}\n"));
    char *yaml = write_yaml(dir, "");
    char *err = NULL;
    int rc = perpd_run("check", yaml, PERPD_STDERR, &err);
    cr_assert_eq(rc, 1, "perpd check exited %d:\n%s", rc, err);
    char want[1100];
    snprintf(want, sizeof want, "%s/script.jsonl:2:", dir);
    cr_assert(strstr(err, want) != NULL, "no %s in:\n%s", want, err);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}
