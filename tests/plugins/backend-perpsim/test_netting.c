/*
 * test_netting.c — perpsim fills: open, add, reduce, close, flip, with fees
 * and slippage worked out by hand (defaults: fee 2 bps, slippage 1 bp,
 * BTC-USD tick 0.5, size step 0.001).
 */
#include <criterion/criterion.h>

#include "psim_fixture.h"

#define T0  1700000000000LL
#define EPS 1e-9

static void start(void)
{
    psim_params p = fixture_params();
    fixture_start(&p);
}

TestSuite(netting, .init = start);

/* Open: book 99990 / 100010 (mark = mid = 100000). Buy 0.1 at 5x:
 *   fill  = ask x (1 + 1 bp) = 100010 x 1.0001 = 100020.001 -> up to the
 *           0.5 tick = 100020.5
 *   fee   = 0.1 x 100020.5 x 0.0002 = 2.00041            (2.00 to the cent)
 *   cash  = 10000 - 2.00041 = 9997.99959
 *   unrealized = 0.1 x (100000 - 100020.5) = -2.05
 *   IM = 0.1 x 100000 / 5 = 2000;  MM = 0.03 x 0.1 x 100000 = 300 */
Test(netting, open_long_with_fee_and_slippage)
{
    book("BTC-USD", T0, 99990, 100010);
    perp_fill f;
    cr_assert_eq(order("BTC-USD", 0.1, 5, T0, &f), PERP_OK, "%s", WHY);
    cr_assert_float_eq(f.price, 100020.5, EPS);
    cr_assert_float_eq(f.fee, 2.00041, EPS);
    cr_assert_eq(round(f.fee * 100) / 100, 2.00);
    cr_assert_float_eq(f.realized_pnl, 0.0, EPS);
    cr_assert_eq(f.cause, PERP_CAUSE_ENTRY);
    cr_assert_float_eq(f.position_after, 0.1, EPS);
    perp_account a;
    psim_account(&E, &a);
    cr_assert_float_eq(a.cash, 9997.99959, EPS);
    cr_assert_float_eq(a.unrealized_pnl, -2.05, EPS);
    cr_assert_float_eq(a.equity, 9995.94959, EPS);
    cr_assert_float_eq(a.margin_used, 2000.0, EPS);
    cr_assert_float_eq(a.maintenance_margin, 300.0, EPS);
    cr_assert_float_eq(a.available, 7995.94959, EPS);
    cr_assert_float_eq(a.fees_paid, 2.00041, EPS);
    cr_assert_eq(a.n_positions, 1);
    cr_assert_float_eq(a.positions[0].entry_price, 100020.5, EPS);
    cr_assert_eq(a.positions[0].entry_ts, T0);
    cr_assert_eq(a.positions[0].leverage, 5.0);
    cr_assert_eq(R.n_fills, 1);
}

/* Add, then reduce, then close:
 *   add:    book 100990 / 101010, buy 0.1: fill 101010 x 1.0001 =
 *           101020.101 -> 101020.5; fee 0.1 x 101020.5 x 0.0002 = 2.02041;
 *           entry = (0.1 x 100020.5 + 0.1 x 101020.5) / 0.2 = 100520.5
 *   reduce: book 101990 / 102010, sell 0.05: fill 101990 x 0.9999 =
 *           101979.801 -> down to 101979.5; realized = 0.05 x (101979.5 -
 *           100520.5) = 72.95; fee = 0.05 x 101979.5 x 0.0002 = 1.019795;
 *           entry stays 100520.5, 0.15 left
 *   close:  sell 0.15 at 101979.5: realized 0.15 x 1459 = 218.85; fee
 *           0.15 x 101979.5 x 0.0002 = 3.059385
 *   cash = 10000 - 2.00041 - 2.02041 + 72.95 - 1.019795 + 218.85 - 3.059385
 *        = 10000 + 291.80 - 8.10 = 10283.70 */
