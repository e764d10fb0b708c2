/*
 * Target-position semantics (DESIGN.md): order = target - current.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "position_manager.h"

static perp_coin_decision dec(perp_signal s, double q, double lev)
{
    perp_coin_decision d;
    memset(&d, 0, sizeof d);
    strcpy(d.coin, "BTC");
    d.signal = s;
    d.quantity = q;
    d.leverage = lev;
    strcpy(d.justification, "because");
    return d;
}

static perp_position pos(double qty, double lev)
{
    perp_position p;
    memset(&p, 0, sizeof p);
    strcpy(p.symbol, "BTC-USD");
    p.qty = qty;
    p.leverage = lev;
    return p;
}

static perp_order o;
static perp_fill_cause cause;

static int run(perp_coin_decision d, const perp_position *cur)
{
    memset(&o, 0xAB, sizeof o);
    cause = (perp_fill_cause)-1;
    return host_pm_order_for(&d, "BTC-USD", cur, 120000, &o, &cause);
}

Test(position_manager, buy_from_flat_is_an_entry)
{
    perp_coin_decision d = dec(PERP_SIGNAL_BUY, 0.1, 3);
    d.exit_plan.stop_loss = 95000;
    d.exit_plan.profit_target = 110000;
    strcpy(d.exit_plan.invalidation, "close below EMA20");
    cr_assert_eq(run(d, NULL), 1);
    cr_assert_float_eq(o.qty, 0.1, 1e-15);
    cr_assert_eq(o.type, PERP_ORDER_MARKET);
    cr_assert_float_eq(o.leverage, 3, 1e-15);
    cr_assert_eq(o.reduce_only, 0);
    cr_assert_eq(o.has_exit_plan, 1);
    cr_assert_float_eq(o.exit_plan.stop_loss, 95000, 1e-9);
    cr_assert_str_eq(o.exit_plan.invalidation, "close below EMA20");
    cr_assert_str_eq(o.reason, "because");
    cr_assert_str_eq(o.symbol, "BTC-USD");
    cr_assert_str_eq(o.client_id, "perpd-BTC-USD-120000");
    cr_assert_eq(o.ts, 120000);
    cr_assert_eq(cause, PERP_CAUSE_ENTRY);
}

Test(position_manager, repeated_buy_does_not_pyramid)
{
    perp_position p = pos(0.1, 3);
    cr_assert_eq(run(dec(PERP_SIGNAL_BUY, 0.1, 3), &p), 0);
}

Test(position_manager, smaller_buy_reduces)
{
    /* long 0.1, buy 0.04 -> sell 0.06, an exit, reduce-only */
    perp_position p = pos(0.1, 3);
    cr_assert_eq(run(dec(PERP_SIGNAL_BUY, 0.04, 3), &p), 1);
    cr_assert_float_eq(o.qty, -0.06, 1e-15);
    cr_assert_eq(o.reduce_only, 1);
    cr_assert_eq(cause, PERP_CAUSE_EXIT);
}

Test(position_manager, larger_buy_adds)
{
    perp_position p = pos(0.1, 3);
    cr_assert_eq(run(dec(PERP_SIGNAL_BUY, 0.25, 3), &p), 1);
    cr_assert_float_eq(o.qty, 0.15, 1e-15);
    cr_assert_eq(cause, PERP_CAUSE_ENTRY);
}

Test(position_manager, sell_while_long_flips_in_one_order)
{
    /* long 0.1, sell 0.1 -> target -0.1, order -0.2 */
    perp_position p = pos(0.1, 3);
    cr_assert_eq(run(dec(PERP_SIGNAL_SELL, 0.1, 2), &p), 1);
    cr_assert_float_eq(o.qty, -0.2, 1e-15);
    cr_assert_eq(o.reduce_only, 0);
    cr_assert_float_eq(o.leverage, 2, 1e-15);
    cr_assert_eq(cause, PERP_CAUSE_FLIP);
}

Test(position_manager, close_flattens_with_own_leverage)
{
    perp_position p = pos(-0.3, 4);
    perp_coin_decision d = dec(PERP_SIGNAL_CLOSE, 0, 0);
    d.exit_plan.stop_loss = 1; /* irrelevant once flat */
    cr_assert_eq(run(d, &p), 1);
    cr_assert_float_eq(o.qty, 0.3, 1e-15);
    cr_assert_eq(o.reduce_only, 1);
    cr_assert_float_eq(o.leverage, 4, 1e-15);
    cr_assert_eq(o.has_exit_plan, 0);
    cr_assert_eq(cause, PERP_CAUSE_EXIT);
}

Test(position_manager, nothing_to_do)
{
    perp_position p = pos(0.1, 3);
    cr_assert_eq(run(dec(PERP_SIGNAL_CLOSE, 0, 0), NULL), 0);
    cr_assert_eq(run(dec(PERP_SIGNAL_HOLD, 5, 3), &p), 0);
    cr_assert_eq(run(dec(PERP_SIGNAL_HOLD, 5, 3), NULL), 0);
    cr_assert_eq(run(dec(PERP_SIGNAL_BUY, NAN, 3), NULL), 0);
}
