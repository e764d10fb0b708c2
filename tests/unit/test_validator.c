/*
 * The validator's checks, each with the arithmetic written out.
 * Fixture: BTC mid 100 000, ETH mid 3 000 (rules: min notional 10, max
 * leverage 20); equity 10 000, available 8 000; limits: max leverage 5,
 * min notional 10, max exposure 3x.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "validator.h"

static perp_market_view mk[2];
static perp_observation obs;
static char why[256];

static void market(perp_market_view *m, const char *sym, double mid)
{
    memset(m, 0, sizeof *m);
    snprintf(m->symbol, sizeof m->symbol, "%s", sym);
    perp_symbol_coin(sym, m->coin);
    m->mid = m->bid = m->ask = mid;
    m->rules.min_notional = 10;
    m->rules.max_leverage = 20;
    m->rules.tick_size = 0.01;
    m->last_update = 1000;
}

static void setup(void)
{
    market(&mk[0], "BTC-USD", 100000);
    market(&mk[1], "ETH-USD", 3000);
    memset(&obs, 0, sizeof obs);
    obs.struct_size = sizeof obs;
    obs.markets = mk;
    obs.n_markets = 2;
    obs.account.equity = 10000;
    obs.account.cash = 10000;
    obs.account.available = 8000;
    obs.limits.min_notional = 10;
    obs.limits.max_leverage = 5;
    obs.limits.max_exposure = 3;
    why[0] = '\0';
}

static perp_coin_decision dec(const char *coin, perp_signal s, double q,
                              double lev)
{
    perp_coin_decision d;
    memset(&d, 0, sizeof d);
    snprintf(d.coin, sizeof d.coin, "%s", coin);
    d.signal = s;
    d.quantity = q;
    d.leverage = lev;
    return d;
}

static int check(perp_coin_decision d)
{
    const perp_market_view *m = NULL;
    return host_validate_decision(&obs, &d, &m, why, sizeof why);
}

static void add_position(const char *sym, double qty, double mark, double lev)
{
    perp_position *p = &obs.account.positions[obs.account.n_positions++];
    memset(p, 0, sizeof *p);
    snprintf(p->symbol, sizeof p->symbol, "%s", sym);
    p->qty = qty;
    p->entry_price = p->mark_price = mark;
    p->leverage = lev;
    p->notional = fabs(qty) * mark;
    p->initial_margin = p->notional / lev;
}

TestSuite(validator, .init = setup);

Test(validator, good_buy_passes_and_names_market)
{
    /* 0.1 BTC = 10 000 notional; margin 10 000 / 5 = 2 000 <= 8 000;
     * exposure 1.0x <= 3x */
    perp_coin_decision d = dec("BTC", PERP_SIGNAL_BUY, 0.1, 5);
    const perp_market_view *m = NULL;
    cr_assert_eq(host_validate_decision(&obs, &d, &m, why, sizeof why), 1, "%s",
                 why);
    cr_assert_eq(m, &mk[0]);
    cr_assert_str_eq(why, "");
    /* lower-case coin still names the market */
    cr_assert_eq(check(dec("eth", PERP_SIGNAL_SELL, 1, 2)), 1, "%s", why);
}

Test(validator, unknown_coin)
{
    cr_assert_eq(check(dec("PEPE", PERP_SIGNAL_BUY, 1, 1)), 0);
    cr_assert_str_eq(why, "PEPE: not a traded coin (traded: BTC, ETH)");
}

Test(validator, quantity_must_be_positive_and_finite)
{
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, -0.1, 2)), 0);
    cr_assert_str_eq(why, "BTC: quantity -0.1 must be > 0 for buy");
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_SELL, 0, 2)), 0);
    cr_assert_str_eq(why, "BTC: quantity 0 must be > 0 for sell");
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, NAN, 2)), 0);
    cr_assert_str_eq(
        why, "BTC: quantity is not a finite number (malformed or unparsable "
             "field)");
    /* even a hold with a malformed field is refused, so it is reported */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_HOLD, NAN, 2)), 0);
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, INFINITY, 2)), 0);
}

