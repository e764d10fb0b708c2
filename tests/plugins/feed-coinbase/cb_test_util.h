/*
 * cb_test_util.h — shared by feed-coinbase's tests: Coinbase ticker text
 * in the documented format, the plugin's vtable, and draining ticks.
 * Header-only (static) because tests/plugins/<dir>/ compiles each test
 * file on its own.
 */
#ifndef CB_TEST_UTIL_H
#define CB_TEST_UTIL_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <perp/sdk.h>

const perp_plugin_descriptor *perp_plugin_entry(void);

static inline const perp_feed_vtable *cb_vt(void)
{
    return perp_plugin_entry()->vtable;
}

/* The WebSocket connects at the first next(), as the host's loop makes
 * it: a test that waits for the connection first calls this. */
static inline void cb_start(void *feed)
{
    perp_event ev;
    cb_vt()->next(feed, &ev, 0);
}

/* A ticker as ws-feed.exchange.coinbase.com sends it (all numbers are
 * strings except sequence and trade_id). time: RFC 3339 with µs. */
static inline int cb_ticker_json(char *out, size_t len, const char *product,
                                 long long seq, const char *time,
                                 const char *price, const char *size)
{
    return snprintf(
        out, len,
        "{\"type\":\"ticker\",\"sequence\":%lld,\"product_id\":\"%s\","
        "\"price\":\"%s\",\"open_24h\":\"1.0\",\"volume_24h\":\"12345.67\","
        "\"low_24h\":\"1.0\",\"high_24h\":\"99999.0\",\"volume_30d\":"
        "\"400000.0\",\"best_bid\":\"%s\",\"best_bid_size\":\"0.5\","
        "\"best_ask\":\"%s\",\"best_ask_size\":\"0.25\",\"side\":\"buy\","
        "\"time\":\"%s\",\"trade_id\":%lld,\"last_size\":\"%s\"}",
        seq, product, price, price, price, time, seq * 10, size);
}

/* Pops ticks until `want` arrived or deadline_ms passed; returns count. */
static inline size_t cb_drain(const perp_feed_vtable *vt, void *feed,
                              perp_tick *out, size_t want, int deadline_ms)
{
    size_t n = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (n < want) {
        perp_event ev;
        if (vt->next(feed, &ev, 50) == PERP_OK && ev.type == PERP_EV_TICK)
            out[n++] = ev.u.tick;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >
            deadline_ms)
            break;
    }
    return n;
}

#endif
