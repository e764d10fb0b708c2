/*
 * test_coinbase_feed.c — feed-coinbase against a loopback server that
 * speaks the Coinbase Exchange protocol (tests/support/ws_server.c):
 * reconnects after two drops and one silence, resubscribes each time,
 * and the candles built from the ticks equal the hand-worked ones.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "market_candles.h"
#include "cb_test_util.h"
#include "plugin_env.h"
#include "stderr_capture.h"
#include "ws_server.h"

static const char *const PRODUCTS[] = {"BTC-USD", "ETH-USD"};

/* 2024-01-02T00:00:00Z = 19724 days * 86400 s = 1704153600 s. */
#define T_0304 (1704153600LL + 3 * 3600 + 4 * 60) /* 03:04:00Z, seconds */

static ws_server *start_server(void)
{
    ws_server_opts o = {
        .products = PRODUCTS, .n_products = 2, .heartbeat_ms = 100};
    ws_server *s = ws_server_start(&o);
    cr_assert_not_null(s, "test server did not start");
    return s;
}

static void *create_feed(plugin_env *env, int port, const char *extra)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "plugin: coinbase\nurl: ws://127.0.0.1:%d/\n"
             "products: [BTC-USD, ETH-USD]\nstale_after: 400ms\n"
             "backoff_min: 20ms\nbackoff_max: 100ms\n%s",
             port, extra);
    cr_assert_eq(plugin_env_init(env, yaml, PRODUCTS, 2), 0);
    void *feed = NULL;
    cr_assert_eq(plugin_env_create(env, perp_plugin_entry(), &feed), PERP_OK);
    cb_start(feed);
    return feed;
}

static void send_ticker(ws_server *s, const char *product, long long seq,
                        const char *time, const char *price, const char *size)
{
    char msg[1024];
    int n = cb_ticker_json(msg, sizeof msg, product, seq, time, price, size);
    ws_server_send(s, msg, (size_t)n);
}

/* Candles of one symbol closed by feeding ticks in arrival order. */
static size_t build(const perp_tick *t, size_t n, const char *sym,
                    perp_candle *out, size_t max, perp_candle *partial)
{
    host_candle_builder *b = host_candles_new(sym, 60000);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].symbol, sym) == 0)
            k += host_candles_on_tick(b, t[i].ts, t[i].price, t[i].last_size,
                                      out + k, max - k);
    cr_assert(host_candles_partial(b, partial));
    host_candles_free(b);
    return k;
}

static void expect_candle(const perp_candle *c, int64_t open_s, double o,
                          double h, double l, double cl, double v)
{
    cr_expect_eq(c->ts, open_s * 1000, "ts %lld", (long long)c->ts);
    cr_expect_eq(c->interval_ms, 60000);
    cr_expect_eq(c->open, o, "open %.10g != %.10g", c->open, o);
    cr_expect_eq(c->high, h, "high %.10g != %.10g", c->high, h);
    cr_expect_eq(c->low, l, "low %.10g != %.10g", c->low, l);
    cr_expect_eq(c->close, cl, "close %.10g != %.10g", c->close, cl);
    cr_expect_eq(c->volume, v, "volume %.17g != %.17g", c->volume, v);
}

