/*
 * Issue 17: a replay ends with the cycle at the last candle's close.
 * DESIGN.md's rule is that a candle becomes visible at its close and an
 * observation at T holds every candle closed at or before T, so the last
 * candle belongs to the cycle at its close; the run's final equity is
 * marked there. Hand-made CSVs; the numbers are worked out in comments.
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

/* 2023-03-28T10:40:00Z: a multiple of 5 minutes. */
#define T0_S   1680000000LL
#define T0_MS  (T0_S * 1000)
#define MIN_MS 60000LL

/* Bar i of a symbol opens at T0 + i minutes at price base + i (flat bars:
 * open = high = low = close, so no intrabar stop is touched). */
static void write_csv(const char *dir, const char *symbol, int n, double base)
{
    size_t cap = 64 + (size_t)n * 96;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t len = (size_t)snprintf(text, cap, "ts,open,high,low,close,volume\n");
    for (int i = 0; i < n; i++) {
        double p = base + i;
        len += (size_t)snprintf(text + len, cap - len,
                                "%lld,%.2f,%.2f,%.2f,%.2f,1\n", T0_S + 60LL * i,
                                p, p, p, p);
    }
    char name[64];
    snprintf(name, sizeof name, "%s_1m.csv", symbol);
    free(temp_dir_write(dir, name, text));
    free(text);
}

/* A buy of 0.1 BTC due at the first cycle (ts 0 is due at once). */
static void write_script(const char *dir)
{
    free(temp_dir_write(
        dir, "script.jsonl",
        "{\"ts\": 0, \"positions\": {\"BTC\": {\"coin\": \"BTC\", "
        "\"signal\": \"buy\", \"quantity\": 0.1, \"leverage\": 2, "
        "\"confidence\": 0.8, \"justification\": \"entry\"}}, "
        "\"notes_for_audience\": \"long\"}\n"));
}

/* feed_extra: more keys of the replay feed (indented 4); symbols: the
 * agent's list. */
static char *write_yaml(const char *dir, const char *symbols, const char *cycle,
                        const char *feed_extra)
{
    char text[4096];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: last-cycle\n"
             "  cycle: %s\n"
             "  symbols: [%s]\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - plugin: replay\n"
             "    dir: %s\n"
             "    cache: false\n"
             "%s"
             "planner:\n"
             "  plugin: script\n"
             "  path: %s/script.jsonl\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "  starting_equity: 10000\n"
             "  max_leverage: 5\n"
             "  fee_bps: 0\n"
             "  slippage_bps: 0\n"
             "  funding: {model: none}\n"
             "sinks:\n"
             "  - plugin: jsonl\n"
             "    path: %s/records.jsonl\n",
             cycle, symbols, test_build_dir(), dir, feed_extra, dir, dir);
    return temp_dir_write(dir, "agent.yaml", text);
}

static json_t *run_ok(const char *dir, const char *yaml, char **err)
{
    int rc = perpd_run("run", yaml, PERPD_STDERR, err);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, *err);
    return jsonl_records_read(dir);
}

static json_t *last_of(json_t *all, const char *type)
{
    size_t n = jsonl_records_count(all, type);
    cr_assert_gt(n, 0, "no %s record", type);
    return jsonl_records_nth(all, type, n - 1);
}

/* The market view of `symbol` in an observation record. */
static json_t *market_in(json_t *obs_rec, const char *symbol)
{
    json_t *markets =
        json_object_get(json_object_get(obs_rec, "data"), "markets");
    size_t i;
    json_t *m;
    json_array_foreach(markets, i, m)
    {
        if (strcmp(jsonl_str(m, "symbol"), symbol) == 0)
            return m;
    }
    cr_assert_fail("no market %s in the observation", symbol);
    return NULL;
}

