/*
 * test_live_warmup.c — the live start's warm-up comes from the pipeline's
 * own feed, sized by the indicators' lookbacks:
 *   - with only rsi (period 7) and ema (period 20) on the coinbase feed
 *     (a local WebSocket server and a local REST candles server), perpd
 *     asks the feed for 22 one-minute candles per symbol: the EMA needs
 *     20 (TA-Lib lookback 19, + 1) and agent.series: 3 values shown need 2
 *     more; the history (10) is smaller. The context timeframe, with no
 *     indicator, asks for its history. The first observation is warm.
 *   - a pipeline whose feed cannot backfill never calls Coinbase: neither
 *     a replay nor a live feed built for ABI 1.1, though
 *     PERP_COINBASE_REST_URL (the variable the host once read) points at
 *     a REST server that counts every request.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi_fixture.h"
#include "build_dir.h"
#include "candles_server.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"
#include "ws_server.h"

static const char *const PRODUCTS[] = {"BTC-USD"};

/* perpd run yaml --max-cycles 1; the exit code, output into *out. */
static int run_perpd(const char *yaml, char **out)
{
    char *bin = perpd_path();
    char *argv[] = {bin, "run", (char *)yaml, "--max-cycles", "1", NULL};
    int rc = run_process(argv, out);
    free(bin);
    return rc;
}

/* The coinbase pipeline with rsi_7 and ema_20 (history 10, series 3);
 * `extra` goes under agent:. Returns perpd's output (caller frees); the
 * REST server and the records directory are the caller's. */
static char *run_coinbase(candles_server *rest, const char *dir,
                          const char *extra, int *rc)
{
    ws_server_opts wo = {
        .products = PRODUCTS, .n_products = 1, .heartbeat_ms = 100};
    ws_server *ws = ws_server_start(&wo);
    cr_assert_not_null(ws);
    char base[64], text[4096];
    candles_server_base_url(rest, base, sizeof base);
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: warmup-1.0\n"
             "  cycle: 1s\n"
             "  history: 10\n"
             "  series: 3\n"
             "  symbols: [BTC-USD]\n%s"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - plugin: coinbase\n"
             "    url: ws://127.0.0.1:%d/\n"
             "    rest_url: %s\n"
             "indicators:\n"
             "  - {plugin: rsi, name: rsi_7, period: 7}\n"
             "  - {plugin: ema, name: ema_20, period: 20}\n"
             "planner:\n"
             "  plugin: rules\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s/records.jsonl}\n",
             extra, test_build_dir(), ws_server_port(ws), base, dir);
    char *yaml = temp_dir_write(dir, "live.yaml", text);
    char *out = NULL;
    *rc = run_perpd(yaml, &out);
    free(yaml);
    ws_server_stop(ws);
    return out;
}

/* agent.warmup overrides the one-minute count (never below the history)
 * and says when it leaves the indicators cold. */
Test(live_warmup, agent_warmup_overrides_and_says_it_is_short, .timeout = 60)
{
    candles_server_opts ro = {.products = "BTC-USD"};
    candles_server *rest = candles_server_start(&ro);
    cr_assert_not_null(rest);
    char *dir = temp_dir_new();
    int rc;
    char *out = run_coinbase(rest, dir, "  warmup: 5\n", &rc);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
    cr_expect(strstr(out, "agent.warmup 5 is below the 20 one-minute "
                          "candles the indicators need: they start cold"),
              "%s", out);
    cr_expect_eq(candles_server_buckets(rest, 60), 10, "%s", out);
    free(out);
    candles_server_stop(rest);
    rest = candles_server_start(&ro);
    out = run_coinbase(rest, dir, "  warmup: 100\n", &rc);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
    cr_expect_eq(candles_server_buckets(rest, 60), 100, "%s", out);
    cr_expect_null(strstr(out, "start cold"), "%s", out);
    free(out);
    temp_dir_remove(dir);
    free(dir);
    candles_server_stop(rest);
}

