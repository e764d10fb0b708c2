/*
 * The OpenRouter planner through the whole `perpd run` pipeline: replay
 * feed over a small CSV folder, indicators, planner-openrouter against a
 * local chat-completions server (tests/support/chat_server), perpsim and
 * the jsonl sink. A first run records every answer by request hash; a
 * second run, with the server stopped and no API key in the environment,
 * replays them and must make the same decisions and the same trades. The
 * fake API key must appear in no output, record or record/replay file.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build_dir.h"
#include "chat_server.h"
#include "jsonl_records.h"
#include "file_read.h"
#include "run_process.h"
#include "temp_dir.h"

#define KEY_ENV "PERP_IT_OR_KEY"

/* 2023-03-28T10:40:00Z: a whole minute. */
#define T0_S   1680000000LL
#define T0_MS  (T0_S * 1000)
#define MIN_MS 60000LL
#define N_BARS 40

/* ------------------------------------------------------------ fixture */

static char fake_key[64];

/* sk-or-v1-TESTKEY-<16 random hex digits>: recognisable in a grep and
 * different on every run, so no file can contain it by accident. */
static void make_key(void)
{
    unsigned char r[8] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    cr_assert_not_null(f);
    cr_assert_eq(fread(r, 1, sizeof r, f), sizeof r);
    fclose(f);
    int n = snprintf(fake_key, sizeof fake_key, "sk-or-v1-TESTKEY-");
    for (size_t i = 0; i < sizeof r; i++)
        n += snprintf(fake_key + n, sizeof fake_key - (size_t)n, "%02x", r[i]);
}

static char *slurp(const char *path)
{
    char *s = file_read(path, NULL);
    cr_assert_not_null(s, "cannot read %s", path);
    return s;
}

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

/* ------------------------------------------------------------ market */

/* BTC climbs 10 USD a minute from 20000; ETH wobbles by a few USD around
 * 1500. Flat bars (open = high = low = close) keep intrabar stops and
 * targets out of the picture: the exit plans below are far away anyway.
 * bump adds to one BTC close (bar bump_bar), to change one observation. */
static void write_csvs(const char *dir, int bump_bar, double bump)
{
    char btc[8192] = "ts,open,high,low,close,volume\n";
    char eth[8192] = "ts,open,high,low,close,volume\n";
    for (int i = 0; i < N_BARS; i++) {
        char row[160];
        double b = 20000.0 + 10.0 * i + (i == bump_bar ? bump : 0.0);
        double e = 1500.0 + (double)(i % 5) - 2.0;
        long long ts = T0_S + 60LL * i;
        snprintf(row, sizeof row, "%lld,%.2f,%.2f,%.2f,%.2f,2.5\n", ts, b, b, b,
                 b);
        strcat(btc, row);
        snprintf(row, sizeof row, "%lld,%.2f,%.2f,%.2f,%.2f,40\n", ts, e, e, e,
                 e);
        strcat(eth, row);
    }
    free(temp_dir_write(dir, "BTC-USD_1m.csv", btc));
    free(temp_dir_write(dir, "ETH-USD_1m.csv", eth));
}

/* -------------------------------------------------------- the script */

/* One request per cycle, in order; cycles fall on T0+1m .. T0+40m, the
 * last at the last bar's close. A malformed answer costs the cycle a
 * second (repair) request. */
