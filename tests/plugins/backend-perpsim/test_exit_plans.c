/*
 * test_exit_plans.c — stop losses and take profits, checked on every price
 * update; a replayed candle is walked open, nearer extreme, other extreme,
 * close, so an intrabar stop fires. Defaults: fee 2 bps, slippage 1 bp,
 * BTC tick 0.5.
 */
#include <criterion/criterion.h>

#include "psim_fixture.h"

#define T0  1700000000000LL
#define EPS 1e-9

static perp_candle candle(int64_t ts, double o, double h, double l, double c)
{
    perp_candle k;
    memset(&k, 0, sizeof k);
    k.ts = ts;
    k.interval_ms = 60000;
    snprintf(k.symbol, sizeof k.symbol, "BTC-USD");
    k.open = o;
    k.high = h;
    k.low = l;
    k.close = c;
    k.volume = 1;
    return k;
}

/* Opens 0.1 BTC (side +1 long, -1 short) at last 100000 with a plan.
 * Long fill 100010 (fee 2.0002); short fill 99990. */
static void open_with_plan(double side, double sl, double tp)
{
    psim_params p = fixture_params();
    fixture_start(&p);
    last("BTC-USD", T0, 100000);
    perp_order o = mk_order("BTC-USD", 0.1 * side, 5);
    o.has_exit_plan = 1;
    o.exit_plan.stop_loss = sl;
    o.exit_plan.profit_target = tp;
    snprintf(o.exit_plan.invalidation, sizeof o.exit_plan.invalidation,
             "4h close below EMA20");
    cr_assert_eq(psim_submit(&E, &o, T0, NULL, WHY, sizeof WHY), PERP_OK, "%s",
                 WHY);
}

/* Long, stop 98000, target 103000. Candle O 100000 H 101000 L 97500 C
 * 100500: the high is nearer the open (1000 < 2500), so the walk is
 * 100000, 101000, 97500, 100500: the stop fires at 97500 (second third of
 * the bar) although the candle closes above it.
 *   sell at 97500 x 0.9999 = 97490.25 -> down to 97490.0
 *   realized = 0.1 x (97490 - 100010) = -252.0
 *   fee = 0.1 x 97490 x 0.0002 = 1.9498 */
Test(exit_plans, intrabar_stop_loss_on_a_candle)
{
    open_with_plan(1, 98000, 103000);
    perp_candle k = candle(T0 + 60000, 100000, 101000, 97500, 100500);
    cr_assert_eq(psim_on_candle(&E, sym("BTC-USD"), &k), PERP_OK);
    cr_assert_eq(R.n_fills, 2);
    perp_fill *f = &R.fills[1];
    cr_assert_eq(f->cause, PERP_CAUSE_STOP_LOSS);
    cr_assert(strncmp(f->reason, "stop_loss", 9) == 0, "%s", f->reason);
    cr_assert_eq(f->ts, T0 + 60000 + 40000);
    cr_assert_float_eq(f->qty, -0.1, EPS);
    cr_assert_float_eq(f->price, 97490.0, EPS);
    cr_assert_float_eq(f->realized_pnl, -252.0, EPS);
    cr_assert_float_eq(f->fee, 1.9498, EPS);
    cr_assert_eq(pos("BTC-USD")->qty, 0.0);
    cr_assert_float_eq(E.cash, 10000 - 2.0002 - 252.0 - 1.9498, EPS);
}

/* Long, stop 98000, target 103000. Candle O 100000 H 103500 L 99000 C
 * 101000: low nearer (1000 < 3500): 99000 does not stop, 103500 takes
 * profit.
 *   sell at 103500 x 0.9999 = 103489.65 -> 103489.5
 *   realized = 0.1 x (103489.5 - 100010) = 347.95
 *   fee = 0.1 x 103489.5 x 0.0002 = 2.06979 */
Test(exit_plans, intrabar_take_profit_on_a_candle)
{
    open_with_plan(1, 98000, 103000);
    perp_candle k = candle(T0 + 60000, 100000, 103500, 99000, 101000);
    cr_assert_eq(psim_on_candle(&E, sym("BTC-USD"), &k), PERP_OK);
    cr_assert_eq(R.n_fills, 2);
    perp_fill *f = &R.fills[1];
    cr_assert_eq(f->cause, PERP_CAUSE_TAKE_PROFIT);
    cr_assert(strncmp(f->reason, "take_profit", 11) == 0, "%s", f->reason);
    cr_assert_float_eq(f->price, 103489.5, EPS);
    cr_assert_float_eq(f->realized_pnl, 347.95, EPS);
    cr_assert_float_eq(f->fee, 2.06979, EPS);
}

