/*
 * The candle ring, the indicator value ring and the market state that
 * routes closed candles into them (host/market_candle_store.h, market_series.h,
 * market_state.h).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "market_candle_store.h"
#include "market_state.h"
#include "observation_build.h"
#include "market_series.h"

#define MIN 60000LL
#define T0  1680000000000LL /* a whole minute and a whole 5 minutes */

static perp_candle bar(int64_t ts, double close, double volume)
{
    perp_candle c;
    memset(&c, 0, sizeof c);
    c.ts = ts;
    c.interval_ms = MIN;
    strcpy(c.symbol, "BTC-USD");
    c.open = c.high = c.low = c.close = close;
    c.volume = volume;
    return c;
}

Test(candle_store, keeps_the_newest_in_order)
{
    host_candle_store s;
    cr_assert_eq(host_candle_store_init(&s, 3), PERP_OK);
    for (int i = 0; i < 5; i++) {
        perp_candle c = bar(T0 + i * MIN, 100 + i, 1);
        cr_assert_eq(host_candle_store_push(&s, &c), 1);
    }
    perp_candle out[3];
    cr_assert_eq(host_candle_store_copy(&s, out), 3);
    cr_assert_eq(out[0].close, 102);
    cr_assert_eq(out[1].close, 103);
    cr_assert_eq(out[2].close, 104);
    cr_assert_eq(host_candle_store_newest(&s)->ts, T0 + 4 * MIN);
    host_candle_store_free(&s);
}

Test(candle_store, refuses_duplicates_and_older_bars)
{
    host_candle_store s;
    host_candle_store_init(&s, 10);
    perp_candle a = bar(T0 + MIN, 1, 1), b = bar(T0, 2, 1);
    cr_assert_eq(host_candle_store_push(&s, &a), 1);
    cr_assert_eq(host_candle_store_push(&s, &a), 0);
    cr_assert_eq(host_candle_store_push(&s, &b), 0);
    cr_assert_eq(s.n, 1);
    host_candle_store_free(&s);
}

Test(value_series, keeps_the_newest_values_oldest_first)
{
    host_value_series s;
    cr_assert_eq(host_value_series_init(&s, 2), 0);
    double out[2];
    host_value_series_push(&s, 1);
    cr_assert_eq(host_value_series_copy(&s, out), 1);
    cr_assert_eq(out[0], 1);
    host_value_series_push(&s, 2);
    host_value_series_push(&s, 3);
    cr_assert_eq(host_value_series_copy(&s, out), 2);
    cr_assert_eq(out[0], 2);
    cr_assert_eq(out[1], 3);
    host_value_series_free(&s);
}

Test(market_state, candles_set_the_price_and_build_the_context)
{
    host_market m;
    /* 5-minute context so a few bars close one. */
    cr_assert_eq(host_market_init(&m, "BTC-USD", 5 * MIN, 60, 10), PERP_OK);
    cr_assert_str_eq(m.coin, "BTC");
    cr_assert(isnan(host_market_mid(&m)));
    for (int i = 0; i < 6; i++) {
        perp_candle c = bar(T0 + i * MIN, 100 + i, 2);
        cr_assert_eq(host_market_on_candle(&m, &c), 1);
    }
    /* Last bar opened at T0+5m, closes at T0+6m. */
    cr_assert_eq(m.last, 105);
    cr_assert_eq(m.last_update, T0 + 6 * MIN);
    cr_assert_eq(host_market_mid(&m), 105);
    cr_assert_eq(m.s1m.n, 6);
    /* 6 bars of volume 2 each. */
    cr_assert_float_eq(host_market_volume_24h(&m), 12.0, 1e-12);
    /* The bar at T0+5m begins the second context bucket, so the first
     * (T0 .. T0+5m: closes 100..104) is closed. */
    cr_assert_eq(m.sctx.n, 1);
    const perp_candle *ctx = host_candle_store_newest(&m.sctx);
    cr_assert_eq(ctx->ts, T0);
    cr_assert_eq(ctx->open, 100);
    cr_assert_eq(ctx->close, 104);
    cr_assert_eq(ctx->high, 104);
    cr_assert_eq(ctx->low, 100);
    cr_assert_float_eq(ctx->volume, 10.0, 1e-12);
    perp_candle dup = bar(T0 + 5 * MIN, 999, 2);
    cr_assert_eq(host_market_on_candle(&m, &dup), 0);
    cr_assert_eq(m.s1m.n, 6);
    host_market_free(&m);
}

Test(market_state, a_tick_newer_than_the_bar_wins)
{
    host_market m;
    host_market_init(&m, "ETH-USD", 6 * 60 * MIN, 60, 10);
    perp_tick t;
    memset(&t, 0, sizeof t);
    t.ts = T0 + 90000; /* 1.5 minutes in */
    strcpy(t.symbol, "ETH-USD");
    t.price = 2000;
    t.bid = 1999;
    t.ask = 2001;
    t.last_size = 1;
    t.volume_24h = NAN;
    perp_candle out[4];
    host_market_on_tick(&m, &t, out, 4);
    /* A bar closing at T0+1m is older than the tick: the price stays. */
    perp_candle c = bar(T0, 1500, 1);
    strcpy(c.symbol, "ETH-USD");
    host_market_on_candle(&m, &c);
    cr_assert_eq(m.last, 2000);
    cr_assert_eq(host_market_mid(&m), 2000); /* (1999 + 2001) / 2 */
    host_market_free(&m);
}

Test(market_state, staleness)
{
    cr_assert_eq(host_market_is_stale(0, T0, 0), 1);
    cr_assert_eq(host_market_is_stale(T0, T0 + 10 * MIN, 0), 0);
    cr_assert_eq(host_market_is_stale(T0, T0 + 2 * MIN, 2 * MIN), 0);
    cr_assert_eq(host_market_is_stale(T0, T0 + 2 * MIN + 1, 2 * MIN), 1);
}

/* The mirrored rings: after any number of pushes, the view is the stored
 * values, oldest first, in one contiguous run (what an observation
 * borrows), equal to what copy gives. Every wrap position is visited. */
Test(candle_store, view_is_contiguous_at_every_wrap_position)
{
    host_candle_store s;
    cr_assert_eq(host_candle_store_init(&s, 7), PERP_OK);
    for (int i = 0; i < 40; i++) {
        perp_candle c = bar(T0 + i * MIN, 1000 + i, i);
        cr_assert_eq(host_candle_store_push(&s, &c), 1);
        const perp_candle *v = host_candle_store_view(&s);
        size_t n = (size_t)(i + 1 < 7 ? i + 1 : 7);
        cr_assert_eq(s.n, n);
        for (size_t k = 0; k < n; k++)
            cr_assert_eq(v[k].close, 1000 + i - (int)(n - 1) + (int)k,
                         "push %d slot %zu", i, k);
        cr_assert_eq(&v[n - 1], host_candle_store_newest(&s));
    }
    host_candle_store_free(&s);
}

Test(value_series, view_is_contiguous_at_every_wrap_position)
{
    host_value_series s;
    cr_assert_eq(host_value_series_init(&s, 5), 0);
    double out[5];
    for (int i = 0; i < 23; i++) {
        host_value_series_push(&s, i);
        const double *v = host_value_series_view(&s);
        size_t n = host_value_series_copy(&s, out);
        cr_assert_eq(n, (size_t)(i + 1 < 5 ? i + 1 : 5));
        for (size_t k = 0; k < n; k++) {
            cr_assert_eq(v[k], out[k]);
            cr_assert_eq(v[k], (double)(i - (int)(n - 1) + (int)k));
        }
    }
    host_value_series_free(&s);
}