Test(netting, add_reduce_close)
{
    perp_fill f;
    book("BTC-USD", T0, 99990, 100010);
    cr_assert_eq(order("BTC-USD", 0.1, 5, T0, &f), PERP_OK, "%s", WHY);
    book("BTC-USD", T0 + 1000, 100990, 101010);
    cr_assert_eq(order("BTC-USD", 0.1, 0, T0 + 1000, &f), PERP_OK, "%s", WHY);
    cr_assert_float_eq(f.price, 101020.5, EPS);
    cr_assert_float_eq(f.fee, 2.02041, EPS);
    cr_assert_eq(f.cause, PERP_CAUSE_ENTRY);
    cr_assert_float_eq(pos("BTC-USD")->entry, 100520.5, EPS);
    cr_assert_float_eq(pos("BTC-USD")->qty, 0.2, EPS);
    cr_assert_eq(pos("BTC-USD")->entry_ts, T0, "an add keeps entry time");
    cr_assert_eq(pos("BTC-USD")->lev, 5.0, "no leverage given: kept");

    book("BTC-USD", T0 + 2000, 101990, 102010);
    cr_assert_eq(order("BTC-USD", -0.05, 0, T0 + 2000, &f), PERP_OK);
    cr_assert_float_eq(f.price, 101979.5, EPS);
    cr_assert_float_eq(f.realized_pnl, 72.95, EPS);
    cr_assert_float_eq(f.fee, 1.019795, EPS);
    cr_assert_eq(f.cause, PERP_CAUSE_EXIT);
    cr_assert_float_eq(pos("BTC-USD")->entry, 100520.5, EPS);
    cr_assert_float_eq(pos("BTC-USD")->qty, 0.15, EPS);

    cr_assert_eq(order("BTC-USD", -0.15, 0, T0 + 2000, &f), PERP_OK);
    cr_assert_float_eq(f.realized_pnl, 218.85, EPS);
    cr_assert_float_eq(f.fee, 3.059385, EPS);
    cr_assert_eq(f.position_after, 0.0);
    cr_assert_eq(pos("BTC-USD")->qty, 0.0);
    perp_account a;
    psim_account(&E, &a);
    cr_assert_eq(a.n_positions, 0);
    cr_assert_float_eq(a.cash, 10283.70, 1e-8);
    cr_assert_float_eq(a.realized_pnl, 291.80, 1e-8);
    cr_assert_float_eq(a.fees_paid, 8.10, 1e-8);
    cr_assert_float_eq(a.equity, 10283.70, 1e-8);
    cr_assert_float_eq(a.margin_used, 0.0, EPS);
}

/* Flip: long 0.1 at 100020.5 (fee 2.00041), then book 98990 / 99010 and
 * sell 0.3: fill 98990 x 0.9999 = 98980.101 -> 98980.0;
 *   realized on the closed 0.1 = 0.1 x (98980 - 100020.5) = -104.05
 *   fee on all 0.3 = 0.3 x 98980 x 0.0002 = 5.9388
 *   the rest, -0.2, opens a short at 98980 with the order's leverage 3
 *   cash = 10000 - 2.00041 - 104.05 - 5.9388 = 9888.01079
 * Then mark 97000: short unrealized = -0.2 x (97000 - 98980) = +396. */
Test(netting, flip_long_to_short)
{
    perp_fill f;
    book("BTC-USD", T0, 99990, 100010);
    perp_order o = mk_order("BTC-USD", 0.1, 5);
    o.has_exit_plan = 1;
    o.exit_plan.stop_loss = 95000;
    cr_assert_eq(psim_submit(&E, &o, T0, &f, WHY, sizeof WHY), PERP_OK);
    book("BTC-USD", T0 + 5000, 98990, 99010);
    cr_assert_eq(order("BTC-USD", -0.3, 3, T0 + 5000, &f), PERP_OK, "%s", WHY);
    cr_assert_eq(f.cause, PERP_CAUSE_FLIP);
    cr_assert_float_eq(f.price, 98980.0, EPS);
    cr_assert_float_eq(f.realized_pnl, -104.05, EPS);
    cr_assert_float_eq(f.fee, 5.9388, EPS);
    cr_assert_float_eq(f.position_after, -0.2, EPS);
    const psim_symbol *s = pos("BTC-USD");
    cr_assert_float_eq(s->entry, 98980.0, EPS);
    cr_assert_eq(s->lev, 3.0);
    cr_assert_eq(s->entry_ts, T0 + 5000, "a flip restarts entry time");
    cr_assert_eq(s->plan.stop_loss, 0.0, "the long's stop does not carry");
    cr_assert_float_eq(E.cash, 9888.01079, EPS);
    last("BTC-USD", T0 + 6000, 97000);
    cr_assert_float_eq(E.u_total, 396.0, EPS);
    cr_assert_float_eq(equity(), 9888.01079 + 396.0, EPS);
}

