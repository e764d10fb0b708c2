/*
 * planner-openrouter against a local chat-completions server: every kind
 * of answer ends in decisions the validator accepts or rejects with a
 * reason, or in a recorded hold; never a crash. Also: the API key never
 * leaks, and record-then-replay gives identical decisions.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chat_server.h"
#include "config.h"
#include "plugin_instance.h"
#include "plugin_services.h"
#include "stderr_capture.h"
#include "temp_dir.h"
#include "validator.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

#define FAKE_KEY "sk-or-v1-FAKE-perpd-0123456789abcdef"
#define KEY_ENV  "PERP_TEST_OR_KEY"

/* ------------------------------------------------------------ fixture */

typedef struct call {
    char status[32];
    char hash[65];
    char *raw;
    char *error;
    int64_t prompt_tokens, completion_tokens, cached_tokens;
    double cost;
    int attempt;
} call;

static chat_server *srv;
static call calls[64];
static size_t n_calls;
static char *all_records; /* every string of every record, for greps */
static size_t all_len;

static void keep_text(const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    all_records = realloc(all_records, all_len + n + 2);
    memcpy(all_records + all_len, s, n);
    all_len += n;
    all_records[all_len++] = '\n';
    all_records[all_len] = '\0';
}

static void on_record(void *ud, const perp_record *r)
{
    (void)ud;
    if (r->type != PERP_REC_LLM_CALL || n_calls == 64)
        return;
    const perp_llm_call_record *l = &r->u.llm_call;
    call *c = &calls[n_calls++];
    snprintf(c->status, sizeof c->status, "%s", l->status);
    snprintf(c->hash, sizeof c->hash, "%s", l->request_hash);
    c->raw = l->raw_response ? strdup(l->raw_response) : NULL;
    c->error = l->error ? strdup(l->error) : NULL;
    c->prompt_tokens = l->prompt_tokens;
    c->completion_tokens = l->completion_tokens;
    c->cached_tokens = l->cached_tokens;
    c->cost = l->cost_usd;
    c->attempt = l->attempt;
    keep_text(l->model);
    keep_text(l->status);
    keep_text(l->request_hash);
    keep_text(l->raw_response);
    keep_text(l->error);
}

static host_context ctx = {.version = "test", .emit = on_record};

static void setup(void)
{
    setenv(KEY_ENV, FAKE_KEY, 1);
    srv = chat_server_start();
    cr_assert_not_null(srv);
    n_calls = 0;
    all_records = NULL;
    all_len = 0;
}

static void teardown(void)
{
    chat_server_stop(srv);
    for (size_t i = 0; i < n_calls; i++) {
        free(calls[i].raw);
        free(calls[i].error);
    }
    free(all_records);
}

TestSuite(openrouter, .init = setup, .fini = teardown, .timeout = 30);

/* ------------------------------------------------------- observation */

static perp_market_view mk[2];
static perp_observation obs;

static void build_obs(int64_t cycle)
{
    memset(mk, 0, sizeof mk);
    const char *sym[2] = {"BTC-USD", "ETH-USD"};
    double mid[2] = {100000, 3000};
    for (int i = 0; i < 2; i++) {
        snprintf(mk[i].symbol, sizeof mk[i].symbol, "%s", sym[i]);
        perp_symbol_coin(sym[i], mk[i].coin);
        mk[i].mid = mk[i].bid = mk[i].ask = mid[i];
        mk[i].rules = (perp_symbol_rules){0.01, 0.0001, 10, 20};
    }
    memset(&obs, 0, sizeof obs);
    obs.struct_size = sizeof obs;
    obs.ts = 1767225600000 + cycle * 60000;
    obs.cycle = cycle;
    obs.version = "test";
    obs.markets = mk;
    obs.n_markets = 2;
    obs.account.equity = obs.account.cash = obs.account.available = 10000;
    obs.limits = (perp_limits){10, 5, 3, 0};
}

/* ------------------------------------------------------------ helpers */

