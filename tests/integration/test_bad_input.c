/*
 * test_bad_input.c — issue 15's reproductions through the perpd binary,
 * as the outside test ran them: a pipeline file that is a FIFO or a
 * device, a script planner pointed at a directory or /dev/zero, a JSONL
 * sink on /dev/full, values of 100,000 bytes in a YAML file. Each must
 * end promptly with a clear line and the right exit status.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build_dir.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* The longest line of text. */
static size_t longest_line(const char *text)
{
    size_t best = 0;
    while (*text) {
        size_t n = strcspn(text, "\n");
        best = n > best ? n : best;
        text += n + (text[n] == '\n');
    }
    return best;
}

/* A replay pipeline over 30 rows of BTC-USD; extra: planner and sinks. */
static char *pipeline(const char *dir, const char *extra)
{
    char rows[4096];
    size_t len =
        (size_t)snprintf(rows, sizeof rows, "ts,open,high,low,close,volume\n");
    for (int i = 0; i < 30; i++)
        len += (size_t)snprintf(rows + len, sizeof rows - len,
                                "%lld,100,100,100,100,1\n",
                                1680000000LL + 60LL * i);
    free(temp_dir_write(dir, "BTC-USD_1m.csv", rows));
    char *text = NULL;
    cr_assert(asprintf(&text,
                       "agent: {version: bad, symbols: [BTC-USD]}\n"
                       "plugin_path: [%s/lib/perp]\n"
                       "feeds: [{plugin: replay, dir: %s, cache: false}]\n"
                       "backend: {plugin: perpsim}\n"
                       "%s",
                       test_build_dir(), dir, extra) > 0);
    char *path = temp_dir_write(dir, "agent.yaml", text);
    free(text);
    return path;
}

/* Item 14: every record lost on /dev/full, exit 0. Now one line naming
 * the file, a count at the end, exit 1. */
