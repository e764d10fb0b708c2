/*
 * `perpd backtest` end to end (issue 12's acceptance):
 *   - the same run gives the same --hash, and 1 bps more fee changes it;
 *   - a rules backtest over the whole 1m history in ../shared/history
 *     completes and its metrics equal a recomputation here, from its own
 *     trade and equity records, with DESIGN.md's definitions written out
 *     again below (round trips by average cost, Sharpe on snapshot
 *     returns annualised by the real interval, drawdown, profit factor);
 *   - in the arena each version gets exactly the records it gets alone,
 *     in one pass (markets shared) and across -j worker processes;
 *   - an LLM planner without a cassette is refused with its call count;
 *   - the HTML report opens in Debian's headless chromium (playwright-
 *     core) with no console error and its charts drawn; a screenshot
 *     goes to build/screenshots/.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build_dir.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

#define T0_S   1680000000LL
#define T0_MS  (T0_S * 1000)
#define N_BARS 240

static const char *shared_dir(void)
{
    const char *v = getenv("PERP_SHARED");
    return v && *v ? v : "../shared";
}

/* BTC and ETH: a sine-shaped walk, so a script planner's trades win and
 * lose. */
static void write_csvs(const char *dir)
{
    const char *sym[2] = {"BTC-USD", "ETH-USD"};
    const double base[2] = {20000, 1500};
    for (int k = 0; k < 2; k++) {
        char *text = malloc(64 + N_BARS * 96);
        size_t len = (size_t)sprintf(text, "ts,open,high,low,close,volume\n");
        for (int i = 0; i < N_BARS; i++) {
            double o = base[k] * (1 + 0.01 * sin(i / (9.0 + k)));
            double c = base[k] * (1 + 0.01 * sin((i + 1) / (9.0 + k)));
            len += (size_t)sprintf(text + len, "%lld,%.4f,%.4f,%.4f,%.4f,3\n",
                                   T0_S + 60LL * i, o, fmax(o, c) * 1.0002,
                                   fmin(o, c) * 0.9998, c);
        }
        char name[64];
        snprintf(name, sizeof name, "%s_1m.csv", sym[k]);
        free(temp_dir_write(dir, name, text));
        free(text);
    }
}

/* A buy or sell every `step` minutes, flat now and then: plenty of
 * fills. */
static void write_script_named(const char *dir, const char *name, int step)
{
    char *text = malloc(N_BARS * 400);
    size_t len = 0;
    for (int i = 1; i < N_BARS; i += step) {
        const char *sig = i % 40 < step    ? "close"
                          : (i / step) % 2 ? "buy"
                                           : "sell";
        len += (size_t)sprintf(
            text + len,
            "{\"ts\": %lld, \"positions\": {\"BTC\": {\"coin\": \"BTC\", "
            "\"signal\": \"%s\", \"quantity\": 0.1, \"leverage\": 2, "
            "\"justification\": \"t%d\"}, \"ETH\": {\"coin\": \"ETH\", "
            "\"signal\": \"%s\", \"quantity\": 1, \"leverage\": 2, "
            "\"justification\": \"t%d\"}}}\n",
            T0_MS + 60000LL * i, sig, i, sig, i);
    }
    free(temp_dir_write(dir, name, text));
    free(text);
}

static void write_script(const char *dir)
{
    write_script_named(dir, "script.jsonl", 17);
    write_script_named(dir, "script2.jsonl", 11);
}

