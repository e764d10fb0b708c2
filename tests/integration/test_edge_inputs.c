/*
 * test_edge_inputs.c — issue 14 item 7: bad input at the edges, through
 * the perpd binary, as one table. Each row writes its input, runs perpd
 * (run, or check where nothing would run) and expects: the exit status,
 * a line with the file:line(:col) and the reason, no record written (a
 * refused run loses nothing because it starts nothing), promptly.
 *
 *   history CSV   a missing column (header and row), NaN / inf / zero /
 *                 negative prices, high below low, duplicate and
 *                 backwards timestamps, a 2 GB line (a sparse file)
 *   indicators    every period-like key of every indicator at 0 and 10^9
 *   symbols       1,000 in agent.symbols, in a feed's products, and in
 *                 history download (the first, which the venue has,
 *                 written whole; the next, which it lacks, named, and
 *                 nothing written for it)
 *   YAML          10 MB of comments and a 10 MB value (valid: the run
 *                 completes and the value reaches the version record
 *                 whole), 10,000-deep flow sequences, flow mappings and
 *                 block sequences, a 50 MB file
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_dir.h"
#include "candles_server.h"
#include "file_read.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

#define HEADER "ts,open,high,low,close,volume\n"
#define ROW0   "1704067200,100,101,99,100,1\n"
#define ROW1   "1704067260,100,101,99,100,1\n"

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A replay pipeline over dir's BTC-USD_1m.csv with the JSONL sink into
 * dir/records.jsonl; extra goes at the end (indicators, other keys). */
static char *pipeline(const char *dir, const char *agent_extra,
                      const char *extra)
{
    char *text = NULL;
    cr_assert(asprintf(&text,
                       "agent: {version: edge, symbols: [BTC-USD]%s}\n"
                       "plugin_path: [%s/lib/perp]\n"
                       "feeds: [{plugin: replay, dir: %s, cache: false}]\n"
                       "planner: {plugin: rules}\n"
                       "backend: {plugin: perpsim}\n"
                       "sinks: [{plugin: jsonl, path: %s/records.jsonl}]\n"
                       "%s",
                       agent_extra, test_build_dir(), dir, dir, extra) > 0);
    char *path = temp_dir_write(dir, "edge.yaml", text);
    free(text);
    return path;
}

/* Records written to dir/records.jsonl (0 when there is no file). */
static size_t records_written(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/records.jsonl", dir);
    size_t len = 0;
    char *text = file_read(path, &len);
    size_t n = 0;
    for (size_t i = 0; text && i < len; i++)
        n += text[i] == '\n';
    free(text);
    return n;
}

typedef struct outcome {
    int rc;
    char *err; /* stderr (malloc'd) */
    int64_t ms;
} outcome;

static outcome perpd(const char *cmd, const char *yaml)
{
    outcome o;
    int64_t t0 = mono_ms();
    o.rc = perpd_run(cmd, yaml, PERPD_STDERR, &o.err);
    o.ms = mono_ms() - t0;
    return o;
}

/* No criterion .timeout on these tests: with --jobs 2 the runner then
 * leaks 48 bytes that LeakSanitizer fails the binary for (libcriterion
 * 2.4). Every wait below has its own deadline instead, and tests/run.sh
 * bounds the binary. */
static size_t g_tried;

/* The run was refused with a line holding each of want[] (NULL-ended),
 * within ms, and wrote no record. */
static void expect_refused(const char *what, const char *dir, outcome o,
                           const char *const want[], int64_t within_ms)
{
    g_tried++;
    cr_expect_eq(o.rc, 1, "%s: exit %d\n%s", what, o.rc, o.err);
    for (size_t i = 0; want[i]; i++)
        cr_expect(strstr(o.err, want[i]), "%s: no '%s' in\n%s", what, want[i],
                  o.err);
    cr_expect_lt(o.ms, within_ms, "%s: took %lld ms", what, (long long)o.ms);
    cr_expect_eq(records_written(dir), 0, "%s: records written", what);
}

/* ------------------------------------------------------------ the CSV */

typedef struct csv_case {
    const char *what, *text, *want_line, *want_why;
} csv_case;