Test(live_warmup, asks_the_feed_for_the_lookback_derived_count, .timeout = 60)
{
    candles_server_opts ro = {.products = "BTC-USD"};
    candles_server *rest = candles_server_start(&ro);
    cr_assert_not_null(rest);
    char *dir = temp_dir_new();
    int rc;
    char *out = run_coinbase(rest, dir, "", &rc);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
    /* EMA(20): TA_EMA_Lookback = 19, so 20 candles to its first value,
     * and 3 shown values need 20 + 3 - 1 = 22 (above history: 10). */
    cr_expect_eq(candles_server_buckets(rest, 60), 22, "1m buckets asked:\n%s",
                 out);
    cr_expect_eq(candles_server_buckets(rest, 21600), 10,
                 "context buckets asked:\n%s", out);
    cr_expect(strstr(out, "warm-up from feed coinbase: 22 one-minute and 10 "
                          "context candles per symbol (indicators need 20 "
                          "and 0)"),
              "%s", out);
    json_t *all = jsonl_records_read(dir);
    json_t *obs =
        json_object_get(jsonl_records_nth(all, "observation", 0), "data");
    json_t *ind = json_object_get(
        json_array_get(json_object_get(obs, "markets"), 0), "indicators_1m");
    const char *names[] = {"rsi_7", "ema_20"};
    for (int k = 0; k < 2; k++) {
        json_t *one = json_object_get(ind, names[k]);
        cr_expect(json_is_number(json_object_get(one, "value")),
                  "%s not warm at the first cycle", names[k]);
        cr_expect_null(json_object_get(one, "warming_up"), "%s", names[k]);
        cr_expect_eq(json_array_size(json_object_get(one, "series")), 3);
    }
    json_decref(all);
    free(out);
    temp_dir_remove(dir);
    free(dir);
    candles_server_stop(rest);
}

/* 30 one-minute candles of BTC-USD for the replay feed. */
static void write_history(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/BTC-USD_1m.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "ts,open,high,low,close,volume\n");
    for (int i = 0; i < 30; i++)
        fprintf(f, "%lld,%d,%d,%d,%d,1\n", 1704067200LL + 60LL * i, 100 + i,
                102 + i, 99 + i, 101 + i);
    fclose(f);
}

Test(live_warmup, a_pipeline_without_a_backfill_feed_never_calls_coinbase,
     .timeout = 60)
{
    candles_server_opts ro = {.products = "BTC-USD"};
    candles_server *rest = candles_server_start(&ro);
    cr_assert_not_null(rest);
    char base[64], text[4096];
    candles_server_base_url(rest, base, sizeof base);
    setenv("PERP_COINBASE_REST_URL", base, 1);
    char *dir = temp_dir_new();
    write_history(dir);
    abi11_build(dir, "tick11");
    static const char *const feeds[] = {
        "  - {plugin: replay, dir: %s, cache_dir: %s/cache}\n",
        "  - {plugin: tick11, candles: 5}\n"};
    for (int k = 0; k < 2; k++) {
        char feed[1024];
        snprintf(feed, sizeof feed, feeds[k], dir, dir);
        snprintf(text, sizeof text,
                 "agent:\n"
                 "  version: nocb-1.0\n"
                 "  cycle: 1s\n"
                 "  symbols: [BTC-USD]\n"
                 "plugin_path: [%s, %s/lib/perp]\n"
                 "feeds:\n%s"
                 "indicators:\n"
                 "  - {plugin: ema, name: ema_20, period: 20}\n"
                 "planner:\n"
                 "  plugin: rules\n"
                 "backend:\n"
                 "  plugin: perpsim\n"
                 "sinks:\n"
                 "  - {plugin: jsonl, path: %s/records.jsonl}\n",
                 dir, test_build_dir(), feed, dir);
        char *yaml = temp_dir_write(dir, "p.yaml", text);
        char *out = NULL;
        int rc = run_perpd(yaml, &out);
        cr_expect_eq(rc, 0, "feed %d exit %d:\n%s", k, rc, out);
        cr_expect_eq(candles_server_requests(rest), 0,
                     "feed %d called the REST server:\n%s", k, out);
        if (k == 1)
            cr_expect(strstr(out, "no feed of this pipeline can backfill "
                                  "candles"),
                      "%s", out);
        free(out);
        free(yaml);
    }
    unsetenv("PERP_COINBASE_REST_URL");
    temp_dir_remove(dir);
    free(dir);
    candles_server_stop(rest);
}