/* Short side fills use the bid: book 1999.00 / 2001.00, sell 2 ETH:
 *   fill = 1999 x 0.9999 = 1998.8001 -> down to the 0.01 tick = 1998.80
 *   fee = 2 x 1998.80 x 0.0002 = 0.79952 (0.80 to the cent)
 * Buy back 2 at book 1899 / 1901: 1901 x 1.0001 = 1901.1901 -> 1901.20;
 *   realized = 2 x (1998.80 - 1901.20) = 195.20; fee 2 x 1901.2 x 0.0002
 *   = 0.76048 */
Test(netting, short_open_and_cover)
{
    perp_fill f;
    book("ETH-USD", T0, 1999, 2001);
    cr_assert_eq(order("ETH-USD", -2, 2, T0, &f), PERP_OK, "%s", WHY);
    cr_assert_float_eq(f.price, 1998.80, EPS);
    cr_assert_float_eq(f.fee, 0.79952, EPS);
    book("ETH-USD", T0 + 1, 1899, 1901);
    cr_assert_float_eq(E.u_total, -2 * (1900 - 1998.80), EPS);
    cr_assert_eq(order("ETH-USD", 2, 0, T0 + 1, &f), PERP_OK, "%s", WHY);
    cr_assert_float_eq(f.price, 1901.20, EPS);
    cr_assert_float_eq(f.realized_pnl, 195.20, EPS);
    cr_assert_float_eq(f.fee, 0.76048, EPS);
    cr_assert_float_eq(E.cash, 10000 - 0.79952 + 195.20 - 0.76048, EPS);
}

/* Size steps: 0.1239 BTC floors to 0.123 (never more than asked). */
Test(netting, quantity_rounded_down_to_size_step)
{
    perp_fill f;
    last("BTC-USD", T0, 100000);
    cr_assert_eq(order("BTC-USD", 0.1239, 5, T0, &f), PERP_OK, "%s", WHY);
    cr_assert_float_eq(f.qty, 0.123, EPS);
    cr_assert_eq(order("BTC-USD", -0.0009, 1, T0, &f), PERP_EREJECT);
    cr_assert(strstr(WHY, "rounds to 0"), "%s", WHY);
}

/* Rejections leave everything as it was (compared field by field). */
static void assert_untouched(const psim_engine *before)
{
    cr_assert_eq(E.cash, before->cash);
    cr_assert_eq(E.fees, before->fees);
    cr_assert_eq(E.im_total, before->im_total);
    for (size_t i = 0; i < E.n_symbols; i++) {
        cr_assert_eq(E.sym[i].qty, before->sym[i].qty);
        cr_assert_eq(E.sym[i].entry, before->sym[i].entry);
        cr_assert_eq(E.sym[i].lev, before->sym[i].lev);
    }
}

/* Margin: equity 10000, mark 100000, 5x. Buy 0.5: IM = 0.5 x 100000 / 5 =
 * 10000 > equity after the order = 10000 - fee 10.001 - slippage 5 =
 * 9984.999 -> rejected. Buy 0.49: IM 9800 <= 10000 - 9.8 - 4.9 -> fills. */
