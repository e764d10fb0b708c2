/*
 * test_candles.c — the host's candle builder: UTC alignment by integer
 * arithmetic, OHLCV folding, gap fill with the last close and zero
 * volume, late ticks counted and not folded, closing by the clock,
 * 1m -> 6h aggregation, and the `max` output limit.
 * Every expected number is worked out by hand in the comments.
 */
#include <criterion/criterion.h>

#include <math.h>

#include "market_candles.h"

/* 2024-01-02T00:00:00Z: 19724 days after 1970-01-01, * 86400 s. */
#define DAY0_MS (1704153600LL * 1000)
#define MIN_MS  60000LL
#define T(h, m, s, ms)                                                         \
    (DAY0_MS + (h)*3600000LL + (m)*MIN_MS + (s)*1000LL + (ms))

static void expect(const perp_candle *c, int64_t ts, double o, double h,
                   double l, double cl, double v)
{
    cr_expect_eq(c->ts, ts, "ts %lld != %lld", (long long)c->ts, (long long)ts);
    cr_expect_eq(c->open, o);
    cr_expect_eq(c->high, h);
    cr_expect_eq(c->low, l);
    cr_expect_eq(c->close, cl);
    cr_expect_eq(c->volume, v, "volume %.17g != %.17g", c->volume, v);
}

Test(candles, rejects_intervals_that_do_not_tile_a_day)
{
    cr_expect_null(host_candles_new("BTC-USD", 0));
    cr_expect_null(host_candles_new("BTC-USD", -60000));
    /* 7 min: 1440 / 7 is not whole, buckets would drift across days. */
    cr_expect_null(host_candles_new("BTC-USD", 7 * MIN_MS));
    cr_expect_null(host_candles_new("BTC-USD", 36 * 3600000LL)); /* 1.5 d */
    host_candle_builder *b = host_candles_new("BTC-USD", 2 * 86400000LL);
    cr_expect_not_null(b);
    host_candles_free(b);
    host_candles_free(NULL);
}

Test(candles, folds_ticks_and_closes_on_the_next_bucket)
{
    host_candle_builder *b = host_candles_new("BTC-USD", MIN_MS);
    perp_candle out[4];
    /* 03:04: 100 (1), 105 (2), 98 (0.5), 101 (1.5) */
    cr_expect_eq(host_candles_on_tick(b, T(3, 4, 0, 0), 100, 1, out, 4), 0);
    host_candles_on_tick(b, T(3, 4, 10, 0), 105, 2, out, 4);
    host_candles_on_tick(b, T(3, 4, 20, 0), 98, 0.5, out, 4);
    host_candles_on_tick(b, T(3, 4, 59, 999), 101, 1.5, out, 4);
    perp_candle p;
    cr_assert(host_candles_partial(b, &p));
    expect(&p, T(3, 4, 0, 0), 100, 105, 98, 101, 1 + 2 + 0.5 + 1.5);
    /* The first tick of 03:05 closes 03:04: O 100 H 105 L 98 C 101 V 5. */
    cr_assert_eq(host_candles_on_tick(b, T(3, 5, 0, 0), 102, 1, out, 4), 1);
    expect(&out[0], T(3, 4, 0, 0), 100, 105, 98, 101, 5);
    cr_expect_str_eq(out[0].symbol, "BTC-USD");
    cr_expect_eq(out[0].interval_ms, MIN_MS);
    host_candles_free(b);
}

Test(candles, gap_repeats_last_close_with_zero_volume)
{
    host_candle_builder *b = host_candles_new("ETH-USD", MIN_MS);
    perp_candle out[8];
    host_candles_on_tick(b, T(3, 4, 30, 0), 2300, 1, out, 8);
    /* Next trade at 03:07: 03:04 closes, 03:05 and 03:06 had no trades. */
    size_t n = host_candles_on_tick(b, T(3, 7, 1, 0), 2310, 2, out, 8);
    cr_assert_eq(n, 3);
    expect(&out[0], T(3, 4, 0, 0), 2300, 2300, 2300, 2300, 1);
    expect(&out[1], T(3, 5, 0, 0), 2300, 2300, 2300, 2300, 0);
    expect(&out[2], T(3, 6, 0, 0), 2300, 2300, 2300, 2300, 0);
    host_candles_free(b);
}

Test(candles, late_ticks_are_counted_not_folded)
{
    host_candle_builder *b = host_candles_new("BTC-USD", MIN_MS);
    perp_candle out[4], p;
    host_candles_on_tick(b, T(3, 4, 0, 0), 100, 1, out, 4);
    host_candles_on_tick(b, T(3, 5, 0, 0), 110, 1, out, 4);
    /* 03:04:59.999 arrives after 03:05 opened: 03:04 is already closed. */
    cr_expect_eq(host_candles_on_tick(b, T(3, 4, 59, 999), 1, 99, out, 4), 0);
    cr_expect_eq(host_candles_late(b), 1);
    cr_assert(host_candles_partial(b, &p));
    expect(&p, T(3, 5, 0, 0), 110, 110, 110, 110, 1);
    /* A non-finite price is not a trade at all (not late either). */
    host_candles_on_tick(b, T(3, 5, 1, 0), NAN, 1, out, 4);
    cr_expect_eq(host_candles_late(b), 1);
    host_candles_free(b);
}