static perp_host *host;
static void *planner;
static host_config *tree;

/* After a failed create: nothing to destroy but the host and the tree. */
static void discard(void)
{
    host_services_free(host);
    host_config_free(tree);
    tree = NULL;
}

/* 1 if the YAML lines in extra set key (so the default is left out). */
static int has_key(const char *extra, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\n%s:", key);
    char buf[1024];
    snprintf(buf, sizeof buf, "\n%s", extra ? extra : "");
    return strstr(buf, pat) != NULL;
}

static int create(const char *extra)
{
    char base[128], yaml[2048];
    chat_server_base_url(srv, base, sizeof base);
    snprintf(yaml, sizeof yaml,
             "plugin: openrouter\nbase_url: %s\napi_key_env: " KEY_ENV "\n"
             "connect_timeout: 1s\nbackoff: 10ms\nmax_retry_after: 2s\n"
             "%s%s%s",
             base, has_key(extra, "timeout") ? "" : "timeout: 2s\n",
             has_key(extra, "max_retries") ? "" : "max_retries: 2\n",
             extra ? extra : "");
    char err[256];
    host_config *cfg = host_config_parse(yaml, "or.yaml", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    host = host_services_new(&ctx, "openrouter");
    planner = NULL;
    int rc = host_plugin_create(perp_plugin_entry(), host,
                                host_config_root(cfg), &planner);
    tree = cfg; /* the plugin borrows strings from it until destroy */
    return rc;
}

static void destroy(void)
{
    const perp_planner_vtable *vt = perp_plugin_entry()->vtable;
    vt->destroy(planner);
    planner = NULL;
    discard();
}

static perp_decision plan(void)
{
    perp_decision d;
    memset(&d, 0, sizeof d);
    const perp_planner_vtable *vt = perp_plugin_entry()->vtable;
    cr_assert_eq(vt->plan(planner, &obs, &d), PERP_OK);
    return d;
}

static char *answer(const char *content)
{
    return chat_completion_body(content, 1200, 150, 0.000456);
}

#define DECISION(btc)                                                          \
    "{\"positions\":{\"BTC\":" btc ",\"ETH\":{\"coin\":\"ETH\","               \
    "\"signal\":\"hold\",\"quantity\":0,\"leverage\":1,\"confidence\":0.5,"    \
    "\"risk_usd\":0,\"exit_plan\":{\"profit_target\":null,\"stop_loss\":"      \
    "null,\"invalidation_condition\":\"\"},\"justification\":\"wait\"}},"      \
    "\"notes_for_audience\":\"test\"}"

#define GOOD_BTC                                                               \
    "{\"coin\":\"BTC\",\"signal\":\"buy\",\"quantity\":0.01,\"leverage\":3,"   \
    "\"confidence\":0.7,\"risk_usd\":20,\"exit_plan\":{\"profit_target\":"     \
    "104000,\"stop_loss\":98000,\"invalidation_condition\":\"below EMA\"},"    \
    "\"justification\":\"trend up\"}"

static void script1(int status, const char *body)
{
    chat_reply r = {status, body, NULL, 0};
    chat_server_script(srv, &r, 1);
}

/* Validates coin `coin` of d; returns 1 if accepted, else 0 with why. */
static int validate(const perp_decision *d, const char *coin, char *why,
                    size_t len)
{
    for (size_t i = 0; i < d->n_coins; i++)
        if (strcmp(d->coins[i].coin, coin) == 0)
            return host_validate_decision(&obs, &d->coins[i], NULL, why, len);
    cr_assert_fail("no decision for %s", coin);
    return 0;
}

static void assert_all_held(const perp_decision *d)
{
    cr_assert_eq(d->n_coins, 2);
    for (size_t i = 0; i < d->n_coins; i++)
        cr_assert_eq(d->coins[i].signal, PERP_SIGNAL_HOLD);
    cr_assert_neq(d->error[0], '\0', "a hold must say why");
}

/* -------------------------------------------------------------- tests */

Test(openrouter, good_answer_is_accepted_and_recorded)
{
    char *body = answer(DECISION(GOOD_BTC));
    script1(200, body);
    free(body);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    char why[256] = "";
    cr_assert_eq(validate(&d, "BTC", why, sizeof why), 1, "%s", why);
    cr_assert_eq(validate(&d, "ETH", why, sizeof why), 1, "%s", why);
    cr_assert_str_eq(d.error, "");
    cr_assert_eq(n_calls, 1);
    cr_assert_str_eq(calls[0].status, "ok");
    cr_assert_eq(calls[0].prompt_tokens, 1200);
    cr_assert_eq(calls[0].completion_tokens, 150);
    cr_assert_float_eq(calls[0].cost, 0.000456, 1e-12);
    cr_assert_eq(strlen(calls[0].hash), 64);
    /* the request is a chat completion with the schema and the key */
    char *req = chat_server_request_body(srv, 0);
    cr_assert_not_null(strstr(req, "\"model\":\"deepseek/deepseek-v3.2\""),
                       "%.300s", req);
    cr_assert_not_null(strstr(req, "\"type\":\"json_schema\""));
    cr_assert_not_null(strstr(req, "## BTC price 100000"),
                       "the LLM rendering in the prompt: %.2000s", req);
    cr_assert_eq(calls[0].cached_tokens, -1, "not reported: -1");
    free(req);
    char *auth = chat_server_request_auth(srv, 0);
    cr_assert_str_eq(auth, "Bearer " FAKE_KEY);
    free(auth);
    destroy();
}

Test(openrouter, retry_after_429_then_success)
{
    char *ok = answer(DECISION(GOOD_BTC));
    chat_reply r[2] = {
        {429, "{\"error\":{\"code\":429,\"message\":\"Rate limited\"}}", "1",
         0},
        {200, ok, NULL, 0}};
    chat_server_script(srv, r, 2);
    free(ok);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    cr_assert_str_eq(d.error, "");
    cr_assert_eq(n_calls, 2);
    cr_assert_str_eq(calls[0].status, "http_429");
    cr_assert_str_eq(calls[1].status, "ok");
    cr_assert_eq(calls[1].attempt, 2);
    /* Retry-After: 1 was honoured, not the 10 ms backoff */
    int64_t gap =
        chat_server_request_ms(srv, 1) - chat_server_request_ms(srv, 0);
    cr_assert_geq(gap, 900, "second request after %lld ms", (long long)gap);
    destroy();
}

Test(openrouter, server_error_then_success_without_cost_uses_price_table)
{
    char *ok = chat_completion_body(DECISION(GOOD_BTC), 1000000, 500000, -1);
    chat_reply r[2] = {
        {500, "{\"error\":{\"code\":500,\"message\":\"boom\"}}", NULL, 0},
        {200, ok, NULL, 0}};
    chat_server_script(srv, r, 2);
    free(ok);
    build_obs(1);
    cr_assert_eq(create("price_in_per_mtok: 0.28\nprice_out_per_mtok: 0.40\n"),
                 PERP_OK);
    perp_decision d = plan();
    char why[256] = "";
    cr_assert_eq(validate(&d, "BTC", why, sizeof why), 1, "%s", why);
    cr_assert_str_eq(calls[0].status, "http_500");
    cr_assert_str_eq(calls[1].status, "ok");
    /* 1 M prompt tokens x 0.28 + 0.5 M completion x 0.40 = 0.48 USD */
    cr_assert_float_eq(calls[1].cost, 0.48, 1e-12);
    destroy();
}

Test(openrouter, hang_past_timeout_holds)
{
    chat_reply r = {200, "{}", NULL, 10000};
    chat_server_script(srv, &r, 1);
    build_obs(1);
    cr_assert_eq(create("timeout: 300ms\nmax_retries: 1\n"), PERP_OK);
    perp_decision d = plan();
    assert_all_held(&d);
    cr_assert_eq(n_calls, 2);
    cr_assert_str_eq(calls[0].status, "timeout");
    cr_assert_str_eq(calls[1].status, "timeout");
    cr_assert_not_null(strstr(d.error, "openrouter:"), "%s", d.error);
    destroy();
}

Test(openrouter, body_that_is_not_json_holds)
{
    script1(200, "<html>upstream exploded</html>");
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    assert_all_held(&d);
    cr_assert_eq(n_calls, 3); /* first try + 2 retries */
    cr_assert_str_eq(calls[2].status, "bad_response");
    cr_assert_not_null(strstr(calls[2].raw, "upstream exploded"));
    destroy();
}

Test(openrouter, error_inside_a_200_is_retried)
{
    char *ok = answer(DECISION(GOOD_BTC));
    chat_reply r[2] = {
        {200,
         "{\"choices\":[{\"finish_reason\":\"error\",\"error\":{\"code\":502,"
         "\"message\":\"Provider returned error\"},\"message\":{\"content\":"
         "\"\"}}]}",
         NULL, 0},
        {200, ok, NULL, 0}};
    chat_server_script(srv, r, 2);
    free(ok);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    cr_assert_str_eq(d.error, "");
    cr_assert_str_eq(calls[0].status, "bad_response");
    cr_assert_not_null(strstr(calls[0].error, "Provider returned error"));
    destroy();
}

Test(openrouter, unauthorised_is_not_retried)
{
    script1(401, "{\"error\":{\"code\":401,\"message\":\"No auth "
                 "credentials found\"}}");
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    assert_all_held(&d);
    cr_assert_eq(n_calls, 1);
    cr_assert_str_eq(calls[0].status, "http_401");
    cr_assert_not_null(strstr(d.error, "HTTP 401"), "%s", d.error);
    destroy();
}

Test(openrouter, json_in_a_code_fence_is_parsed)
{
    char *body = answer("Here you go:\n```json\n" DECISION(GOOD_BTC) "\n```");
    script1(200, body);
    free(body);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    char why[256] = "";
    cr_assert_eq(validate(&d, "BTC", why, sizeof why), 1, "%s", why);
    cr_assert_eq(n_calls, 1);
    destroy();
}

/* One answer per bad field; each coin is rejected with its reason. */
static void bad_btc(const char *btc_json, const char *reason_part)
{
    char content[2048];
    snprintf(content, sizeof content,
             "{\"positions\":{\"BTC\":%s,\"ETH\":{\"coin\":\"ETH\","
             "\"signal\":\"hold\",\"quantity\":0,\"leverage\":1}}}",
             btc_json);
    char *body = answer(content);
    script1(200, body);
    free(body);
    perp_decision d = plan();
    char why[256] = "";
    cr_assert_eq(validate(&d, "BTC", why, sizeof why), 0, "accepted: %s",
                 btc_json);
    cr_assert_not_null(strstr(why, reason_part), "reason: %s", why);
    /* the other coin's decision survives */
    cr_assert_eq(validate(&d, "ETH", why, sizeof why), 1, "%s", why);
}

Test(openrouter, bad_coin_decisions_are_rejected_with_reasons)
{
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    bad_btc("{\"signal\":\"buy\",\"quantity\":-1,\"leverage\":2}",
            "quantity -1 must be > 0");
    bad_btc("{\"signal\":\"buy\",\"quantity\":\"NaN\",\"leverage\":2}",
            "quantity is not a finite number");
    bad_btc("{\"signal\":\"buy\",\"quantity\":1e30,\"leverage\":2}",
            "exceeds max 3x");
    bad_btc("{\"signal\":\"buy\",\"quantity\":0.01,\"leverage\":1000}",
            "BTC: leverage 1000 exceeds max 5");
    bad_btc("{\"signal\":\"buy\",\"quantity\":0.01,\"leverage\":2,"
            "\"exit_plan\":{\"stop_loss\":105000,\"profit_target\":110000}}",
            "stop_loss 105000 is on the wrong side");
    destroy();
}

Test(openrouter, unknown_coin_is_rejected_alone)
{
    char *body =
        answer("{\"positions\":{\"DOGE\":{\"signal\":\"buy\","
               "\"quantity\":100,\"leverage\":2},\"BTC\":" GOOD_BTC "}}");
    script1(200, body);
    free(body);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    char why[256] = "";
    cr_assert_eq(validate(&d, "DOGE", why, sizeof why), 0);
    cr_assert_str_eq(why, "DOGE: not a traded coin (traded: BTC, ETH)");
    cr_assert_eq(validate(&d, "BTC", why, sizeof why), 1, "%s", why);
    destroy();
}

Test(openrouter, unparsable_answer_gets_one_repair)
{
    char *bad = answer("{\"positions\":{\"BTC\":{\"signal\":\"buy\","
                       "\"quantity\":NaN}}}");
    char *ok = answer(DECISION(GOOD_BTC));
    chat_reply r[2] = {{200, bad, NULL, 0}, {200, ok, NULL, 0}};
    chat_server_script(srv, r, 2);
    free(bad);
    free(ok);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    cr_assert_str_eq(d.error, "");
    cr_assert_eq(n_calls, 2);
    cr_assert_str_eq(calls[0].status, "unparsable");
    cr_assert_str_eq(calls[1].status, "ok");
    cr_assert_str_neq(calls[0].hash, calls[1].hash);
    char *repair = chat_server_request_body(srv, 1);
    cr_assert_not_null(strstr(repair, "could not be used"), "%.200s", repair);
    cr_assert_not_null(strstr(repair, "\"role\":\"assistant\""));
    free(repair);
    destroy();
}

Test(openrouter, unparsable_twice_holds)
{
    char *bad = answer("I would rather not say.");
    script1(200, bad);
    free(bad);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    assert_all_held(&d);
    cr_assert_eq(n_calls, 2);
    cr_assert_not_null(strstr(d.error, "no JSON object"), "%s", d.error);
    destroy();
}

Test(openrouter, five_megabyte_answer_holds_with_capped_record)
{
    size_t n = 5u << 20;
    char *content = malloc(n + 1);
    memset(content, 'x', n);
    const char *head = "{\"positions\":{\"BTC\":{\"justification\":\"";
    memcpy(content, head, strlen(head));
    content[n - 4] = '"';
    memcpy(content + n - 3, "}}}", 3);
    content[n] = '\0';
    char *body = answer(content);
    free(content);
    script1(200, body);
    free(body);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    assert_all_held(&d);
    cr_assert_not_null(strstr(d.error, "byte limit"), "%s", d.error);
    for (size_t i = 0; i < n_calls; i++)
        cr_assert_leq(strlen(calls[i].raw), 64 * 1024);
    destroy();
}

Test(openrouter, answer_over_max_response_is_refused)
{
    char *big = malloc(300001);
    memset(big, ' ', 300000);
    big[300000] = '\0';
    script1(200, big);
    free(big);
    build_obs(1);
    cr_assert_eq(create("max_response_bytes: 100000\n"), PERP_OK);
    perp_decision d = plan();
    assert_all_held(&d);
    cr_assert_str_eq(calls[0].status, "too_large");
    destroy();
}

Test(openrouter, missing_key_is_a_create_error_naming_the_variable)
{
    unsetenv(KEY_ENV);
    stderr_capture_begin();
    int rc = create(NULL);
    char *err = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL);
    cr_assert_not_null(strstr(err, KEY_ENV), "%s", err);
    free(err);
    discard();
}

