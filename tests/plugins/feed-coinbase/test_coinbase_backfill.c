/*
 * test_coinbase_backfill.c — feed-coinbase's backfill (ABI 1.2) against a
 * local stand-in for Coinbase's REST candles endpoint
 * (tests/support/candles_server.c): a range is paged at <= 300 buckets a
 * request, a 429 and a 500 are retried, and the candles returned are the
 * venue's rows exactly (no-trade buckets absent, ascending); an interval
 * Coinbase does not serve, an empty range and bad requests ask nothing of
 * the venue; the host's stop request ends a Retry-After wait at once; and
 * an instance used only for backfill never opens its WebSocket.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "candles_server.h"
#include "cb_test_util.h"
#include "plugin_env.h"
#include "stderr_capture.h"
#include "ws_server.h"

static const char *const PRODUCTS[] = {"BTC-USD"};

/* 2024-01-01T00:00:00Z, ms. */
#define JAN1_MS 1704067200000LL
#define MIN     60000LL

typedef struct fixture {
    candles_server *rest;
    ws_server *ws;
    plugin_env env;
    void *feed;
} fixture;

static void open_feed(fixture *f, const candles_server_opts *o)
{
    memset(f, 0, sizeof *f);
    f->rest = candles_server_start(o);
    cr_assert_not_null(f->rest);
    ws_server_opts wo = {
        .products = PRODUCTS, .n_products = 1, .heartbeat_ms = 100};
    f->ws = ws_server_start(&wo);
    cr_assert_not_null(f->ws);
    char base[64], yaml[512];
    candles_server_base_url(f->rest, base, sizeof base);
    snprintf(yaml, sizeof yaml,
             "plugin: coinbase\nurl: ws://127.0.0.1:%d/\nrest_url: %s/\n",
             ws_server_port(f->ws), base);
    cr_assert_eq(plugin_env_init(&f->env, yaml, PRODUCTS, 1), 0);
    cr_assert_eq(plugin_env_create(&f->env, perp_plugin_entry(), &f->feed),
                 PERP_OK);
}

static void close_feed(fixture *f)
{
    cb_vt()->destroy(f->feed);
    plugin_env_free(&f->env);
    ws_server_stop(f->ws);
    candles_server_stop(f->rest);
}

Test(coinbase_backfill, pages_retries_and_returns_the_venue_rows)
{
    fixture f;
    candles_server_opts o = {
        .products = "BTC-USD", .fail_429_at = 2, .fail_500_at = 4};
    open_feed(&f, &o);
    size_t cap = 720, n = 0;
    perp_candle *c = calloc(cap, sizeof *c);
    stderr_capture_begin();
    int rc = cb_vt()->backfill(f.feed, "BTC-USD", MIN, JAN1_MS,
                               JAN1_MS + 720 * MIN, c, cap, &n);
    char *log = stderr_capture_end();
    cr_assert_eq(rc, PERP_OK, "%s", log);
    /* 720 buckets = 300 + 300 + 120: 3 requests, plus the 429 and the
     * 500 retried. */
    cr_expect_eq(candles_server_requests(f.rest), 5);
    cr_expect_leq(candles_server_max_rows(f.rest), 300);
    cr_expect_eq(candles_server_over_limit(f.rest), 0);
    cr_expect(strstr(log, "HTTP 429") && strstr(log, "HTTP 500"), "%s", log);
    size_t k = 0;
    for (int64_t t = JAN1_MS; t < JAN1_MS + 720 * MIN; t += MIN) {
        double v[5];
        if (!candles_server_row("BTC-USD", t / 1000, 60, v))
            continue; /* no trade: absent, the host fills it */
        cr_assert_lt(k, n);
        cr_assert_eq(c[k].ts, t, "row %zu", k);
        cr_expect_eq(c[k].interval_ms, MIN);
        cr_expect_str_eq(c[k].symbol, "BTC-USD");
        cr_expect(c[k].open == v[0] && c[k].high == v[1] && c[k].low == v[2] &&
                      c[k].close == v[3] && c[k].volume == v[4],
                  "row %zu differs from the venue's", k);
        k++;
    }
    cr_expect_eq(k, n, "%zu rows, the venue has %zu", n, k);
    cr_expect_eq(ws_server_connections(f.ws), 0,
                 "backfill alone opened the WebSocket");
    free(log);
    free(c);
    close_feed(&f);
}

Test(coinbase_backfill, unserved_intervals_and_bad_requests_ask_nothing)
{
    fixture f;
    candles_server_opts o = {.products = "BTC-USD"};
    open_feed(&f, &o);
    perp_candle c[8];
    size_t n = 99;
    const perp_feed_vtable *vt = cb_vt();
    cr_expect_eq(
        vt->backfill(f.feed, "BTC-USD", 120000, JAN1_MS, JAN1_MS, c, 8, &n),
        PERP_EUNSUPPORTED);
    cr_expect_eq(n, 0);
    cr_expect_eq(
        vt->backfill(f.feed, "BTC-USD", MIN, JAN1_MS, JAN1_MS, c, 0, &n),
        PERP_OK, "an empty range only asks if the interval is served");
    stderr_capture_begin();
    cr_expect_eq(vt->backfill(f.feed, "BTC-USD", MIN, JAN1_MS,
                              JAN1_MS + 9 * MIN, c, 8, &n),
                 PERP_EINVAL, "9 buckets do not fit 8");
    cr_expect_eq(vt->backfill(f.feed, "BTC-USD", MIN, JAN1_MS + 1000,
                              JAN1_MS + 5 * MIN, c, 8, &n),
                 PERP_EINVAL, "off the grid");
    free(stderr_capture_end());
    cr_expect_eq(candles_server_requests(f.rest), 0);
    close_feed(&f);
}

static atomic_int stop_flag;

static void *stop_later(void *arg)
{
    (void)arg;
    usleep(300000);
    atomic_store(&stop_flag, 1);
    return NULL;
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Retry-After: 60 on every answer; the host's stop request (SIGINT in
 * perpd) arrives 300 ms into the wait and ends it within 100 ms. */
Test(coinbase_backfill, a_stop_ends_a_retry_after_wait_at_once)
{
    fixture f;
    candles_server_opts o = {
        .products = "BTC-USD", .always_429 = 1, .retry_after = "60"};
    open_feed(&f, &o);
    atomic_store(&stop_flag, 0);
    f.env.ctx.stop = &stop_flag; /* the host table reads it through ctx */
    perp_candle c[16];
    size_t n = 0;
    pthread_t th;
    pthread_create(&th, NULL, stop_later, NULL);
    int64_t t0 = mono_ms();
    stderr_capture_begin();
    int rc = cb_vt()->backfill(f.feed, "BTC-USD", MIN, JAN1_MS,
                               JAN1_MS + 10 * MIN, c, 16, &n);
    char *log = stderr_capture_end();
    int64_t took = mono_ms() - t0;
    pthread_join(th, NULL);
    cr_expect_eq(rc, PERP_ERR);
    cr_expect_lt(took, 1500, "took %lld ms", (long long)took);
    cr_expect(strstr(log, "retry 1 of 5 in 60.0s; if the server keeps "
                          "answering so, 300.0s of waiting in all"),
              "%s", log);
    cr_expect(strstr(log, ": stopped"), "%s", log);
    cr_expect_eq(candles_server_requests(f.rest), 1);
    free(log);
    f.env.ctx.stop = NULL;
    close_feed(&f);
}
