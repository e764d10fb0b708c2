/*
 * test_liquidation.c — perpsim liquidation: a 10x long liquidated at its
 * computed price and not one tick before, and cross margin where one
 * position's loss liquidates another.
 */
#include <criterion/criterion.h>

#include "psim_fixture.h"

#define T0  1700000000000LL
#define EPS 1e-9

/* 10x long, defaults otherwise (fee 2 bps, slippage 1 bp, mm 0.03,
 * penalty 5 bps), max_leverage 10, BTC tick 0.5:
 *   buy 0.9 at last 100000: fill 100010, fee 0.9 x 100010 x 0.0002 =
 *   18.0018 -> cash 9981.9982; IM = 0.9 x 100000 / 10 = 9000 <= equity
 *   9981.9982 - 0.9 x 10 = 9972.9982.
 * Liquidation price, alone in the account:
 *   cash + q (m - e) = mm q m  ->  m = (q e - cash) / (q (1 - mm))
 *   = (90009 - 9981.9982) / (0.9 x 0.97) = 80027.0018 / 0.873
 *   = 91668.9597 (between the ticks 91668.5 and 91669).
 *   At 91669:   equity = 9981.9982 + 0.9 (91669 - 100010) = 2475.0982,
 *               MM = 0.03 x 0.9 x 91669 = 2475.063  -> still open.
 *   At 91668.5: equity = 2474.6482 < MM 2475.0495      -> liquidated at
 *               mark: realized 0.9 (91668.5 - 100010) = -7507.35, penalty
 *               0.9 x 91668.5 x 0.0005 = 41.250825 (no fee on top);
 *               cash = 9981.9982 - 7507.35 - 41.250825 = 2433.397375. */
Test(liquidation, ten_x_long_at_computed_price_not_a_tick_before)
{
    psim_params p = fixture_params();
    p.max_leverage = 10;
    fixture_start(&p);
    last("BTC-USD", T0, 100000);
    cr_assert_eq(order("BTC-USD", 0.9, 10, T0, NULL), PERP_OK, "%s", WHY);
    cr_assert_float_eq(E.cash, 9981.9982, EPS);

    double q = 0.9, e = 100010, cash = 9981.9982, mm = 0.03;
    double want = (q * e - cash) / (q * (1 - mm));
    cr_assert_float_eq(want, 91668.9597, 1e-4);
    cr_assert_float_eq(psim_liquidation_price(&E, sym("BTC-USD")), want, 1e-6);
    perp_account a;
    psim_account(&E, &a);
    cr_assert_float_eq(a.positions[0].liquidation_price, want, 1e-6);

    /* Walk down tick by tick from 91700 to 91669: never liquidated. */
    for (double m = 91700; m >= 91669; m -= 0.5)
        last("BTC-USD", T0 + 1000, m);
    cr_assert_eq(R.n_liq, 0);
    cr_assert_float_eq(pos("BTC-USD")->qty, 0.9, EPS);
    cr_assert_float_eq(equity(), 2475.0982, 1e-7);
    cr_assert_float_eq(E.mm_total, 2475.063, 1e-7);

    last("BTC-USD", T0 + 2000, 91668.5);
    cr_assert_eq(R.n_liq, 1);
    cr_assert_str_eq(R.liq[0].symbol, "BTC-USD");
    cr_assert_float_eq(R.liq[0].qty, 0.9, EPS);
    cr_assert_float_eq(R.liq[0].price, 91668.5, EPS);
    cr_assert_float_eq(R.liq[0].penalty, 41.250825, EPS);
    cr_assert_float_eq(R.liq[0].equity_before, 2474.6482, 1e-7);
    cr_assert_float_eq(R.liq[0].maintenance_before, 2475.0495, 1e-7);
    perp_fill *f = &R.fills[R.n_fills - 1];
    cr_assert_eq(f->cause, PERP_CAUSE_LIQUIDATION);
    cr_assert_float_eq(f->qty, -0.9, EPS);
    cr_assert_float_eq(f->price, 91668.5, EPS);
    cr_assert_float_eq(f->realized_pnl, -7507.35, 1e-7);
    cr_assert_float_eq(f->fee, 41.250825, EPS);
    cr_assert(strstr(f->reason, "liquidation"), "%s", f->reason);
    cr_assert_eq(pos("BTC-USD")->qty, 0.0);
    cr_assert_float_eq(E.cash, 2433.397375, 1e-7);
    cr_assert_float_eq(E.fees, 18.0018 + 41.250825, 1e-9);
}

/* Short side: 10x short 0.9 at 100000 with no fee or slippage.
 *   m = (q e - cash) / (q - mm |q|) with q = -0.9, e = 100000, cash 10000:
 *     (-90000 - 10000) / (-0.9 - 0.027) = 100000 / 0.927 = 107874.8652
 *   107874.5 holds, 107875 liquidates. */