/* planner: YAML lines of the planner node (indented 2). */
static char *write_yaml(const char *dir, const char *name, const char *version,
                        const char *planner, int fee_bps, const char *extra)
{
    char text[4096], file[128];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: %s\n"
             "  cycle: 60s\n"
             "  symbols: [BTC-USD, ETH-USD]\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - {plugin: coinbase}\n"
             "indicators:\n"
             "  - {plugin: ema, name: ema_60, period: 60}\n"
             "  - {plugin: ema, name: ema_240, period: 240}\n"
             "  - {plugin: rsi, name: rsi_7, period: 7}\n"
             "  - {plugin: macd, name: macd, fast: 12, slow: 26, signal: 9}\n"
             "planner:\n%s"
             "backend:\n"
             "  plugin: perpsim\n"
             "  starting_equity: 10000\n"
             "  max_leverage: 5\n"
             "  fee_bps: %d\n"
             "  slippage_bps: 1\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s/%s.jsonl}\n"
             "%s",
             version, test_build_dir(), planner, fee_bps, dir, name, extra);
    snprintf(file, sizeof file, "%s.yaml", name);
    return temp_dir_write(dir, file, text);
}

static char *script_planner_named(const char *dir, const char *name)
{
    char *s = malloc(1200);
    snprintf(s, 1200, "  plugin: script\n  path: %s/%s\n", dir, name);
    return s;
}

static char *script_planner(const char *dir)
{
    return script_planner_named(dir, "script.jsonl");
}

/* perpd backtest ARGS..., stdout and stderr into *out; exit code. */
static int backtest(char **out, const char *const *args)
{
    char *argv[32];
    char *perpd = perpd_path();
    size_t n = 0;
    argv[n++] = perpd;
    argv[n++] = "backtest";
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    int rc = run_process(argv, out);
    free(perpd);
    return rc;
}

/* The hex after "hash VERSION " in out, copied to h (65 bytes). */
static void hash_of(const char *out, const char *version, char h[65])
{
    char key[128];
    snprintf(key, sizeof key, "hash %s ", version);
    const char *p = strstr(out, key);
    cr_assert_not_null(p, "no %s in:\n%s", key, out);
    snprintf(h, 65, "%s", p + strlen(key));
}

/* ------------------------------------------------------------- hash */