Test(coinbase_feed, reconnects_resubscribes_and_candles_match_ticks)
{
    ws_server *s = start_server();
    plugin_env env;
    void *feed = create_feed(&env, ws_server_port(s), "");
    const perp_feed_vtable *vt = cb_vt();

    cr_assert(ws_server_wait_subscribes(s, 1, 5000), "no first subscribe");
    send_ticker(s, "BTC-USD", 101, "2024-01-02T03:04:05.250000Z", "42000.50",
                "0.10");
    send_ticker(s, "ETH-USD", 501, "2024-01-02T03:04:10.000000Z", "2300.25",
                "1.5");
    send_ticker(s, "BTC-USD", 102, "2024-01-02T03:04:30.000000Z", "42010.00",
                "0.20");
    ws_server_drop(s); /* drop 1 */

    cr_assert(ws_server_wait_subscribes(s, 2, 5000), "no resubscribe after "
                                                     "drop 1");
    send_ticker(s, "BTC-USD", 103, "2024-01-02T03:04:59.999000Z", "41990.00",
                "0.05");
    send_ticker(s, "BTC-USD", 104, "2024-01-02T03:05:00.000000Z", "42005.00",
                "0.30");
    send_ticker(s, "ETH-USD", 502, "2024-01-02T03:05:20.123456Z", "2301.00",
                "2.0");
    ws_server_drop(s); /* drop 2 */

    cr_assert(ws_server_wait_subscribes(s, 3, 5000), "no resubscribe after "
                                                     "drop 2");
    send_ticker(s, "BTC-USD", 105, "2024-01-02T03:05:40.000000Z", "42020.00",
                "0.25");
    cr_assert(ws_server_wait_flushed(s, 5000));
    ws_server_silence(s); /* no heartbeats: stale_after must fire */

    cr_assert(ws_server_wait_subscribes(s, 4, 5000), "no resubscribe after "
                                                     "silence");
    send_ticker(s, "BTC-USD", 106, "2024-01-02T03:07:01.000000Z", "42030.00",
                "0.4");
    send_ticker(s, "ETH-USD", 503, "2024-01-02T03:07:02.000000Z", "2299.5",
                "0.5");

    perp_tick ticks[16];
    size_t n = cb_drain(vt, feed, ticks, 9, 10000);
    cr_assert_eq(n, 9, "received %zu of 9 ticks", n);
    /* Fields of the first tick, as sent. */
    cr_expect_str_eq(ticks[0].symbol, "BTC-USD");
    cr_expect_eq(ticks[0].ts, (T_0304 + 5) * 1000 + 250);
    cr_expect_eq(ticks[0].price, 42000.50);
    cr_expect_eq(ticks[0].bid, 42000.50);
    cr_expect_eq(ticks[0].bid_size, 0.5);
    cr_expect_eq(ticks[0].ask_size, 0.25);
    cr_expect_eq(ticks[0].volume_24h, 12345.67);
    cr_expect_eq(ticks[0].sequence, 101);
    /* µs are truncated to the millisecond: 03:05:20.123456 -> .123 */
    cr_expect_eq(ticks[5].ts, (T_0304 + 80) * 1000 + 123);

    perp_candle c[8], part;
    size_t k = build(ticks, n, "BTC-USD", c, 8, &part);
    cr_assert_eq(k, 3, "BTC closed %zu candles", k);
    /* 03:04: ticks 42000.50/0.10, 42010.00/0.20, 41990.00/0.05 */
    expect_candle(&c[0], T_0304, 42000.50, 42010.00, 41990.00, 41990.00,
                  0.10 + 0.20 + 0.05);
    /* 03:05: ticks 42005.00/0.30, 42020.00/0.25 */
    expect_candle(&c[1], T_0304 + 60, 42005.00, 42020.00, 42005.00, 42020.00,
                  0.30 + 0.25);
    /* 03:06: no trade -> last close, zero volume */
    expect_candle(&c[2], T_0304 + 120, 42020.00, 42020.00, 42020.00, 42020.00,
                  0);
    expect_candle(&part, T_0304 + 180, 42030.00, 42030.00, 42030.00, 42030.00,
                  0.4);

    k = build(ticks, n, "ETH-USD", c, 8, &part);
    cr_assert_eq(k, 3, "ETH closed %zu candles", k);
    expect_candle(&c[0], T_0304, 2300.25, 2300.25, 2300.25, 2300.25, 1.5);
    expect_candle(&c[1], T_0304 + 60, 2301.00, 2301.00, 2301.00, 2301.00, 2.0);
    expect_candle(&c[2], T_0304 + 120, 2301.00, 2301.00, 2301.00, 2301.00, 0);
    expect_candle(&part, T_0304 + 180, 2299.5, 2299.5, 2299.5, 2299.5, 0.5);

    perp_feed_status st;
    cr_assert_eq(vt->status(feed, &st), PERP_OK);
    cr_expect_eq(st.connected, 1);
    cr_expect_eq(st.reconnects, 3, "reconnects %llu",
                 (unsigned long long)st.reconnects);
    cr_expect_eq(st.gaps, 0);
    cr_expect_eq(st.malformed, 0);
    cr_expect_gt(st.last_message_ts, 0);
    cr_expect_eq(ws_server_connections(s), 4);
    cr_expect_eq(ws_server_bad_subscribes(s), 0);

    vt->destroy(feed);
    plugin_env_free(&env);
    ws_server_stop(s);
}