Test(bad_input, a_sink_that_cannot_write_fails_the_run, .timeout = 60)
{
    char *dir = temp_dir_new();
    char *yaml = pipeline(dir, "planner: {plugin: rules}\n"
                               "sinks: [{plugin: jsonl, path: /dev/full}]\n");
    char *out = NULL;
    int rc = perpd_run("run", yaml, PERPD_STDERR, &out);
    cr_expect_eq(rc, 1, "exit %d:\n%s", rc, out);
    cr_expect_eq(count_of(out, "cannot write '/dev/full'"), 1, "%s", out);
    cr_expect(strstr(out, "failed: this run's records are "
                          "incomplete (exit status 1)"),
              "%s", out);
    cr_expect(strstr(out, "records were not written to '/dev/full'"), "%s",
              out);
    cr_expect_lt(count_of(out, "\n"), 20, "a line per record?\n%s", out);
    free(out);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

/* Item 7 through a whole run: "BTC" and "btc" are different JSON keys,
 * so no parser sees a duplicate, but they name one market. Both are
 * rejected with the reason; nothing is traded. */
Test(bad_input, one_market_twice_in_a_decision_trades_nothing, .timeout = 60)
{
    char *dir = temp_dir_new();
    free(temp_dir_write(dir, "script.jsonl",
                        "{\"ts\": 0, \"positions\": {\"BTC\": {\"signal\": "
                        "\"buy\", \"quantity\": 0.01}, \"btc\": {\"signal\": "
                        "\"sell\", \"quantity\": 0.02}}}\n"));
    char *extra = NULL;
    cr_assert(asprintf(&extra,
                       "planner: {plugin: script, path: %s/script.jsonl}\n"
                       "sinks: [{plugin: jsonl, path: %s/records.jsonl}]\n",
                       dir, dir) > 0);
    char *yaml = pipeline(dir, extra);
    char *out = NULL;
    int rc = perpd_run("run", yaml, PERPD_STDERR, &out);
    cr_assert_eq(rc, 0, "%s", out);
    json_t *all = jsonl_records_read(dir);
    cr_expect_eq(jsonl_records_count(all, "trade"), 0);
    cr_assert_eq(jsonl_records_count(all, "rejection"), 2);
    for (size_t k = 0; k < 2; k++) {
        const char *why =
            jsonl_str(jsonl_records_nth(all, "rejection", k), "reason");
        cr_expect(strstr(why, "BTC-USD is named twice in one decision ('BTC' "
                              "and 'btc')"),
                  "%s", why);
    }
    json_decref(all);
    free(out);
    free(yaml);
    free(extra);
    temp_dir_remove(dir);
    free(dir);
}

/* Items 4 and 6: `path: /tmp` gave "0 decisions" and exit 0; /dev/zero
 * grew memory by a gigabyte a second. */
Test(bad_input, script_path_that_is_not_a_file, .timeout = 60)
{
    static const struct {
        const char *path, *reason;
    } cases[] = {
        {"/tmp", "path: cannot read '/tmp': not a regular file (a directory)"},
        {"/dev/zero", "path: cannot read '/dev/zero': not a regular file (a "
                      "character device)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = temp_dir_new();
        char *extra = NULL;
        cr_assert(asprintf(&extra, "planner: {plugin: script, path: %s}\n",
                           cases[i].path) > 0);
        char *yaml = pipeline(dir, extra);
        char *out = NULL;
        cr_expect_eq(perpd_run("check", yaml, PERPD_STDERR, &out), 1, "%s",
                     out);
        cr_expect(strstr(out, cases[i].reason), "%s", out);
        free(out);
        free(yaml);
        free(extra);
        temp_dir_remove(dir);
        free(dir);
    }
}

/* Item 4: the pipeline file itself must be a regular file; a FIFO is
 * refused instead of blocking in open. */
Test(bad_input, a_config_that_is_a_fifo_or_device, .timeout = 30)
{
    char *dir = temp_dir_new();
    char *fifo = NULL;
    cr_assert(asprintf(&fifo, "%s/agent.yaml", dir) > 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    char *out = NULL;
    cr_expect_eq(perpd_run("check", fifo, PERPD_STDERR, &out), 1, "%s", out);
    cr_expect(strstr(out, ": cannot open: not a regular file (a FIFO)"), "%s",
              out);
    free(out);
    cr_expect_eq(perpd_run("check", "/dev/zero", PERPD_STDERR, &out), 1);
    cr_expect(strstr(out, "/dev/zero: cannot open: not a regular file (a "
                          "character device)"),
              "%s", out);
    free(out);
    free(fifo);
    temp_dir_remove(dir);
    free(dir);
}

/* Item 15: error lines were cut at 600 bytes, so a long value pushed the
 * reason off ("c.yaml:9:10: ////..."). Every line keeps its reason and
 * stays short. */
Test(bad_input, long_values_are_shortened_and_the_reason_kept, .timeout = 60)
{
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, '/', n);
    big[n] = '\0';
    static const struct {
        const char *fmt, *reason;
    } cases[] = {
        /* a plugin's own message (the replay feed's dir) */
        {"feeds:\n  - plugin: replay\n    dir: %s\n",
         "agent.yaml:8:10: dir: path too long (100000 bytes"},
        /* a host type error with the value quoted */
        {"agent: {version: v, cycle: '%s'}\n",
         "expected a duration such as 250ms, 15s, 5m, 6h or 1d, found "
         "'/////"},
        /* an unknown key (YAML's explicit-key form: an implicit key
         * stops at 1024 characters) */
        {"agent:\n  version: v\n  ? '%s'\n  : 1\n", "(allowed: "},
    };
    char *dir = temp_dir_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *body = NULL, *text = NULL;
        cr_assert(asprintf(&body, cases[i].fmt, big) > 0);
        cr_assert(asprintf(&text,
                           "%splugin_path: [%s/lib/perp]\n"
                           "planner: {plugin: rules}\n"
                           "backend: {plugin: perpsim}\n",
                           i == 0 ? "agent: {version: v, symbols: [BTC-USD]}\n"
                                    "# feed\n"
                                  : "",
                           test_build_dir()) > 0);
        char *yaml_text = NULL;
        cr_assert(asprintf(&yaml_text, "%s%s", i == 0 ? text : body,
                           i == 0 ? body : text) > 0);
        char *yaml = temp_dir_write(dir, "agent.yaml", yaml_text);
        char *out = NULL;
        cr_expect_eq(perpd_run("check", yaml, PERPD_STDERR, &out), 1, "%.2000s",
                     out);
        cr_expect(strstr(out, cases[i].reason), "case %zu:\n%.2000s", i, out);
        cr_expect(strstr(out, "\xe2\x80\xa6(100000 bytes)\xe2\x80\xa6") ||
                      strstr(out, "(100000 bytes"),
                  "case %zu: the length is said:\n%.2000s", i, out);
        cr_expect_lt(longest_line(out), 1000, "case %zu:\n%.3000s", i, out);
        free(out);
        free(yaml);
        free(yaml_text);
        free(text);
        free(body);
    }
    temp_dir_remove(dir);
    free(dir);
    free(big);
}
