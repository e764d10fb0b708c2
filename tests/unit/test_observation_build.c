/*
 * The per-cycle observation snapshot (host/observation_build.h), built
 * from host_market states fed the way the agent feeds them: events in
 * time order up to the cycle, then host_market_advance to the cycle time.
 * Checked: no look-ahead (only candles closed at or before the cycle time
 * appear), the stale flag, book versus candle-only prices, and that the
 * snapshot owns copies of everything (it outlives its sources).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "observation_build.h"

#define SEC 1000LL
#define MIN 60000LL
#define T0  1680000000000LL /* a whole minute and a whole 5 minutes */

static perp_tick tick(const char *sym, int64_t ts, double price, double bid,
                      double ask)
{
    perp_tick t;
    memset(&t, 0, sizeof t);
    strcpy(t.symbol, sym);
    t.ts = ts;
    t.price = price;
    t.bid = bid;
    t.ask = ask;
    t.last_size = 1;
    t.volume_24h = NAN;
    return t;
}

/* A tick into the market, its closed 1m candles routed as the agent
 * routes them. */
static void feed_tick(host_market *m, const perp_tick *t)
{
    perp_candle out[8];
    size_t n = host_market_on_tick(m, t, out, 8);
    for (size_t i = 0; i < n; i++)
        host_market_on_candle(m, &out[i]);
}

static void advance_to(host_market *m, int64_t now)
{
    perp_candle out[8];
    size_t n = host_market_advance(m, now, out, 8);
    for (size_t i = 0; i < n; i++)
        host_market_on_candle(m, &out[i]);
}

typedef struct world {
    perp_account account;
    perp_metrics metrics;
    perp_limits limits;
    perp_symbol_rules rules[3];
    host_obs_inputs in;
} world;

static void world_init(world *w, const host_market *markets, size_t n,
                       int64_t ts)
{
    memset(w, 0, sizeof *w);
    w->account.equity = w->account.cash = 10000;
    w->limits.max_leverage = 5;
    for (size_t i = 0; i < 3; i++)
        w->rules[i].tick_size = 0.5 * (double)(i + 1);
    w->in.ts = ts;
    w->in.cycle = 3;
    w->in.version = "v-test";
    w->in.ctx_interval_ms = 5 * MIN;
    w->in.markets = markets;
    w->in.rules = w->rules;
    w->in.n_markets = n;
    w->in.account = &w->account;
    w->in.metrics = &w->metrics;
    w->in.limits = &w->limits;
    w->in.stale_after_ms = 2 * MIN;
}

