/*
 * Collapsed holds (host/agent_holds.h): which decisions count as an
 * unchanged hold, and the record a run of them becomes.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agent_holds.h"

static void hold_of(perp_decision *d, const char *why)
{
    memset(d, 0, sizeof *d);
    d->n_coins = 2;
    strcpy(d->coins[0].coin, "BTC");
    strcpy(d->coins[1].coin, "ETH");
    snprintf(d->coins[0].justification, sizeof d->coins[0].justification, "%s",
             why);
    strcpy(d->notes, "waiting");
}

Test(agent_holds, what_counts_as_an_unchanged_hold)
{
    perp_decision d;
    hold_of(&d, "flat");
    cr_assert(host_decision_is_hold(&d));
    d.coins[1].signal = PERP_SIGNAL_BUY;
    cr_assert(!host_decision_is_hold(&d), "a buy changes something");
    hold_of(&d, "flat");
    d.coins[0].exit_plan.stop_loss = 100;
    cr_assert(!host_decision_is_hold(&d), "a new exit plan is an action");
    hold_of(&d, "flat");
    strcpy(d.error, "planner down");
    cr_assert(!host_decision_is_hold(&d), "an error is kept whole");
    memset(&d, 0, sizeof d);
    cr_assert(host_decision_is_hold(&d), "no coins: nothing changes");
}

Test(agent_holds, a_run_is_one_record_with_its_count_and_last_text)
{
    host_hold_run r;
    cr_assert_eq(host_hold_run_init(&r, 0), PERP_OK);
    int64_t ts = -1;
    cr_assert_null(host_hold_run_take(&r, &ts), "empty run: no record");
    perp_decision d;
    for (int i = 0; i < 5; i++) {
        char why[32];
        snprintf(why, sizeof why, "spread %d", i);
        hold_of(&d, why);
        cr_assert_eq(host_hold_run_add(&r, &d, 1000 + 60000 * i), 0);
    }
    char *json = host_hold_run_take(&r, &ts);
    cr_assert_not_null(json);
    cr_assert_eq(ts, 1000 + 60000 * 4, "stamped with the last held cycle");
    json_error_t e;
    json_t *o = json_loads(json, 0, &e);
    cr_assert_not_null(o, "%s: %s", e.text, json);
    json_t *held = json_object_get(o, "held");
    cr_assert_eq(json_integer_value(json_object_get(held, "cycles")), 5);
    cr_assert_eq(json_integer_value(json_object_get(held, "from")), 1000);
    cr_assert_eq(json_integer_value(json_object_get(held, "to")), 241000);
    json_t *btc = json_object_get(json_object_get(o, "positions"), "BTC");
    cr_assert_str_eq(json_string_value(json_object_get(btc, "justification")),
                     "spread 4", "the last text of the run");
    json_decref(o);
    free(json);
    cr_assert_null(host_hold_run_take(&r, &ts), "taking empties the run");

    /* A run of one is written as it was, without "held". */
    hold_of(&d, "once");
    host_hold_run_add(&r, &d, 7);
    json = host_hold_run_take(&r, &ts);
    o = json_loads(json, 0, &e);
    cr_assert_null(json_object_get(o, "held"));
    json_decref(o);
    free(json);
    host_hold_run_free(&r);
}

Test(agent_holds, a_bounded_run_asks_to_be_written_when_full)
{
    host_hold_run r;
    cr_assert_eq(host_hold_run_init(&r, 3), PERP_OK);
    perp_decision d;
    hold_of(&d, "x");
    cr_assert_eq(host_hold_run_add(&r, &d, 1), 0);
    cr_assert_eq(host_hold_run_add(&r, &d, 2), 0);
    cr_assert_eq(host_hold_run_add(&r, &d, 3), 1);
    host_hold_run_free(&r);
}
