/*
 * Cycle alignment and the replay clock (host/clock.h).
 */
#include <criterion/criterion.h>

#include "clock.h"

#define MIN 60000LL

Test(cycle_clock, align_up_keeps_an_aligned_time)
{
    /* 1 680 000 000 000 ms = 28 000 000 minutes exactly. */
    cr_assert_eq(host_cycle_align_up(1680000000000LL, MIN), 1680000000000LL);
}

Test(cycle_clock, align_up_moves_to_the_next_multiple)
{
    cr_assert_eq(host_cycle_align_up(1680000000001LL, MIN),
                 1680000000000LL + MIN);
    cr_assert_eq(host_cycle_align_up(59999, MIN), MIN);
    cr_assert_eq(host_cycle_align_up(0, MIN), 0);
}

Test(cycle_clock, after_is_strictly_later)
{
    cr_assert_eq(host_cycle_after(1680000000000LL, MIN), 1680000000000LL + MIN);
    cr_assert_eq(host_cycle_after(1680000000000LL + 1, MIN),
                 1680000000000LL + MIN);
    cr_assert_eq(host_cycle_after(1680000000000LL - 1, MIN), 1680000000000LL);
}

Test(cycle_clock, five_minute_cycles_fall_on_utc_multiples)
{
    /* 00:07:30 -> 00:10:00 with 5-minute cycles. */
    int64_t t = 7 * MIN + 30000;
    cr_assert_eq(host_cycle_after(t, 5 * MIN), 10 * MIN);
    cr_assert_eq(host_cycle_align_up(t, 5 * MIN), 10 * MIN);
}

Test(cycle_clock, negative_times_floor_correctly)
{
    cr_assert_eq(host_cycle_align_up(-1, MIN), 0);
    cr_assert_eq(host_cycle_after(-1, MIN), 0);
    cr_assert_eq(host_cycle_after(-MIN, MIN), 0);
    cr_assert_eq(host_cycle_align_up(-MIN - 1, MIN), -MIN);
}

Test(cycle_clock, replay_clock_only_moves_forward)
{
    host_clock c;
    host_clock_init(&c, 0);
    cr_assert_eq(host_clock_now(&c), 0);
    host_clock_advance(&c, 5000);
    cr_assert_eq(host_clock_now(&c), 5000);
    host_clock_advance(&c, 4000);
    cr_assert_eq(host_clock_now(&c), 5000);
}

Test(cycle_clock, live_clock_is_the_wall_clock)
{
    host_clock c;
    host_clock_init(&c, 1);
    host_clock_advance(&c, 5000); /* ignored live */
    /* 2020-01-01 in ms: the wall clock is certainly past it. */
    cr_assert_gt(host_clock_now(&c), 1577836800000LL);
}