/* Both levels inside one bar: O 100000 H 103500 L 97000. The low is nearer
 * (3000 < 3500), so the walk meets the stop first: sell at 97000 x 0.9999
 * = 96990.3 -> 96990.0. */
Test(exit_plans, nearer_extreme_decides_which_fires)
{
    open_with_plan(1, 98000, 103000);
    perp_candle k = candle(T0 + 60000, 100000, 103500, 97000, 100000);
    cr_assert_eq(psim_on_candle(&E, sym("BTC-USD"), &k), PERP_OK);
    cr_assert_eq(R.n_fills, 2);
    cr_assert_eq(R.fills[1].cause, PERP_CAUSE_STOP_LOSS);
    cr_assert_float_eq(R.fills[1].price, 96990.0, EPS);
}

/* Short 0.1 filled at 100000 x 0.9999 = 99990, stop 101000, target 98000.
 * Candle O 100000 H 101500 L 99500: low first, then 101500 stops out:
 *   buy at 101500 x 1.0001 = 101510.15 -> up to 101510.5
 *   realized = 0.1 x (99990 - 101510.5) = -152.05 */
Test(exit_plans, short_stop_loss)
{
    open_with_plan(-1, 101000, 98000);
    perp_candle k = candle(T0 + 60000, 100000, 101500, 99500, 100000);
    cr_assert_eq(psim_on_candle(&E, sym("BTC-USD"), &k), PERP_OK);
    cr_assert_eq(R.n_fills, 2);
    cr_assert_eq(R.fills[1].cause, PERP_CAUSE_STOP_LOSS);
    cr_assert_float_eq(R.fills[1].price, 101510.5, EPS);
    cr_assert_float_eq(R.fills[1].realized_pnl, -152.05, EPS);
}

/* A bar between the levels fires nothing; the plan stays. */
Test(exit_plans, quiet_bar_fires_nothing)
{
    open_with_plan(1, 98000, 103000);
    perp_candle k = candle(T0 + 60000, 100000, 102999.5, 98000.5, 100000);
    cr_assert_eq(psim_on_candle(&E, sym("BTC-USD"), &k), PERP_OK);
    cr_assert_eq(R.n_fills, 1);
    cr_assert_str_eq(pos("BTC-USD")->plan.invalidation, "4h close below EMA20");
}

/* On ticks: set_exit_plan replaces the plan; the stop fires on the first
 * update at or through it. */
Test(exit_plans, set_exit_plan_then_tick_stop)
{
    open_with_plan(1, 0, 0);
    perp_exit_plan plan = {0};
    char why[256];
    plan.stop_loss = 100500; /* above the mark: refused */
    cr_assert_eq(psim_set_exit_plan(&E, sym("BTC-USD"), &plan, why, sizeof why),
                 PERP_EINVAL);
    cr_assert(strstr(why, "stop_loss"), "%s", why);
    cr_assert_eq(psim_set_exit_plan(&E, sym("ETH-USD"), &plan, why, sizeof why),
                 PERP_EINVAL, "no ETH position");
    plan.stop_loss = 99000;
    cr_assert_eq(psim_set_exit_plan(&E, sym("BTC-USD"), &plan, why, sizeof why),
                 PERP_OK, "%s", why);
    last("BTC-USD", T0 + 1, 99000.5);
    cr_assert_eq(R.n_fills, 1);
    last("BTC-USD", T0 + 2, 99000);
    cr_assert_eq(R.n_fills, 2);
    cr_assert_eq(R.fills[1].cause, PERP_CAUSE_STOP_LOSS);
}

Test(exit_plans, inconsistent_candle_is_refused)
{
    open_with_plan(1, 98000, 103000);
    perp_candle k = candle(T0 + 60000, 100000, 99000, 101000, 100000);
    cr_assert_eq(psim_on_candle(&E, sym("BTC-USD"), &k), PERP_EINVAL);
    k = candle(T0 + 60000, NAN, 101000, 99000, 100000);
    cr_assert_eq(psim_on_candle(&E, sym("BTC-USD"), &k), PERP_EINVAL);
    cr_assert_eq(R.n_fills, 1);
}