Test(liquidation, ten_x_short)
{
    psim_params p = fixture_params();
    p.max_leverage = 10;
    p.fee_bps = 0;
    p.slippage_bps = 0;
    fixture_start(&p);
    last("BTC-USD", T0, 100000);
    cr_assert_eq(order("BTC-USD", -0.9, 10, T0, NULL), PERP_OK, "%s", WHY);
    double want = 100000.0 / 0.927;
    cr_assert_float_eq(psim_liquidation_price(&E, sym("BTC-USD")), want, 1e-6);
    last("BTC-USD", T0 + 1, 107874.5);
    cr_assert_eq(R.n_liq, 0);
    last("BTC-USD", T0 + 2, 107875);
    cr_assert_eq(R.n_liq, 1);
    cr_assert_eq(pos("BTC-USD")->qty, 0.0);
}

/* Cross margin, no fee or slippage, penalty 5 bps, mm 0.03, 10x allowed:
 *   long 0.5 BTC at 100000 (IM 5000) and long 20 ETH at 2000 (IM 4000).
 *   ETH falls to 1700: U_eth = 20 x -300 = -6000; equity 4000, MM = 0.03 x
 *   (50000 + 34000) = 2520: healthy. (Per-symbol, as the Python twin did:
 *   cash + U_eth = 4000 >= MM_eth 1020, so ETH alone never trips.)
 *   BTC falls to 96948: U_btc = 0.5 x -3052 = -1526; equity 2474, MM =
 *   0.03 x (48474 + 34000) = 2474.22 -> liquidation, largest loss first:
 *   ETH (-6000) closes at 1700, penalty 34000 x 0.0005 = 17; cash = 10000 -
 *   6000 - 17 = 3983; equity 3983 - 1526 = 2457 >= MM 1454.22: BTC stays.
 *   One tick earlier, BTC 96948.5: equity 2474.25 >= MM 2474.2275: no
 *   liquidation. */
Test(liquidation, one_positions_loss_liquidates_another)
{
    psim_params p = fixture_params();
    p.max_leverage = 10;
    p.fee_bps = 0;
    p.slippage_bps = 0;
    fixture_start(&p);
    last("BTC-USD", T0, 100000);
    last("ETH-USD", T0, 2000);
    cr_assert_eq(order("BTC-USD", 0.5, 10, T0, NULL), PERP_OK, "%s", WHY);
    cr_assert_eq(order("ETH-USD", 20, 10, T0, NULL), PERP_OK, "%s", WHY);
    last("ETH-USD", T0 + 1, 1700);
    cr_assert_eq(R.n_liq, 0);
    cr_assert_float_eq(equity(), 4000, EPS);
    cr_assert_float_eq(E.mm_total, 2520, EPS);
    last("BTC-USD", T0 + 2, 96948.5);
    cr_assert_eq(R.n_liq, 0);
    last("BTC-USD", T0 + 3, 96948);
    cr_assert_eq(R.n_liq, 1);
    cr_assert_str_eq(R.liq[0].symbol, "ETH-USD");
    cr_assert_float_eq(R.liq[0].equity_before, 2474, 1e-8);
    cr_assert_float_eq(R.liq[0].maintenance_before, 2474.22, 1e-8);
    cr_assert_float_eq(R.liq[0].penalty, 17, 1e-9);
    cr_assert_eq(pos("ETH-USD")->qty, 0.0);
    cr_assert_float_eq(pos("BTC-USD")->qty, 0.5, EPS);
    cr_assert_float_eq(E.cash, 3983, 1e-8);
    cr_assert_float_eq(equity(), 2457, 1e-8);
    cr_assert_float_eq(E.mm_total, 1454.22, 1e-8);
}

/* When closing the worst position is not enough, the next goes too:
 * as above but BTC crashes to 60000 in one update: U_btc = -20000;
 * equity = 10000 - 6000 - 20000 < 0. BTC's loss is now the largest: it is
 * closed first (penalty 0.5 x 60000 x 0.0005 = 15): cash = -10015, equity
 * = -10015 - 6000 < MM 1020 -> ETH closed too (penalty 17). The account
 * ends flat with cash 10000 - 20000 - 15 - 6000 - 17 = -16032. */
Test(liquidation, liquidates_until_healthy_or_flat)
{
    psim_params p = fixture_params();
    p.max_leverage = 10;
    p.fee_bps = 0;
    p.slippage_bps = 0;
    fixture_start(&p);
    last("BTC-USD", T0, 100000);
    last("ETH-USD", T0, 2000);
    cr_assert_eq(order("BTC-USD", 0.5, 10, T0, NULL), PERP_OK);
    cr_assert_eq(order("ETH-USD", 20, 10, T0, NULL), PERP_OK);
    last("ETH-USD", T0 + 1, 1700);
    last("BTC-USD", T0 + 2, 60000);
    cr_assert_eq(R.n_liq, 2);
    cr_assert_str_eq(R.liq[0].symbol, "BTC-USD");
    cr_assert_str_eq(R.liq[1].symbol, "ETH-USD");
    cr_assert_eq(E.n_open, 0);
    cr_assert_float_eq(E.cash, -16032, 1e-8);
    /* A broke account cannot open anything. */
    cr_assert_eq(order("ETH-USD", 1, 1, T0 + 3, NULL), PERP_EREJECT);
}
