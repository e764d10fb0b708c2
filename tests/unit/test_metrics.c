/*
 * Round trips by average cost and the performance figures, against
 * arithmetic worked by hand in the comments.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static perp_fill fill(int64_t ts, const char *sym, double qty, double price,
                      double fee, const char *reason)
{
    perp_fill f;
    memset(&f, 0, sizeof f);
    f.ts = ts;
    snprintf(f.symbol, sizeof f.symbol, "%s", sym);
    f.qty = qty;
    f.price = price;
    f.fee = fee;
    snprintf(f.reason, sizeof f.reason, "%s", reason);
    return f;
}

static void add(host_trade_book *b, perp_fill f)
{
    cr_assert_eq(host_trade_book_add(b, &f), PERP_OK);
}

Test(metrics, long_round_trip_nets_both_fees)
{
    host_trade_book *b = host_trade_book_new();
    /* buy 2 @ 100 (fee 0.40), sell 2 @ 110 (fee 0.44):
     * gross = 2 * (110 - 100) = 20; fees = 0.40 + 0.44 = 0.84;
     * net = 19.16 */
    add(b, fill(1000, "BTC-USD", 2, 100, 0.40, "breakout"));
    add(b, fill(61000, "BTC-USD", -2, 110, 0.44, "target hit"));
    cr_assert_eq(host_trade_book_count(b), 1);
    const perp_round_trip *t = host_trade_book_at(b, 0);
    cr_assert_eq(t->side, 1);
    cr_assert_float_eq(t->qty, 2.0, 1e-12);
    cr_assert_float_eq(t->entry_price, 100.0, 1e-12);
    cr_assert_float_eq(t->exit_price, 110.0, 1e-12);
    cr_assert_float_eq(t->fees, 0.84, 1e-12);
    cr_assert_float_eq(t->net_pnl, 19.16, 1e-12);
    cr_assert_eq(t->entry_ts, 1000);
    cr_assert_eq(t->exit_ts, 61000);
    cr_assert_str_eq(t->entry_reason, "breakout");
    cr_assert_str_eq(t->exit_reason, "target hit");
    host_trade_book_free(b);
}

Test(metrics, partial_closes_prorate_entry_fees)
{
    host_trade_book *b = host_trade_book_new();
    add(b, fill(0, "ETH-USD", 4, 100, 0.80, "in"));
    /* sell 1 @ 110 (fee 0.22): gross 10; fees 0.80 * 1/4 + 0.22 = 0.42;
     * net 9.58 */
    add(b, fill(1, "ETH-USD", -1, 110, 0.22, "trim"));
    /* sell 3 @ 90 (fee 0.54): gross 3 * (90 - 100) = -30;
     * fees 0.60 (the rest of the entry fee) + 0.54 = 1.14; net -31.14 */
    add(b, fill(2, "ETH-USD", -3, 90, 0.54, "stop"));
    cr_assert_eq(host_trade_book_count(b), 2);
    cr_assert_float_eq(host_trade_book_at(b, 0)->net_pnl, 9.58, 1e-12);
    cr_assert_float_eq(host_trade_book_at(b, 1)->qty, 3.0, 1e-12);
    cr_assert_float_eq(host_trade_book_at(b, 1)->fees, 1.14, 1e-12);
    cr_assert_float_eq(host_trade_book_at(b, 1)->net_pnl, -31.14, 1e-12);
    /* flat again: a new buy opens a fresh position at its own price */
    add(b, fill(3, "ETH-USD", 1, 50, 0, "again"));
    add(b, fill(4, "ETH-USD", -1, 60, 0, "out"));
    cr_assert_float_eq(host_trade_book_at(b, 2)->net_pnl, 10.0, 1e-12);
    cr_assert_str_eq(host_trade_book_at(b, 2)->entry_reason, "again");
    host_trade_book_free(b);
}

Test(metrics, adds_average_the_entry)
{
    host_trade_book *b = host_trade_book_new();
    /* 1 @ 100 + 1 @ 110 -> 2 @ 105; sell 2 @ 120: gross 2 * 15 = 30 */
    add(b, fill(0, "SOL-USD", 1, 100, 0, "a"));
    add(b, fill(1, "SOL-USD", 1, 110, 0, "b"));
    add(b, fill(2, "SOL-USD", -2, 120, 0, "c"));
    cr_assert_float_eq(host_trade_book_at(b, 0)->entry_price, 105.0, 1e-12);
    cr_assert_float_eq(host_trade_book_at(b, 0)->net_pnl, 30.0, 1e-12);
    cr_assert_str_eq(host_trade_book_at(b, 0)->entry_reason, "a");
    host_trade_book_free(b);
}

