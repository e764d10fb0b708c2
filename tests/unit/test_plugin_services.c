/*
 * test_host_services.c — the perp_host table a plugin instance gets: its
 * header, the clock, config access under the instance's name, errors with
 * file:line:col, agent data, record fan-out and the JSON services.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plugin_services.h"
#include "stderr_capture.h"

typedef struct emitted {
    int n;
    perp_record_type last_type;
    int64_t last_ts;
    int64_t last_cached_tokens;
} emitted;

static int64_t fixed_now(void *ud)
{
    return *(const int64_t *)ud;
}

static void count_emit(void *ud, const perp_record *rec)
{
    emitted *e = ud;
    e->n++;
    e->last_type = rec->type;
    e->last_ts = rec->ts;
    if (rec->type == PERP_REC_LLM_CALL)
        e->last_cached_tokens = rec->u.llm_call.cached_tokens;
}

static const char *const SYMBOLS[] = {"BTC-USD", "ETH-USD"};

Test(host_services, table_header_and_agent_data)
{
    int64_t now = 1732449600123;
    emitted e = {0};
    host_context ctx = {.version = "v1.2.3",
                        .symbols = SYMBOLS,
                        .n_symbols = 2,
                        .now = fixed_now,
                        .now_ud = &now,
                        .emit = count_emit,
                        .emit_ud = &e};
    perp_host *h = host_services_new(&ctx, "sink.jsonl");
    cr_assert_not_null(h);
    cr_assert_eq(h->struct_size, sizeof(perp_host));
    cr_assert_eq(h->abi_major, PERP_ABI_MAJOR);
    cr_assert_eq(h->abi_minor, PERP_ABI_MINOR);
    cr_assert_eq(h->now_ms(h), now);
    cr_assert_str_eq(h->agent_version(h), "v1.2.3");
    cr_assert_eq(h->symbol_count(h), 2);
    cr_assert_str_eq(h->symbol_at(h, 1), "ETH-USD");
    cr_assert_null(h->symbol_at(h, 2));

    perp_record rec = {.type = PERP_REC_EQUITY, .ts = 42};
    h->emit(h, &rec);
    cr_assert_eq(e.n, 1);
    cr_assert_eq(e.last_type, PERP_REC_EQUITY);
    cr_assert_eq(e.last_ts, 42);
    host_services_free(h);
}

Test(host_services, wall_clock_and_dropped_records_without_context_hooks)
{
    host_context ctx = {.version = NULL};
    perp_host *h = host_services_new(&ctx, "x");
    int64_t before = host_wall_ms();
    int64_t t = h->now_ms(h);
    cr_assert_geq(t, before);
    cr_assert_leq(t, host_wall_ms());
    cr_assert_str_eq(h->agent_version(h), "");
    perp_record rec = {.type = PERP_REC_TRADE};
    h->emit(h, &rec); /* no emit hook: dropped, no crash */
    host_services_free(h);
}

Test(host_services, log_lines_carry_the_instance_name)
{
    host_context ctx = {0};
    perp_host *h = host_services_new(&ctx, "planner.rules");
    stderr_capture_begin();
    h->log(h, PERP_LOG_WARN, "held %d coins", 3);
    char *out = stderr_capture_end();
    cr_assert(strncmp(out, "WARN ", 5) == 0, "%s", out);
    cr_assert(strstr(out, " planner.rules held 3 coins\n"), "%s", out);
    free(out);
    host_services_free(h);
}

