/*
 * test_live_arena.c — `perpd run A.yaml B.yaml` live on paper against the
 * local Coinbase servers of tests/support (the WebSocket feed and the
 * REST candles endpoint; nothing leaves 127.0.0.1):
 *   - one feed connection: one WebSocket handshake and one subscribe,
 *     naming the symbols of both versions (A trades BTC and ETH, B only
 *     BTC);
 *   - one warm-up fetch per symbol and timeframe, as long as the longer
 *     of the two needs (A's EMA(20) needs 22 one-minute candles, B's
 *     EMA(5) 10: 22 per symbol asked, not 22 + 10);
 *   - every version sees the same prices at the same moments: both have
 *     an observation at the same cycle times, and at each, BTC-USD's
 *     prices and candles (one-minute and context) are equal;
 *   - a planner and a backend account each: A's script buys BTC at its
 *     first cycle and its records hold that trade; B's script holds, and
 *     its records hold no trade and its equity stays 10,000;
 *   - with the feeds of both files replays, it is refused and points at
 *     perpd backtest.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build_dir.h"
#include "candles_server.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"
#include "ws_server.h"

static const char *const PRODUCTS[] = {"BTC-USD", "ETH-USD"};

/* Tickers for both products every 100 ms, stamped now, until stopped. */
typedef struct ticker {
    ws_server *ws;
    atomic_int stop;
    pthread_t thread;
} ticker;

static void ticker_json(char *out, size_t len, const char *product, long seq,
                        double price)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    struct tm tm;
    gmtime_r(&t.tv_sec, &tm);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len,
             "{\"type\":\"ticker\",\"sequence\":%ld,\"product_id\":\"%s\","
             "\"price\":\"%.2f\",\"volume_24h\":\"12345.67\","
             "\"best_bid\":\"%.2f\",\"best_ask\":\"%.2f\",\"side\":\"buy\","
             "\"time\":\"%s.%06ldZ\",\"trade_id\":%ld,\"last_size\":\"0.5\"}",
             seq, product, price, price - 0.5, price + 0.5, when,
             t.tv_nsec / 1000, seq * 10);
}

static void *send_tickers(void *arg)
{
    ticker *t = arg;
    for (long seq = 1; !atomic_load(&t->stop); seq++) {
        char msg[1024];
        ticker_json(msg, sizeof msg, "BTC-USD", seq,
                    42000 + (double)(seq % 37));
        ws_server_send(t->ws, msg, strlen(msg));
        ticker_json(msg, sizeof msg, "ETH-USD", seq, 2300 + (double)(seq % 11));
        ws_server_send(t->ws, msg, strlen(msg));
        usleep(100000);
    }
    return NULL;
}

static char *write_yaml(const char *dir, const char *name, const char *version,
                        const char *symbols, const char *ema, int ws_port,
                        const char *rest, const char *script_line)
{
    char path[1100], script[1100], text[4096];
    snprintf(script, sizeof script, "%s-script.jsonl", name);
    free(temp_dir_write(dir, script, script_line));
    snprintf(path, sizeof path, "%s", name);
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: %s\n"
             "  cycle: 1s\n"
             "  history: 10\n"
             "  series: 3\n"
             "  symbols: [%s]\n"
             "  observation_every: 1\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - plugin: coinbase\n"
             "    url: ws://127.0.0.1:%d/\n"
             "    rest_url: %s\n"
             "indicators:\n"
             "  - %s\n"
             "planner:\n"
             "  plugin: script\n"
             "  path: %s/%s\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "  starting_equity: 10000\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s/%s-out/records.jsonl}\n",
             version, symbols, test_build_dir(), ws_port, rest, ema, dir,
             script, dir, name);
    snprintf(path, sizeof path, "%s.yaml", name);
    return temp_dir_write(dir, path, text);
}

/* The market of symbol in an observation record, or NULL. */
static json_t *market(json_t *obs, const char *symbol)
{
    json_t *ms = json_object_get(json_object_get(obs, "data"), "markets");
    for (size_t i = 0; i < json_array_size(ms); i++) {
        json_t *m = json_array_get(ms, i);
        if (strcmp(jsonl_str(m, "symbol"), symbol) == 0)
            return m;
    }
    return NULL;
}

static json_t *records(const char *dir, const char *name)
{
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/%s-out", dir, name);
    return jsonl_records_read(sub);
}

