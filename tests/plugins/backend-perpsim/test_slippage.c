/*
 * test_slippage.c — perpsim's size-aware slippage (impact.h,
 * docs/slippage.md): hand-worked BTC and DOGE examples at three sizes
 * each, through the quote and through the fill price; the window's
 * sigma and V; and a property test that the cost is monotone in the
 * order's size, never below the floor and never above the cap.
 */
#include <criterion/criterion.h>

#include <stdint.h>

#include "psim_fixture.h"

#define T0   1700000000000LL
#define MIN  60000LL
#define HOUR 3600000LL

/* Closes growing by g a minute from c0, each candle trading exactly
 * `notional` USD (volume = notional / close): every return is g, so
 * sigma = g a minute, and V = notional a minute. n candles, the first
 * opening at T0. */
static void feed(const char *s, double c0, double g, double notional, int n)
{
    double c = c0;
    for (int i = 0; i < n; i++) {
        perp_candle k = {.ts = T0 + i * MIN,
                         .interval_ms = MIN,
                         .open = c,
                         .high = c * (1 + g),
                         .low = c,
                         .close = c * (1 + g),
                         .volume = notional / (c * (1 + g))};
        snprintf(k.symbol, sizeof k.symbol, "%s", s);
        cr_assert_eq(psim_on_market_candle(&E, sym(s), &k), PERP_OK);
        c *= 1 + g;
    }
}

/* The sqrt model, k 1, a one-hour window, floor 0.5 bps, cap 300 bps;
 * equity enough for every size below at 5x. */
static void start_sqrt(void)
{
    psim_params p = fixture_params();
    p.slippage_model = PSIM_SLIPPAGE_SQRT;
    p.slippage_bps = 0.5;
    p.impact_k = 1;
    p.impact_window_ms = HOUR;
    p.impact_cap_bps = 300;
    p.starting_equity = 1e8;
    p.fee_bps = 0;
    fixture_start(&p);
}

static void stop(void)
{
    psim_free(&E);
}

TestSuite(slippage, .init = start_sqrt, .fini = stop);

/* BTC: closes 20000 x 1.001^i, 2,000,000 USD a minute. 61 candles: the
 * hour's window keeps the last 60 (closes within an hour of the newest),
 * each with a return of 0.001:
 *   sigma = sqrt(60 x 0.001^2 / 60 min) = 0.001 a minute (10 bp/min)
 *   V     = 60 x 2,000,000 / 60 min = 2,000,000 USD a minute
 *   bps   = 1 x 0.001 x sqrt(N / 2,000,000) x 10^4
 *     N =    20,000: sqrt(0.01) = 0.1  -> 1 bps
 *     N =   500,000: sqrt(0.25) = 0.5  -> 5 bps
 *     N = 8,000,000: sqrt(4)    = 2    -> 20 bps
 *     N =       200: sqrt(1e-4) = 0.01 -> 0.1 bps, under the floor: 0.5
 * Through the fill at mark 40,000 (BTC tick 0.5 in the fixture):
 *   buy 0.5 (N 20,000):    40000 x 1.0001 = 40004   (on the tick)
 *   buy 12.5 (N 500,000):  40000 x 1.0005 = 40020
 *   buy 200 (N 8,000,000): 40000 x 1.0020 = 40080
 *   sell 0.5 (N 20,000):   40000 x 0.9999 = 39996 */
Test(slippage, btc_by_hand_at_three_sizes)
{
    feed("BTC-USD", 20000, 0.001, 2e6, 61);
    const psim_impact_window *w = &pos("BTC-USD")->impact;
    cr_assert_eq(w->n, 60);
    cr_assert_float_eq(psim_impact_sigma(w), 0.001, 1e-12);
    cr_assert_float_eq(psim_impact_volume(w), 2e6, 1e-6);
    int b = sym("BTC-USD");
    cr_assert_float_eq(psim_slippage(&E, b, 20000), 1.0, 1e-9);
    cr_assert_float_eq(psim_slippage(&E, b, 500000), 5.0, 1e-9);
    cr_assert_float_eq(psim_slippage(&E, b, 8000000), 20.0, 1e-9);
    cr_assert_float_eq(psim_slippage(&E, b, 200), 0.5, 1e-12, "the floor");

    last("BTC-USD", T0 + 61 * MIN, 40000);
    perp_fill f;
    cr_assert_eq(order("BTC-USD", 0.5, 5, T0 + 61 * MIN, &f), PERP_OK, "%s",
                 WHY);
    cr_assert_float_eq(f.price, 40004.0, 1e-9);
    cr_assert_eq(order("BTC-USD", 12.5, 5, T0 + 61 * MIN, &f), PERP_OK, "%s",
                 WHY);
    cr_assert_float_eq(f.price, 40020.0, 1e-9);
    cr_assert_eq(order("BTC-USD", 200, 5, T0 + 61 * MIN, &f), PERP_OK, "%s",
                 WHY);
    cr_assert_float_eq(f.price, 40080.0, 1e-9);
    cr_assert_eq(order("BTC-USD", -0.5, 0, T0 + 61 * MIN, &f), PERP_OK, "%s",
                 WHY);
    cr_assert_float_eq(f.price, 39996.0, 1e-9);
}