Test(host_services, config_getters_and_errors_point_at_the_yaml)
{
    char err[256];
    host_config *c = host_config_parse("plugin: rsi\nperiod: abc\nn: 5\n",
                                       "p.yaml", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    const perp_config_node *node = host_config_root(c);
    host_context ctx = {0};
    perp_host *h = host_services_new(&ctx, "indicator.rsi_7");

    int64_t n = 0;
    cr_assert_eq(h->cfg_int(h, node, "n", 0, &n), PERP_OK);
    cr_assert_eq(n, 5);
    cr_assert_str_eq(h->cfg_scalar(h->cfg_child(node, "plugin")), "rsi");

    double d;
    stderr_capture_begin();
    int rc = h->cfg_num(h, node, "period", 14, &d);
    char *out = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL);
    cr_assert(strstr(out, " indicator.rsi_7 p.yaml:2:9: key 'period': "
                          "expected a number, found 'abc'\n"),
              "%s", out);
    free(out);

    stderr_capture_begin();
    rc = h->cfg_error(h, h->cfg_child(node, "n"), "must be below %d", 3);
    out = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL);
    cr_assert(strstr(out, "ERROR "), "%s", out);
    cr_assert(strstr(out, " indicator.rsi_7 p.yaml:3:4: must be below 3\n"),
              "%s", out);
    free(out);

    static const char *const keys[] = {"n", NULL};
    stderr_capture_begin();
    rc = h->cfg_check_keys(h, node, keys);
    out = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL);
    cr_assert(strstr(out, "p.yaml:2:1: unknown key 'period'"), "%s", out);
    free(out);

    host_services_free(h);
    host_config_free(c);
}

Test(host_services, decision_from_json_is_the_hosts_parser)
{
    host_context ctx = {0};
    perp_host *h = host_services_new(&ctx, "planner.x");
    perp_decision d;
    memset(&d, 0, sizeof d);
    char err[256] = "";
    const char *text =
        "Here you go:\n```json\n{\"positions\": {\"BTC\": {\"coin\": \"BTC\", "
        "\"signal\": \"hold\", \"quantity\": 0, \"leverage\": 1, "
        "\"confidence\": 0.5, \"risk_usd\": 0, \"exit_plan\": "
        "{\"profit_target\": 0, \"stop_loss\": 0, "
        "\"invalidation_condition\": \"\"}, \"justification\": \"flat\"}}, "
        "\"notes_for_audience\": \"waiting\"}\n```\n";
    cr_assert_eq(h->decision_from_json(h, text, &d, err, sizeof err), PERP_OK,
                 "%s", err);
    cr_assert_eq(d.n_coins, 1);
    cr_assert_str_eq(d.coins[0].coin, "BTC");
    cr_assert_eq(d.coins[0].signal, PERP_SIGNAL_HOLD);
    cr_assert_str_eq(d.notes, "waiting");

    memset(&d, 0, sizeof d);
    cr_assert_eq(
        h->decision_from_json(h, "no decision here", &d, err, sizeof err),
        PERP_EINVAL);
    cr_assert_neq(err[0], '\0');
    host_services_free(h);
}

Test(host_services, observation_json_renders_and_frees)
{
    host_context ctx = {0};
    perp_host *h = host_services_new(&ctx, "planner.x");
    perp_observation obs;
    memset(&obs, 0, sizeof obs);
    obs.struct_size = sizeof obs;
    obs.ts = 1732449600000;
    obs.cycle = 1;
    obs.version = "v1";
    obs.account.equity = 10000;
    obs.account.cash = 10000;
    char *s = h->observation_json(h, &obs);
    cr_assert_not_null(s);
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    cr_assert(json_is_object(j), "%s: %s", je.text, s);
    json_decref(j);
    h->free_mem(s);
    host_services_free(h);
}

/* A 1.1 planner's LLM call record has no cached_tokens: what sits there
 * (its stack) must not reach the tally, the sinks or the bill. */
Test(host_services, llm_call_of_a_1_1_plugin_reports_no_cached_tokens)
{
    emitted e = {0};
    host_context ctx = {.emit = count_emit, .emit_ud = &e};
    perp_host *h = host_services_new(&ctx, "planner.old");
    perp_record rec = {.type = PERP_REC_LLM_CALL};
    rec.u.llm_call.prompt_tokens = 100;
    rec.u.llm_call.cached_tokens = 0x5a5a5a5a; /* stack garbage */
    h->emit(h, &rec);
    cr_assert_eq(e.last_cached_tokens, 0x5a5a5a5a, "a 1.2 plugin's own");
    host_services_set_plugin_abi(h, 1);
    h->emit(h, &rec);
    cr_assert_eq(e.last_cached_tokens, -1);
    cr_assert_eq(rec.u.llm_call.cached_tokens, 0x5a5a5a5a,
                 "the plugin's record is left as it was");
    host_services_free(h);
}