Test(observation_build, only_candles_closed_by_the_cycle_appear)
{
    host_market m;
    cr_assert_eq(host_market_init(&m, "BTC-USD", 5 * MIN, 60, 10), PERP_OK);
    /* Ticks at T0+10s (100), T0+70s (101) and T0+120s (102); the cycle
     * is at T0+120s. Buckets: [T0, T0+1m) closes at 100 when the T0+70s
     * tick arrives; [T0+1m, T0+2m) closes at 101 when the T0+120s tick
     * opens the next one; [T0+2m, T0+3m) has only begun (102) and must
     * not be shown. The 5-minute context bucket [T0, T0+5m) is open. */
    const int64_t cycle = T0 + 2 * MIN;
    perp_tick t1 = tick("BTC-USD", T0 + 10 * SEC, 100, NAN, NAN);
    perp_tick t2 = tick("BTC-USD", T0 + 70 * SEC, 101, NAN, NAN);
    perp_tick t3 = tick("BTC-USD", T0 + 120 * SEC, 102, NAN, NAN);
    feed_tick(&m, &t1);
    feed_tick(&m, &t2);
    feed_tick(&m, &t3);
    advance_to(&m, cycle);
    world w;
    world_init(&w, &m, 1, cycle);
    host_obs_snapshot *s = host_obs_build(&w.in);
    cr_assert_not_null(s);
    const perp_market_view *v = &s->obs.markets[0];
    cr_assert_eq(v->n_candles_1m, 2);
    for (size_t i = 0; i < v->n_candles_1m; i++) {
        const perp_candle *c = &v->candles_1m[i];
        cr_assert_leq(c->ts + c->interval_ms, cycle, "candle %zu from %lld", i,
                      (long long)c->ts);
    }
    cr_assert_eq(v->candles_1m[0].ts, T0);
    cr_assert_eq(v->candles_1m[0].close, 100);
    cr_assert_eq(v->candles_1m[1].ts, T0 + MIN);
    cr_assert_eq(v->candles_1m[1].close, 101);
    cr_assert_eq(v->n_candles_ctx, 0);
    /* The price itself is the newest tick, at the cycle time. */
    cr_assert_eq(v->mid, 102);
    cr_assert_eq(v->last_update, cycle);
    cr_assert_eq(v->stale, 0);
    host_obs_free(s);

    /* Five minutes on (quiet market: the agent advances the clock), the
     * first context bar [T0, T0+5m) has closed: open 100, high 102, low
     * 100, close 102 (the bars after T0+2m repeat 102 as gap fills). */
    advance_to(&m, T0 + 5 * MIN);
    w.in.ts = T0 + 5 * MIN;
    s = host_obs_build(&w.in);
    v = &s->obs.markets[0];
    cr_assert_eq(v->n_candles_1m, 5);
    cr_assert_eq(v->candles_1m[4].ts, T0 + 4 * MIN);
    cr_assert_eq(v->n_candles_ctx, 1);
    cr_assert_eq(v->candles_ctx[0].ts, T0);
    cr_assert_eq(v->candles_ctx[0].interval_ms, 5 * MIN);
    cr_assert_eq(v->candles_ctx[0].open, 100);
    cr_assert_eq(v->candles_ctx[0].high, 102);
    cr_assert_eq(v->candles_ctx[0].close, 102);
    host_obs_free(s);
    host_market_free(&m);
}

Test(observation_build, stale_flags_and_prices_per_market)
{
    host_market m[3];
    host_market_init(&m[0], "BTC-USD", 5 * MIN, 10, 10);
    host_market_init(&m[1], "ETH-USD", 5 * MIN, 10, 10);
    host_market_init(&m[2], "SOL-USD", 5 * MIN, 10, 10);
    const int64_t cycle = T0 + 3 * MIN;
    /* BTC: a book tick 30 s before the cycle: bid 99, ask 101, mid 100,
     * spread (101 - 99) / 100 x 1e4 = 200 bps; fresh. */
    perp_tick b = tick("BTC-USD", cycle - 30 * SEC, 100, 99, 101);
    feed_tick(&m[0], &b);
    /* ETH: one closed 1m candle (close 1500) from a candle feed, closed at
     * T0+1m: 2 minutes before the cycle, exactly the limit, so not stale
     * (stale means older than the limit). No book: bid = ask = last. */
    perp_candle c;
    memset(&c, 0, sizeof c);
    strcpy(c.symbol, "ETH-USD");
    c.ts = T0;
    c.interval_ms = MIN;
    c.open = c.high = c.low = c.close = 1500;
    c.volume = 3;
    host_market_on_candle(&m[1], &c);
    /* SOL: never priced, stale whatever the limit. */
    world w;
    world_init(&w, m, 3, cycle);
    host_obs_snapshot *s = host_obs_build(&w.in);
    cr_assert_not_null(s);
    const perp_market_view *v = s->obs.markets;
    cr_assert_eq(s->obs.n_markets, 3);
    cr_assert_str_eq(v[0].symbol, "BTC-USD");
    cr_assert_str_eq(v[0].coin, "BTC");
    cr_assert_eq(v[0].mid, 100);
    cr_assert_float_eq(v[0].spread_bps, 200, 1e-9);
    cr_assert_eq(v[0].stale, 0);
    cr_assert_eq(v[1].bid, 1500);
    cr_assert_eq(v[1].ask, 1500);
    cr_assert_eq(v[1].spread_bps, 0);
    cr_assert_eq(v[1].volume_24h, 3);
    cr_assert_eq(v[1].last_update, T0 + MIN);
    cr_assert_eq(v[1].stale, 0);
    cr_assert_eq(v[2].stale, 1);
    cr_assert_eq(v[2].last_update, 0);
    /* Each market gets its own rules (tick sizes 0.5, 1.0, 1.5). */
    cr_assert_eq(v[0].rules.tick_size, 0.5);
    cr_assert_eq(v[2].rules.tick_size, 1.5);
    host_obs_free(s);

    /* stale_after_ms 0: only the never-priced market is stale, however
     * old the others' prices are. */
    w.in.stale_after_ms = 0;
    w.in.ts = cycle + 600 * MIN;
    s = host_obs_build(&w.in);
    cr_assert_eq(s->obs.markets[0].stale, 0);
    cr_assert_eq(s->obs.markets[1].stale, 0);
    cr_assert_eq(s->obs.markets[2].stale, 1);
    host_obs_free(s);
    for (int i = 0; i < 3; i++)
        host_market_free(&m[i]);
}