Test(coinbase_feed, sequence_gaps_counted_and_late_ticks_dropped)
{
    ws_server *s = start_server();
    plugin_env env;
    void *feed = create_feed(&env, ws_server_port(s), "");
    cr_assert(ws_server_wait_subscribes(s, 1, 5000));
    const char *t = "2024-01-02T03:04:05.000000Z";
    send_ticker(s, "BTC-USD", 1, t, "100", "1");
    send_ticker(s, "BTC-USD", 2, t, "101", "1");
    send_ticker(s, "BTC-USD", 5, t, "102", "1"); /* 3 and 4 missed: 1 gap */
    send_ticker(s, "BTC-USD", 4, t, "103", "1"); /* late: dropped */
    send_ticker(s, "ETH-USD", 7, t, "104", "1"); /* own sequence space */
    perp_tick ticks[8];
    size_t n = cb_drain(cb_vt(), feed, ticks, 5, 1500);
    cr_assert_eq(n, 4, "expected 4 ticks (one late), got %zu", n);
    cr_expect_eq(ticks[2].price, 102);
    cr_expect_str_eq(ticks[3].symbol, "ETH-USD");
    perp_feed_status st;
    cb_vt()->status(feed, &st);
    cr_expect_eq(st.gaps, 1);
    cr_expect_eq(st.late, 1);
    cb_vt()->destroy(feed);
    plugin_env_free(&env);
    ws_server_stop(s);
}

