/*
 * The prompt planner-openrouter sends for the default pipeline on five
 * coins, counted with the o200k tokenizer (npm gpt-tokenizer, installed
 * by `make deps` into webui/node_modules/): system message plus user
 * message at most 6,000 tokens while carrying every configured indicator's current
 * value and series, the last hour of one-minute closes, the 6h context,
 * the account, positions with exit plans, the last 10 round trips,
 * metrics, limits and feedback. The observation is a real cycle of `make
 * replay` (tests/fixtures/observation_default.json) with two feedback
 * lines added; the request is the one the local chat server received.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_server.h"
#include "config.h"
#include "observation_fixture.h"
#include "plugin_services.h"
#include "run_process.h"
#include "temp_dir.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

#define KEY_ENV "PERP_TEST_OR_KEY"
#define FIXTURE "tests/fixtures/observation_default.json"

static void no_emit(void *ud, const perp_record *r)
{
    (void)ud;
    (void)r;
}

static host_context ctx = {
    .version = "test", .emit = no_emit, .cycle_ms = 60000};

/* The request body of one plan() with the planner's YAML extra. */
static json_t *request_for(const char *extra)
{
    setenv(KEY_ENV, "sk-test-0123456789", 1);
    chat_server *srv = chat_server_start();
    cr_assert_not_null(srv);
    char *body = chat_completion_body("{}", 10, 10, 0);
    chat_reply r = {200, body, NULL, 0};
    chat_server_script(srv, &r, 1);
    free(body);
    char base[128], yaml[1024], err[256];
    chat_server_base_url(srv, base, sizeof base);
    snprintf(yaml, sizeof yaml,
             "plugin: openrouter\nbase_url: %s\napi_key_env: " KEY_ENV
             "\nmax_retries: 0\nrepair: false\n%s",
             base, extra);
    host_config *cfg = host_config_parse(yaml, "or.yaml", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    perp_host *h = host_services_new(&ctx, "openrouter");
    const perp_planner_vtable *vt = perp_plugin_entry()->vtable;
    void *self = NULL;
    cr_assert_eq(vt->create(h, host_config_root(cfg), &self), PERP_OK);
    obs_fixture *fx = obs_fixture_load(FIXTURE, err, sizeof err);
    cr_assert_not_null(fx, "%s", err);
    perp_observation *obs = obs_fixture_obs(fx);
    const char *feedback[2] = {
        "BTC rejected: margin needed 2400.00 exceeds available 2100.00",
        "SOL rejected: stop_loss 24.10 is above the price 23.37 for a long"};
    obs->feedback = feedback;
    obs->n_feedback = 2;
    perp_decision d;
    memset(&d, 0, sizeof d);
    vt->plan(self, obs, &d);
    cr_assert_eq(chat_server_request_count(srv), 1);
    char *req = chat_server_request_body(srv, 0);
    json_t *j = json_loads(req, 0, NULL);
    cr_assert_not_null(j);
    free(req);
    vt->destroy(self);
    obs_fixture_free(fx);
    host_services_free(h);
    host_config_free(cfg);
    chat_server_stop(srv);
    return j;
}

static const char *content(json_t *req, size_t i)
{
    const char *s = json_string_value(json_object_get(
        json_array_get(json_object_get(req, "messages"), i), "content"));
    cr_assert_not_null(s);
    return s;
}

/* o200k tokens of text, through node. */
static long o200k(const char *dir, const char *name, const char *text)
{
    char *path = temp_dir_write(dir, name, text);
    char *argv[] = {"node", "webui/test/count_tokens.mjs", path, NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0,
                 "node webui/test/count_tokens.mjs failed (run `make deps` to "
                 "install gpt-tokenizer into webui/node_modules/): %s",
                 out);
    long bytes = 0, tokens = -1;
    cr_assert_eq(sscanf(out, "%ld\t%ld", &bytes, &tokens), 2, "%s", out);
    cr_assert_eq((size_t)bytes, strlen(text));
    free(out);
    free(path);
    return tokens;
}

Test(prompt_budget, default_pipeline_fits_6000_o200k_tokens_with_it_all,
     .timeout = 60)
{
    json_t *req = request_for("");
    const char *sys = content(req, 0), *user = content(req, 1);
    char *dir = temp_dir_new();
    long ts = o200k(dir, "system.txt", sys);
    long tu = o200k(dir, "user.txt", user);
    cr_log_info("default pipeline prompt: system %zu bytes %ld tokens, user "
                "%zu bytes %ld tokens, total %ld o200k tokens",
                strlen(sys), ts, strlen(user), tu, ts + tu);
    fprintf(stderr,
            "prompt: system %ld + user %ld = %ld o200k tokens (%zu bytes)\n",
            ts, tu, ts + tu, strlen(sys) + strlen(user));
    cr_assert_leq(ts + tu, 6000, "%ld tokens", ts + tu);
    /* nothing was trimmed to get there */
    cr_assert_null(strstr(user, "Trimmed"));
    /* everything the acceptance lists */
    const char *need_user[] = {"1m closes from",
                               "6h candles from",
                               "6h indicators:",
                               "rsi_7 ",
                               "ema_20 ",
                               "ema_60 ",
                               "ema_240 ",
                               "macd: macd ",
                               ", signal ",
                               ", hist ",
                               "rv_15m: rv ",
                               ", rv_annual ",
                               "atr_14 ",
                               "regime: regime ",
                               ", strength ",
                               "rsi_7_ctx ",
                               "ema_12_ctx ",
                               "macd_ctx: macd ",
                               "rv_12_ctx: rv ",
                               "regime_ctx: ",
                               "## Account\nequity ",
                               "; target ",
                               " stop ",
                               " invalidation: ",
                               "## Round trips",
                               "## Metrics",
                               "win rate ",
                               "max drawdown ",
                               "sharpe ",
                               "profit factor ",
                               "## Feedback",
                               "BTC rejected: margin needed"};
    for (size_t i = 0; i < sizeof need_user / sizeof need_user[0]; i++)
        cr_assert_not_null(strstr(user, need_user[i]), "missing '%s'",
                           need_user[i]);
    cr_assert_not_null(strstr(sys, "Limits: min notional "));
    cr_assert_not_null(strstr(sys, "Trading rules per coin"));
    /* 60 closes for each of the five coins */
    for (const char *p = user; (p = strstr(p, "1m closes from "));) {
        const char *e = strchr(p, '\n');
        int n = 0; /* spaces: one before each close */
        for (const char *q = p + 15; q < e; q++)
            n += *q == ' ';
        cr_assert_eq(n, 60, "%.60s", p);
        p = e;
    }
    temp_dir_remove(dir);
    free(dir);
    json_decref(req);
}

/* prompt_tokens_max covers system and user message: at 2,000 the
 * default five-coin prompt cannot fit (its floor, with every candle,
 * series value and round trip cut, is ~2,400 o200k tokens: the system
 * message and every indicator's current value), so every stage is cut in
 * order, the model is told, and it is sent as it is. */
Test(prompt_budget, a_budget_of_2000_cuts_every_stage_in_order_and_says_so,
     .timeout = 60)
{
    json_t *full = request_for("");
    json_t *req = request_for("prompt_tokens_max: 2000\n");
    const char *sys = content(req, 0), *user = content(req, 1);
    char *dir = temp_dir_new();
    long total = o200k(dir, "s.txt", sys) + o200k(dir, "u.txt", user);
    long before = o200k(dir, "s0.txt", content(full, 0)) +
                  o200k(dir, "u0.txt", content(full, 1));
    fprintf(stderr,
            "prompt at prompt_tokens_max 2000: %ld o200k tokens "
            "(%ld untrimmed)\n",
            total, before);
    cr_assert_lt(total, before / 2);
    cr_assert_str_eq(sys, content(full, 0), "the constant part is kept");
    cr_assert_not_null(strstr(user, "Trimmed to fit the prompt budget, "
                                    "oldest first: 6h candles 2->0 a coin, "
                                    "1m closes 60->0, indicator series "
                                    "3->1 values, round trips 10->0."),
                       "%.400s", user);
    cr_assert_null(strstr(user, "1m closes from"));
    cr_assert_not_null(strstr(user, "rsi_7 "), "current values stay");
    temp_dir_remove(dir);
    free(dir);
    json_decref(req);
    json_decref(full);
}
