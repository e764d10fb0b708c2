/*
 * test_hl_market.c — feed-hyperliquid-market against a loopback
 * WebSocket server speaking Hyperliquid's protocol (ws_server.c with a
 * frame handler here: subscriptionResponse, pong) and the emulated REST
 * API (hl_server.c): subscriptions per coin, bbo as ticks, 1m bars
 * emitted when they close (by the next bar or by time), pings, reconnect
 * after a drop and after silence, backfill from candleSnapshot (6h summed
 * from 2h bars), and funding rates from metaAndAssetCtxs.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hl_server.h"
#include "plugin_env.h"
#include "ws_server.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

static const char *const SYMBOLS[] = {"BTC-USD", "ETH-USD"};

static const perp_feed_vtable *vt(void)
{
    return perp_plugin_entry()->vtable;
}

typedef struct venue {
    atomic_int pings;
    char subs[16][160];
    atomic_int n_subs;
} venue;

/* Hyperliquid's side of the socket. */
static int on_frame(void *ud, const char *text, size_t len, char **reply)
{
    venue *v = ud;
    json_t *m = json_loadb(text, len, 0, NULL);
    const char *method = json_string_value(json_object_get(m, "method"));
    int rc = -1;
    if (method && strcmp(method, "ping") == 0) {
        atomic_fetch_add(&v->pings, 1);
        *reply = strdup("{\"channel\":\"pong\"}");
        rc = 0;
    } else if (method && strcmp(method, "subscribe") == 0) {
        json_t *sub = json_object_get(m, "subscription");
        char *t = json_dumps(sub, JSON_COMPACT | JSON_SORT_KEYS);
        int i = atomic_fetch_add(&v->n_subs, 1);
        if (i < 16)
            snprintf(v->subs[i], sizeof v->subs[i], "%s", t);
        json_t *r =
            json_pack("{s:s, s:{s:s, s:O}}", "channel", "subscriptionResponse",
                      "data", "method", "subscribe", "subscription", sub);
        *reply = json_dumps(r, JSON_COMPACT);
        json_decref(r);
        free(t);
        rc = 1;
    }
    json_decref(m);
    return rc;
}

static ws_server *start_ws(venue *v)
{
    ws_server_opts o = {.on_frame = on_frame, .frame_ud = v};
    ws_server *s = ws_server_start(&o);
    cr_assert_not_null(s);
    return s;
}

static void *create_feed(plugin_env *env, ws_server *ws, hl_server *rest,
                         const char *extra)
{
    char yaml[1024], url[64] = "http://127.0.0.1:9";
    if (rest)
        hl_server_base_url(rest, url, sizeof url);
    snprintf(yaml, sizeof yaml,
             "plugin: hyperliquid-market\nurl: %s\n"
             "ws_url: ws://127.0.0.1:%d/ws\nstale_after: 400ms\n"
             "backoff_min: 20ms\nbackoff_max: 100ms\nping_every: 50ms\n%s",
             url, ws ? ws_server_port(ws) : 9, extra ? extra : "");
    cr_assert_eq(plugin_env_init(env, yaml, SYMBOLS, 2), 0);
    void *f = NULL;
    cr_assert_eq(plugin_env_create(env, perp_plugin_entry(), &f), PERP_OK);
    if (ws) { /* the first next() starts the connection */
        perp_event ev;
        cr_assert_neq(vt()->next(f, &ev, 1), PERP_ERR);
    }
    return f;
}

static int next_event(void *f, perp_event *ev, perp_event_type want,
                      int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        memset(ev, 0, sizeof *ev);
        if (vt()->next(f, ev, 20) == PERP_OK && ev->type == want)
            return 1;
    }
    return 0;
}

static void send(ws_server *s, const char *text)
{
    ws_server_send(s, text, strlen(text));
}

static void candle_json(char *out, size_t len, const char *coin, long long t,
                        const char *o, const char *h, const char *l,
                        const char *c, const char *v)
{
    snprintf(out, len,
             "{\"channel\":\"candle\",\"data\":{\"t\":%lld,\"T\":%lld,"
             "\"s\":\"%s\",\"i\":\"1m\",\"o\":\"%s\",\"c\":\"%s\",\"h\":"
             "\"%s\",\"l\":\"%s\",\"v\":\"%s\",\"n\":12}}",
             t, t + 59999, coin, o, c, h, l, v);
}