Test(observation_build, the_snapshot_owns_copies_of_everything)
{
    host_market m;
    host_market_init(&m, "BTC-USD", 5 * MIN, 10, 10);
    perp_tick t1 = tick("BTC-USD", T0 + 10 * SEC, 100, NAN, NAN);
    perp_tick t2 = tick("BTC-USD", T0 + 70 * SEC, 101, NAN, NAN);
    feed_tick(&m, &t1);
    feed_tick(&m, &t2);
    char entry[16] = "breakout", exit_r[16] = "stop";
    perp_round_trip trip;
    memset(&trip, 0, sizeof trip);
    strcpy(trip.symbol, "BTC-USD");
    trip.net_pnl = 12.5;
    trip.entry_reason = entry;
    trip.exit_reason = exit_r;
    char fb0[32] = "order rejected: size";
    const char *feedback[1] = {fb0};
    char version[8] = "v-test";
    world w;
    world_init(&w, &m, 1, T0 + 70 * SEC);
    w.in.version = version;
    w.in.recent = &trip;
    w.in.n_recent = 1;
    w.in.feedback = feedback;
    w.in.n_feedback = 1;
    host_obs_snapshot *s = host_obs_build(&w.in);
    cr_assert_not_null(s);

    /* Spoil and free every source; the snapshot must not notice
     * (ASan reports a read of freed market memory). */
    strcpy(entry, "XXXX");
    strcpy(exit_r, "XXXX");
    strcpy(fb0, "XXXX");
    strcpy(version, "XXXX");
    w.account.equity = -1;
    host_market_free(&m);

    const perp_observation *o = &s->obs;
    cr_assert_eq(o->struct_size, sizeof *o);
    cr_assert_eq(o->ts, T0 + 70 * SEC);
    cr_assert_eq(o->cycle, 3);
    cr_assert_str_eq(o->version, "v-test");
    cr_assert_eq(o->ctx_interval_ms, 5 * MIN);
    cr_assert_eq(o->account.equity, 10000);
    cr_assert_eq(o->limits.max_leverage, 5);
    cr_assert_eq(o->n_recent_trades, 1);
    cr_assert_str_eq(o->recent_trades[0].entry_reason, "breakout");
    cr_assert_str_eq(o->recent_trades[0].exit_reason, "stop");
    cr_assert_eq(o->recent_trades[0].net_pnl, 12.5);
    cr_assert_eq(o->n_feedback, 1);
    cr_assert_str_eq(o->feedback[0], "order rejected: size");
    cr_assert_eq(o->markets[0].n_candles_1m, 1);
    cr_assert_eq(o->markets[0].candles_1m[0].close, 100);
    cr_assert_eq(o->markets[0].n_ind_1m, 0);
    cr_assert_null(o->markets[0].regime);
    host_obs_free(s);
    host_obs_free(NULL); /* documented no-op */
}

Test(observation_build, no_markets_no_trades)
{
    world w;
    world_init(&w, NULL, 0, T0);
    host_obs_snapshot *s = host_obs_build(&w.in);
    cr_assert_not_null(s);
    cr_assert_eq(s->obs.n_markets, 0);
    cr_assert_eq(s->obs.n_recent_trades, 0);
    cr_assert_eq(s->obs.n_feedback, 0);
    host_obs_free(s);
}