Test(backtest, same_run_same_hash_and_one_bps_of_fee_changes_it)
{
    char *dir = temp_dir_new();
    write_csvs(dir);
    write_script(dir);
    char *pl = script_planner(dir);
    char *a = write_yaml(dir, "a", "h-1", pl, 2, "");
    char *b = write_yaml(dir, "b", "h-1", pl, 3, "");
    char h1[65], h2[65], h3[65], *out = NULL;
    const char *args1[] = {a, "--data", dir, "--hash", NULL};
    cr_assert_eq(backtest(&out, args1), 0, "%s", out);
    hash_of(out, "h-1", h1);
    cr_assert(strstr(out, "round trips"), "the metrics table: %s", out);
    free(out);
    cr_assert_eq(backtest(&out, args1), 0, "%s", out);
    hash_of(out, "h-1", h2);
    free(out);
    const char *args2[] = {b, "--data", dir, "--hash", NULL};
    cr_assert_eq(backtest(&out, args2), 0, "%s", out);
    hash_of(out, "h-1", h3);
    free(out);
    cr_assert_eq(strlen(h1), 64);
    cr_assert_str_eq(h1, h2, "two runs, two hashes");
    cr_assert_str_neq(h1, h3, "fee_bps 2 -> 3 must change the trades");
    /* The JSONL trade records of the two same runs are byte-identical
     * (each run appended its own copy). */
    json_t *all = json_array();
    char path[1200];
    snprintf(path, sizeof path, "%s/a.jsonl", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char *line = NULL;
    size_t cap = 0, n_lines = 0;
    while (getline(&line, &cap, f) > 0)
        if (strstr(line, "\"type\":\"trade\"")) {
            json_array_append_new(all, json_string(line));
            n_lines++;
        }
    free(line);
    fclose(f);
    cr_assert(n_lines > 10 && n_lines % 2 == 0, "%zu trades", n_lines);
    for (size_t i = 0; i < n_lines / 2; i++)
        cr_assert_str_eq(
            json_string_value(json_array_get(all, i)),
            json_string_value(json_array_get(all, i + n_lines / 2)));
    json_decref(all);
    free(pl);
    free(a);
    free(b);
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------------------------- metrics, recomputed */

typedef struct book {
    char sym[8][24];
    double qty[8], avg[8], fees[8];
    int n;
    double gross_profit, gross_loss;
    size_t trips, wins;
} book;

/* DESIGN.md: round trips by average cost, each reducing fill closes one,
 * fees pro-rated (the entry's share of the open fees, the exit's share of
 * its own fee). */
static void fold(book *b, const char *sym, double q, double price, double fee)
{
    int k = 0;
    while (k < b->n && strcmp(b->sym[k], sym))
        k++;
    if (k == b->n) {
        snprintf(b->sym[b->n++], 24, "%s", sym);
        b->qty[k] = b->avg[k] = b->fees[k] = 0;
    }
    if (b->qty[k] == 0 || (b->qty[k] > 0) == (q > 0)) {
        double old = fabs(b->qty[k]);
        b->avg[k] = (old * b->avg[k] + fabs(q) * price) / (old + fabs(q));
        b->qty[k] += q;
        b->fees[k] += fee;
        return;
    }
    double held = fabs(b->qty[k]), closed = fmin(held, fabs(q));
    int side = b->qty[k] > 0 ? 1 : -1;
    double entry_fee = b->fees[k] * closed / held;
    double net = side * closed * (price - b->avg[k]) - entry_fee -
                 fee * closed / fabs(q);
    b->trips++;
    if (net > 0) {
        b->wins++;
        b->gross_profit += net;
    } else if (net < 0) {
        b->gross_loss -= net;
    }
    double rest = fabs(q) - closed;
    if (rest > 1e-12 * fabs(q)) {
        b->qty[k] = (q > 0 ? 1 : -1) * rest;
        b->avg[k] = price;
        b->fees[k] = fee * rest / fabs(q);
    } else if (held - closed <= 1e-9 * held) {
        b->qty[k] = 0;
        b->fees[k] = 0;
    } else {
        b->qty[k] -= side * closed;
        b->fees[k] -= entry_fee;
    }
}

static json_t *summary_of(const char *path, const char *version)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    cr_assert_not_null(root, "%s: %s", path, e.text);
    json_t *vs = json_object_get(root, "versions");
    for (size_t i = 0; i < json_array_size(vs); i++) {
        json_t *v = json_array_get(vs, i);
        if (!strcmp(json_string_value(json_object_get(v, "version")),
                    version)) {
            json_incref(v);
            json_decref(root);
            return v;
        }
    }
    cr_assert_fail("no version %s in %s", version, path);
    return NULL;
}

static double field(json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

Test(backtest, full_history_rules_metrics_equal_a_recomputation)
{
    char *dir = temp_dir_new();
    char data[1024], pl[] = "  plugin: rules\n";
    snprintf(data, sizeof data, "%s/history", shared_dir());
    char *y = write_yaml(dir, "records", "full-rules", pl, 2, "");
    /* replay.yaml's five symbols and the indicators the rules read. */
    char text[4096];
    snprintf(
        text, sizeof text,
        "agent:\n  version: full-rules\n  cycle: 60s\n"
        "  symbols: [BTC-USD, ETH-USD, SOL-USD, DOGE-USD, XRP-USD]\n"
        "  observation_every: 100000\n"
        "plugin_path: [%s/lib/perp]\nfeeds:\n  - {plugin: coinbase}\n"
        "indicators:\n"
        "  - {plugin: rsi, name: rsi_7, period: 7}\n"
        "  - {plugin: ema, name: ema_60, period: 60}\n"
        "  - {plugin: ema, name: ema_240, period: 240}\n"
        "  - {plugin: macd, name: macd, fast: 12, slow: 26, signal: 9}\n"
        "  - {plugin: rsi, name: rsi_7_ctx, period: 7, timeframe: context}\n"
        "  - {plugin: ema, name: ema_12_ctx, period: 12, timeframe: context}\n"
        "  - {plugin: macd, name: macd_ctx, fast: 6, slow: 13, signal: 5, "
        "timeframe: context}\n"
        "  - {plugin: volatility, name: rv_12_ctx, window: 12, timeframe: "
        "context}\n"
        "  - {plugin: regime, name: regime_ctx, timeframe: context, ema: "
        "ema_12_ctx, macd: macd_ctx.macd, rsi: rsi_7_ctx, rv: rv_12_ctx.rv, "
        "rv_annual: rv_12_ctx.rv_annual}\n"
        "planner: {plugin: rules}\n"
        "backend: {plugin: perpsim, starting_equity: 10000, max_leverage: 5, "
        "fee_bps: 2, slippage_bps: 1, funding: {model: heuristic}}\n"
        "limits: {min_notional: 5, max_exposure: 3}\n"
        "sinks:\n  - {plugin: jsonl, path: %s/records.jsonl}\n",
        test_build_dir(), dir);
    free(y);
    y = temp_dir_write(dir, "full.yaml", text);
    char summary[1200], *out = NULL;
    snprintf(summary, sizeof summary, "%s/summary.json", dir);
    const char *args[] = {y, "--data", data, "--summary", summary, NULL};
    cr_assert_eq(backtest(&out, args), 0, "%s", out);
    cr_assert(strstr(out, "307544 of 307544 candles"), "%s", out);
    json_t *s = summary_of(summary, "full-rules");

    /* The records, independently. */
    json_t *all = jsonl_records_read(dir);
    book b = {0};
    double fees = 0;
    json_t *trades = jsonl_records_of_type(all, "trade");
    for (size_t i = 0; i < json_array_size(trades); i++) {
        json_t *t = json_array_get(trades, i);
        double q = jsonl_num(t, "qty");
        if (!strcmp(jsonl_str(t, "side"), "sell"))
            q = -q;
        fold(&b, jsonl_str(t, "symbol"), q, jsonl_num(t, "price"),
             jsonl_num(t, "fee"));
        fees += jsonl_num(t, "fee");
    }
    cr_assert_gt(b.trips, 5, "the rule trades on this history");
    cr_assert_eq((size_t)field(s, "round_trips"), b.trips);
    cr_assert_float_eq(field(s, "win_rate"), (double)b.wins / b.trips, 1e-12);
    cr_assert_float_eq(field(s, "profit_factor"), b.gross_profit / b.gross_loss,
                       1e-9);
    cr_assert_float_eq(field(s, "fees"), fees, 1e-9);

    json_t *eq = jsonl_records_of_type(all, "equity");
    size_t n = json_array_size(eq);
    /* First close 2023-03-16T22:16Z, last 2023-05-01T21:02Z: 66,167
     * one-minute cycles, the last at the last close (issue 17). */
    cr_assert_eq(n, 66167, "one snapshot a cycle, the last at the last close");
    double sum = 0, sum2 = 0, down2 = 0, peak = 0, worst = 0, prev = 0;
    long long t0 = 0, t1 = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(eq, i);
        double e = jsonl_num(r, "equity");
        if (i == 0)
            t0 = jsonl_ts(r);
        else {
            double ret = e / prev - 1;
            sum += ret;
            sum2 += ret * ret;
            if (ret < 0)
                down2 += ret * ret;
        }
        t1 = jsonl_ts(r);
        prev = e;
        peak = fmax(peak, e);
        worst = fmax(worst, (peak - e) / peak * 100);
    }
    double k = (double)(n - 1), mean = sum / k;
    double sd = sqrt(sum2 / k - mean * mean);
    double interval_s = (double)(t1 - t0) / 1000.0 / (double)(n - 1);
    double scale = sqrt(365.0 * 86400.0 / interval_s);
    cr_assert_float_eq(field(s, "sharpe"), mean / sd * scale, 1e-6);
    cr_assert_float_eq(field(s, "sortino"), mean / sqrt(down2 / k) * scale,
                       1e-6);
    cr_assert_float_eq(field(s, "max_drawdown_pct"), worst, 1e-9);
    cr_assert_float_eq(field(s, "total_return_pct"),
                       (prev - 10000.0) / 10000.0 * 100, 1e-9);
    cr_assert_float_eq(field(s, "final_equity"), prev, 1e-9);
    json_decref(trades);
    json_decref(eq);
    json_decref(all);
    json_decref(s);
    free(out);
    free(y);
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------------------------------------------ arena */

/* The records of one type of a JSONL file, version field dropped, one
 * string each: what "the same records" means across runs. */
static json_t *records(const char *dir, const char *name, const char *type)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.jsonl", dir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    json_t *out = json_array();
    char *line = NULL, key[64];
    size_t cap = 0;
    snprintf(key, sizeof key, "\"type\":\"%s\"", type);
    while (getline(&line, &cap, f) > 0)
        if (strstr(line, key))
            json_array_append_new(out, json_string(line));
    free(line);
    fclose(f);
    return out;
}

static void same_records(const char *dir, const char *x, const char *y)
{
    const char *types[] = {"trade", "equity", "position", "decision"};
    for (size_t t = 0; t < 4; t++) {
        json_t *a = records(dir, x, types[t]), *b = records(dir, y, types[t]);
        cr_assert_eq(json_array_size(a), json_array_size(b), "%s: %s vs %s",
                     types[t], x, y);
        if (t < 2)
            cr_assert_gt(json_array_size(a), 0, "%s: none", types[t]);
        for (size_t i = 0; i < json_array_size(a); i++)
            cr_assert_str_eq(json_string_value(json_array_get(a, i)),
                             json_string_value(json_array_get(b, i)),
                             "%s %zu of %s vs %s", types[t], i, x, y);
        json_decref(a);
        json_decref(b);
    }
}

Test(backtest, each_arena_version_gets_what_it_gets_alone)
{
    char *dir = temp_dir_new();
    write_csvs(dir);
    write_script(dir);
    char *script = script_planner(dir);
    char *script2 = script_planner_named(dir, "script2.jsonl");
    /* A and B: two scripts at two fees. Same indicators, so the arena
     * shares their markets. Alone, each writes its own file; in the
     * arena (one pass) and with -j 2 (two processes) each version writes
     * another. */
    char *a1 = write_yaml(dir, "a_alone", "va", script, 2, "");
    char *b1 = write_yaml(dir, "b_alone", "vb", script2, 3, "");
    char *a2 = write_yaml(dir, "a_arena", "va", script, 2, "");
    char *b2 = write_yaml(dir, "b_arena", "vb", script2, 3, "");
    char *a3 = write_yaml(dir, "a_jobs", "va", script, 2, "");
    char *b3 = write_yaml(dir, "b_jobs", "vb", script2, 3, "");
    char *out = NULL;
    const char *alone_a[] = {a1, "--data", dir, NULL};
    const char *alone_b[] = {b1, "--data", dir, NULL};
    const char *arena[] = {a2, b2, "--data", dir, "--hash", NULL};
    const char *jobs[] = {a3, b3, "--data", dir, "--hash", "-j", "2", NULL};
    cr_assert_eq(backtest(&out, alone_a), 0, "%s", out);
    free(out);
    cr_assert_eq(backtest(&out, alone_b), 0, "%s", out);
    free(out);
    cr_assert_eq(backtest(&out, arena), 0, "%s", out);
    cr_assert(strstr(out, "vb reads the markets of va"), "%s", out);
    cr_assert(strstr(out, "leaderboard"), "%s", out);
    cr_assert(strstr(out, "95% CI"), "%s", out);
    char ha[65], hb[65], ja[65], jb[65];
    hash_of(out, "va", ha);
    hash_of(out, "vb", hb);
    free(out);
    cr_assert_eq(backtest(&out, jobs), 0, "%s", out);
    hash_of(out, "va", ja);
    hash_of(out, "vb", jb);
    free(out);
    same_records(dir, "a_alone", "a_arena");
    same_records(dir, "b_alone", "b_arena");
    same_records(dir, "a_alone", "a_jobs");
    same_records(dir, "b_alone", "b_jobs");
    cr_assert_str_eq(ha, ja);
    cr_assert_str_eq(hb, jb);
    free(script);
    free(script2);
    free(a1);
    free(b1);
    free(a2);
    free(b2);
    free(a3);
    free(b3);
    temp_dir_remove(dir);
    free(dir);
}

/* ---------------------------------------------------------- the LLM */

Test(backtest, llm_planner_without_cassette_is_refused_with_its_calls)
{
    char *dir = temp_dir_new();
    write_csvs(dir);
    char pl[512];
    snprintf(pl, sizeof pl,
             "  plugin: openrouter\n  base_url: http://127.0.0.1:9/v1\n"
             "  api_key_env: PERP_TEST_FAKE_KEY\n"
             "  price_in_per_mtok: 0.5\n  price_out_per_mtok: 1.5\n");
    char *y = write_yaml(dir, "llm", "v-llm", pl, 2, "");
    setenv("PERP_TEST_FAKE_KEY", "sk-test-not-a-key", 1);
    char *out = NULL;
    const char *args[] = {y, "--data", dir, NULL};
    int rc = backtest(&out, args);
    unsetenv("PERP_TEST_FAKE_KEY");
    cr_assert_eq(rc, 1, "%s", out);
    /* 240 bars over two symbols: 240 one-minute cycles. */
    cr_assert(strstr(out, "would make 240 paid LLM calls"), "%s", out);
    cr_assert(strstr(out, "about $"), "%s", out);
    cr_assert(strstr(out, "--allow-llm"), "%s", out);
    cr_assert_null(strstr(out, "sk-test-not-a-key"));
    free(out);
    free(y);
    temp_dir_remove(dir);
    free(dir);
}

/* ---------------------------------------------------------- report */

Test(backtest, report_opens_in_headless_chromium_with_charts_drawn)
{
    char *dir = temp_dir_new();
    write_csvs(dir);
    write_script(dir);
    char *pl = script_planner(dir);
    char *a = write_yaml(dir, "ra", "report-a", pl, 2, "");
    char *b = write_yaml(dir, "rb", "report-b", "  plugin: rules\n", 2, "");
    char report[1200], shots[1200], shot[1300], *out = NULL;
    snprintf(report, sizeof report, "%s/report.html", dir);
    const char *args[] = {a, b, "--data", dir, "--report", report, NULL};
    cr_assert_eq(backtest(&out, args), 0, "%s", out);
    free(out);
    snprintf(shots, sizeof shots, "%s/screenshots", test_build_dir());
    mkdir(shots, 0755);
    snprintf(shot, sizeof shot, "%s/backtest-report.png", shots);
    char *argv[] = {"node", "webui/test/report.mjs", report, shot, NULL};
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "browser check failed:\n%s", out);
    cr_assert(strstr(out, "\"equity\":"), "%s", out);
    /* Beside each version's equity, its buy-and-hold curve. */
    cr_assert(strstr(out, "\"benchmarks\":2"), "%s", out);
    struct stat st;
    cr_assert_eq(stat(shot, &st), 0, "no screenshot at %s", shot);
    cr_assert_gt(st.st_size, 10000);
    free(out);
    free(pl);
    free(a);
    free(b);
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------------------------------------ look-ahead */

/* Bar i of symbol k (write_csvs): opens at T0 + i min, closes at
 * T0 + (i + 1) min at this price. */
static double close_of(int k, int i)
{
    const double base[2] = {20000, 1500};
    return base[k] * (1 + 0.01 * sin((i + 1) / (9.0 + k)));
}

/* TA-Lib's EMA(60) of BTC's closes of bars 0..last: SMA seed over the
 * first 60, then prev + 2/61 (close - prev). NAN before bar 59. */
static double ema60(int last)
{
    if (last < 59)
        return NAN;
    double e = 0;
    for (int i = 0; i < 60; i++)
        e += close_of(0, i) / 60;
    for (int i = 60; i <= last; i++)
        e += 2.0 / 61.0 * (close_of(0, i) - e);
    return e;
}

/* Every observation a version wrote: its candles closed at or before its
 * time (and the one closing at it is there), its EMA is the EMA of those
 * closes and no later one; every fill is at the close of the bar that
 * closed at its time, give or take the 1 bps slippage. */
static void check_no_look_ahead(const char *dir, const char *name)
{
    json_t *obs = records(dir, name, "observation");
    cr_assert_eq(json_array_size(obs), N_BARS, "%s: one per cycle", name);
    for (size_t i = 0; i < json_array_size(obs); i++) {
        json_t *rec =
            json_loads(json_string_value(json_array_get(obs, i)), 0, NULL);
        json_t *d = json_object_get(rec, "data");
        long long ts = json_integer_value(json_object_get(d, "ts"));
        json_t *btc = json_array_get(json_object_get(d, "markets"), 0);
        json_t *c1m = json_object_get(btc, "candles_1m");
        for (size_t k = 0; k < json_array_size(c1m); k++) {
            long long open =
                json_integer_value(json_array_get(json_array_get(c1m, k), 0));
            cr_assert_leq(open + 60000, ts, "%s: a bar before its close", name);
        }
        json_t *newest = json_array_get(c1m, json_array_size(c1m) - 1);
        long long newest_open = json_integer_value(json_array_get(newest, 0));
        cr_assert_eq(newest_open + 60000, ts,
                     "%s: the bar closing at the "
                     "cycle is shown",
                     name);
        int last = (int)((ts - T0_MS) / 60000) - 1;
        double want = ema60(last);
        json_t *e = json_object_get(
            json_object_get(json_object_get(btc, "indicators_1m"), "ema_60"),
            "value");
        if (isnan(want))
            cr_assert(json_is_null(e), "%s: ema_60 defined early", name);
        else
            cr_assert_float_eq(json_number_value(e), want, 1e-8 * want,
                               "%s at %lld", name, ts);
        json_decref(rec);
    }
    json_decref(obs);
    json_t *trades = records(dir, name, "trade");
    for (size_t i = 0; i < json_array_size(trades); i++) {
        json_t *t =
            json_loads(json_string_value(json_array_get(trades, i)), 0, NULL);
        if (!strcmp(jsonl_str(t, "symbol"), "BTC-USD")) {
            int bar = (int)((jsonl_ts(t) - T0_MS) / 60000) - 1;
            double px = jsonl_num(t, "price"), c = close_of(0, bar);
            /* 1 bps slippage and the 0.01 tick; the next bar is ~10 bps
             * away. */
            cr_assert_leq(fabs(px / c - 1), 1e-4 + 0.011 / c,
                          "%s: fill %f vs %f", name, px, c);
        }
        json_decref(t);
    }
    json_decref(trades);
}

Test(backtest, no_candle_is_seen_before_its_close_in_the_arena_or_alone)
{
    char *dir = temp_dir_new();
    write_csvs(dir);
    write_script(dir);
    char *s1 = script_planner(dir),
         *s2 = script_planner_named(dir, "script2.jsonl");
    const char *every = "";
    char *a = write_yaml(dir, "la_alone", "la", s1, 2, every);
    char *b = write_yaml(dir, "la_arena", "la", s1, 2, every);
    char *c = write_yaml(dir, "lb_arena", "lb", s2, 3, every);
    char *out = NULL;
    const char *alone[] = {a, "--data", dir, NULL};
    const char *arena[] = {b, c, "--data", dir, NULL};
    cr_assert_eq(backtest(&out, alone), 0, "%s", out);
    free(out);
    cr_assert_eq(backtest(&out, arena), 0, "%s", out);
    free(out);
    check_no_look_ahead(dir, "la_alone");
    check_no_look_ahead(dir, "la_arena");
    check_no_look_ahead(dir, "lb_arena");
    free(s1);
    free(s2);
    free(a);
    free(b);
    free(c);
    temp_dir_remove(dir);
    free(dir);
}