static const csv_case CSV_CASES[] = {
    {"header without volume", "ts,open,high,low,close\n1704067200,1,2,1,1\n",
     "BTC-USD_1m.csv:1:", "expected the header ts,open,high,low,close,volume"},
    {"row without volume", HEADER "1704067200,100,101,99,100\n",
     "BTC-USD_1m.csv:2:", "expected 6 fields"},
    {"NaN open", HEADER "1704067200,nan,101,99,100,1\n",
     "BTC-USD_1m.csv:2:", "open: expected a number, found 'nan'"},
    {"NaN close", HEADER ROW0 "1704067260,100,101,99,NaN,1\n",
     "BTC-USD_1m.csv:3:", "close: expected a number, found 'NaN'"},
    {"infinite high", HEADER "1704067200,100,inf,99,100,1\n",
     "BTC-USD_1m.csv:2:", "high: expected a number, found 'inf'"},
    {"zero price", HEADER "1704067200,0,101,99,100,1\n",
     "BTC-USD_1m.csv:2:", "prices must be positive"},
    {"negative price", HEADER ROW0 "1704067260,100,101,-99,100,1\n",
     "BTC-USD_1m.csv:3:", "prices must be positive"},
    {"high below low", HEADER "1704067200,100,98,99,100,1\n",
     "BTC-USD_1m.csv:2:", "high/low do not contain open and close"},
    {"duplicate timestamp", HEADER ROW0 ROW1 ROW1,
     "BTC-USD_1m.csv:4:", "ts not after the previous row's"},
    {"timestamp going back", HEADER ROW1 ROW0,
     "BTC-USD_1m.csv:3:", "ts not after the previous row's"},
};

Test(edge_inputs, history_csv)
{
    for (size_t i = 0; i < sizeof CSV_CASES / sizeof CSV_CASES[0]; i++) {
        const csv_case *c = &CSV_CASES[i];
        char *dir = temp_dir_new();
        free(temp_dir_write(dir, "BTC-USD_1m.csv", c->text));
        char *yaml = pipeline(dir, "", "");
        outcome o = perpd("run", yaml);
        const char *want[] = {c->want_line, c->want_why, NULL};
        expect_refused(c->what, dir, o, want, 30000);
        free(o.err);
        free(yaml);
        temp_dir_remove(dir);
        free(dir);
    }
}

/* A 2 GB line: two good rows, then 2 GiB of a sparse file's zeros with
 * no newline. Refused at the line, without reading it all. */
Test(edge_inputs, a_two_gigabyte_line)
{
    char *dir = temp_dir_new();
    char *csv = temp_dir_write(dir, "BTC-USD_1m.csv", HEADER ROW0);
    cr_assert_eq(truncate(csv, 2LL << 30), 0, "no sparse file here");
    char *yaml = pipeline(dir, "", "");
    outcome o = perpd("run", yaml);
    const char *want[] = {"BTC-USD_1m.csv:3:", "line longer than 1 MiB", NULL};
    expect_refused("2 GB line", dir, o, want, 20000);
    fprintf(stderr, "edge_inputs: 2 GB line refused in %lld ms\n",
            (long long)o.ms);
    free(o.err);
    free(yaml);
    free(csv);
    temp_dir_remove(dir);
    free(dir);
}

/* --------------------------------------------------------- indicators */