Test(openrouter, key_never_leaks)
{
    /* a hostile server echoes the Authorization header in every body */
    char *echo = answer("{\"positions\":{\"BTC\":{\"signal\":\"hold\","
                        "\"justification\":\"{{auth}}\"}},"
                        "\"notes_for_audience\":\"{{auth}}\"}");
    chat_reply r[4] = {
        {500, "{\"error\":{\"code\":500,\"message\":\"{{auth}}\"}}", NULL, 0},
        {429, "{{auth}}", "0", 0},
        {200, echo, NULL, 0},
        {401, "{\"error\":{\"message\":\"bad key {{auth}}\"}}", NULL, 0}};
    chat_server_script(srv, r, 4);
    free(echo);
    build_obs(1);
    stderr_capture_begin();
    int rc = create("log_level_test_marker: 1\n");
    char *log0 = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL, "unknown keys are refused");
    cr_assert_null(strstr(log0, FAKE_KEY));
    free(log0);
    discard();

    stderr_capture_begin();
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d1 = plan(); /* 500, 429, 200 echo */
    perp_decision d2 = plan(); /* 401 echo */
    destroy();
    char *log = stderr_capture_end();
    cr_assert_geq(n_calls, 4);
    cr_assert_null(strstr(log, FAKE_KEY), "key in the log: %s", log);
    cr_assert_null(strstr(all_records, FAKE_KEY), "key in a record");
    cr_assert_null(strstr(d1.notes, FAKE_KEY), "key in the notes");
    cr_assert_null(strstr(d1.error, FAKE_KEY));
    cr_assert_null(strstr(d2.error, FAKE_KEY));
    for (size_t i = 0; i < d1.n_coins; i++)
        cr_assert_null(strstr(d1.coins[i].justification, FAKE_KEY));
    /* and the server did see it, so the test could have failed */
    char *auth = chat_server_request_auth(srv, 0);
    cr_assert_str_eq(auth, "Bearer " FAKE_KEY);
    free(auth);
    free(log);
}

