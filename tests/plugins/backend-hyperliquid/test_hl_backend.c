/*
 * test_hl_backend.c — backend-hyperliquid through its vtable against the
 * emulated exchange (tests/support/hl_server.c), which recovers the
 * signer of every /exchange request and refuses a wrong one. Orders,
 * closes, TP/SL orders, cancels and leverage changes round-trip into the
 * account; a connection dropped after an order was sent resolves through
 * the cloid without a second order; exchange errors come back as the
 * reason of a refused order; fills the exchange makes on its own
 * (triggers, liquidations) and funding become records with their cause.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "hl_test_util.h"

#define TAKER                                                                  \
    0.00045 /* the emulated exchange's fee, as Hyperliquid's base tier */

static void env_key(void)
{
    setenv("HL_TEST_PRIVATE_KEY", HL_KEY, 1);
}

Test(hl_backend, every_exchange_request_is_signed_by_the_api_wallet)
{
    env_key();
    hl_server *s = hl_test_server(10000);
    plugin_env env;
    hl_records rs = {0};
    void *b = hl_test_backend(&env, s, &rs, "HL_TEST_PRIVATE_KEY", NULL);
    perp_order o = hl_market("BTC-USD", 0.01, 5, 0);
    perp_fill f;
    char why[PERP_ERROR_MAX] = "";
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK, "%s",
                 why);
    /* updateLeverage, then the order: both recovered to the signer. */
    cr_expect_eq(hl_server_exchange_requests(s), 2);
    cr_expect_eq(hl_server_bad_signatures(s), 0);
    hl_vt()->destroy(b);
    plugin_env_free(&env);

    /* Another key for the same account: the exchange does not know it. */
    setenv("HL_TEST_OTHER_KEY",
           "0xe908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e",
           1);
    hl_records rs2 = {0};
    b = hl_test_backend(&env, s, &rs2, "HL_TEST_OTHER_KEY", NULL);
    o = hl_market("BTC-USD", 0.01, 3, 0);
    cr_expect_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_EREJECT);
    cr_expect(strstr(why, "User or API Wallet "
                          "0xcd49bbac6e85fdeb167eb7ca41a945d2b8758f6f does "
                          "not exist") != NULL,
              "%s", why);
    cr_expect_eq(hl_server_bad_signatures(s), 1);
    cr_expect_eq(hl_server_position(s, "BTC"), 0.01, "nothing traded");
    hl_vt()->destroy(b);
    plugin_env_free(&env);
    hl_server_stop(s);
}

Test(hl_backend, open_and_close_round_trip_into_the_account)
{
    env_key();
    hl_server *s = hl_test_server(10000);
    plugin_env env;
    hl_records rs = {0};
    void *b = hl_test_backend(&env, s, &rs, "HL_TEST_PRIVATE_KEY", NULL);
    hl_price(b, "BTC-USD", 95000);
    perp_order o = hl_market("BTC-USD", 0.02, 5, 0);
    perp_fill f;
    char why[PERP_ERROR_MAX] = "";
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK, "%s",
                 why);
    cr_expect_eq(hl_server_leverage(s, "BTC"), 5);
    cr_expect_eq(f.qty, 0.02);
    cr_expect_eq(f.price, 95000);
    cr_expect_float_eq(f.fee, TAKER * 0.02 * 95000, 1e-9);
    cr_expect_eq(f.position_after, 0.02);
    cr_expect_eq(f.cause, PERP_CAUSE_ENTRY);
    perp_account a;
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    const perp_position *p = hl_position(&a, "BTC-USD");
    cr_assert_not_null(p);
    cr_expect_eq(p->qty, 0.02);
    cr_expect_eq(p->entry_price, 95000);
    cr_expect_eq(p->leverage, 5);
    /* 10000 - fee 0.855; margin 0.02 x 95000 / 5 = 380 */
    cr_expect_float_eq(a.equity, 10000 - 0.855, 1e-6);
    cr_expect_float_eq(a.margin_used, 380, 1e-6);
    cr_expect_float_eq(a.available, 10000 - 0.855 - 380, 1e-6);
    cr_expect_eq(a.starting_equity, 10000);

    /* The price moves; a reduce-only close at 96000 realizes
     * 0.02 x 1000 = 20, less the fee 0.02 x 96000 x 0.00045 = 0.864. */
    hl_server_set_mid(s, "BTC", 96000);
    hl_price(b, "BTC-USD", 96000);
    o = hl_market("BTC-USD", -0.02, 5, 1);
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK, "%s",
                 why);
    cr_expect_eq(f.cause, PERP_CAUSE_EXIT);
    cr_expect_eq(f.position_after, 0);
    cr_expect_float_eq(f.realized_pnl, 20, 1e-9);
    cr_expect_float_eq(f.fee, 0.864, 1e-9);
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    cr_expect_eq(a.n_positions, 0u);
    cr_expect_float_eq(a.equity, 10000 - 0.855 + 20 - 0.864, 1e-6);
    cr_expect_float_eq(a.realized_pnl, 20, 1e-9);
    cr_expect_float_eq(a.fees_paid, 0.855 + 0.864, 1e-9);
    cr_expect_eq(hl_server_position(s, "BTC"), 0);
    /* Two TRADE records, one per fill, nothing the exchange made alone. */
    cr_expect_eq(hl_count_of(&rs, PERP_REC_TRADE), 2u);
    /* A second order at the same leverage sends no updateLeverage. */
    int lev_before = hl_server_leverage_updates(s);
    o = hl_market("BTC-USD", 0.01, 5, 0);
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK);
    cr_expect_eq(hl_server_leverage_updates(s), lev_before);
    hl_vt()->destroy(b);
    plugin_env_free(&env);
    hl_server_stop(s);
}

