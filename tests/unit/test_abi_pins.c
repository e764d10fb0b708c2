/*
 * test_abi_pins.c — compiles the ABI pins (tests/abi/abi_pins.h) against
 * today's sdk.h, so moving, resizing or inserting a public struct member
 * anywhere but the end fails the test build itself. The runtime checks
 * below cover what a _Static_assert cannot: the host table perpd hands a
 * plugin says the size and minor the pins describe.
 */
#include <criterion/criterion.h>

#include "../abi/abi_pins.h"

#include "plugin_services.h"

Test(abi_pins, host_table_reports_this_abi_and_its_full_size)
{
    host_context ctx = {.version = "t"};
    perp_host *h = host_services_new(&ctx, "abi");
    cr_assert_not_null(h);
    cr_expect_eq(h->struct_size, sizeof(perp_host));
    cr_expect_eq(h->abi_major, PERP_ABI_MAJOR);
    cr_expect_eq(h->abi_minor, PERP_ABI_MINOR);
    /* Every member up to the last one of this minor is in the table. */
    cr_expect(PERP_HOST_HAS(h, stopping));
    cr_expect(PERP_HOST_HAS(h, prompt_render));
    cr_expect(PERP_HOST_HAS(h, prompt_tokens));
    cr_expect(PERP_HOST_HAS(h, cycle_ms));
    cr_expect(PERP_HOST_HAS(h, decision_from_json_strict));
    host_services_free(h);
}

Test(abi_pins, growable_structs_end_with_their_last_member)
{
    /* No tail padding for a later member to fall into unnoticed: the
     * size pinned per minor is where the next appended member starts. */
    cr_expect_eq(sizeof(perp_host),
                 offsetof(perp_host, decision_from_json_strict) + 8);
    cr_expect_eq(sizeof(perp_feed_vtable),
                 offsetof(perp_feed_vtable, backfill) + 8);
    cr_expect_eq(sizeof(perp_indicator_vtable),
                 offsetof(perp_indicator_vtable, lookback) + 8);
    cr_expect_eq(sizeof(perp_observation),
                 offsetof(perp_observation, slippage) + 8);
    cr_expect_eq(sizeof(perp_backend_vtable),
                 offsetof(perp_backend_vtable, slippage) + 8);
    cr_expect_eq(sizeof(perp_slippage), offsetof(perp_slippage, volume_1m) + 8);
    cr_expect_eq(sizeof(perp_plugin_descriptor),
                 offsetof(perp_plugin_descriptor, command_usage) + 8);
}