Test(edge_inputs, indicator_periods_of_zero_and_a_billion)
{
    static const char *const keys[][2] = {
        {"rsi", "period"}, {"ema", "period"},       {"sma", "period"},
        {"atr", "period"}, {"bollinger", "period"}, {"volatility", "window"},
        {"macd", "fast"},  {"macd", "slow"},        {"macd", "signal"}};
    static const char *const values[] = {"0", "1000000000"};
    char *dir = temp_dir_new();
    free(temp_dir_write(dir, "BTC-USD_1m.csv", HEADER ROW0 ROW1));
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        for (size_t v = 0; v < 2; v++) {
            char extra[256], what[128], found[64], where[64];
            snprintf(extra, sizeof extra,
                     "indicators:\n  - {plugin: %s, name: x, %s: %s}\n",
                     keys[i][0], keys[i][1], values[v]);
            char *yaml = pipeline(dir, "", extra);
            outcome o = perpd("run", yaml);
            snprintf(what, sizeof what, "%s %s %s", keys[i][0], keys[i][1],
                     values[v]);
            snprintf(found, sizeof found, "key '%s': expected an integer in",
                     keys[i][1]);
            snprintf(where, sizeof where, "edge.yaml:8:");
            char tail[64];
            snprintf(tail, sizeof tail, "found %s", values[v]);
            const char *want[] = {where, found, tail, NULL};
            expect_refused(what, dir, o, want, 30000);
            free(o.err);
            free(yaml);
        }
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------------------------------------------ symbols */

static char *thousand_symbols(const char *sep)
{
    size_t cap = 16000, len = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    s[0] = '\0';
    for (int i = 0; i < 1000; i++)
        len +=
            (size_t)snprintf(s + len, cap - len, "%sS%d-USD", i ? sep : "", i);
    return s;
}

Test(edge_inputs, a_thousand_symbols)
{
    char *dir = temp_dir_new();
    free(temp_dir_write(dir, "BTC-USD_1m.csv", HEADER ROW0 ROW1));
    char *list = thousand_symbols(", ");
    char *text = NULL;
    cr_assert(asprintf(&text,
                       "agent: {version: edge, symbols: [%s]}\n"
                       "plugin_path: [%s/lib/perp]\n"
                       "feeds: [{plugin: replay, dir: %s, cache: false}]\n"
                       "planner: {plugin: rules}\n"
                       "backend: {plugin: perpsim}\n"
                       "sinks: [{plugin: jsonl, path: %s/records.jsonl}]\n",
                       list, test_build_dir(), dir, dir) > 0);
    char *yaml = temp_dir_write(dir, "edge.yaml", text);
    free(text);
    outcome o = perpd("run", yaml);
    const char *want[] = {"edge.yaml:1:", "symbols: too many (at most 32)",
                          NULL};
    expect_refused("1,000 agent symbols", dir, o, want, 30000);
    free(o.err);
    free(yaml);

    /* in a feed's products */
    cr_assert(asprintf(&text,
                       "agent: {version: edge, symbols: [BTC-USD]}\n"
                       "plugin_path: [%s/lib/perp]\n"
                       "feeds: [{plugin: coinbase, products: [%s]}]\n"
                       "planner: {plugin: rules}\n"
                       "backend: {plugin: perpsim}\n"
                       "sinks: [{plugin: jsonl, path: %s/records.jsonl}]\n",
                       test_build_dir(), list, dir) > 0);
    yaml = temp_dir_write(dir, "edge.yaml", text);
    free(text);
    o = perpd("run", yaml);
    const char *want2[] = {"edge.yaml:3:",
                           "key 'products': expected a list of 1..32 items, "
                           "found 1000",
                           NULL};
    expect_refused("1,000 feed products", dir, o, want2, 30000);
    free(o.err);
    free(yaml);
    free(list);

    /* history download: the first symbol, which the venue has, is
     * written whole; the second, which it lacks, stops the download with
     * its name and nothing is written for it */
    candles_server_opts co = {.products = "S0-USD"};
    candles_server *cs = candles_server_start(&co);
    cr_assert_not_null(cs);
    char url[128], out_dir[1100];
    candles_server_base_url(cs, url, sizeof url);
    snprintf(out_dir, sizeof out_dir, "%s/hist", dir);
    char *symbols = thousand_symbols(",");
    char *bin = perpd_path(), *out = NULL, *err = NULL;
    char *argv[] = {bin,
                    "history",
                    "download",
                    "--symbols",
                    symbols,
                    "--granularity",
                    "60",
                    "--from",
                    "2024-01-01T00:00:00Z",
                    "--to",
                    "2024-01-01T01:00:00Z",
                    "--out",
                    out_dir,
                    "--url",
                    url,
                    NULL};
    int64_t t0 = mono_ms();
    int rc = run_process_split(argv, &out, &err);
    int64_t ms = mono_ms() - t0;
    g_tried++;
    cr_expect_eq(rc, 1, "an unknown product, exit %d:\n%s", rc, err);
    cr_expect(strstr(err, "S1-USD") && strstr(err, "HTTP 404"), "%s", err);
    cr_expect(strstr(err, "perpd history: S1-USD: download failed"), "%s", err);
    struct stat st;
    char path[1200];
    snprintf(path, sizeof path, "%s/S0-USD_1m.csv", out_dir);
    cr_expect_eq(stat(path, &st), 0, "the known product not written");
    size_t rows = 0;
    char *csv = file_read(path, NULL);
    for (const char *p = csv; p && *p; p++)
        rows += *p == '\n';
    free(csv);
    /* the header and every minute the server's market traded in */
    size_t traded = 0;
    for (int64_t t = 1704067200; t < 1704067200 + 3600; t += 60) {
        double v[5];
        traded += (size_t)candles_server_row("S0-USD", t, 60, v);
    }
    cr_expect_eq(rows, traded + 1, "%zu lines for %zu traded minutes", rows,
                 traded);
    snprintf(path, sizeof path, "%s/S1-USD_1m.csv", out_dir);
    cr_expect(stat(path, &st) != 0, "a file for an unknown product");
    fprintf(stderr,
            "edge_inputs: history download of 1,000 symbols: exit %d in %lld "
            "ms after %d requests\n",
            rc, (long long)ms, candles_server_requests(cs));
    candles_server_stop(cs);
    free(out);
    free(err);
    free(bin);
    free(symbols);
    temp_dir_remove(dir);
    free(dir);
}

/* --------------------------------------------------------------- YAML */

static char *repeat(const char *unit, size_t n, const char *tail)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *s = malloc(u * n + t + 1);
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    memcpy(s + u * n, tail, t + 1);
    return s;
}