/* An entry with an exit plan goes out as normalTpsl; the same plan again
 * changes nothing; a new plan replaces the orders (positionTpsl); the
 * stop then fires on the exchange and comes back as a stop-loss fill. */
Test(hl_backend, exit_plan_as_trigger_orders_replaced_and_fired)
{
    env_key();
    hl_server *s = hl_test_server(10000);
    plugin_env env;
    hl_records rs = {0};
    void *b = hl_test_backend(&env, s, &rs, "HL_TEST_PRIVATE_KEY", NULL);
    hl_price(b, "ETH-USD", 3000);
    perp_order o = hl_market("ETH-USD", 1.5, 3, 0);
    o.has_exit_plan = 1;
    o.exit_plan.profit_target = 3300;
    o.exit_plan.stop_loss = 2850;
    perp_fill f;
    char why[PERP_ERROR_MAX] = "";
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK, "%s",
                 why);
    cr_expect_eq(hl_server_orders(s), 3, "entry and two children");
    cr_expect_eq(hl_server_open_triggers(s, "ETH"), 2);
    cr_expect_eq(hl_server_trigger_px(s, "ETH", 1), 3300);
    cr_expect_eq(hl_server_trigger_px(s, "ETH", 0), 2850);
    /* The host sets the same plan after the fill: nothing to send. */
    cr_assert_eq(hl_vt()->set_exit_plan(b, "ETH-USD", &o.exit_plan), PERP_OK);
    cr_expect_eq(hl_server_orders(s), 3);
    cr_expect_eq(hl_server_cancels(s), 0);
    /* A tighter stop: both old orders cancelled, two new ones. */
    perp_exit_plan p2 = {.profit_target = 3400, .stop_loss = 2900};
    cr_assert_eq(hl_vt()->set_exit_plan(b, "ETH-USD", &p2), PERP_OK);
    cr_expect_eq(hl_server_cancels(s), 2);
    cr_expect_eq(hl_server_orders(s), 5);
    cr_expect_eq(hl_server_open_triggers(s, "ETH"), 2);
    cr_expect_eq(hl_server_trigger_px(s, "ETH", 1), 3400);
    cr_expect_eq(hl_server_trigger_px(s, "ETH", 0), 2900);
    perp_account a;
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    cr_expect_eq(hl_position(&a, "ETH-USD")->exit_plan.stop_loss, 2900);

    /* The market falls through the stop: the exchange sells 1.5 at 2890;
     * realized 1.5 x (2890 - 3000) = -165. */
    hl_server_set_mid(s, "ETH", 2890);
    size_t trades = hl_count_of(&rs, PERP_REC_TRADE);
    usleep(150000); /* past `refresh`: the next read asks the exchange */
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    cr_expect_eq(a.n_positions, 0u);
    cr_assert_eq(hl_count_of(&rs, PERP_REC_TRADE), trades + 1);
    const perp_fill *sl = &hl_nth_of(&rs, PERP_REC_TRADE, trades)->u.trade.fill;
    cr_expect_eq(sl->cause, PERP_CAUSE_STOP_LOSS);
    cr_expect_eq(sl->qty, -1.5);
    cr_expect_eq(sl->price, 2890);
    cr_expect_float_eq(sl->realized_pnl, -165, 1e-9);
    cr_expect_eq(sl->position_after, 0);
    cr_expect_str_eq(sl->symbol, "ETH-USD");
    cr_expect_eq(hl_server_open_triggers(s, "ETH"), 0, "TP went with it");
    /* Read again: the same fill is not recorded twice. */
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    usleep(150000); /* past `refresh` */
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    cr_expect_eq(hl_count_of(&rs, PERP_REC_TRADE), trades + 1);
    hl_vt()->destroy(b);
    plugin_env_free(&env);
    hl_server_stop(s);
}