Test(coinbase_feed, malformed_messages_counted_logged_never_fatal)
{
    ws_server *s = start_server();
    plugin_env env;
    void *feed = create_feed(&env, ws_server_port(s), "");
    cr_assert(ws_server_wait_subscribes(s, 1, 5000));
    stderr_capture_begin();
    /* 1 MB first (the log shows the first five): well-formed JSON, far
     * over max_message. */
    size_t big_n = 1 << 20;
    char *big = malloc(big_n);
    memset(big, 'x', big_n);
    memcpy(big, "{\"type\":\"ticker\",\"pad\":\"", 24);
    memcpy(big + big_n - 2, "\"}", 2);
    ws_server_send(s, big, big_n);
    free(big);
    static const char *const bad[] = {
        "{\"type\":\"ticker\",\"sequence\":1,\"product_id\":\"BTC-US", /* cut */
        "{\"type\":\"ticker\",\"product_id\":\"DOGE-EUR\",\"price\":\"1\","
        "\"time\":\"2024-01-02T03:04:05Z\"}", /* unknown product */
        "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":true,"
        "\"time\":\"2024-01-02T03:04:05Z\"}", /* price not a number */
        "{\"type\":\"ticker\",\"product_id\":42,\"price\":\"1\","
        "\"time\":\"2024-01-02T03:04:05Z\"}", /* product not a string */
        "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"1\","
        "\"time\":\"yesterday\"}", /* time */
        "[1,2,3]",                 /* not an object */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ws_server_send(s, bad[i], strlen(bad[i]));
    static const char err[] = "{\"type\":\"error\",\"message\":\"Failed to "
                              "subscribe\",\"reason\":\"BTC-XYZ is not a "
                              "valid product\"}";
    ws_server_send(s, err, strlen(err));
    send_ticker(s, "BTC-USD", 9, "2024-01-02T03:04:05.000000Z", "42000", "0.1");
    perp_tick t;
    size_t n = cb_drain(cb_vt(), feed, &t, 1, 5000);
    char *log = stderr_capture_end();
    cr_assert_eq(n, 1, "the valid ticker after the garbage never arrived");
    cr_expect_eq(t.price, 42000);
    perp_feed_status st;
    cb_vt()->status(feed, &st);
    cr_expect_eq(st.malformed, 7, "malformed %llu",
                 (unsigned long long)st.malformed);
    cr_expect_eq(st.reconnects, 0, "garbage must not cost the connection");
    cr_expect_eq(st.connected, 1);
    cr_expect(strstr(log, "malformed message ignored"), "log: %s", log);
    cr_expect(strstr(log, "unknown product 'DOGE-EUR'"), "log: %s", log);
    cr_expect(strstr(log, "1048576 bytes over max_message"), "log: %s", log);
    cr_expect(strstr(log, "server error: Failed to subscribe: BTC-XYZ"),
              "log: %s", log);
    free(log);
    cb_vt()->destroy(feed);
    plugin_env_free(&env);
    ws_server_stop(s);
}

Test(coinbase_feed, products_default_to_the_agent_symbols)
{
    ws_server *s = start_server(); /* expects exactly BTC-USD, ETH-USD */
    char yaml[256];
    snprintf(yaml, sizeof yaml,
             "plugin: coinbase\nurl: ws://127.0.0.1:%d\nbackoff_min: 20ms\n",
             ws_server_port(s));
    plugin_env env;
    cr_assert_eq(plugin_env_init(&env, yaml, PRODUCTS, 2), 0);
    void *feed = NULL;
    cr_assert_eq(plugin_env_create(&env, perp_plugin_entry(), &feed), PERP_OK);
    cb_start(feed);
    cr_expect(ws_server_wait_subscribes(s, 1, 5000));
    cr_expect_eq(ws_server_bad_subscribes(s), 0);
    cb_vt()->destroy(feed);
    plugin_env_free(&env);
    ws_server_stop(s);
}

/* A port nobody listens on: bind to an ephemeral one, then close it. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

Test(coinbase_feed, offline_logs_one_line_per_attempt_and_keeps_trying)
{
    int port = closed_port();
    plugin_env env;
    stderr_capture_begin();
    void *feed = create_feed(&env, port, "");
    perp_event ev;
    for (int i = 0; i < 8; i++)
        cr_assert_eq(cb_vt()->next(feed, &ev, 50), PERP_AGAIN);
    perp_feed_status st;
    cb_vt()->status(feed, &st);
    cb_vt()->destroy(feed);
    char *log = stderr_capture_end();
    char want[64];
    snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%d (", port);
    cr_expect(strstr(log, want), "log: %s", log);
    cr_expect(strstr(log, "), retry 1 in "), "log: %s", log);
    cr_expect(strstr(log, "), retry 2 in "), "log: %s", log);
    cr_expect_eq(st.connected, 0);
    cr_expect_geq(st.reconnects, 2);
    cr_expect_neq(st.detail[0], '\0');
    free(log);
    plugin_env_free(&env);
}

Test(coinbase_feed, bad_config_is_refused_with_a_clear_error)
{
    static const char *const cases[] = {
        "plugin: coinbase\nurl: http://example.com\n",
        "plugin: coinbase\nstale_after: -1s\n",
        "plugin: coinbase\nbackoff_min: 10s\nbackoff_max: 1s\n",
        "plugin: coinbase\nproducts: []\n",
        "plugin: coinbase\nchannels: [level2]\n",
        "plugin: coinbase\nrest_url: ftp://example.com\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plugin_env env;
        cr_assert_eq(plugin_env_init(&env, cases[i], PRODUCTS, 2), 0);
        void *feed = (void *)1;
        stderr_capture_begin();
        int rc = plugin_env_create(&env, perp_plugin_entry(), &feed);
        char *log = stderr_capture_end();
        cr_expect_neq(rc, PERP_OK, "case %zu accepted", i);
        cr_expect_null(feed);
        cr_expect_neq(log[0], '\0', "case %zu: no error logged", i);
        free(log);
        plugin_env_free(&env);
    }
}