Test(replay_last_cycle, one_symbol_runs_a_cycle_at_the_last_close)
{
    char *dir = temp_dir_new(), *err = NULL;
    write_csv(dir, "BTC-USD", 12, 100.0);
    write_script(dir);
    char *yaml = write_yaml(dir, "BTC-USD", "60s", "");
    json_t *all = run_ok(dir, yaml, &err);

    /* 12 bars close at T0+1m .. T0+12m; with a 60 s cycle the first cycle
     * is at the first close, so there are 12 cycles, the last at T0+12m. */
    cr_assert_eq(jsonl_decision_cycles(all), 12, "%s", err);
    cr_assert_eq(jsonl_records_count(all, "equity"), 12);
    cr_assert(strstr(err, "replay ended: events=12 cycles=12"), "%s", err);
    json_t *eq = last_of(all, "equity");
    cr_assert_eq(jsonl_ts(eq), T0_MS + 12 * MIN_MS);

    /* Bought 0.1 at the first cycle, at bar 0's close 100 (no fee, no
     * slippage). The last bar (i = 11) closes at 111: the position is
     * marked there, equity = 10000 + 0.1 * (111 - 100) = 10001.1. */
    json_t *buy = jsonl_records_nth(all, "trade", 0);
    cr_assert_float_eq(jsonl_num(buy, "price"), 100.0, 1e-9);
    json_t *pos = last_of(all, "position");
    cr_assert_eq(jsonl_ts(pos), T0_MS + 12 * MIN_MS);
    cr_assert_float_eq(jsonl_num(pos, "mark_price"), 111.0, 1e-9);
    cr_assert_float_eq(jsonl_num(eq, "equity"), 10001.1, 1e-9);
    /* The last observation holds the last bar as its newest candle. */
    json_t *obs = last_of(all, "observation");
    json_t *c1m = json_object_get(market_in(obs, "BTC-USD"), "candles_1m");
    json_t *newest = json_array_get(c1m, json_array_size(c1m) - 1);
    cr_assert_eq(json_integer_value(json_array_get(newest, 0)),
                 T0_MS + 11 * MIN_MS);

    json_decref(all);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(replay_last_cycle, symbols_ending_apart_end_at_the_latest_close)
{
    char *dir = temp_dir_new(), *err = NULL;
    write_csv(dir, "BTC-USD", 20, 100.0);
    write_csv(dir, "ETH-USD", 10, 50.0);
    write_script(dir);
    char *yaml = write_yaml(dir, "BTC-USD, ETH-USD", "60s", "");
    json_t *all = run_ok(dir, yaml, &err);

    /* ETH's last bar closes at T0+10m, BTC's at T0+20m: cycles at T0+1m ..
     * T0+20m, 20 of them. */
    cr_assert_eq(jsonl_records_count(all, "observation"), 20, "%s", err);
    cr_assert(strstr(err, "replay ended: events=30 cycles=20"), "%s", err);
    json_t *eq = last_of(all, "equity");
    cr_assert_eq(jsonl_ts(eq), T0_MS + 20 * MIN_MS);
    /* 0.1 BTC from 100 to 119 (bar 19's close). */
    cr_assert_float_eq(jsonl_num(eq, "equity"), 10001.9, 1e-9);

    /* The stale rule (agent.stale_after, default 2 min, on the replay
     * clock): ETH's last price is from T0+10m. At T0+12m it is exactly
     * 2 min old, not stale; at T0+13m it is; it stays so to the end. BTC
     * is fresh throughout. Cycle k (1-based) is at T0 + k minutes. */
    for (size_t k = 1; k <= 20; k++) {
        json_t *obs = jsonl_records_nth(all, "observation", k - 1);
        json_t *eth = market_in(obs, "ETH-USD");
        int want = k >= 13;
        cr_assert_eq(json_is_true(json_object_get(eth, "stale")), want,
                     "cycle %zu", k);
        cr_assert(
            json_is_false(json_object_get(market_in(obs, "BTC-USD"), "stale")),
            "cycle %zu", k);
        if (k >= 10)
            cr_assert_float_eq(jsonl_num(eth, "mid"), 59.0, 1e-9, "cycle %zu",
                               k);
    }

    json_decref(all);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(replay_last_cycle, feed_to_bound_stays_exclusive)
{
    char *dir = temp_dir_new(), *err = NULL;
    write_csv(dir, "BTC-USD", 30, 100.0);
    write_script(dir);
    /* to: T0+20m = 2023-03-28T11:00:00Z. Bars opened at T0 .. T0+19m are
     * used; the one opened at T0+20m (close 120) and later are not. */
    char *yaml =
        write_yaml(dir, "BTC-USD", "60s", "    to: 2023-03-28T11:00:00Z\n");
    json_t *all = run_ok(dir, yaml, &err);
    cr_assert(strstr(err, "replay ended: events=20 cycles=20"), "%s", err);
    json_t *eq = last_of(all, "equity");
    cr_assert_eq(jsonl_ts(eq), T0_MS + 20 * MIN_MS);
    json_t *pos = last_of(all, "position");
    cr_assert_float_eq(jsonl_num(pos, "mark_price"), 119.0, 1e-9);
    cr_assert_float_eq(jsonl_num(eq, "equity"), 10001.9, 1e-9);
    json_t *obs = last_of(all, "observation");
    json_t *c1m = json_object_get(market_in(obs, "BTC-USD"), "candles_1m");
    json_t *newest = json_array_get(c1m, json_array_size(c1m) - 1);
    cr_assert_eq(json_integer_value(json_array_get(newest, 0)),
                 T0_MS + 19 * MIN_MS);

    json_decref(all);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(replay_last_cycle, last_close_off_the_cycle_grid_gets_a_closing_mark)
{
    char *dir = temp_dir_new(), *err = NULL;
    write_csv(dir, "BTC-USD", 12, 100.0);
    write_script(dir);
    char *yaml = write_yaml(dir, "BTC-USD", "5m", "");
    json_t *all = run_ok(dir, yaml, &err);
    /* Closes at T0+1m .. T0+12m; a 5 min cycle runs at T0+5m and T0+10m
     * (the first boundary at or after the first close). T0+15m is past
     * the data, so no cycle runs there; the account is marked once more
     * at the last close, T0+12m, without a planner call. */
    cr_assert_eq(jsonl_decision_cycles(all), 2, "%s", err);
    cr_assert_eq(jsonl_records_count(all, "equity"), 3);
    json_t *eq = last_of(all, "equity");
    cr_assert_eq(jsonl_ts(eq), T0_MS + 12 * MIN_MS);
    /* Bought 0.1 at T0+5m at bar 4's close (104); marked at 111. */
    cr_assert_float_eq(jsonl_num(eq, "equity"), 10000.7, 1e-9);

    json_decref(all);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}
