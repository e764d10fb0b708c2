/*
 * test_config_map_cli.c — plugin configuration checked by the host from
 * each plugin's config map (SDK 1.2), seen from `perpd check`: a wrong
 * type, an out-of-range value, a misspelt key and a duplicate key give
 * one file:line:col line each, with "did you mean"; errors of several
 * entries are all said in one run; an indicator's `timeframe` is the
 * host's; a plugin without a map (built as under 1.1: a fixture compiled
 * here) still checks its own keys; and a refused configuration is told
 * from a plugin that failed to start. Line:column values are counted by
 * hand from the YAML written below.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "run_process.h"
#include "temp_dir.h"

typedef struct checked {
    int rc;
    char *out;
    char *dir, *path;
} checked;

/* The pipeline around one `indicators:` block (lines 12 on). */
static const char HEAD[] = "agent:\n"                /* 1 */
                           "  version: v1\n"         /* 2 */
                           "  symbols: [BTC-USD]\n"  /* 3 */
                           "plugin_path: [%s, %s]\n" /* 4 */
                           "feeds:\n"                /* 5 */
                           "  - plugin: replay\n"    /* 6 */
                           "    dir: %s\n"           /* 7 */
                           "planner:\n"              /* 8 */
                           "  plugin: rules\n"       /* 9 */
                           "backend:\n"              /* 10 */
                           "  plugin: perpsim\n"     /* 11 */
                           "indicators:\n";          /* 12 */

/* Writes a one-candle CSV and the pipeline with `indicators` appended,
 * and runs `perpd check` on it. extra_dir: another plugin folder. */
static checked check(const char *indicators, const char *extra_dir)
{
    checked c;
    c.dir = temp_dir_new();
    free(temp_dir_write(c.dir, "BTC-USD_1m.csv",
                        "ts,open,high,low,close,volume\n"
                        "1700000040,1,1,1,1,1\n"));
    char *plugdir = NULL, *yaml = NULL;
    cr_assert(asprintf(&plugdir, "%s/lib/perp", test_build_dir()) > 0);
    cr_assert(asprintf(&yaml, HEAD, plugdir, extra_dir ? extra_dir : plugdir,
                       c.dir) > 0);
    size_t len = strlen(yaml) + strlen(indicators) + 1;
    yaml = realloc(yaml, len);
    strcat(yaml, indicators);
    c.path = temp_dir_write(c.dir, "agent.yaml", yaml);
    char *bin = perpd_path();
    char *argv[] = {bin, "check", c.path, NULL};
    c.rc = run_process(argv, &c.out);
    free(bin);
    free(yaml);
    free(plugdir);
    return c;
}

static void done(checked *c)
{
    free(c->out);
    free(c->path);
    temp_dir_remove(c->dir);
    free(c->dir);
}

/* How many lines of out contain "<path>:<line>:<col>: <msg>". */
static int lines_with(const checked *c, int line, int col, const char *msg)
{
    char *want = NULL;
    cr_assert(asprintf(&want, "%s:%d:%d: %s", c->path, line, col, msg) > 0);
    int n = 0;
    for (const char *at = c->out; (at = strstr(at, want)) != NULL; at++)
        n++;
    free(want);
    return n;
}

static void assert_once(const checked *c, int line, int col, const char *msg)
{
    cr_assert_eq(lines_with(c, line, col, msg), 1,
                 "want once: %d:%d: %s\ngot:\n%s", line, col, msg, c->out);
}

Test(config_map_cli, four_mistakes_four_lines_from_the_host)
{
    checked c = check("  - plugin: rsi\n"        /* 13 */
                      "    name: rsi_7\n"        /* 14 */
                      "    timeframe: context\n" /* 15: the host's key */
                      "    period: seven\n"      /* 16: wrong type */
                      "    source: high\n"       /* 17 */
                      "    peroid: 7\n"          /* 18: misspelt */
                      "    source: low\n"        /* 19: duplicate */
                      "  - plugin: ema\n"        /* 20 */
                      "    period: 1\n",         /* 21: out of range */
                      NULL);
    cr_assert_eq(c.rc, 1, "exit %d:\n%s", c.rc, c.out);
    assert_once(&c, 16, 13,
                "key 'period': expected an integer in 2..100000, found "
                "'seven'");
    assert_once(&c, 18, 5, "unknown key 'peroid' (did you mean 'period'?)");
    assert_once(&c, 19, 5,
                "duplicate key 'source' (first at line 17, "
                "column 5)");
    assert_once(&c, 21, 13,
                "key 'period': expected an integer in 2..100000, found 1");
    /* Each entry's summary, once; nothing about `timeframe`. */
    assert_once(&c, 13, 5, "plugin 'rsi' refused its configuration");
    assert_once(&c, 20, 5, "plugin 'ema' refused its configuration");
    cr_assert_null(strstr(c.out, "timeframe"), "%s", c.out);
    cr_assert_null(strstr(c.out, "Sanitizer"), "%s", c.out);
    done(&c);
}

