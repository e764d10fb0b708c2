/*
 * test_rounding.c — perpsim's one rounding module: toward zero for sizes,
 * against the taker for prices, float noise a hair off a step counts as on
 * it, and results are the doubles nearest the decimal values.
 */
#include <criterion/criterion.h>

#include "rounding.h"

Test(rounding, sizes_floor_toward_zero)
{
    cr_assert_eq(psim_qty_floor(0.1239, 0.001), 0.123);
    cr_assert_eq(psim_qty_floor(-0.1239, 0.001), -0.123);
    /* 0.1 + 0.2 = 0.30000000000000004 is 0.3, not 0.2 or a noisy 0.3. */
    cr_assert_eq(psim_qty_floor(0.1 + 0.2, 0.1), 0.3);
    /* 0.7 - 0.1 = 0.59999999999999998: on the step 0.6, not 0.5. */
    cr_assert_eq(psim_qty_floor(0.7 - 0.1, 0.1), 0.6);
    cr_assert_eq(psim_qty_floor(49.9, 1), 49.0);
    cr_assert_eq(psim_qty_floor(0.0009, 0.001), 0.0);
    cr_assert_eq(psim_qty_snap(0.15000000000000002, 0.01), 0.15);
}

Test(rounding, prices_up_down_nearest)
{
    cr_assert_eq(psim_price_up(100020.001, 0.5), 100020.5);
    cr_assert_eq(psim_price_up(100020.0, 0.5), 100020.0);
    cr_assert_eq(psim_price_down(101979.801, 0.5), 101979.5);
    cr_assert_eq(psim_price_down(1998.8001, 0.01), 1998.80);
    cr_assert_eq(psim_price_up(0.1 * 1.0001, 0.00001), 0.10001);
    cr_assert_eq(psim_price_up(0.1000100001, 0.00001), 0.10002);
    cr_assert_eq(psim_price_nearest(101000.3, 0.5), 101000.5);
    cr_assert_eq(psim_price_nearest(101000.2, 0.5), 101000.0);
    /* 1.0001 x 20000 = 20002.000000000004: already on the cent. */
    cr_assert_eq(psim_price_up(20000 * 1.0001, 0.01), 20002.0);
}