Test(netting, rejects_insufficient_margin)
{
    last("BTC-USD", T0, 100000);
    psim_engine before = E;
    cr_assert_eq(order("BTC-USD", 0.5, 5, T0, NULL), PERP_EREJECT);
    cr_assert(strstr(WHY, "insufficient margin"), "%s", WHY);
    cr_assert(strstr(WHY, "10000.00"), "%s", WHY);
    cr_assert(strstr(WHY, "9984.999") || strstr(WHY, "9985.00"), "%s", WHY);
    assert_untouched(&before);
    cr_assert_eq(R.n_fills, 0);
    cr_assert_eq(order("BTC-USD", 0.49, 5, T0, NULL), PERP_OK, "%s", WHY);
    /* Reducing is always allowed, even when margin is short. */
    last("BTC-USD", T0 + 1, 85000);
    cr_assert_eq(order("BTC-USD", -0.1, 0, T0 + 1, NULL), PERP_OK, "%s", WHY);
}

/* min_notional 5: DOGE at 0.1 (tick 0.00001, step 1). Buy 40: 40 x
 * 0.10001 = 4.0004 < 5 -> rejected. Buy 49.9 floors to 49: 4.90049 < 5 ->
 * rejected after rounding. Buy 50: 5.0005 -> fills. Closing 50 back is a
 * full close, allowed whatever its notional. */
Test(netting, rejects_below_min_notional)
{
    last("DOGE-USD", T0, 0.1);
    psim_engine before = E;
    cr_assert_eq(order("DOGE-USD", 40, 1, T0, NULL), PERP_EREJECT);
    cr_assert(strstr(WHY, "min_notional"), "%s", WHY);
    cr_assert_eq(order("DOGE-USD", 49.9, 1, T0, NULL), PERP_EREJECT);
    cr_assert(strstr(WHY, "4.90"), "%s", WHY);
    assert_untouched(&before);
    perp_fill f;
    cr_assert_eq(order("DOGE-USD", 50, 1, T0, &f), PERP_OK, "%s", WHY);
    cr_assert_float_eq(f.price, 0.10001, 1e-12);
    last("DOGE-USD", T0 + 1, 0.05);
    cr_assert_eq(order("DOGE-USD", -10, 0, T0 + 1, NULL), PERP_EREJECT);
    cr_assert_eq(order("DOGE-USD", -50, 0, T0 + 1, &f), PERP_OK, "%s", WHY);
    cr_assert_eq(pos("DOGE-USD")->qty, 0.0);
}

/* Leverage must be within 1..max_leverage (5); 0 means "default". */
Test(netting, rejects_leverage_out_of_range)
{
    last("BTC-USD", T0, 100000);
    psim_engine before = E;
    cr_assert_eq(order("BTC-USD", 0.01, 6, T0, NULL), PERP_EREJECT);
    cr_assert(strstr(WHY, "leverage 6 outside 1..5"), "%s", WHY);
    cr_assert_eq(order("BTC-USD", 0.01, 0.5, T0, NULL), PERP_EREJECT);
    cr_assert_eq(order("BTC-USD", 0.01, NAN, T0, NULL), PERP_EREJECT);
    cr_assert_eq(order("BTC-USD", 0.01, 101, T0, NULL), PERP_EREJECT);
    assert_untouched(&before);
    cr_assert_eq(order("BTC-USD", 0.01, 0, T0, NULL), PERP_OK, "%s", WHY);
    cr_assert_eq(pos("BTC-USD")->lev, 1.0, "default_leverage is 1");
}

Test(netting, rejects_unknown_symbol_missing_price_and_bad_qty)
{
    cr_assert_eq(order("PEPE-USD", 1, 1, T0, NULL), PERP_EREJECT);
    cr_assert(strstr(WHY, "unknown symbol"), "%s", WHY);
    cr_assert_eq(order("BTC-USD", 0.01, 1, T0, NULL), PERP_EREJECT);
    cr_assert(strstr(WHY, "no price"), "%s", WHY);
    last("BTC-USD", T0, 100000);
    cr_assert_eq(order("BTC-USD", NAN, 1, T0, NULL), PERP_EREJECT);
    cr_assert_eq(order("BTC-USD", INFINITY, 1, T0, NULL), PERP_EREJECT);
    cr_assert_eq(order("BTC-USD", 0, 1, T0, NULL), PERP_EREJECT);
    cr_assert_eq(R.n_fills, 0);
}