Test(openrouter, record_then_replay_gives_identical_decisions)
{
    char *dir = temp_dir_new();
    char path[512], yaml[600];
    snprintf(path, sizeof path, "%s/llm.jsonl", dir);
    char *a1 = answer(DECISION(GOOD_BTC));
    char *a2 = answer("```json\n" DECISION("{\"signal\":\"sell\",\"quantity\":"
                                           "0.02,\"leverage\":2}") "\n```");
    chat_reply r[2] = {{200, a1, NULL, 0}, {200, a2, NULL, 0}};
    chat_server_script(srv, r, 2);
    free(a1);
    free(a2);
    snprintf(yaml, sizeof yaml, "record: %s\n", path);
    cr_assert_eq(create(yaml), PERP_OK);
    build_obs(1);
    perp_decision rec1 = plan();
    build_obs(2);
    perp_decision rec2 = plan();
    destroy();
    cr_assert_eq(rec2.coins[0].signal, PERP_SIGNAL_SELL);

    /* offline: no server, no key */
    chat_server_stop(srv);
    srv = chat_server_start();
    unsetenv(KEY_ENV);
    snprintf(yaml, sizeof yaml, "replay: %s\n", path);
    cr_assert_eq(create(yaml), PERP_OK);
    build_obs(1);
    perp_decision rep1 = plan();
    build_obs(2);
    perp_decision rep2 = plan();
    cr_assert_eq(memcmp(&rec1, &rep1, sizeof rec1), 0);
    cr_assert_eq(memcmp(&rec2, &rep2, sizeof rec2), 0);
    cr_assert_eq(chat_server_request_count(srv), 0, "replay used the network");
    /* an observation never recorded: a clear error and a hold */
    build_obs(3);
    perp_decision miss = plan();
    assert_all_held(&miss);
    cr_assert_not_null(strstr(miss.error, "replay: no recorded response"), "%s",
                       miss.error);
    cr_assert_str_eq(calls[n_calls - 1].status, "replay_missing");
    destroy();
    temp_dir_remove(dir);
    free(dir);
}