static const char *const contents[] = {
    /* cycle 1: long 0.1 BTC at 2x with an exit plan */
    "{\"positions\": {\"BTC\": {\"signal\": \"buy\", \"quantity\": 0.1, "
    "\"leverage\": 2, \"confidence\": 0.7, \"exit_plan\": {\"profit_target\": "
    "25000, \"stop_loss\": 15000, \"invalidation_condition\": \"close below "
    "19000\"}, \"justification\": \"uptrend\"}}, \"notes_for_audience\": "
    "\"going long BTC\"}",
    /* cycle 2: hold, from a server that echoes the Authorization header
     * (the chat server puts it in place of {{auth}}): the leak case */
    "{\"positions\": {\"BTC\": {\"signal\": \"hold\", \"quantity\": 0.1, "
    "\"leverage\": 2, \"confidence\": 0.6, \"justification\": \"you sent "
    "{{auth}}\"}}, \"notes_for_audience\": \"holding; {{auth}}\"}",
    /* cycle 3: prose, and prose again for the repair: the cycle holds */
    "I would buy some BTC here, it looks strong.",
    "Sorry, {\"positions\": [ broken",
    /* cycle 4: prose, then a valid repair: short 1 ETH at 3x */
    "Let me think about ETH first.",
    "{\"positions\": {\"ETH\": {\"signal\": \"sell\", \"quantity\": 1, "
    "\"leverage\": 3, \"confidence\": 0.55, \"exit_plan\": {\"profit_target\": "
    "1400, \"stop_loss\": 1600, \"invalidation_condition\": \"close above "
    "1550\"}, \"justification\": \"range top\"}}, \"notes_for_audience\": "
    "\"short ETH\"}",
    /* cycle 5: a coin that is not traded, next to a valid hold */
    "{\"positions\": {\"DOGE\": {\"signal\": \"buy\", \"quantity\": 1000, "
    "\"leverage\": 2, \"confidence\": 0.9, \"exit_plan\": {\"profit_target\": "
    "1, \"stop_loss\": 0.01, \"invalidation_condition\": \"none\"}, "
    "\"justification\": \"meme\"}, \"BTC\": {\"signal\": \"hold\", "
    "\"quantity\": 0.1, \"leverage\": 2, \"confidence\": 0.6, "
    "\"justification\": \"still up\"}}, \"notes_for_audience\": \"doge?\"}",
    /* cycle 6: close BTC */
    "{\"positions\": {\"BTC\": {\"signal\": \"close\", \"quantity\": 0, "
    "\"leverage\": 2, \"confidence\": 0.8, \"justification\": \"take "
    "profit\"}}, \"notes_for_audience\": \"flat BTC\"}",
    /* cycle 7: close ETH */
    "{\"positions\": {\"ETH\": {\"signal\": \"close\", \"quantity\": 0, "
    "\"leverage\": 3, \"confidence\": 0.8, \"justification\": \"done\"}}, "
    "\"notes_for_audience\": \"flat\"}",
    /* cycle 8 on (the last reply repeats): hold both */
    "{\"positions\": {\"BTC\": {\"signal\": \"hold\", \"quantity\": 0, "
    "\"leverage\": 1, \"confidence\": 0.5, \"justification\": \"wait\"}, "
    "\"ETH\": {\"signal\": \"hold\", \"quantity\": 0, \"leverage\": 1, "
    "\"confidence\": 0.5, \"justification\": \"wait\"}}, "
    "\"notes_for_audience\": \"waiting\"}",
};
#define N_CONTENTS (sizeof contents / sizeof contents[0])
/* Requests the run sends: 40 cycles, two of them with a repair. */
#define N_CYCLES   40
#define N_REQUESTS (N_CYCLES + 2)

static void script_server(chat_server *srv)
{
    chat_reply r[N_CONTENTS];
    char *bodies[N_CONTENTS];
    for (size_t i = 0; i < N_CONTENTS; i++) {
        bodies[i] = chat_completion_body(contents[i], 1000 + (int)i,
                                         50 + (int)i, 0.0001 * (double)(i + 1));
        r[i] = (chat_reply){200, bodies[i], NULL, 0};
    }
    chat_server_script(srv, r, N_CONTENTS);
    for (size_t i = 0; i < N_CONTENTS; i++)
        free(bodies[i]);
}

/* -------------------------------------------------------------- yaml */