Test(validator, huge_quantity_fails_on_exposure)
{
    /* 1e9 BTC = 1e14 notional = 1e10 x equity */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 1e9, 5)), 0);
    cr_assert_not_null(strstr(why, "exceeds max 3x"), "%s", why);
}

Test(validator, leverage_bounds)
{
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.01, 1000)), 0);
    cr_assert_str_eq(why, "BTC: leverage 1000 exceeds max 5");
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.01, 0.5)), 0);
    cr_assert_str_eq(why, "BTC: leverage 0.5 is below 1");
    /* the market's own rule wins when lower */
    mk[0].rules.max_leverage = 3;
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.01, 4)), 0);
    cr_assert_str_eq(why, "BTC: leverage 4 exceeds max 3");
}

Test(validator, min_notional)
{
    /* 0.00005 BTC x 100 000 = 5 < 10 */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.00005, 2)), 0);
    cr_assert_str_eq(why, "BTC: notional 5.00 is below min notional 10");
    /* the market's rule wins when higher: 0.01 ETH = 30 < 50 */
    mk[1].rules.min_notional = 50;
    cr_assert_eq(check(dec("ETH", PERP_SIGNAL_BUY, 0.01, 2)), 0);
    /* long 0.1 BTC, target 0.10005: order 0.00005 BTC = 5 < 10 */
    add_position("BTC-USD", 0.1, 100000, 5);
    obs.account.available = 6000;
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.10005, 5)), 0);
    cr_assert_not_null(strstr(why, "order notional 5.00"), "%s", why);
    /* already at target: no order, nothing below the minimum */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.1, 5)), 1, "%s", why);
}

Test(validator, margin_counts_freed_margin)
{
    /* allow exposure up to 10x so margin is what binds */
    obs.limits.max_exposure = 10;
    /* 0.5 BTC = 50 000; margin 50 000 / 5 = 10 000 > 8 000 */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.5, 5)), 0);
    cr_assert_str_eq(why, "BTC: needs 10000.00 more margin, 8000.00 available");
    /* long 0.4 BTC at 5x holds 8 000 margin, available 0:
     * target 0.45 -> 9 000 - 8 000 = 1 000 more > 0 */
    add_position("BTC-USD", 0.4, 100000, 5);
    obs.account.available = 0;
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.45, 5)), 0);
    cr_assert_str_eq(why, "BTC: needs 1000.00 more margin, 0.00 available");
    /* flipping to short 0.4 at 5x needs 8 000, frees 8 000: passes */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_SELL, 0.4, 5)), 1, "%s", why);
    /* reducing to 0.2 passes; closing passes */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.2, 5)), 1, "%s", why);
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_CLOSE, 0, 0)), 1, "%s", why);
}

Test(validator, total_exposure_after_the_order)
{
    /* short 2 ETH at 3 000 = 6 000; buy 0.25 BTC = 25 000;
     * (6 000 + 25 000) / 10 000 = 3.1x > 3x */
    add_position("ETH-USD", -2, 3000, 5);
    obs.account.available = 10000; /* so margin is not what binds */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.25, 5)), 0);
    cr_assert_str_eq(
        why, "BTC: total exposure 3.10x equity after the order exceeds max 3x");
    /* 0.24 BTC: (6 000 + 24 000) / 10 000 = 3.0x: allowed */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.24, 5)), 1, "%s", why);
}

Test(validator, max_position_notional)
{
    obs.limits.max_position_notional = 5000;
    /* 0.06 BTC = 6 000 > 5 000 */
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.06, 5)), 0);
    cr_assert_str_eq(
        why, "BTC: notional 6000.00 exceeds max position notional 5000");
}

