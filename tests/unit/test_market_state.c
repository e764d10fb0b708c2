/*
 * test_market_state.c — a live market whose feed goes quiet must turn
 * stale: the bars the candle builder gap-fills while nothing trades repeat
 * the last close, and must not count as fresh prices.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "market_state.h"
#include "observation_build.h"

#define MIN 60000LL
#define T0  1700000000000LL /* 2023-11-14T22:13:20Z, inside a minute */

static perp_tick tick_at(int64_t ts, double price)
{
    perp_tick t;
    memset(&t, 0, sizeof t);
    t.ts = ts;
    snprintf(t.symbol, sizeof t.symbol, "BTC-USD");
    t.price = price;
    t.bid = price - 0.5;
    t.ask = price + 0.5;
    t.bid_size = t.ask_size = t.volume_24h = NAN;
    t.last_size = 0.01;
    return t;
}

static void fold(host_market *m, const perp_candle *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        host_market_on_candle(m, &c[i]);
}

Test(market_state, quiet_feed_turns_stale_despite_gap_filled_bars)
{
    host_market m;
    cr_assert_eq(host_market_init(&m, "BTC-USD", 6 * 60 * MIN, 60, 10), 0);
    perp_candle out[64];
    perp_tick t = tick_at(T0, 30000.0);
    fold(&m, out, host_market_on_tick(&m, &t, out, 64));

    /* Five quiet minutes: the builder closes the tick's bar and four empty
     * ones. The last real price is still the tick's, 5 min old, so with
     * stale_after = 2 min the market is stale. */
    int64_t now = T0 + 5 * MIN;
    size_t n = host_market_advance(&m, now, out, 64);
    cr_assert_geq(n, 4, "the builder gap-fills the quiet minutes");
    fold(&m, out, n);
    cr_assert_eq(m.last_update, T0, "gap-filled bars are not fresh prices");
    cr_assert_eq(m.bid, 29999.5, "the book from the last tick is kept");
    cr_assert(host_market_is_stale(m.last_update, now, 2 * MIN));

    /* A new tick makes it fresh again. */
    t = tick_at(now, 30010.0);
    fold(&m, out, host_market_on_tick(&m, &t, out, 64));
    cr_assert(!host_market_is_stale(m.last_update, now, 2 * MIN));
    cr_assert_eq(m.last, 30010.0);
    host_market_free(&m);
}

Test(market_state, feed_candles_without_ticks_set_the_price)
{
    /* Replay: no ticks, the bar's close at its close time is the price. */
    host_market m;
    cr_assert_eq(host_market_init(&m, "BTC-USD", 6 * 60 * MIN, 60, 10), 0);
    perp_candle c;
    memset(&c, 0, sizeof c);
    snprintf(c.symbol, sizeof c.symbol, "BTC-USD");
    c.ts = 1700000040000LL; /* minute-aligned open */
    c.interval_ms = MIN;
    c.open = 1;
    c.high = 3;
    c.low = 0.5;
    c.close = 2;
    c.volume = 7;
    cr_assert_eq(host_market_on_candle(&m, &c), 1);
    cr_assert_eq(m.last, 2.0);
    cr_assert_eq(m.last_update, c.ts + MIN);
    cr_assert(isnan(m.bid));
    host_market_free(&m);
}