/* planner_extra: "record: FILE" or "replay: FILE" (and base_url). */
static char *write_yaml(const char *dir, const char *name, const char *csv_dir,
                        const char *base_url, const char *planner_extra,
                        const char *out_dir)
{
    char text[4096];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: it-or-1.0\n"
             "  description: openrouter pipeline test\n"
             "  cycle: 60s\n"
             "  symbols: [BTC-USD, ETH-USD]\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - plugin: replay\n"
             "    dir: %s\n"
             "    speed: max\n"
             "    cache: false\n"
             "indicators:\n"
             "  - {plugin: ema, name: ema_5, period: 5}\n"
             "  - {plugin: rsi, name: rsi_7, period: 7}\n"
             "planner:\n"
             "  plugin: openrouter\n"
             "  base_url: %s\n"
             "  model: test/pipeline-model\n"
             "  api_key_env: " KEY_ENV "\n"
             "  response_format: json_object\n"
             "  connect_timeout: 1s\n"
             "  timeout: 3s\n"
             "  max_retries: 1\n"
             "  backoff: 10ms\n"
             "  %s\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "  starting_equity: 10000\n"
             "  max_leverage: 5\n"
             "  fee_bps: 2\n"
             "  slippage_bps: 1\n"
             "  funding: {model: none}\n"
             "sinks:\n"
             "  - plugin: jsonl\n"
             "    path: %s/records.jsonl\n",
             test_build_dir(), csv_dir, base_url, planner_extra, out_dir);
    return temp_dir_write(dir, name, text);
}

static int run_perpd(const char *cmd, const char *yaml, char **out)
{
    return perpd_run(cmd, yaml, PERPD_STDOUT_STDERR, out);
}

/* ------------------------------------------------------------ checks */

static void assert_no_key(const char *what, const char *text)
{
    cr_assert_null(strstr(text, fake_key), "the API key appears in %s", what);
    /* A partial leak (the key cut by a length limit) shows its prefix. */
    cr_assert_null(strstr(text, "TESTKEY"), "part of the key in %s", what);
}

static void assert_no_key_in_file(const char *path)
{
    char *text = slurp(path);
    assert_no_key(path, text);
    free(text);
}

/* A record's fields: under "data" for the JSON-carrying types (decision,
 * version), at the top level for the others. */
static json_t *data_of(json_t *rec)
{
    json_t *d = json_object_get(rec, "data");
    return d ? d : rec;
}

/* a and b hold the same records of type, equal field for field. */
static void assert_same_records(json_t *a, json_t *b, const char *type)
{
    json_t *ta = jsonl_records_of_type(a, type);
    json_t *tb = jsonl_records_of_type(b, type);
    cr_assert_eq(json_array_size(ta), json_array_size(tb),
                 "%s records: %zu recorded, %zu replayed", type,
                 json_array_size(ta), json_array_size(tb));
    for (size_t i = 0; i < json_array_size(ta); i++) {
        json_t *x = json_array_get(ta, i), *y = json_array_get(tb, i);
        if (!json_equal(x, y)) {
            char *sx = json_dumps(x, JSON_SORT_KEYS);
            char *sy = json_dumps(y, JSON_SORT_KEYS);
            cr_assert_fail("%s record %zu differs:\n%s\n%s", type, i, sx, sy);
        }
    }
    json_decref(ta);
    json_decref(tb);
}

/* The llm_call records agree except for latency_ms, the only field that
 * measures the transport (a replay answers without one). */
static void assert_same_calls(json_t *a, json_t *b)
{
    json_t *ta = jsonl_records_of_type(a, "llm_call");
    json_t *tb = jsonl_records_of_type(b, "llm_call");
    cr_assert_eq(json_array_size(ta), json_array_size(tb));
    for (size_t i = 0; i < json_array_size(ta); i++) {
        json_t *x = json_deep_copy(json_array_get(ta, i));
        json_t *y = json_deep_copy(json_array_get(tb, i));
        json_object_del(data_of(x), "latency_ms");
        json_object_del(data_of(y), "latency_ms");
        if (!json_equal(x, y)) {
            char *sx = json_dumps(x, JSON_SORT_KEYS);
            char *sy = json_dumps(y, JSON_SORT_KEYS);
            cr_assert_fail("llm_call record %zu differs:\n%s\n%s", i, sx, sy);
        }
        json_decref(x);
        json_decref(y);
    }
    json_decref(ta);
    json_decref(tb);
}

/* --------------------------------------------------- the record run */

typedef struct recorded {
    char *dir, *csv, *calls, *out;
} recorded;

/* Runs the pipeline against a fresh local server with the fake key set,
 * recording into dir/calls.jsonl; the server is stopped on return. */
