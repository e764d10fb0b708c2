/*
 * test_state.c — export/import of the whole account: the round trip gives
 * back the same doubles, a restored engine continues exactly like the one
 * that never stopped, and a bad state is refused with the engine untouched.
 */
#include <criterion/criterion.h>

#include <stdlib.h>

#include "psim_fixture.h"
#include "state_json.h"

#define H  3600000LL
#define T0 (472222LL * H)

static psim_engine E2;
static recorder R2;

static psim_params state_params(void)
{
    psim_params p = fixture_params();
    p.funding_model = PSIM_FUNDING_HEURISTIC;
    p.funding_ema_ms = 30 * 60000;
    p.funding_cap_8h = 0.01;
    return p;
}

/* Some history: funding, fees, realized P&L, two positions, a plan. */
static void build_history(void)
{
    psim_params p = state_params();
    fixture_start(&p);
    last("BTC-USD", T0, 100000.5);
    book("ETH-USD", T0, 1999.99, 2000.03);
    perp_order o = mk_order("BTC-USD", 0.123, 3);
    o.has_exit_plan = 1;
    o.exit_plan.stop_loss = 91000;
    o.exit_plan.profit_target = 120000;
    snprintf(o.exit_plan.invalidation, sizeof o.exit_plan.invalidation,
             "daily close below 90k");
    cr_assert_eq(psim_submit(&E, &o, T0 + 1, NULL, WHY, sizeof WHY), PERP_OK,
                 "%s", WHY);
    cr_assert_eq(order("ETH-USD", -1.37, 2, T0 + 2, NULL), PERP_OK);
    for (int i = 1; i <= 200; i++) {
        last("BTC-USD", T0 + i * 97000, 100000.5 + 13.5 * (i % 17));
        book("ETH-USD", T0 + i * 97000 + 5, 1990.01 + 0.37 * (i % 11),
             1990.05 + 0.37 * (i % 11));
    }
    cr_assert_eq(order("ETH-USD", 0.5, 0, T0 + 201 * 97000, NULL), PERP_OK);
    cr_assert_gt(R.n_funding, 0, "history must include funding");
}

static void start_second(void)
{
    psim_params p = state_params();
    memset(&R2, 0, sizeof R2);
    psim_events ev = {&R2, rec_fill, rec_funding, rec_liq};
    psim_init(&E2, &p, fixture_symbols, 3, &ev);
}

static void assert_same_doubles(const psim_engine *a, const psim_engine *b)
{
    cr_assert_eq(memcmp(&a->cash, &b->cash, sizeof a->cash), 0);
    cr_assert_eq(a->realized, b->realized);
    cr_assert_eq(a->fees, b->fees);
    cr_assert_eq(a->funding_net, b->funding_net);
    cr_assert_eq(a->next_funding_ts, b->next_funding_ts);
    for (size_t i = 0; i < a->n_symbols; i++) {
        const psim_symbol *x = &a->sym[i], *y = &b->sym[i];
        cr_assert_eq(x->qty, y->qty);
        cr_assert_eq(x->entry, y->entry);
        cr_assert_eq(x->lev, y->lev);
        cr_assert_eq(x->entry_ts, y->entry_ts);
        cr_assert_eq(x->funding_ts, y->funding_ts);
        cr_assert_eq(x->ema, y->ema);
        cr_assert_eq(x->ema_next_ts, y->ema_next_ts);
        cr_assert_eq(x->plan.stop_loss, y->plan.stop_loss);
        cr_assert_eq(x->plan.profit_target, y->plan.profit_target);
        cr_assert_str_eq(x->plan.invalidation, y->plan.invalidation);
        cr_assert_eq(x->has_price, y->has_price);
        if (x->has_price)
            cr_assert_eq(x->mark, y->mark);
    }
    cr_assert_eq(a->u_total, b->u_total);
    cr_assert_eq(a->mm_total, b->mm_total);
}

Test(state, round_trip_is_exact_and_continues_identically)
{
    build_history();
    char *a = psim_state_export(&E);
    cr_assert_not_null(a);
    start_second();
    char why[256] = "";
    cr_assert_eq(psim_state_import(&E2, a, why, sizeof why), PERP_OK, "%s",
                 why);
    char *b = psim_state_export(&E2);
    cr_assert_str_eq(a, b);
    /* E ran through incremental updates; E2 was resynced on import: they
     * may differ in the last bits of the totals only until E resyncs. */
    psim_resync(&E);
    assert_same_doubles(&E, &E2);

    /* Both continue through the same events, including a stop. */
    for (int i = 0; i < 50; i++) {
        int64_t ts = T0 + (300 + i) * 97000LL;
        double px = 100000.5 - 250.0 * i;
        psim_on_price(&E, sym("BTC-USD"), ts, px, NAN, NAN);
        psim_on_price(&E2, psim_find(&E2, "BTC-USD"), ts, px, NAN, NAN);
    }
    cr_assert_eq(pos("BTC-USD")->qty, 0.0, "the 91000 stop fired");
    cr_assert_eq(R2.n_fills, 1);
    cr_assert_eq(R2.fills[0].cause, PERP_CAUSE_STOP_LOSS);
    psim_resync(&E);
    psim_resync(&E2);
    assert_same_doubles(&E, &E2);
    char *c = psim_state_export(&E), *d = psim_state_export(&E2);
    cr_assert_str_eq(c, d);
    free(a);
    free(b);
    free(c);
    free(d);
}

static void assert_refused(const char *json, const char *needle)
{
    build_history();
    char *before = psim_state_export(&E);
    char why[256] = "";
    cr_assert_eq(psim_state_import(&E, json, why, sizeof why), PERP_EINVAL,
                 "%s accepted", json);
    cr_assert(strstr(why, needle), "'%s' lacks '%s'", why, needle);
    char *after = psim_state_export(&E);
    cr_assert_str_eq(before, after, "a refused import changed the engine");
    free(before);
    free(after);
}

Test(state, bad_states_are_refused_untouched)
{
    assert_refused("not json", "not a JSON object");
    assert_refused("{\"format\":\"other\"}", "format");
    assert_refused("{\"format\":\"perpsim-state\",\"version\":2}", "version");
    const char *head = "{\"format\":\"perpsim-state\",\"version\":1,"
                       "\"starting_equity\":10000.0,\"cash\":10000.0,"
                       "\"realized_pnl\":0.0,\"fees_paid\":0.0,"
                       "\"funding_net\":0.0,\"now\":0,\"next_funding_ts\":0,";
    char buf[2048];
    snprintf(buf, sizeof buf, "%s\"symbols\":[{\"symbol\":\"PEPE-USD\"}]}",
             head);
    assert_refused(buf, "PEPE-USD");
    snprintf(buf, sizeof buf,
             "%s\"symbols\":[{\"symbol\":\"BTC-USD\",\"has_price\":false,"
             "\"mark\":null,\"bid\":null,\"ask\":null,\"price_ts\":0,"
             "\"qty\":1.0,\"entry\":100.0,\"leverage\":2.0,\"entry_ts\":0,"
             "\"funding_ts\":0,\"stop_loss\":0.0,\"profit_target\":0.0,"
             "\"invalidation\":\"\",\"ema\":0.0,\"ema_next_ts\":0,"
             "\"ext_rate_1h\":0.0,\"ext_rate_ts\":0}]}",
             head);
    assert_refused(buf, "without a mark");
    snprintf(buf, sizeof buf,
             "%s\"symbols\":[{\"symbol\":\"BTC-USD\","
             "\"has_price\":true,\"mark\":\"x\"}]}",
             head);
    assert_refused(buf, "mark");
}