/* reduce_only may not open; one that would flip is cut to a close. */
Test(netting, reduce_only)
{
    last("BTC-USD", T0, 100000);
    perp_order o = mk_order("BTC-USD", 0.01, 1);
    o.reduce_only = 1;
    perp_fill f;
    cr_assert_eq(psim_submit(&E, &o, T0, &f, WHY, sizeof WHY), PERP_EREJECT);
    cr_assert_eq(order("BTC-USD", 0.01, 1, T0, NULL), PERP_OK);
    o.qty = -0.05;
    cr_assert_eq(psim_submit(&E, &o, T0, &f, WHY, sizeof WHY), PERP_OK);
    cr_assert_float_eq(f.qty, -0.01, EPS);
    cr_assert_eq(pos("BTC-USD")->qty, 0.0);
}

/* Limit orders execute only when marketable: at the market fill price. */
Test(netting, limit_orders_fill_only_when_marketable)
{
    last("BTC-USD", T0, 100000);
    perp_order o = mk_order("BTC-USD", 0.01, 1);
    o.type = PERP_ORDER_LIMIT;
    o.limit_price = 100000; /* market buy would pay 100010 */
    perp_fill f;
    cr_assert_eq(psim_submit(&E, &o, T0, &f, WHY, sizeof WHY), PERP_EREJECT);
    cr_assert(strstr(WHY, "not marketable"), "%s", WHY);
    o.limit_price = 100050;
    cr_assert_eq(psim_submit(&E, &o, T0, &f, WHY, sizeof WHY), PERP_OK);
    cr_assert_float_eq(f.price, 100010.0, EPS);
}

/* An exit plan on the wrong side of the mark is refused. */
Test(netting, rejects_exit_plan_on_wrong_side)
{
    last("BTC-USD", T0, 100000);
    perp_order o = mk_order("BTC-USD", 0.01, 1);
    o.has_exit_plan = 1;
    o.exit_plan.stop_loss = 100500; /* above the mark, for a long */
    cr_assert_eq(psim_submit(&E, &o, T0, NULL, WHY, sizeof WHY), PERP_EREJECT);
    cr_assert(strstr(WHY, "stop_loss"), "%s", WHY);
    o.exit_plan.stop_loss = 99000;
    o.exit_plan.profit_target = 99500; /* below the mark */
    cr_assert_eq(psim_submit(&E, &o, T0, NULL, WHY, sizeof WHY), PERP_EREJECT);
    o.exit_plan.profit_target = 101000.3; /* rounded to the 0.5 tick */
    perp_fill f;
    cr_assert_eq(psim_submit(&E, &o, T0, &f, WHY, sizeof WHY), PERP_OK, "%s",
                 WHY);
    cr_assert_eq(pos("BTC-USD")->plan.profit_target, 101000.5);
    cr_assert_eq(pos("BTC-USD")->plan.stop_loss, 99000.0);
}

/* dry_run: every check runs, nothing is executed or recorded. */
Test(netting, dry_run_executes_nothing)
{
    psim_params p = fixture_params();
    p.dry_run = 1;
    fixture_start(&p);
    last("BTC-USD", T0, 100000);
    cr_assert_eq(order("BTC-USD", 0.01, 1, T0, NULL), PERP_EREJECT);
    cr_assert(strstr(WHY, "dry_run: would buy 0.01 BTC-USD at 100010"), "%s",
              WHY);
    cr_assert_eq(order("BTC-USD", 0.01, 9, T0, NULL), PERP_EREJECT);
    cr_assert(strstr(WHY, "leverage"), "%s", WHY);
    cr_assert_eq(pos("BTC-USD")->qty, 0.0);
    cr_assert_eq(E.cash, 10000.0);
    cr_assert_eq(R.n_fills, 0);
}