static recorded record_run(void)
{
    recorded r;
    r.dir = temp_dir_new();
    r.csv = path_in(r.dir, "csv");
    r.calls = path_in(r.dir, "calls.jsonl");
    char *run1 = path_in(r.dir, "run1");
    cr_assert_eq(mkdir(r.csv, 0700), 0);
    cr_assert_eq(mkdir(run1, 0700), 0);
    write_csvs(r.csv, -1, 0);

    chat_server *srv = chat_server_start();
    cr_assert_not_null(srv);
    script_server(srv);
    char base[128], extra[1200];
    chat_server_base_url(srv, base, sizeof base);
    snprintf(extra, sizeof extra, "record: %s", r.calls);
    char *yaml = write_yaml(r.dir, "record.yaml", r.csv, base, extra, run1);

    setenv(KEY_ENV, fake_key, 1);
    int rc = run_perpd("run", yaml, &r.out);
    unsetenv(KEY_ENV);
    cr_assert_eq(rc, 0, "perpd run (record) exited %d:\n%s", rc, r.out);
    cr_assert_eq(chat_server_request_count(srv), N_REQUESTS, "%s", r.out);
    /* The key went where it belongs: the Authorization header. */
    char *auth = chat_server_request_auth(srv, 0), want[128];
    snprintf(want, sizeof want, "Bearer %s", fake_key);
    cr_assert_str_eq(auth, want);
    free(auth);
    chat_server_stop(srv);
    free(yaml);
    free(run1);
    return r;
}

static void recorded_free(recorded *r)
{
    temp_dir_remove(r->dir);
    free(r->dir);
    free(r->csv);
    free(r->calls);
    free(r->out);
}

/* --------------------------------------------------------------- tests */

TestSuite(openrouter_pipeline, .init = make_key, .timeout = 120);

/* The trades the script asks for, each at its cycle's close. */
static void assert_scripted_trades(json_t *all)
{
    static const struct {
        long long min;
        const char *symbol, *side;
        double qty;
    } want[] = {{1, "BTC-USD", "buy", 0.1},
                {4, "ETH-USD", "sell", 1},
                {6, "BTC-USD", "sell", 0.1},
                {7, "ETH-USD", "buy", 1}};
    size_t n = sizeof want / sizeof want[0];
    cr_assert_eq(jsonl_records_count(all, "trade"), n);
    for (size_t i = 0; i < n; i++) {
        json_t *t = jsonl_records_nth(all, "trade", i);
        cr_assert_eq(jsonl_ts(t), T0_MS + want[i].min * MIN_MS, "trade %zu", i);
        json_t *d = data_of(t);
        cr_assert_str_eq(jsonl_str(d, "symbol"), want[i].symbol);
        cr_assert_str_eq(jsonl_str(d, "side"), want[i].side);
        cr_assert_float_eq(jsonl_num(d, "qty"), want[i].qty, 1e-12);
    }
}

static int is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return 0;
    return 1;
}

/* One llm_call per request: status, tokens as the server reported them
 * (1000 + i prompt, 50 + i completion for the i-th scripted reply) and a
 * sha256 request hash. */
static void assert_calls(json_t *all)
{
    cr_assert_eq(jsonl_records_count(all, "llm_call"), N_REQUESTS);
    for (size_t i = 0; i < N_REQUESTS; i++) {
        json_t *d = data_of(jsonl_records_nth(all, "llm_call", i));
        /* the server repeats its last reply once the script is used up */
        int reply = i < N_CONTENTS ? (int)i : (int)N_CONTENTS - 1;
        /* replies 2, 3 and 4 are prose */
        const char *status = reply >= 2 && reply <= 4 ? "unparsable" : "ok";
        cr_assert_str_eq(jsonl_str(d, "status"), status, "call %zu", i);
        cr_assert_eq(json_integer_value(json_object_get(d, "prompt_tokens")),
                     1000 + reply, "call %zu", i);
        cr_assert_eq(
            json_integer_value(json_object_get(d, "completion_tokens")),
            50 + reply, "call %zu", i);
        cr_assert(is_hex64(jsonl_str(d, "request_hash")), "call %zu", i);
        cr_assert_str_eq(jsonl_str(d, "model"), "test/pipeline-model");
    }
}