Test(metrics, flip_closes_then_opens_other_side)
{
    host_trade_book *b = host_trade_book_new();
    add(b, fill(0, "BTC-USD", 1, 100, 0.10, "long"));
    /* sell 3 @ 120 (fee 0.60): closes 1: gross 20, fees 0.10 + 0.60/3 =
     * 0.30, net 19.70; opens short 2 @ 120 carrying fee 0.40 */
    add(b, fill(5, "BTC-USD", -3, 120, 0.60, "flip short"));
    /* buy 2 @ 110 (fee 0.20): gross 2 * (120 - 110) = 20; fees 0.40 +
     * 0.20 = 0.60; net 19.40 */
    add(b, fill(9, "BTC-USD", 2, 110, 0.20, "cover"));
    cr_assert_eq(host_trade_book_count(b), 2);
    const perp_round_trip *a = host_trade_book_at(b, 0);
    const perp_round_trip *s = host_trade_book_at(b, 1);
    cr_assert_float_eq(a->net_pnl, 19.70, 1e-12);
    cr_assert_eq(s->side, -1);
    cr_assert_eq(s->entry_ts, 5);
    cr_assert_float_eq(s->fees, 0.60, 1e-12);
    cr_assert_float_eq(s->net_pnl, 19.40, 1e-12);
    cr_assert_str_eq(s->entry_reason, "flip short");
    cr_assert_str_eq(s->exit_reason, "cover");
    host_trade_book_free(b);
}

Test(metrics, symbols_are_independent_and_recent_is_newest_first)
{
    host_trade_book *b = host_trade_book_new();
    add(b, fill(0, "BTC-USD", 1, 100, 0, "b1"));
    add(b, fill(1, "ETH-USD", -1, 50, 0, "e1"));
    add(b, fill(2, "BTC-USD", -1, 101, 0, "b2")); /* trip 0: +1 */
    add(b, fill(3, "ETH-USD", 1, 52, 0, "e2"));   /* trip 1: -2 */
    add(b, fill(4, "BTC-USD", 1, 100, 0, "b3"));
    add(b, fill(5, "BTC-USD", -1, 103, 0, "b4")); /* trip 2: +3 */
    perp_round_trip r[2];
    cr_assert_eq(host_trade_book_recent(b, r, 2), 2);
    cr_assert_eq(r[0].exit_ts, 5);
    cr_assert_eq(r[1].exit_ts, 3);
    cr_assert_float_eq(r[1].net_pnl, -2.0, 1e-12);
    perp_round_trip all[10];
    cr_assert_eq(host_trade_book_recent(b, all, 10), 3);
    host_trade_book_free(b);
}

Test(metrics, bad_fills_are_refused)
{
    host_trade_book *b = host_trade_book_new();
    perp_fill f = fill(0, "BTC-USD", NAN, 100, 0, "");
    cr_assert_eq(host_trade_book_add(b, &f), PERP_EINVAL);
    f = fill(0, "BTC-USD", 0, 100, 0, "");
    cr_assert_eq(host_trade_book_add(b, &f), PERP_EINVAL);
    cr_assert_eq(host_trade_book_count(b), 0);
    host_trade_book_free(b);
}

static perp_round_trip trip(double net)
{
    perp_round_trip t;
    memset(&t, 0, sizeof t);
    t.net_pnl = net;
    return t;
}

Test(metrics, profit_factor_is_gross_profit_over_gross_loss)
{
    /* nets 10, -5, 20, -10: wins 2/4 = 0.5; gross profit 30, gross loss
     * 15 -> PF 2.0 (the twin's |avg win / avg loss| = 15/7.5 = 2.0 too, so
     * a third loss separates them below); avg win 15, avg loss -7.5 */
    perp_round_trip t[5] = {trip(10), trip(-5), trip(20), trip(-10)};
    perp_metrics m;
    host_metrics_compute(t, 4, NULL, NULL, 0, 0, &m);
    cr_assert_eq(m.trades, 4);
    cr_assert_float_eq(m.win_rate, 0.5, 1e-12);
    cr_assert_float_eq(m.profit_factor, 2.0, 1e-12);
    cr_assert_float_eq(m.avg_win, 15.0, 1e-12);
    cr_assert_float_eq(m.avg_loss, -7.5, 1e-12);
    /* add -15: gross loss 30 -> PF 1.0; ratio of averages would be
     * 15 / 10 = 1.5 */
    t[4] = trip(-15);
    host_metrics_compute(t, 5, NULL, NULL, 0, 0, &m);
    cr_assert_float_eq(m.profit_factor, 1.0, 1e-12);
    cr_assert_float_eq(m.win_rate, 0.4, 1e-12);
}

Test(metrics, no_loss_gives_infinite_profit_factor)
{
    perp_round_trip t[2] = {trip(1), trip(0)};
    perp_metrics m;
    host_metrics_compute(t, 2, NULL, NULL, 0, 0, &m);
    cr_assert(isinf(m.profit_factor));
    /* a zero-net trip counts as a trade, not as a win */
    cr_assert_float_eq(m.win_rate, 0.5, 1e-12);
    host_metrics_compute(NULL, 0, NULL, NULL, 0, 0, &m);
    cr_assert_eq(m.trades, 0);
    cr_assert_float_eq(m.profit_factor, 0.0, 1e-12);
}