Test(live_arena, two_versions_one_feed_same_prices, .timeout = 120)
{
    candles_server_opts ro = {.products = "BTC-USD,ETH-USD"};
    candles_server *rest = candles_server_start(&ro);
    cr_assert_not_null(rest);
    ws_server_opts wo = {
        .products = PRODUCTS, .n_products = 2, .heartbeat_ms = 100};
    ws_server *ws = ws_server_start(&wo);
    cr_assert_not_null(ws);
    char base[64];
    candles_server_base_url(rest, base, sizeof base);
    char *dir = temp_dir_new();
    char *a = write_yaml(
        dir, "a", "arena-a", "BTC-USD, ETH-USD",
        "{plugin: ema, name: ema_20, period: 20}", ws_server_port(ws), base,
        "{\"ts\": 0, \"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": "
        "\"buy\", \"quantity\": 0.01, \"leverage\": 1, \"justification\": "
        "\"a buys\"}}}\n");
    char *b = write_yaml(dir, "b", "arena-b", "BTC-USD",
                         "{plugin: ema, name: ema_5, period: 5}",
                         ws_server_port(ws), base, "\n");
    ticker t = {.ws = ws};
    atomic_init(&t.stop, 0);
    cr_assert_eq(pthread_create(&t.thread, NULL, send_tickers, &t), 0);

    char *bin = perpd_path();
    char *argv[] = {bin, "run", a, b, "--max-cycles", "3", NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    atomic_store(&t.stop, 1);
    pthread_join(t.thread, NULL);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);

    /* one connection, one subscribe naming BTC-USD and ETH-USD */
    cr_expect_eq(ws_server_connections(ws), 1, "%s", out);
    cr_expect_eq(ws_server_subscribes(ws), 1, "%s", out);
    cr_expect_eq(ws_server_bad_subscribes(ws), 0, "%s", out);
    /* one fetch per symbol and timeframe, the longer need */
    cr_expect(strstr(out, "warm-up from feed coinbase: 22 one-minute"), "%s",
              out);
    cr_expect(strstr(out, "warm-up from feed coinbase: 10 one-minute"), "%s",
              out);
    cr_expect_eq(candles_server_buckets(rest, 60), 2 * 22, "%s", out);
    cr_expect_eq(candles_server_buckets(rest, 21600), 2 * 10, "%s", out);

    json_t *ra = records(dir, "a"), *rb = records(dir, "b");
    size_t na = jsonl_records_count(ra, "observation");
    size_t nb = jsonl_records_count(rb, "observation");
    cr_expect_eq(na, 3);
    cr_expect_eq(nb, 3);
    int ticked = 0;
    for (size_t k = 0; k < na && k < nb; k++) {
        json_t *oa = jsonl_records_nth(ra, "observation", k);
        json_t *ob = jsonl_records_nth(rb, "observation", k);
        /* the cycle's time (the record's own is when it was written) */
        long long ta = jsonl_ts(json_object_get(oa, "data"));
        long long tb = jsonl_ts(json_object_get(ob, "data"));
        cr_expect(ta > 0 && ta == tb, "cycle %zu: %lld vs %lld", k, ta, tb);
        json_t *ma = market(oa, "BTC-USD"), *mb = market(ob, "BTC-USD");
        cr_assert(ma && mb);
        const char *same[] = {"mid",         "bid",        "ask",
                              "last_update", "candles_1m", "candles_ctx"};
        for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
            char *ja = json_dumps(json_object_get(ma, same[i]),
                                  JSON_COMPACT | JSON_ENCODE_ANY);
            char *jb = json_dumps(json_object_get(mb, same[i]),
                                  JSON_COMPACT | JSON_ENCODE_ANY);
            cr_expect(ja && jb && strcmp(ja, jb) == 0,
                      "cycle %zu, BTC-USD %s: A %s, B %s", k, same[i],
                      ja ? ja : "-", jb ? jb : "-");
            free(ja);
            free(jb);
        }
        cr_expect_eq(json_array_size(json_object_get(ma, "candles_ctx")), 10,
                     "warm context candles");
        /* the tickers' prices (42000..42036), not the warm-up's, once
         * the connection is up */
        double mid = jsonl_num(ma, "mid");
        ticked += mid >= 41999 && mid <= 42037;
    }
    cr_expect_gt(ticked, 0, "no cycle saw a ticker price:\n%s", out);
    /* a planner and an account each */
    cr_expect_eq(jsonl_records_count(ra, "trade"), 1);
    json_t *trade = jsonl_records_nth(ra, "trade", 0);
    cr_expect_str_eq(jsonl_str(trade, "symbol"), "BTC-USD");
    cr_expect_str_eq(jsonl_str(trade, "version"), "arena-a");
    cr_expect_eq(jsonl_records_count(rb, "trade"), 0);
    size_t ne = jsonl_records_count(rb, "equity");
    cr_expect_geq(ne, 3);
    for (size_t k = 0; k < ne; k++)
        cr_expect_eq(jsonl_num(jsonl_records_nth(rb, "equity", k), "equity"),
                     10000);
    json_decref(ra);
    json_decref(rb);
    free(out);
    free(bin);
    free(a);
    free(b);
    temp_dir_remove(dir);
    free(dir);
    ws_server_stop(ws);
    candles_server_stop(rest);
}

Test(live_arena, replays_are_sent_to_backtest, .timeout = 60)
{
    char *dir = temp_dir_new();
    char text[2048];
    char *paths[2];
    for (int k = 0; k < 2; k++) {
        snprintf(text, sizeof text,
                 "agent:\n  version: replay-%d\n  symbols: [BTC-USD]\n"
                 "plugin_path: [%s/lib/perp]\n"
                 "feeds:\n  - {plugin: replay, dir: %s}\n"
                 "planner: {plugin: script, path: %s/empty.jsonl}\n"
                 "backend: {plugin: perpsim}\n",
                 k, test_build_dir(), dir, dir);
        char name[32];
        snprintf(name, sizeof name, "r%d.yaml", k);
        paths[k] = temp_dir_write(dir, name, text);
    }
    free(temp_dir_write(dir, "empty.jsonl", "\n"));
    free(temp_dir_write(dir, "BTC-USD_1m.csv",
                        "ts,open,high,low,close,volume\n"
                        "1704067200,1,2,0.5,1.5,3\n"));
    char *bin = perpd_path();
    char *argv[] = {bin, "run", paths[0], paths[1], NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, "the feeds are replays; several versions over "
                          "history run with `perpd backtest CONFIG...`"),
              "%s", out);
    free(out);
    free(bin);
    free(paths[0]);
    free(paths[1]);
    temp_dir_remove(dir);
    free(dir);
}
