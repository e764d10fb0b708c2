/*
 * test_market_backfill.c — the host's side of a feed's backfill
 * (host/market_backfill.h) against a scripted feed vtable: the ranges
 * asked (chunked, on the grid), the newest closed candles with the gaps a
 * venue leaves filled by the previous close, candles the replay feed
 * refuses dropped and said, an unsupported interval passed through, and
 * a feed built for 1.1 (no backfill member) recognised as unable.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market_backfill.h"

#define MIN 60000LL
/* 2024-01-01T10:00:00Z, ms. */
#define T10 (1704067200000LL + 10 * 3600000LL)

/* The scripted venue: every minute has a candle (close = 100 + minute
 * index mod 50) except the minutes in `missing`; `bad` minutes carry a
 * zero price instead; and each answer may add one row 7 s off the grid. */
typedef struct script {
    int64_t missing[8];
    size_t n_missing;
    int64_t bad[8];
    size_t n_bad;
    int off_grid;
    int unsupported;
    /* what was asked */
    int calls;
    int64_t from[16], to[16];
    size_t cap[16];
} script;

static script sc;

static int listed(const int64_t *v, size_t n, int64_t t)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == t)
            return 1;
    return 0;
}

static double close_at(int64_t t)
{
    return 100.0 + (double)((t / MIN) % 50);
}

static perp_status fake_backfill(void *self, const char *symbol,
                                 int64_t interval_ms, int64_t from_ms,
                                 int64_t to_ms, perp_candle *out, size_t cap,
                                 size_t *n)
{
    (void)self;
    *n = 0;
    if (sc.unsupported)
        return PERP_EUNSUPPORTED;
    if (sc.calls < 16) {
        sc.from[sc.calls] = from_ms;
        sc.to[sc.calls] = to_ms;
        sc.cap[sc.calls] = cap;
    }
    sc.calls++;
    for (int64_t t = from_ms; t < to_ms && *n < cap; t += interval_ms) {
        if (listed(sc.missing, sc.n_missing, t))
            continue;
        perp_candle *c = &out[(*n)++];
        memset(c, 0, sizeof *c);
        c->ts = t;
        c->interval_ms = interval_ms;
        snprintf(c->symbol, sizeof c->symbol, "%s", symbol);
        c->close = close_at(t);
        c->open = c->close - 0.5;
        c->high = c->close + 1;
        c->low = c->open - 1;
        c->volume = 2;
        if (listed(sc.bad, sc.n_bad, t))
            c->open = 0;
        if (sc.off_grid && t == from_ms && *n < cap) {
            out[*n] = *c;
            out[*n].ts = t + 7000;
            out[*n].open = c->close;
            (*n)++;
        }
    }
    return PERP_OK;
}

static perp_status no_create(const perp_host *h, const perp_config_node *n,
                             void **s)
{
    (void)h, (void)n, (void)s;
    return PERP_ERR;
}
static void no_destroy(void *s)
{
    (void)s;
}
static perp_status no_next(void *s, perp_event *ev, int t)
{
    (void)s, (void)ev, (void)t;
    return PERP_EOF;
}

static const perp_feed_vtable feed = {
    .struct_size = sizeof(perp_feed_vtable),
    .create = no_create,
    .destroy = no_destroy,
    .next = no_next,
    .backfill = fake_backfill,
};

Test(market_backfill, recent_candles_are_the_newest_closed_ones_gap_filled)
{
    memset(&sc, 0, sizeof sc);
    /* 09:57 and 09:58 have no trade; now 10:00:30: the last closed
     * minute opened 09:59. */
    sc.missing[sc.n_missing++] = T10 - 3 * MIN;
    sc.missing[sc.n_missing++] = T10 - 2 * MIN;
    perp_candle *c = NULL;
    size_t n = 0;
    host_backfill_drops d;
    memset(&d, 0, sizeof d);
    cr_assert_eq(host_backfill_recent(&feed, NULL, "SOL-USD", MIN, 22,
                                      T10 + 30000, &c, &n, &d),
                 PERP_OK);
    cr_assert_eq(sc.calls, 1);
    cr_expect_eq(sc.from[0], T10 - 22 * MIN, "asked from %lld",
                 (long long)sc.from[0]);
    cr_expect_eq(sc.to[0], T10);
    cr_assert_eq(n, 22);
    for (size_t i = 0; i < n; i++) {
        int64_t t = T10 - (int64_t)(22 - i) * MIN;
        cr_expect_eq(c[i].ts, t, "candle %zu", i);
        cr_expect_eq(c[i].interval_ms, MIN);
        cr_expect_str_eq(c[i].symbol, "SOL-USD");
        if (listed(sc.missing, sc.n_missing, t)) {
            /* No trade: the previous close, flat, zero volume. */
            cr_expect_eq(c[i].close, c[i - 1].close);
            cr_expect_eq(c[i].open, c[i - 1].close);
            cr_expect_eq(c[i].high, c[i - 1].close);
            cr_expect_eq(c[i].low, c[i - 1].close);
            cr_expect_eq(c[i].volume, 0);
        } else {
            cr_expect_eq(c[i].close, close_at(t));
            cr_expect_eq(c[i].volume, 2);
        }
    }
    cr_expect_eq(c[19].close, close_at(T10 - 4 * MIN)); /* 09:57 filled */
    cr_expect_eq(d.total, 0);
    free(c);
}