Test(metrics, sharpe_sortino_use_real_interval)
{
    /* hourly snapshots 100, 110, 99, 108.9: returns +0.1, -0.1, +0.1.
     * mean = 1/30; population variance = 0.01 - 1/900 = 8/900; sd =
     * sqrt(8)/30; mean/sd = 1/sqrt(8). interval = 3600 s, so the factor
     * is sqrt(31 536 000 / 3600) = sqrt(8760): Sharpe = sqrt(8760/8) =
     * sqrt(1095) = 33.0908...
     * downside: sqrt(0.01 / 3) = 0.1/sqrt(3); mean/dd = sqrt(3)/10*10/3 =
     * 1/sqrt(3): Sortino = sqrt(8760/3) = sqrt(2920) = 54.037...
     * drawdown: peak 110, trough 99 -> 10 %; return 100 -> 108.9 = 8.9 %. */
    int64_t ts[4] = {0, 3600000, 7200000, 10800000};
    double eq[4] = {100, 110, 99, 108.9};
    perp_metrics m;
    host_metrics_compute(NULL, 0, ts, eq, 4, 100, &m);
    cr_assert_float_eq(m.sharpe, sqrt(1095.0), 1e-9);
    cr_assert_float_eq(m.sortino, sqrt(2920.0), 1e-9);
    cr_assert_float_eq(m.max_drawdown_pct, 10.0, 1e-9);
    cr_assert_float_eq(m.total_return_pct, 8.9, 1e-9);
    /* Same returns one minute apart: factor sqrt(525600), Sharpe =
     * sqrt(525600/8) = sqrt(65700). */
    int64_t ts_min[4] = {0, 60000, 120000, 180000};
    host_metrics_compute(NULL, 0, ts_min, eq, 4, 100, &m);
    cr_assert_float_eq(m.sharpe, sqrt(65700.0), 1e-9);
}

Test(metrics, uneven_snapshots_use_mean_interval)
{
    /* ts 0, 60 s, 180 s: mean interval 90 s; returns +0.1, -0.1 (100,
     * 110, 99): mean 0, so Sharpe 0 whatever the interval; with 100, 110,
     * 121 the returns are equal, sd 0 -> Sharpe 0 (no division by 0) */
    int64_t ts[3] = {0, 60000, 180000};
    double eq[3] = {100, 110, 99};
    perp_metrics m;
    host_metrics_compute(NULL, 0, ts, eq, 3, 0, &m);
    cr_assert_float_eq(m.sharpe, 0.0, 1e-9);
    cr_assert_float_eq(m.total_return_pct, -1.0, 1e-9); /* base = eq[0] */
    double up[3] = {100, 110, 121};
    host_metrics_compute(NULL, 0, ts, up, 3, 0, &m);
    cr_assert_float_eq(m.sharpe, 0.0, 1e-9);
    cr_assert(isinf(m.sortino));
    /* returns +0.1, +0.2 (100, 110, 132): mean 0.15, population sd 0.05,
     * ratio 3; factor sqrt(31 536 000 / 90) = sqrt(350 400);
     * Sharpe = 3 * sqrt(350400) */
    double up2[3] = {100, 110, 132};
    host_metrics_compute(NULL, 0, ts, up2, 3, 0, &m);
    cr_assert_float_eq(m.sharpe, 3.0 * sqrt(350400.0), 1e-6);
}

Test(metrics, drawdown_takes_the_largest_fall)
{
    /* peaks 120 then 150; falls 120->90 (25 %) and 150->135 (10 %) */
    int64_t ts[6] = {0, 1, 2, 3, 4, 5};
    double eq[6] = {100, 120, 90, 150, 135, 140};
    perp_metrics m;
    host_metrics_compute(NULL, 0, ts, eq, 6, 100, &m);
    cr_assert_float_eq(m.max_drawdown_pct, 25.0, 1e-9);
    cr_assert_float_eq(m.total_return_pct, 40.0, 1e-9);
}

/* The agent folds one snapshot per cycle; after every snapshot its
 * figures must equal a recomputation over the whole series so far,
 * including a non-finite snapshot (skipped by returns and drawdown). */
Test(metrics, incremental_stats_equal_recomputation_at_every_prefix)
{
    const int64_t ts[] = {0, 60000, 120000, 180000, 240000, 300000, 360000};
    const double eq[] = {10000, 10100, 9900, NAN, 9950, 10300, 10250};
    host_equity_stats s;
    memset(&s, 0, sizeof s);
    for (size_t n = 1; n <= sizeof eq / sizeof eq[0]; n++) {
        host_equity_stats_add(&s, ts[n - 1], eq[n - 1]);
        perp_metrics inc, full;
        host_metrics_from_stats(NULL, 0, &s, 10000, &inc);
        host_metrics_compute(NULL, 0, ts, eq, n, 10000, &full);
        cr_assert_eq(memcmp(&inc, &full, sizeof inc), 0, "prefix %zu", n);
    }
    /* Worked: peak 10100 then 9900 is the deepest fall, 200/10100. */
    perp_metrics m;
    host_metrics_from_stats(NULL, 0, &s, 10000, &m);
    cr_assert_float_eq(m.max_drawdown_pct, 200.0 / 10100.0 * 100.0, 1e-12);
    cr_assert_float_eq(m.total_return_pct, 2.5, 1e-12);
}