Test(openrouter, bad_config_is_refused)
{
    cr_assert_eq(create("response_format: xml\n"), PERP_EINVAL);
    discard();
    cr_assert_eq(create("temperature: 5\n"), PERP_EINVAL);
    discard();
    cr_assert_eq(create("replay: /nonexistent/file.jsonl\n"), PERP_EINVAL);
    discard();
    cr_assert_eq(create("system_prompt: /nonexistent.md\n"), PERP_EINVAL);
    discard();
}

/* -------------------------------------------- prompt caching and cost */

static json_t *request_json(size_t i)
{
    char *req = chat_server_request_body(srv, i);
    cr_assert_not_null(req);
    json_t *j = json_loads(req, 0, NULL);
    free(req);
    cr_assert_not_null(j);
    return j;
}

static const char *message(json_t *req, size_t i)
{
    return json_string_value(json_object_get(
        json_array_get(json_object_get(req, "messages"), i), "content"));
}

Test(openrouter, cached_tokens_reach_the_llm_call_record)
{
    char *body = chat_completion_body_cached(DECISION(GOOD_BTC), 1200, 150,
                                             0.000456, 1024);
    script1(200, body);
    free(body);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    plan();
    cr_assert_eq(n_calls, 1);
    cr_assert_eq(calls[0].cached_tokens, 1024);
    cr_assert_float_eq(calls[0].cost, 0.000456, 1e-12, "usage.cost wins");
    destroy();
}