Test(openrouter_pipeline,
     recorded_run_replays_to_identical_decisions_and_trades)
{
    recorded r = record_run();
    char *run1 = path_in(r.dir, "run1"), *run2 = path_in(r.dir, "run2");
    json_t *a = jsonl_records_read(run1);
    assert_scripted_trades(a);
    assert_calls(a);
    cr_assert_eq(jsonl_records_count(a, "decision"), N_CYCLES);
    /* DOGE is not traded: rejected alone, BTC's hold beside it stands. */
    cr_assert_eq(jsonl_records_count(a, "rejection"), 1, "%s", r.out);
    json_t *rej = jsonl_records_nth(a, "rejection", 0);
    cr_assert_eq(jsonl_ts(rej), T0_MS + 5 * MIN_MS);
    char *rej_text = json_dumps(data_of(rej), 0);
    cr_assert(strstr(rej_text, "DOGE"), "%s", rej_text);
    free(rej_text);
    /* Cycle 2's server echoed the Authorization header: the decision
     * keeps the text with the key blanked out (so the greps below are not
     * vacuous: the key did come back). */
    json_t *d2 = data_of(jsonl_records_nth(a, "decision", 1));
    cr_assert_str_eq(jsonl_str(d2, "notes_for_audience"),
                     "holding; Bearer ***");
    /* Cycle 3 holds every coin after the repair failed too, and says why;
     * cycle 4's repair is taken. */
    cr_assert(strstr(r.out, "holding this cycle"), "%s", r.out);
    json_t *d3 = json_object_get(data_of(jsonl_records_nth(a, "decision", 2)),
                                 "positions");
    cr_assert_eq(json_object_size(d3), 2);
    cr_assert_str_eq(jsonl_str(json_object_get(d3, "BTC"), "signal"), "hold");
    cr_assert_str_eq(jsonl_str(json_object_get(d3, "ETH"), "signal"), "hold");
    json_t *d4 = json_object_get(data_of(jsonl_records_nth(a, "decision", 3)),
                                 "positions");
    cr_assert_str_eq(jsonl_str(json_object_get(d4, "ETH"), "signal"), "sell");

    /* Replay: the server is gone and the key variable unset. */
    cr_assert_eq(mkdir(run2, 0700), 0);
    char extra[1200];
    snprintf(extra, sizeof extra, "replay: %s", r.calls);
    char *yaml = write_yaml(r.dir, "replay.yaml", r.csv,
                            "http://127.0.0.1:9/v1", extra, run2);
    char *out2 = NULL;
    int rc = run_perpd("run", yaml, &out2);
    cr_assert_eq(rc, 0, "perpd run (replay) exited %d:\n%s", rc, out2);
    json_t *b = jsonl_records_read(run2);
    assert_same_records(a, b, "decision");
    assert_same_records(a, b, "trade");
    assert_same_records(a, b, "rejection");
    assert_same_calls(a, b);

    assert_no_key("the record run's output", r.out);
    assert_no_key("the replay run's output", out2);
    char *f1 = path_in(run1, "records.jsonl"),
         *f2 = path_in(run2, "records.jsonl");
    assert_no_key_in_file(f1);
    assert_no_key_in_file(f2);
    assert_no_key_in_file(r.calls);

    free(f1);
    free(f2);
    free(out2);
    free(yaml);
    json_decref(a);
    json_decref(b);
    free(run1);
    free(run2);
    recorded_free(&r);
}

/* `perpd check` on a pipeline holding the key next to a mistake: the
 * error names the place, never the value. */
static void check_hides_key(const char *planner_lines, const char *expect)
{
    char *dir = temp_dir_new();
    write_csvs(dir, -1, 0);
    char text[2048];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: it-or-check\n"
             "  cycle: 60s\n"
             "  symbols: [BTC-USD]\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - {plugin: replay, dir: %s, cache: false}\n"
             "planner:\n"
             "  plugin: openrouter\n"
             "  base_url: http://127.0.0.1:9/v1\n"
             "%s"
             "backend: {plugin: perpsim}\n",
             test_build_dir(), dir, planner_lines);
    char *yaml = temp_dir_write(dir, "agent.yaml", text);
    setenv(KEY_ENV, fake_key, 1);
    char *out = NULL;
    int rc = run_perpd("check", yaml, &out);
    unsetenv(KEY_ENV);
    cr_assert_eq(rc, 1, "perpd check exited %d:\n%s", rc, out);
    cr_assert(strstr(out, expect), "want '%s' in:\n%s", expect, out);
    assert_no_key("perpd check's output", out);
    free(out);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(openrouter_pipeline, check_never_prints_the_key)
{
    /* The value pasted where the variable's name belongs. */
    check_hides_key("  api_key_env: ${" KEY_ENV "}\n", "is not set");
    /* The key expanded into a number's place. */
    check_hides_key("  api_key_env: " KEY_ENV "\n"
                    "  temperature: ${" KEY_ENV "}\n",
                    "a secret value (not shown)");
    /* The key under a key the plugin does not know. */
    check_hides_key("  api_key_env: " KEY_ENV "\n"
                    "  api_key: ${" KEY_ENV "}\n",
                    "api_key");
}

