/*
 * test_plugin_describe.c — `perpd plugins --describe NAME` from the
 * outside: rsi's and perpsim's complete key tables (every row of their
 * config maps, with type, default, allowed values and description), an
 * indicator's outputs and lookback with the defaults, a plugin's command,
 * a plugin without a map, and the errors. The expected rows are copied
 * from the plugins' config maps (plugins/indicator-rsi/rsi.c,
 * plugins/backend-perpsim/config.c).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "run_process.h"
#include "temp_dir.h"

typedef struct result {
    int rc;
    char *out, *err;
} result;

static result describe(const char *dir, const char *name, const char *extra)
{
    char *bin = perpd_path();
    char *plugdir = NULL;
    cr_assert(asprintf(&plugdir, "%s/lib/perp", test_build_dir()) > 0);
    char *argv[] = {
        bin,          "plugins",    "--path",      dir ? (char *)dir : plugdir,
        "--describe", (char *)name, (char *)extra, NULL};
    result r;
    r.rc = run_process_split(argv, &r.out, &r.err);
    free(plugdir);
    free(bin);
    return r;
}

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
}

/* The line of out whose first word (after indentation) is key, as a
 * malloc'd copy, or NULL. */
static char *row_of(const char *out, const char *key)
{
    for (const char *line = out; *line;) {
        size_t len = strcspn(line, "\n");
        const char *p = line;
        while (*p == ' ')
            p++;
        size_t klen = strlen(key);
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
            return strndup(line, len);
        line += len + (line[len] == '\n');
    }
    return NULL;
}

/* The row of key holds each of cells, in this order. */
static void assert_row(const char *out, const char *key,
                       const char *const *cells)
{
    char *row = row_of(out, key);
    cr_assert_not_null(row, "no row for %s in:\n%s", key, out);
    const char *at = row + strlen(key);
    for (size_t i = 0; cells[i]; i++) {
        const char *found = strstr(at, cells[i]);
        cr_assert_not_null(found, "row %s lacks '%s' (after column %zu): %s",
                           key, cells[i], (size_t)(at - row), row);
        at = found + strlen(cells[i]);
    }
    free(row);
}

/* Rows of the key table: lines after the KEY header, up to a blank one. */
static size_t count_rows(const char *out)
{
    const char *head = strstr(out, "\n  KEY ");
    cr_assert_not_null(head, "%s", out);
    size_t n = 0;
    const char *line = strchr(head + 1, '\n') + 1;
    while (*line && *line != '\n') {
        n++;
        line += strcspn(line, "\n") + 1;
    }
    return n;
}

Test(describe, rsi_prints_its_keys_outputs_and_lookback)
{
    result r = describe(NULL, "rsi", NULL);
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strncmp(r.out,
                      "rsi 1.0.0: indicator plugin (ABI 1.2)\n"
                      "relative strength index (TA-Lib RSI, Wilder "
                      "smoothing)\n",
                      80) == 0,
              "%s", r.out);
    cr_assert(strstr(r.out, "keys (besides the host's plugin, name, "
                            "timeframe):\n"),
              "%s", r.out);
    assert_row(r.out, "KEY",
               (const char *const[]){"TYPE", "DEFAULT", "ALLOWED",
                                     "DESCRIPTION", NULL});
    assert_row(r.out, "period",
               (const char *const[]){"integer", "14", "2..100000",
                                     "candles in Wilder's averages", NULL});
    assert_row(r.out, "source",
               (const char *const[]){"string", "close",
                                     "open, high, low, close, hl2, hlc3 "
                                     "or ohlc4",
                                     "price read from each candle", NULL});
    cr_assert_eq(count_rows(r.out), 2, "%s", r.out);
    /* TA_RSI_Lookback(14) = 14. */
    cr_assert(strstr(r.out, "outputs (with the defaults): one (rsi), shown "
                            "under the entry's name\n"
                            "lookback (with the defaults): 14 candles\n"),
              "%s", r.out);
    cr_assert_str_empty(r.err);
    result_free(&r);
}