Test(openrouter, without_usage_cost_the_price_row_bills_cached_tokens)
{
    /* 1200 prompt tokens of which 1000 cached, 100 completion:
     * (200 x 0.5 + 1000 x 0.05 + 100 x 2) / 1e6 = 0.00035 USD */
    char *body =
        chat_completion_body_cached(DECISION(GOOD_BTC), 1200, 100, -1, 1000);
    script1(200, body);
    free(body);
    build_obs(1);
    cr_assert_eq(create("prices:\n  - {model: other/model, input: 9, output: "
                        "9}\n  - {model: deepseek/deepseek-v3.2, input: 0.5, "
                        "output: 2, cached_input: 0.05}\n"),
                 PERP_OK);
    plan();
    cr_assert_eq(n_calls, 1);
    cr_assert_eq(calls[0].cached_tokens, 1000);
    cr_assert_float_eq(calls[0].cost, 0.00035, 1e-12);
    destroy();
}

Test(openrouter, constant_part_comes_first_and_stays_the_same)
{
    char *body = answer(DECISION(GOOD_BTC));
    script1(200, body);
    free(body);
    cr_assert_eq(create(NULL), PERP_OK);
    build_obs(1);
    plan();
    build_obs(2);
    mk[0].mid = 100500;
    plan();
    cr_assert_eq(chat_server_request_count(srv), 2);
    json_t *a = request_json(0), *b = request_json(1);
    /* system first, identical across cycles, with the rules and limits */
    cr_assert_str_eq(message(a, 0), message(b, 0));
    cr_assert_not_null(strstr(message(a, 0), "You are the planner of perpd"));
    cr_assert_not_null(strstr(message(a, 0), "How to read each cycle's"));
    cr_assert_not_null(strstr(message(a, 0), "\nBTC 0.01 0.0001 10 20\n"));
    cr_assert_not_null(strstr(message(a, 0), "Limits: min notional 10 USD"));
    cr_assert_null(strstr(message(a, 0), "{{constant}}"));
    /* the cycle after it */
    cr_assert_str_neq(message(a, 1), message(b, 1));
    cr_assert_not_null(strstr(message(b, 1), "Cycle 2, "));
    cr_assert_not_null(strstr(message(b, 1), "## BTC price 100500"));
    json_decref(a);
    json_decref(b);
    destroy();
}