Test(candles, alignment_is_utc_and_handles_times_before_1970)
{
    host_candle_builder *b = host_candles_new("BTC-USD", 6 * 3600000LL);
    perp_candle out[2], p;
    /* 05:59:59.999 belongs to the 00:00 bucket, 06:00:00.000 opens 06:00. */
    host_candles_on_tick(b, T(5, 59, 59, 999), 10, 1, out, 2);
    cr_assert(host_candles_partial(b, &p));
    cr_expect_eq(p.ts, T(0, 0, 0, 0));
    cr_assert_eq(host_candles_on_tick(b, T(6, 0, 0, 0), 11, 1, out, 2), 1);
    cr_expect_eq(out[0].ts, T(0, 0, 0, 0));
    host_candles_free(b);

    /* -1 ms is 1969-12-31T23:59:59.999Z: its minute starts at -60000. */
    b = host_candles_new("BTC-USD", MIN_MS);
    host_candles_on_tick(b, -1, 5, 1, out, 2);
    cr_assert(host_candles_partial(b, &p));
    cr_expect_eq(p.ts, -60000);
    host_candles_free(b);
}

Test(candles, advance_closes_by_the_clock_and_fills_quiet_minutes)
{
    host_candle_builder *b = host_candles_new("BTC-USD", MIN_MS);
    perp_candle out[8];
    host_candles_on_tick(b, T(3, 4, 5, 0), 100, 2, out, 8);
    /* 03:04:59.999: the bucket has not ended. */
    cr_expect_eq(host_candles_advance(b, T(3, 4, 59, 999), out, 8), 0);
    /* 03:05:00.000: 03:04 has ended. */
    cr_assert_eq(host_candles_advance(b, T(3, 5, 0, 0), out, 8), 1);
    expect(&out[0], T(3, 4, 0, 0), 100, 100, 100, 100, 2);
    /* 03:07:30: 03:05 and 03:06 ended without trades. */
    cr_assert_eq(host_candles_advance(b, T(3, 7, 30, 0), out, 8), 2);
    expect(&out[0], T(3, 5, 0, 0), 100, 100, 100, 100, 0);
    expect(&out[1], T(3, 6, 0, 0), 100, 100, 100, 100, 0);
    /* A trade stamped 03:06:10 comes too late: 03:06 was emitted. */
    host_candles_on_tick(b, T(3, 6, 10, 0), 120, 1, out, 8);
    cr_expect_eq(host_candles_late(b), 1);
    /* 03:07 is still open: a trade there folds normally. */
    host_candles_on_tick(b, T(3, 7, 40, 0), 101, 1, out, 8);
    perp_candle p;
    cr_assert(host_candles_partial(b, &p));
    expect(&p, T(3, 7, 0, 0), 101, 101, 101, 101, 1);
    host_candles_free(b);
}

Test(candles, output_limit_keeps_the_rest_for_later)
{
    host_candle_builder *b = host_candles_new("BTC-USD", MIN_MS);
    perp_candle out[3];
    host_candles_on_tick(b, T(3, 0, 0, 0), 50, 1, out, 3);
    /* 03:10 closes 03:00 and fills 03:01..03:09: 10 candles pending. */
    cr_assert_eq(host_candles_on_tick(b, T(3, 10, 0, 0), 51, 1, out, 3), 3);
    cr_expect_eq(out[0].ts, T(3, 0, 0, 0));
    cr_expect_eq(out[2].ts, T(3, 2, 0, 0));
    size_t total = 3, got;
    int64_t last = 0;
    while ((got = host_candles_advance(b, T(3, 10, 0, 0), out, 3)) > 0) {
        total += got;
        last = out[got - 1].ts;
    }
    cr_expect_eq(total, 10);
    cr_expect_eq(last, T(3, 9, 0, 0));
    host_candles_free(b);
}

Test(candles, one_minute_candles_fold_into_six_hours)
{
    host_candle_builder *b = host_candles_new("SOL-USD", 6 * 3600000LL);
    perp_candle out[2];
    size_t closed = 0;
    /* 360 minutes 00:00..05:59; minute i: O 100+i, H +0.5, L -0.5,
     * C +0.25, V 1. 6h: O 100, H 100+359+0.5 = 459.5, L 100-0.5 = 99.5,
     * C 100+359+0.25 = 459.25, V 360. */
    for (int i = 0; i < 360; i++) {
        perp_candle m = {.ts = T(0, i, 0, 0), .interval_ms = MIN_MS};
        m.open = 100 + i;
        m.high = m.open + 0.5;
        m.low = m.open - 0.5;
        m.close = m.open + 0.25;
        m.volume = 1;
        closed += host_candles_on_candle(b, &m, out, 2);
        cr_assert_eq(closed, i == 359 ? 1u : 0u,
                     "closed early/late at minute %d", i);
    }
    /* Closed by the 05:59 minute itself, not by the next one. */
    expect(&out[0], T(0, 0, 0, 0), 100, 459.5, 99.5, 459.25, 360);
    cr_expect_eq(out[0].interval_ms, 6 * 3600000LL);
    cr_expect_eq(host_candles_partial(b, NULL), 0);
    host_candles_free(b);
}