/* DOGE: closes 0.08 x 1.004^i, 40,000 USD a minute:
 *   sigma = 0.004 a minute (40 bp/min), V = 40,000 USD a minute
 *   bps   = 0.004 x sqrt(N / 40,000) x 10^4 = 40 sqrt(N / 40,000)
 *     N =    10,000: sqrt(0.25) = 0.5 ->  20 bps
 *     N =   250,000: sqrt(6.25) = 2.5 -> 100 bps (50x on 5,000 USD of
 *                    margin: the impact alone costs 2,500 USD, half of it)
 *     N = 4,000,000: sqrt(100)  = 10  -> 400 bps, over the cap: 300
 * Fills at mark 0.1 (tick 0.00001):
 *   buy 100,000 (N 10,000):      0.1 x 1.002 = 0.1002
 *   buy 2,500,000 (N 250,000):   0.1 x 1.010 = 0.101
 *   buy 40,000,000 (N 4,000,000): 0.1 x 1.030 = 0.103 (the cap) */
Test(slippage, doge_by_hand_at_three_sizes_the_largest_capped)
{
    feed("DOGE-USD", 0.08, 0.004, 40000, 61);
    const psim_impact_window *w = &pos("DOGE-USD")->impact;
    cr_assert_float_eq(psim_impact_sigma(w), 0.004, 1e-12);
    cr_assert_float_eq(psim_impact_volume(w), 40000, 1e-6);
    int d = sym("DOGE-USD");
    cr_assert_float_eq(psim_slippage(&E, d, 10000), 20.0, 1e-9);
    cr_assert_float_eq(psim_slippage(&E, d, 250000), 100.0, 1e-9);
    cr_assert_float_eq(psim_slippage(&E, d, 4000000), 300.0, 1e-12, "capped");
    cr_assert_float_eq(250000 * psim_slippage(&E, d, 250000) / 1e4, 2500, 1e-6);

    last("DOGE-USD", T0 + 61 * MIN, 0.1);
    perp_fill f;
    cr_assert_eq(order("DOGE-USD", 100000, 5, T0 + 61 * MIN, &f), PERP_OK, "%s",
                 WHY);
    cr_assert_float_eq(f.price, 0.1002, 1e-12);
    cr_assert_eq(order("DOGE-USD", 2500000, 5, T0 + 61 * MIN, &f), PERP_OK,
                 "%s", WHY);
    cr_assert_float_eq(f.price, 0.101, 1e-12);
    cr_assert_eq(order("DOGE-USD", 40000000, 5, T0 + 61 * MIN, &f), PERP_OK,
                 "%s", WHY);
    cr_assert_float_eq(f.price, 0.103, 1e-12);
}

/* An empty window cannot say how deep the market is: the cap, not the
 * floor. A window of flat closes has sigma 0: the floor. */
Test(slippage, an_unknown_market_pays_the_cap_a_still_one_the_floor)
{
    int b = sym("BTC-USD");
    cr_assert(isnan(psim_impact_sigma(&pos("BTC-USD")->impact)));
    cr_assert_float_eq(psim_slippage(&E, b, 1000), 300, 1e-12);
    feed("BTC-USD", 20000, 0.0, 1e6, 5);
    cr_assert_float_eq(psim_impact_sigma(&pos("BTC-USD")->impact), 0, 1e-15);
    cr_assert_float_eq(psim_slippage(&E, b, 1e9), 0.5, 1e-12);
}

/* Candles older than the window leave it; a gap's return is spread over
 * the minutes it spans; a candle that does not close after the newest is
 * ignored. Window 1 h. */