Test(openrouter, json_format_sends_the_record)
{
    char *body = answer(DECISION(GOOD_BTC));
    script1(200, body);
    free(body);
    build_obs(1);
    cr_assert_eq(create("observation_format: json\n"), PERP_OK);
    plan();
    json_t *a = request_json(0);
    cr_assert_not_null(strstr(message(a, 1), "\"mid\":100000"));
    cr_assert_null(strstr(message(a, 0), "{{constant}}"));
    json_decref(a);
    destroy();
}

Test(openrouter, prompt_settings_are_checked)
{
    cr_assert_eq(create("observation_format: yaml\n"), PERP_EINVAL);
    discard();
    cr_assert_eq(create("prompt_tokens_max: -5\n"), PERP_EINVAL);
    discard();
    cr_assert_eq(create("prices: {model: x}\n"), PERP_EINVAL);
    discard();
    cr_assert_eq(create("prices:\n  - {input: 1, output: 2}\n"), PERP_EINVAL);
    discard();
}

/* Issue 15, item 7: a model that names BTC twice (buy, then sell) had the
 * last one traded. Now the answer is refused with the key named: one
 * repair, then everything held with the reason. */
Test(openrouter, a_coin_named_twice_is_refused_with_the_reason)
{
    char *bad = answer("{\"positions\":{\"BTC\":" GOOD_BTC ",\"BTC\":"
                       "{\"coin\":\"BTC\",\"signal\":\"sell\",\"quantity\":"
                       "0.02}}}");
    script1(200, bad);
    free(bad);
    build_obs(1);
    cr_assert_eq(create(NULL), PERP_OK);
    perp_decision d = plan();
    assert_all_held(&d);
    cr_assert_eq(n_calls, 2);
    cr_assert_str_eq(calls[0].status, "unparsable");
    cr_assert_not_null(strstr(d.error, "duplicate key 'BTC'"), "%s", d.error);
    char *repair = chat_server_request_body(srv, 1);
    cr_assert_not_null(strstr(repair, "duplicate key 'BTC'"), "%.400s", repair);
    free(repair);
    destroy();
}