Test(validator, exit_plan_sides)
{
    perp_coin_decision d = dec("BTC", PERP_SIGNAL_BUY, 0.01, 2);
    d.exit_plan.stop_loss = 101000;
    cr_assert_eq(check(d), 0);
    cr_assert_str_eq(why, "BTC: stop_loss 101000 is on the wrong side of "
                          "price 100000 for a long");
    d.exit_plan.stop_loss = 95000;
    d.exit_plan.profit_target = 99000;
    cr_assert_eq(check(d), 0);
    cr_assert_not_null(strstr(why, "profit_target 99000"), "%s", why);
    d.exit_plan.profit_target = 110000;
    cr_assert_eq(check(d), 1, "%s", why);
    /* short mirror */
    d.signal = PERP_SIGNAL_SELL;
    cr_assert_eq(check(d), 0);
    cr_assert_not_null(strstr(why, "for a short"), "%s", why);
    d.exit_plan.stop_loss = 105000;
    d.exit_plan.profit_target = 90000;
    cr_assert_eq(check(d), 1, "%s", why);
    d.exit_plan.stop_loss = -5;
    cr_assert_eq(check(d), 0);
}

Test(validator, stale_market_blocks_orders_not_holds)
{
    mk[0].stale = 1;
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.01, 2)), 0);
    cr_assert_str_eq(why,
                     "BTC: market data is stale (last update 1000); no order");
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_CLOSE, 0, 1)), 0);
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_HOLD, 0, 1)), 1, "%s", why);
    mk[0].stale = 0;
    mk[0].mid = NAN;
    cr_assert_eq(check(dec("BTC", PERP_SIGNAL_BUY, 0.01, 2)), 0);
    cr_assert_str_eq(why, "BTC: no price; no order");
}

Test(validator, reason_is_one_line_and_bounded)
{
    char small[16];
    perp_coin_decision d = dec("BTC", PERP_SIGNAL_BUY, 0.01, 1000);
    cr_assert_eq(host_validate_decision(&obs, &d, NULL, small, sizeof small),
                 0);
    cr_assert_eq(strlen(small), sizeof small - 1);
    d = dec("X\nY", PERP_SIGNAL_BUY, 1, 1);
    cr_assert_eq(check(d), 0);
    cr_assert_null(strchr(why, '\n'));
}

/* Issue 15, item 7, closed for every parser: two coin decisions that
 * name one market ("BTC" and "btc", "BTC" and "BTC-USD", the array form
 * with BTC twice) are both refused, never applied one after the other. */
Test(validator, a_market_named_twice_in_one_decision_is_refused)
{
    perp_decision d;
    memset(&d, 0, sizeof d);
    d.coins[0] = dec("BTC", PERP_SIGNAL_BUY, 0.01, 2);
    d.coins[1] = dec("ETH", PERP_SIGNAL_HOLD, 0, 1);
    d.coins[2] = dec("btc-usd", PERP_SIGNAL_SELL, 0.02, 2);
    d.n_coins = 3;
    cr_assert_eq(host_decision_names_twice(&obs, &d, 0, why, sizeof why), 1);
    cr_assert_str_eq(why, "BTC: BTC-USD is named twice in one decision ('BTC' "
                          "and 'btc-usd'): which one was meant is unclear; "
                          "no order");
    cr_assert_eq(host_decision_names_twice(&obs, &d, 2, why, sizeof why), 1);
    cr_assert(strncmp(why, "btc-usd: BTC-USD is named twice", 31) == 0, "%s",
              why);
    why[0] = '\0';
    cr_assert_eq(host_decision_names_twice(&obs, &d, 1, why, sizeof why), 0);
    cr_assert_str_eq(why, "");
    /* Unknown coins are the validator's to refuse, not duplicates. */
    d.coins[0] = dec("PEPE", PERP_SIGNAL_BUY, 1, 1);
    d.coins[2] = dec("PEPE", PERP_SIGNAL_BUY, 1, 1);
    cr_assert_eq(host_decision_names_twice(&obs, &d, 0, why, sizeof why), 0);
}