/* The exchange carries out the order and the connection drops before
 * the answer: the backend asks about the cloid and reports the fill,
 * and the exchange saw exactly one order. */
Test(hl_backend, dropped_connection_resolves_through_the_cloid)
{
    env_key();
    hl_server *s = hl_test_server(10000);
    plugin_env env;
    hl_records rs = {0};
    void *b = hl_test_backend(&env, s, &rs, "HL_TEST_PRIVATE_KEY", NULL);
    hl_price(b, "BTC-USD", 95000);
    perp_order o = hl_market("BTC-USD", 0.01, 20, 0);
    perp_fill f;
    char why[PERP_ERROR_MAX] = "";
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK, "%s",
                 why);
    cr_assert_eq(hl_server_exchange_requests(s), 2); /* leverage, order */
    /* The same leverage again: the next request is the order alone. */
    o = hl_market("BTC-USD", 0.01, 20, 0);
    hl_server_drop_next_exchange(s);
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK, "%s",
                 why);
    cr_expect_eq(hl_server_orders(s), 2, "no second order");
    cr_expect_eq(hl_server_exchange_requests(s), 3);
    cr_expect_eq(f.qty, 0.01);
    cr_expect_eq(f.price, 95000);
    cr_expect_float_eq(f.fee, TAKER * 0.01 * 95000, 1e-9);
    cr_expect_eq(f.position_after, 0.02);
    cr_expect_eq(hl_server_position(s, "BTC"), 0.02);
    perp_account a;
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    cr_expect_eq(hl_position(&a, "BTC-USD")->qty, 0.02);
    cr_expect_eq(hl_count_of(&rs, PERP_REC_TRADE), 2u, "a record per fill");
    hl_vt()->destroy(b);
    plugin_env_free(&env);
    hl_server_stop(s);
}

static void expect_refused(void *b, perp_order o, const char *message)
{
    perp_fill f;
    char why[PERP_ERROR_MAX] = "";
    cr_expect_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_EREJECT);
    cr_expect(strstr(why, message) != NULL, "'%s' lacks '%s'", why, message);
}

Test(hl_backend, exchange_errors_are_the_reason_of_a_refused_order)
{
    env_key();
    hl_server *s = hl_test_server(1000);
    plugin_env env;
    hl_records rs = {0};
    void *b = hl_test_backend(&env, s, &rs, "HL_TEST_PRIVATE_KEY", NULL);
    hl_price(b, "BTC-USD", 95000);
    expect_refused(b, hl_market("BTC-USD", 0.0001, 20, 0),
                   "Order must have minimum value of $10.");
    expect_refused(b, hl_market("BTC-USD", 1, 20, 0),
                   "Insufficient margin to place order.");
    expect_refused(b, hl_market("BTC-USD", -0.001, 20, 1),
                   "Reduce only order would increase position.");
    hl_server_rate_limit_next(s);
    expect_refused(b, hl_market("BTC-USD", 0.001, 20, 0), "HTTP 429");
    expect_refused(b, hl_market("BTC-USD", 0.000001, 20, 0),
                   "rounds to nothing at 5 decimals");
    cr_expect_eq(hl_server_position(s, "BTC"), 0);
    cr_expect_eq(hl_count_of(&rs, PERP_REC_TRADE), 0u);
    hl_vt()->destroy(b);
    plugin_env_free(&env);
    hl_server_stop(s);
}