/* Cycle k (at T0 + k minutes) sees the bars closed by then, 0 .. k-1:
 * bar BUMP_BAR closes at T0 + (BUMP_BAR + 1) minutes, so the cycles
 * before that send the recorded requests and every later one a request
 * never recorded. */
#define BUMP_BAR      20
#define FIRST_MISSING (BUMP_BAR + 1)

Test(openrouter_pipeline, replay_with_a_changed_candle_says_missing_and_holds)
{
    recorded r = record_run();
    char *run1 = path_in(r.dir, "run1"), *run3 = path_in(r.dir, "run3");
    char *csv2 = path_in(r.dir, "csv2");
    cr_assert_eq(mkdir(run3, 0700), 0);
    cr_assert_eq(mkdir(csv2, 0700), 0);
    write_csvs(csv2, BUMP_BAR, 5.0);
    char extra[1200];
    snprintf(extra, sizeof extra, "replay: %s", r.calls);
    char *yaml = write_yaml(r.dir, "replay3.yaml", csv2,
                            "http://127.0.0.1:9/v1", extra, run3);
    char *out = NULL;
    int rc = run_perpd("run", yaml, &out);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, out);
    cr_assert(strstr(out, "replay: no recorded response for request"), "%s",
              out);
    cr_assert(strstr(out, "holding this cycle"), "%s", out);

    json_t *a = jsonl_records_read(run1), *c = jsonl_records_read(run3);
    /* Every cycle still decides; the trades (all before the change) stand. */
    cr_assert_eq(jsonl_records_count(c, "decision"), N_CYCLES);
    assert_same_records(a, c, "trade");
    /* Calls before the change replay as recorded; from the first cycle
     * that sees the changed bar on, one replay_missing call a cycle (not
     * retried: no server would answer it differently). Cycles 1 .. 20
     * made 22 calls (two repairs). */
    size_t before = FIRST_MISSING - 1 + 2;
    size_t n_missing = N_CYCLES - (FIRST_MISSING - 1);
    cr_assert_eq(jsonl_records_count(c, "llm_call"), before + n_missing);
    for (size_t i = 0; i < before + n_missing; i++) {
        json_t *call = jsonl_records_nth(c, "llm_call", i);
        const char *st = jsonl_str(call, "status");
        if (i < before) {
            cr_assert_str_neq(st, "replay_missing", "call %zu", i);
            continue;
        }
        cr_assert_str_eq(st, "replay_missing", "call %zu", i);
        cr_assert_eq(jsonl_ts(call),
                     T0_MS + (long long)(FIRST_MISSING + i - before) * MIN_MS);
        cr_assert(strstr(jsonl_str(call, "error"), "no recorded response"));
    }
    /* The missing cycles hold every coin. */
    for (size_t k = FIRST_MISSING; k <= N_CYCLES; k++) {
        json_t *d = data_of(jsonl_records_nth(c, "decision", k - 1));
        json_t *pos = json_object_get(d, "positions");
        cr_assert_eq(json_object_size(pos), 2, "cycle %zu", k);
        const char *coin;
        json_t *cd;
        json_object_foreach(pos, coin, cd)
        {
            cr_assert_str_eq(jsonl_str(cd, "signal"), "hold", "cycle %zu %s", k,
                             coin);
        }
    }
    assert_no_key("the replay run's output", out);

    json_decref(a);
    json_decref(c);
    free(out);
    free(yaml);
    free(csv2);
    free(run1);
    free(run3);
    recorded_free(&r);
}