Test(edge_inputs, yaml_large_and_deep)
{
    char *dir = temp_dir_new();
    free(temp_dir_write(dir, "BTC-USD_1m.csv", HEADER ROW0 ROW1));

    /* 10 MB of comments: valid, runs */
    char *comments = repeat("# a comment line of forty-nine characters ...\n",
                            10 * 1000 * 1000 / 47 + 1, "");
    char *yaml = pipeline(dir, "", comments);
    free(comments);
    outcome o = perpd("run", yaml);
    g_tried++;
    cr_expect_eq(o.rc, 0, "10 MB of comments: exit %d\n%s", o.rc, o.err);
    cr_expect_gt(records_written(dir), 0);
    free(o.err);
    free(yaml);
    char rec[1100];
    snprintf(rec, sizeof rec, "%s/records.jsonl", dir);
    unlink(rec);

    /* a 10 MB description: valid, and it arrives whole */
    char *big = repeat("d", 10 * 1000 * 1000, "");
    char *agent = NULL;
    cr_assert(asprintf(&agent, ", description: %s", big) > 0);
    yaml = pipeline(dir, agent, "");
    free(agent);
    o = perpd("run", yaml);
    g_tried++;
    cr_expect_eq(o.rc, 0, "10 MB value: exit %d", o.rc);
    json_t *all = jsonl_records_read(dir);
    json_t *ver = jsonl_records_nth(all, "version", 0);
    cr_assert_not_null(ver);
    const char *desc = json_string_value(
        json_object_get(json_object_get(ver, "data"), "description"));
    cr_expect(desc && strcmp(desc, big) == 0,
              "the description was cut: %zu bytes", desc ? strlen(desc) : 0);
    json_decref(all);
    free(big);
    free(o.err);
    free(yaml);
    unlink(rec);

    /* 10,000 deep, three ways, and a 50 MB file */
    static const char *const units[][3] = {{"[", "]", "flow sequences"},
                                           {"{a: ", "}", "flow mappings"},
                                           {"- ", "", "block sequences"}};
    for (size_t i = 0; i < 3; i++) {
        char *open = repeat(units[i][0], 10000, "1");
        char *close = repeat(units[i][1], 10000, "\n");
        char *extra = NULL;
        cr_assert(asprintf(&extra, "extra:\n  %s%s", open, close) > 0);
        yaml = pipeline(dir, "", extra);
        o = perpd("run", yaml);
        const char *want[] = {"edge.yaml:8:", "nesting deeper than 64 levels",
                              NULL};
        expect_refused(units[i][2], dir, o, want, 30000);
        free(o.err);
        free(yaml);
        free(extra);
        free(open);
        free(close);
    }
    char *huge = repeat("# fifty-byte comment line .......................\n",
                        1000 * 1000, "");
    yaml = pipeline(dir, "", huge);
    free(huge);
    o = perpd("run", yaml);
    const char *want[] = {"edge.yaml",
                          "too large (over the 16777216-byte "
                          "limit)",
                          NULL};
    expect_refused("50 MB file", dir, o, want, 30000);
    free(o.err);
    free(yaml);
    fprintf(stderr, "edge_inputs: YAML: %zu inputs\n", g_tried);
    temp_dir_remove(dir);
    free(dir);
}