Test(hl_backend, liquidation_and_funding_become_records)
{
    env_key();
    hl_server *s = hl_test_server(10000);
    plugin_env env;
    hl_records rs = {0};
    void *b = hl_test_backend(&env, s, &rs, "HL_TEST_PRIVATE_KEY", NULL);
    hl_price(b, "ETH-USD", 3000);
    perp_order o = hl_market("ETH-USD", -2, 10, 0);
    perp_fill f;
    char why[PERP_ERROR_MAX] = "";
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK, "%s",
                 why);
    /* Shorts receive a positive rate's funding: +1.25 USDC. */
    hl_server_pay_funding(s, "ETH", 1.25, 0.0000125, f.ts + 1);
    hl_server_set_mid(s, "ETH", 3200);
    hl_server_liquidate(s, "ETH", 3200);
    usleep(150000); /* past `refresh` */
    perp_account a;
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    cr_expect_eq(a.n_positions, 0u);
    const perp_record *fr = hl_nth_of(&rs, PERP_REC_FUNDING, 0);
    cr_assert_not_null(fr);
    cr_expect_eq(fr->u.funding.payment, 1.25);
    cr_expect_eq(fr->u.funding.position, -2);
    cr_expect_str_eq(fr->u.funding.symbol, "ETH-USD");
    cr_expect_eq(a.funding_net, 1.25);
    const perp_record *tr = hl_nth_of(&rs, PERP_REC_TRADE, 1);
    cr_assert_not_null(tr);
    cr_expect_eq(tr->u.trade.fill.cause, PERP_CAUSE_LIQUIDATION);
    cr_expect_eq(tr->u.trade.fill.qty, 2);
    cr_expect_float_eq(tr->u.trade.fill.realized_pnl, -400, 1e-9);
    const perp_record *lq = hl_nth_of(&rs, PERP_REC_LIQUIDATION, 0);
    cr_assert_not_null(lq);
    cr_expect_eq(lq->u.liquidation.qty, -2);
    cr_expect_eq(lq->u.liquidation.price, 3200);
    hl_vt()->destroy(b);
    plugin_env_free(&env);
    hl_server_stop(s);
}

Test(hl_backend, rules_and_state_round_trip)
{
    env_key();
    hl_server *s = hl_test_server(10000);
    plugin_env env;
    hl_records rs = {0};
    void *b = hl_test_backend(&env, s, &rs, "HL_TEST_PRIVATE_KEY", NULL);
    hl_price(b, "BTC-USD", 95123);
    perp_symbol_rules r;
    cr_assert_eq(hl_vt()->rules(b, "BTC-USD", &r), PERP_OK);
    cr_expect_float_eq(r.size_step, 1e-5, 1e-18);
    cr_expect_float_eq(r.tick_size, 1, 1e-12); /* 5 figures of 95123 */
    cr_expect_eq(r.min_notional, 10);
    cr_expect_eq(r.max_leverage, 40);
    /* Leverage above the asset's maximum is sent as the maximum. */
    perp_order o40 = hl_market("BTC-USD", 0.001, 90, 0);
    perp_fill f40;
    char why40[PERP_ERROR_MAX] = "";
    cr_assert_eq(hl_vt()->submit(b, &o40, &f40, why40, sizeof why40), PERP_OK,
                 "%s", why40);
    cr_expect_eq(hl_server_leverage(s, "BTC"), 40);
    hl_price(b, "ETH-USD", 3000.5);
    cr_assert_eq(hl_vt()->rules(b, "ETH-USD", &r), PERP_OK);
    cr_expect_float_eq(r.tick_size, 0.1, 1e-12);
    perp_order o = hl_market("ETH-USD", 1, 4, 0);
    perp_fill f;
    char why[PERP_ERROR_MAX] = "", *state = NULL;
    hl_server_set_mid(s, "ETH", 3000.5);
    cr_assert_eq(hl_vt()->submit(b, &o, &f, why, sizeof why), PERP_OK, "%s",
                 why);
    cr_assert_eq(hl_vt()->export_state(b, &state), PERP_OK);
    hl_vt()->destroy(b);
    plugin_env_free(&env);
    /* A restart: the same realized figures and leverage, no re-send. */
    hl_records rs2 = {0};
    b = hl_test_backend(&env, s, &rs2, "HL_TEST_PRIVATE_KEY", NULL);
    cr_assert_eq(hl_vt()->import_state(b, state), PERP_OK);
    perp_account a;
    cr_assert_eq(hl_vt()->account(b, &a), PERP_OK);
    cr_expect_float_eq(a.fees_paid, f.fee + f40.fee, 1e-12);
    cr_expect_eq(a.starting_equity, 10000);
    cr_expect_eq(hl_count_of(&rs2, PERP_REC_TRADE), 0u, "no replayed fill");
    cr_expect_eq(hl_vt()->import_state(b, "{\"version\":7}"), PERP_EINVAL);
    free(state);
    hl_vt()->destroy(b);
    plugin_env_free(&env);
    hl_server_stop(s);
}