Test(config_map_cli, host_keys_pass_and_a_valid_pipeline_checks_ok)
{
    checked c = check("  - {plugin: rsi, name: r, period: 7, timeframe: "
                      "context}\n"
                      "  - {plugin: macd, name: m}\n",
                      NULL);
    cr_assert_eq(c.rc, 0, "exit %d:\n%s", c.rc, c.out);
    done(&c);
    /* `timeframes` was never read by the host: now it says so. */
    c = check("  - {plugin: rsi, name: r, timeframes: [1m]}\n", NULL);
    cr_assert_eq(c.rc, 1, "%s", c.out);
    assert_once(&c, 13, 28,
                "unknown key 'timeframes' (did you mean 'timeframe'?)");
    done(&c);
}

/* Builds tests/fixtures/indicator_without_map.c into dir/oldsma.so. */
static void build_oldsma(const char *dir)
{
    char *cmd = NULL, *out = NULL;
    cr_assert(asprintf(&cmd,
                       "cc -std=c11 -Wall -Wextra -Werror -shared -fPIC "
                       "-fvisibility=hidden -Isdk/include -o %s/oldsma.so "
                       "tests/fixtures/indicator_without_map.c",
                       dir) > 0);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "fixture build failed:\n%s", out);
    free(out);
    free(cmd);
}

Test(config_map_cli, a_plugin_without_a_map_checks_its_own_keys)
{
    char *plugdir = temp_dir_new();
    build_oldsma(plugdir);
    /* Its own key list lacks `timeframe`; the host lets it pass. */
    checked c = check("  - {plugin: oldsma, name: o, period: 5, timeframe: "
                      "context}\n",
                      plugdir);
    cr_assert_eq(c.rc, 0, "exit %d:\n%s", c.rc, c.out);
    done(&c);
    /* Its own checks still speak, with the place. */
    c = check("  - {plugin: oldsma, name: o, perod: 5}\n", plugdir);
    cr_assert_eq(c.rc, 1, "%s", c.out);
    assert_once(&c, 13, 31,
                "unknown key 'perod' (allowed: plugin, name, period, start, "
                "timeframe)");
    assert_once(&c, 13, 5, "plugin 'oldsma' refused its configuration");
    done(&c);
    /* A repeated key is refused by the host before create(): the plugin
     * would read only the first. */
    c = check("  - {plugin: oldsma, name: o, period: 5, period: 6}\n", plugdir);
    cr_assert_eq(c.rc, 1, "%s", c.out);
    assert_once(&c, 13, 42,
                "duplicate key 'period' (first at line 13, column 31)");
    done(&c);
    temp_dir_remove(plugdir);
    free(plugdir);
}

Test(config_map_cli, a_plugin_that_fails_to_start_is_not_a_refusal)
{
    char *plugdir = temp_dir_new();
    build_oldsma(plugdir);
    checked c = check("  - {plugin: oldsma, name: o, start: fail}\n", plugdir);
    cr_assert_eq(c.rc, 1, "%s", c.out);
    assert_once(&c, 13, 5, "plugin 'oldsma' failed to start (out of memory)");
    cr_assert_null(strstr(c.out, "refused its configuration"), "%s", c.out);
    done(&c);
    temp_dir_remove(plugdir);
    free(plugdir);
}

Test(config_map_cli, a_duplicate_in_a_host_section_is_said_too)
{
    /* agent: is the host's own; its duplicate is said with the others. */
    char *dir = temp_dir_new();
    char *path = temp_dir_write(dir, "agent.yaml",
                                "agent:\n"        /* 1 */
                                "  version: v1\n" /* 2 */
                                "  version: v2\n" /* 3 */
                                "  symbols: [BTC-USD]\n"
                                "feeds: []\n");
    char *bin = perpd_path();
    char *argv[] = {bin, "check", path, NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 1, "%s", out);
    char *want = NULL;
    cr_assert(asprintf(&want,
                       "%s:3:3: duplicate key 'version' (first at line 2, "
                       "column 3)\n",
                       path) > 0);
    const char *at = strstr(out, want);
    cr_assert_not_null(at, "want %s in:\n%s", want, out);
    cr_assert_null(strstr(at + 1, want), "said twice:\n%s", out);
    free(want);
    free(out);
    free(bin);
    free(path);
    temp_dir_remove(dir);
    free(dir);
}