Test(slippage, the_window_forgets_and_spreads_a_gap)
{
    feed("ETH-USD", 1000, 0.002, 5e5, 30); /* closes T0+1m..T0+30m */
    psim_impact_window *w = &E.sym[sym("ETH-USD")].impact;
    cr_assert_eq(w->n, 30);
    /* 29 returns of 0.002 over 29 minutes (the first has no return). */
    cr_assert_float_eq(psim_impact_sigma(w), 0.002, 1e-12);
    /* One candle two hours on, 1 % up: the others are over an hour old
     * and go; its return spans 91 minutes: sigma = 0.01 / sqrt(91). */
    double prev = w->prev_close;
    perp_candle k = {.ts = T0 + 120 * MIN,
                     .interval_ms = MIN,
                     .open = prev,
                     .high = prev * 1.01,
                     .low = prev,
                     .close = prev * 1.01,
                     .volume = 10};
    snprintf(k.symbol, sizeof k.symbol, "ETH-USD");
    cr_assert_eq(psim_impact_add(w, &k), 1);
    cr_assert_eq(w->n, 1);
    cr_assert_float_eq(psim_impact_sigma(w), 0.01 / sqrt(91), 1e-12);
    cr_assert_float_eq(psim_impact_volume(w), prev * 1.01 * 10, 1e-9);
    cr_assert_eq(psim_impact_add(w, &k), 0, "not after the newest");
}

/* ------------------------------------------------------- property */

static uint64_t rng = 0x9E3779B97F4A7C15u;
static double uniform(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717u) >> 11) / 9007199254740992.0;
}

/* For random markets (a random walk of random length and volume, a few
 * with no volume), random k, floor and cap: the quote never falls as the
 * order grows, never goes under the floor or over the cap; buys fill
 * higher and sells lower as they grow, never better than the floor's
 * price. */
Test(slippage, cost_is_monotone_in_size_and_within_floor_and_cap)
{
    for (int market = 0; market < 200; market++) {
        psim_params p = fixture_params();
        p.slippage_model = PSIM_SLIPPAGE_SQRT;
        p.slippage_bps = uniform() < 0.2 ? 0 : uniform() * 5;
        p.impact_k = uniform() * 3;
        p.impact_cap_bps = p.slippage_bps + uniform() * 500;
        p.impact_window_ms = (1 + (int64_t)(uniform() * 240)) * MIN;
        p.starting_equity = 1e12;
        p.fee_bps = 0;
        p.min_notional = 0;
        psim_free(&E);
        fixture_start(&p);
        double c = 100 * (1 + uniform()), vol = uniform() < 0.1 ? 0 : 1e6;
        int n = (int)(uniform() * 300);
        for (int i = 0; i < n; i++) {
            double next = c * (1 + 0.01 * (uniform() - 0.5));
            perp_candle k = {.ts = T0 + i * MIN,
                             .interval_ms = MIN,
                             .open = c,
                             .high = fmax(c, next),
                             .low = fmin(c, next),
                             .close = next,
                             .volume = vol * uniform() / next};
            snprintf(k.symbol, sizeof k.symbol, "ETH-USD");
            psim_on_market_candle(&E, sym("ETH-USD"), &k);
            c = next;
        }
        int e = sym("ETH-USD");
        double prev_bps = -1, prev_buy = 0, prev_sell = INFINITY;
        double floor_buy = 0;
        for (int s = 0; s < 60; s++) {
            double qty = 0.01 * pow(1.5, s); /* 0.01 .. 2.4e8 coins */
            double bps = psim_slippage(&E, e, qty * 100);
            cr_assert_geq(bps, prev_bps, "market %d size %d: %g < %g", market,
                          s, bps, prev_bps);
            cr_assert_geq(bps, p.slippage_bps, "under the floor");
            cr_assert_leq(bps, p.impact_cap_bps, "over the cap");
            prev_bps = bps;
            /* The fills: mark 100, tick 0.01, each order from flat. */
            last("ETH-USD", T0 + n * MIN, 100);
            if (s == 0)
                floor_buy = 100 * (1 + p.slippage_bps / 1e4) - 1e-9;
            perp_fill f;
            cr_assert_eq(order("ETH-USD", qty, 1, T0 + n * MIN, &f), PERP_OK,
                         "%s", WHY);
            cr_assert_geq(f.price, prev_buy, "a larger buy fills lower");
            cr_assert_geq(f.price, floor_buy, "a buy under the floor");
            prev_buy = f.price;
            cr_assert_eq(order("ETH-USD", -qty, 0, T0 + n * MIN, &f), PERP_OK,
                         "%s", WHY);
            cr_assert_eq(order("ETH-USD", -qty, 1, T0 + n * MIN, &f), PERP_OK,
                         "%s", WHY);
            cr_assert_leq(f.price, prev_sell, "a larger sell fills higher");
            prev_sell = f.price;
            cr_assert_eq(order("ETH-USD", qty, 0, T0 + n * MIN, &f), PERP_OK,
                         "%s", WHY);
        }
    }
}