/* Issue 15, item 4: prompt files and the replay cassette are regular
 * files (a FIFO blocked in open, /dev/zero never ended), the cassette's
 * lines have a limit, and a record file that is a FIFO with no reader is
 * refused instead of blocking the planner. */
Test(openrouter, prompt_and_cassette_paths_must_be_regular_files, .timeout = 30)
{
    char *dir = temp_dir_new();
    char *fifo = NULL, *yaml = NULL, *want = NULL;
    cr_assert(asprintf(&fifo, "%s/fifo", dir) > 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    static const struct {
        const char *key, *fmt;
    } cases[] = {
        {"system_prompt", "system_prompt: cannot read '%s': not a regular "
                          "file (a FIFO)"},
        {"user_prompt", "user_prompt: cannot read '%s': not a regular file "
                        "(a FIFO)"},
        {"replay", "replay file '%s': not a regular file (a FIFO)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert(asprintf(&yaml, "%s: %s\n", cases[i].key, fifo) > 0);
        cr_assert(asprintf(&want, cases[i].fmt, fifo) > 0);
        stderr_capture_begin();
        int rc = create(yaml);
        char *log = stderr_capture_end();
        cr_expect_eq(rc, PERP_EINVAL);
        cr_expect(strstr(log, want), "want %s in:\n%s", want, log);
        discard();
        free(log);
        free(want);
        free(yaml);
    }
    stderr_capture_begin();
    int rc = create("user_prompt: /dev/zero\n");
    char *log = stderr_capture_end();
    cr_expect_eq(rc, PERP_EINVAL);
    cr_expect(strstr(log, "or.yaml:9:14: user_prompt: cannot read "
                          "'/dev/zero': not a regular file (a character "
                          "device)"),
              "%s", log);
    discard();
    free(log);
    /* The record file is opened per answer: a FIFO there fails the
     * recording with a reason, and the decision still comes. */
    char *body = answer(DECISION(GOOD_BTC));
    script1(200, body);
    free(body);
    build_obs(1);
    cr_assert(asprintf(&yaml, "record: %s\n", fifo) > 0);
    cr_assert_eq(create(yaml), PERP_OK);
    stderr_capture_begin();
    perp_decision d = plan();
    log = stderr_capture_end();
    cr_expect_eq(d.n_coins, 2);
    cr_expect(strstr(log, "': a FIFO with no reader"), "%s", log);
    destroy();
    free(log);
    free(yaml);
    free(fifo);
    temp_dir_remove(dir);
    free(dir);
}