Test(hl_market, subscribes_ticks_bars_pings_and_reconnects)
{
    venue v = {0};
    ws_server *ws = start_ws(&v);
    plugin_env env;
    void *f = create_feed(&env, ws, NULL, "funding_every: 0s\n");
    cr_assert(ws_server_wait_subscribes(ws, 4, 3000), "bbo + candle x 2");
    int bbo = 0, candle = 0;
    for (int i = 0; i < 4; i++) {
        bbo += strstr(v.subs[i], "\"type\":\"bbo\"") != NULL;
        candle += strstr(v.subs[i], "\"interval\":\"1m\"") != NULL &&
                  strstr(v.subs[i], "\"type\":\"candle\"") != NULL;
    }
    cr_expect_eq(bbo, 2);
    cr_expect_eq(candle, 2);

    send(ws, "{\"channel\":\"bbo\",\"data\":{\"coin\":\"ETH\",\"time\":"
             "1735689600123,\"bbo\":[{\"px\":\"3000.5\",\"sz\":\"12.3\","
             "\"n\":4},{\"px\":\"3001\",\"sz\":\"0.7\",\"n\":1}]}}");
    perp_event ev;
    cr_assert(next_event(f, &ev, PERP_EV_TICK, 2000));
    cr_expect_str_eq(ev.u.tick.symbol, "ETH-USD");
    cr_expect_eq(ev.ts, 1735689600123);
    cr_expect_eq(ev.u.tick.bid, 3000.5);
    cr_expect_eq(ev.u.tick.ask, 3001);
    cr_expect_eq(ev.u.tick.bid_size, 12.3);
    cr_expect_eq(ev.u.tick.ask_size, 0.7);
    cr_expect(isnan(ev.u.tick.price), "no trade price from a bbo");

    /* Two updates of the current minute's bar, then the next minute's bar
     * opens: the first bar is emitted once, as its last update said, at
     * its close. A bar of the past would close by time (2 s of grace)
     * between its two updates on a loaded machine. */
    long long t0 = (long long)time(NULL) / 60 * 60000LL;
    char c[512];
    candle_json(c, sizeof c, "BTC", t0, "95000", "95100", "94900", "95050",
                "1.5");
    send(ws, c);
    candle_json(c, sizeof c, "BTC", t0, "95000", "95200", "94800", "95150",
                "2.25");
    send(ws, c);
    candle_json(c, sizeof c, "BTC", t0 + 60000, "95150", "95150", "95150",
                "95150", "0.01");
    send(ws, c);
    cr_assert(next_event(f, &ev, PERP_EV_CANDLE, 2000));
    cr_expect_str_eq(ev.u.candle.symbol, "BTC-USD");
    cr_expect_eq(ev.u.candle.ts, t0);
    cr_expect_eq(ev.ts, t0 + 60000);
    cr_expect_eq(ev.u.candle.interval_ms, 60000);
    cr_expect_eq(ev.u.candle.open, 95000);
    cr_expect_eq(ev.u.candle.high, 95200);
    cr_expect_eq(ev.u.candle.low, 94800);
    cr_expect_eq(ev.u.candle.close, 95150);
    cr_expect_eq(ev.u.candle.volume, 2.25);
    /* A bar of 2025 is long past: it closes by time (2 s of grace), with
     * no next bar; the next BTC bar is still open. */
    long long past = 1735689660000LL;
    candle_json(c, sizeof c, "ETH", past, "3000", "3001", "2999", "3000.5",
                "0.01");
    send(ws, c);
    cr_assert(next_event(f, &ev, PERP_EV_CANDLE, 2000));
    cr_expect_str_eq(ev.u.candle.symbol, "ETH-USD");
    cr_expect_eq(ev.u.candle.ts, past);
    cr_expect_eq(ev.u.candle.volume, 0.01);
    cr_expect(!next_event(f, &ev, PERP_EV_CANDLE, 200), "each bar once");

    /* Pings every 50ms, each answered. */
    usleep(300000);
    cr_expect_geq(atomic_load(&v.pings), 3);

    /* A drop: reconnect and subscribe again. */
    ws_server_drop(ws);
    cr_assert(ws_server_wait_subscribes(ws, 8, 3000), "resubscribed");
    /* Silence longer than stale_after: pongs stop, so it reconnects. */
    int conns = ws_server_connections(ws);
    ws_server_stop(ws); /* no server at all: attempts with backoff */
    usleep(500000);
    perp_feed_status st;
    cr_assert_eq(vt()->status(f, &st), PERP_OK);
    cr_expect_eq(st.connected, 0);
    cr_expect_gt(st.reconnects, 1u);
    cr_expect(st.detail[0] != '\0', "says why");
    cr_expect_geq(conns, 2);
    cr_expect_gt(st.messages, 8u);
    vt()->destroy(f);
    plugin_env_free(&env);
}