Test(describe, perpsim_prints_every_key_nested_ones_too)
{
    result r = describe(NULL, "perpsim", NULL);
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strncmp(r.out, "perpsim 1.0.0: backend plugin (ABI 1.2)\n", 40) ==
                  0,
              "%s", r.out);
    static const char *const rows[][5] = {
        {"starting_equity", "number", "10000", "1e-09..1e+15", "USD at start"},
        {"max_leverage", "number", "5", "1..100", "highest leverage"},
        {"default_leverage", "number", "1", "1..100", "(<= max_leverage)"},
        {"mm_rate", "number", "0.03", "1e-09..0.999", "maintenance margin"},
        {"fee_bps", "number", "2", "0..1000", "taker fee per fill"},
        {"slippage_bps", "number", "1", "0..1000", "against every market"},
        {"slippage_model", "string", "fixed", "fixed or sqrt",
         "square-root impact"},
        {"impact", "mapping", "-", "-", "the sqrt model"},
        {"impact.k", "number", "1", "0..100", "sqrt(notional / V)"},
        {"impact.window", "duration", "1d", "1m..7d", "per minute"},
        {"impact.cap_bps", "number", "500", "0..10000", "the most an order"},
        {"liq_penalty_bps", "number", "5", "0..1000", "liquidation"},
        {"min_notional", "number", "5", "0..1e+12", "smallest order"},
        {"funding", "mapping", "-", "-", "funding payments"},
        {"funding.model", "string", "heuristic", "none, heuristic or external",
         "none; heuristic"},
        {"funding.cap", "number", "0.0001", "0..1", "largest |rate|"},
        {"funding.interval", "duration", "1h", ">= 1ms, or continuous",
         "continuous accrual"},
        {"funding.ema", "duration", "8h", ">= 1m", "smoothing"},
        {"funding.file", "path", "-", "-", "CSV of rates"},
        {"symbols", "mapping", "-", "-", "rules per symbol"},
        {"symbols.<key>.tick_size", "number", "-", "-", "price step"},
        {"symbols.<key>.size_step", "number", "-", "-", "quantity step"},
        {"dry_run", "bool", "false", "-", "without filling"},
    };
    size_t n = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < n; i++)
        assert_row(r.out, rows[i][0],
                   (const char *const[]){rows[i][1], rows[i][2], rows[i][3],
                                         rows[i][4], NULL});
    cr_assert_eq(count_rows(r.out), n, "every row and no other:\n%s", r.out);
    cr_assert_null(strstr(r.out, "outputs"), "not an indicator: %s", r.out);
    result_free(&r);
}

Test(describe, a_command_and_a_plugin_without_a_map)
{
    char *dir = temp_dir_new();
    char *cmd = NULL, *out = NULL;
    cr_assert(asprintf(&cmd,
                       "cc -std=c11 -Wall -Wextra -Werror -shared -fPIC "
                       "-fvisibility=hidden -Isdk/include -o %s/hello.so "
                       "tests/fixtures/plugin_with_command.c && "
                       "cc -std=c11 -Wall -Wextra -Werror -shared -fPIC "
                       "-fvisibility=hidden -Isdk/include -o %s/oldsma.so "
                       "tests/fixtures/indicator_without_map.c",
                       dir, dir) > 0);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    cr_assert_eq(run_process(argv, &out), 0, "fixture build: %s", out);
    free(out);
    free(cmd);
    result r = describe(dir, "hello", NULL);
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "\nkeys: no config map (the plugin checks its own "
                            "keys at create)\n"
                            "\ncommand:\n"
                            "  perpd hello greet [NAME]        print what it "
                            "was given\n"
                            "  perpd hello exit N              exit with "
                            "status N\n"),
              "%s", r.out);
    result_free(&r);
    /* An indicator without a map still shows its outputs; it declares no
     * lookback, so none is printed. */
    r = describe(dir, "oldsma", NULL);
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "outputs (with the defaults): one (sma), shown "
                            "under the entry's name\n"),
              "%s", r.out);
    cr_assert_null(strstr(r.out, "lookback"), "%s", r.out);
    result_free(&r);
    temp_dir_remove(dir);
    free(dir);
}

Test(describe, markdown_of_one_plugin)
{
    result r = describe(NULL, "sma", "--markdown");
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strncmp(r.out, "# Plugins\n", 10) == 0, "%s", r.out);
    cr_assert(strstr(r.out, "## sma\n\nindicator plugin `sma`, version 1.0.0 "
                            "(ABI 1.2): simple moving average (TA-Lib "
                            "SMA).\n\n"
                            "Keys besides the host's (plugin, name, "
                            "timeframe):\n\n"
                            "| key | type | default | allowed | description "
                            "|\n|---|---|---|---|---|\n"
                            "| `period` | integer | `20` | 2..100000 | "
                            "candles averaged |\n"),
              "%s", r.out);
    /* TA_SMA_Lookback(20) = 19. */
    cr_assert(strstr(r.out, "\nWith the defaults: outputs one (`sma`), shown "
                            "under the entry's name; lookback 19 candles.\n"),
              "%s", r.out);
    result_free(&r);
}

Test(describe, errors)
{
    result r = describe(NULL, "nosuch", NULL);
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.err, "perpd: no plugin 'nosuch' on the plugin path"),
              "%s", r.err);
    result_free(&r);
    char *bin = perpd_path();
    char *argv[] = {bin, "plugins", "--markdown", NULL};
    r.rc = run_process_split(argv, &r.out, &r.err);
    cr_assert_eq(r.rc, 2, "%s", r.err);
    cr_assert(strstr(r.err, "--markdown goes with --describe"), "%s", r.err);
    result_free(&r);
    char *argv2[] = {bin, "plugins", "--describe", NULL};
    r.rc = run_process_split(argv2, &r.out, &r.err);
    cr_assert_eq(r.rc, 2, "%s", r.err);
    cr_assert(strstr(r.err, "usage: perpd plugins"), "%s", r.err);
    result_free(&r);
    free(bin);
}