/* A zero price and a row off the minute grid are dropped and counted; a
 * dropped bucket is then filled like a missing one, and the candles
 * after it are the venue's. */
Test(market_backfill, refused_rows_are_dropped_counted_and_said)
{
    memset(&sc, 0, sizeof sc);
    sc.bad[sc.n_bad++] = T10 - 5 * MIN;
    sc.off_grid = 1;
    perp_candle *c = NULL;
    size_t n = 0;
    host_backfill_drops d;
    memset(&d, 0, sizeof d);
    cr_assert_eq(host_backfill_recent(&feed, NULL, "SOL-USD", MIN, 10,
                                      T10 + 30000, &c, &n, &d),
                 PERP_OK);
    cr_assert_eq(n, 10);
    cr_expect_eq(d.count[PERP_CANDLE_PRICE], 1);
    cr_expect_eq(d.first_ts_s[PERP_CANDLE_PRICE], (T10 - 5 * MIN) / 1000);
    cr_expect_eq(d.count[PERP_CANDLE_OFF_GRID], 1);
    cr_expect_eq(d.total, 2);
    cr_expect_eq(c[5].ts, T10 - 5 * MIN);
    cr_expect_eq(c[5].volume, 0, "the bad bucket is a fill");
    cr_expect_eq(c[6].close, close_at(T10 - 4 * MIN));
    char text[512];
    host_backfill_drops_text(&d, text, sizeof text);
    char want[256];
    snprintf(want, sizeof want,
             "2 rows the replay feed refuses were dropped: 1 ts not aligned "
             "to the replay interval (first ts %lld), 1 prices must be "
             "positive (first ts %lld)",
             (long long)((T10 - 10 * MIN) / 1000 + 7),
             (long long)((T10 - 5 * MIN) / 1000));
    cr_expect_str_eq(text, want);
    free(c);
}

/* A long range goes to the feed in chunks of at most `chunk` buckets,
 * each on the grid and given room for more rows than buckets. */
Test(market_backfill, ranges_are_asked_in_chunks)
{
    memset(&sc, 0, sizeof sc);
    perp_candle *c = NULL;
    size_t n = 0;
    cr_assert_eq(host_backfill_range(&feed, NULL, "BTC-USD", MIN,
                                     T10 - 250 * MIN, T10, 100, NULL, NULL, &c,
                                     &n, NULL),
                 PERP_OK);
    cr_assert_eq(sc.calls, 3);
    cr_expect_eq(sc.from[0], T10 - 250 * MIN);
    cr_expect_eq(sc.to[0], T10 - 150 * MIN);
    cr_expect_eq(sc.from[2], T10 - 50 * MIN);
    cr_expect_eq(sc.to[2], T10);
    cr_expect_geq(sc.cap[2], 50);
    cr_assert_eq(n, 250);
    for (size_t i = 1; i < n; i++)
        cr_assert_eq(c[i].ts - c[i - 1].ts, MIN);
    free(c);
}

static int stop_now(void *ud)
{
    return ++*(int *)ud > 1; /* after the first chunk */
}

Test(market_backfill, unsupported_and_stopped_and_a_1_1_feed)
{
    memset(&sc, 0, sizeof sc);
    perp_candle *c = NULL;
    size_t n = 0;
    int polls = 0;
    cr_expect_eq(host_backfill_range(&feed, NULL, "BTC-USD", MIN,
                                     T10 - 250 * MIN, T10, 100, stop_now,
                                     &polls, &c, &n, NULL),
                 PERP_ERR, "a stop between chunks ends it");
    cr_expect_eq(sc.calls, 1);
    free(c);
    sc.unsupported = 1;
    c = NULL;
    n = 0;
    cr_expect_eq(host_backfill_recent(&feed, NULL, "BTC-USD", 7200000, 10, T10,
                                      &c, &n, NULL),
                 PERP_EUNSUPPORTED);
    cr_expect_eq(n, 0);
    /* A vtable of ABI 1.1 ends before backfill: never read. */
    perp_feed_vtable old = feed;
    old.struct_size = (uint32_t)offsetof(perp_feed_vtable, backfill);
    cr_expect_not(host_feed_has_backfill(&old));
    cr_expect(host_feed_has_backfill(&feed));
    perp_feed_vtable unset = feed;
    unset.backfill = NULL;
    cr_expect_not(host_feed_has_backfill(&unset));
}