Test(hl_market, backfill_from_candle_snapshot)
{
    hl_server_opts o = {.account = "0x00", .signer = "0x00"};
    hl_server *rest = hl_server_start(&o);
    cr_assert_not_null(rest);
    venue v = {0};
    ws_server *ws = start_ws(&v);
    plugin_env env;
    void *f = create_feed(&env, ws, rest, "funding_every: 0s\n");
    /* 1m bars of ten minutes two days ago: the exchange's own. */
    int64_t now = (int64_t)time(NULL) * 1000;
    int64_t from = (now - 2 * 86400000LL) / 60000 * 60000;
    perp_candle out[64];
    size_t n = 0;
    cr_assert_eq(
        vt()->backfill(f, "ETH-USD", 60000, from, from + 600000, out, 64, &n),
        PERP_OK);
    cr_assert_eq(n, 10u);
    for (size_t i = 0; i < n; i++) {
        double want[5];
        hl_server_candle("ETH", from + (int64_t)i * 60000, 60000, want);
        cr_expect_eq(out[i].ts, from + (int64_t)i * 60000);
        cr_expect_str_eq(out[i].symbol, "ETH-USD");
        cr_expect_float_eq(out[i].close, want[3], 1e-8 * want[3]);
        cr_expect_float_eq(out[i].volume, want[4], 1e-8);
    }
    /* 6h is not served: three 2h bars each, summed. */
    int64_t d0 = (now - 3 * 86400000LL) / 86400000 * 86400000;
    cr_assert_eq(
        vt()->backfill(f, "BTC-USD", 21600000, d0, d0 + 86400000, out, 64, &n),
        PERP_OK);
    cr_assert_eq(n, 4u);
    for (size_t k = 0; k < 4; k++) {
        double a[5], b[5], c[5];
        int64_t t = d0 + (int64_t)k * 21600000;
        hl_server_candle("BTC", t, 7200000, a);
        hl_server_candle("BTC", t + 7200000, 7200000, b);
        hl_server_candle("BTC", t + 14400000, 7200000, c);
        cr_expect_eq(out[k].ts, t);
        cr_expect_eq(out[k].interval_ms, 21600000);
        cr_expect_float_eq(out[k].open, a[0], 1e-8 * a[0]);
        cr_expect_float_eq(out[k].close, c[3], 1e-8 * c[3]);
        cr_expect_float_eq(out[k].high, fmax(a[1], fmax(b[1], c[1])),
                           1e-8 * a[1]);
        cr_expect_float_eq(out[k].low, fmin(a[2], fmin(b[2], c[2])),
                           1e-8 * a[2]);
        cr_expect_float_eq(out[k].volume, a[4] + b[4] + c[4], 1e-8);
    }
    /* The bar still open now is not history yet. */
    int64_t open_now = now / 60000 * 60000;
    cr_assert_eq(vt()->backfill(f, "BTC-USD", 60000, open_now - 120000,
                                open_now + 60000, out, 64, &n),
                 PERP_OK);
    cr_expect_eq(n, 2u);
    /* 7m is seven 1m bars; 90s is no sum of served bars. */
    cr_expect_eq(vt()->backfill(f, "BTC-USD", 7 * 60000, from, from + 420000,
                                out, 64, &n),
                 PERP_OK);
    cr_expect_eq(n, 1u);
    cr_expect_eq(
        vt()->backfill(f, "BTC-USD", 90000, from, from + 90000, out, 64, &n),
        PERP_EUNSUPPORTED);
    vt()->destroy(f);
    plugin_env_free(&env);
    ws_server_stop(ws);
    hl_server_stop(rest);
}

Test(hl_market, funding_rates_from_meta_and_asset_ctxs)
{
    hl_server_opts o = {.account = "0x00", .signer = "0x00"};
    hl_server *rest = hl_server_start(&o);
    cr_assert_not_null(rest);
    hl_server_add_coin(rest, "SOL", 2, 20, 150);
    hl_server_add_coin(rest, "ETH", 4, 25, 3000);
    hl_server_add_coin(rest, "BTC", 5, 40, 95000);
    hl_server_set_funding(rest, "ETH", -0.0000051);
    hl_server_set_funding(rest, "BTC", 0.0000125);
    venue v = {0};
    ws_server *ws = start_ws(&v);
    plugin_env env;
    void *f = create_feed(&env, ws, rest, "funding_every: 100ms\n");
    int seen_btc = 0, seen_eth = 0;
    perp_event ev;
    for (int i = 0; i < 4 && next_event(f, &ev, PERP_EV_FUNDING, 2000); i++) {
        if (strcmp(ev.u.funding.symbol, "BTC-USD") == 0) {
            seen_btc++;
            cr_expect_eq(ev.u.funding.rate_1h, 0.0000125);
        } else {
            cr_expect_str_eq(ev.u.funding.symbol, "ETH-USD");
            cr_expect_eq(ev.u.funding.rate_1h, -0.0000051);
            seen_eth++;
        }
        cr_expect_gt(ev.ts, 0);
    }
    cr_expect_geq(seen_btc, 1);
    cr_expect_geq(seen_eth, 1);
    vt()->destroy(f);
    plugin_env_free(&env);
    ws_server_stop(ws);
    hl_server_stop(rest);
}
