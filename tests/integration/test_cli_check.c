/*
 * test_cli_check.c — `perpd check` and the command line from the outside:
 * every broken pipeline file exits 1 with file:line:col and a one-line
 * reason, never crashes, and never prints a secret's value. Line:column
 * values are counted by hand from the YAML written below.
 */
#include <criterion/criterion.h>

#include <perp/sdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "run_process.h"
#include "temp_dir.h"

#define SECRET "sk-test-SECRET123"

typedef struct result {
    int rc;
    char *out;
} result;

static result perpd(const char *a1, const char *a2, const char *a3,
                    const char *a4)
{
    char *bin = perpd_path();
    char *argv[] = {bin, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    result r;
    r.rc = run_process(argv, &r.out);
    free(bin);
    return r;
}

/* Writes yaml to a fresh dir and runs `perpd check` on it. */
static result check_yaml(const char *yaml, char **path_out, char **dir_out)
{
    *dir_out = temp_dir_new();
    *path_out = temp_dir_write(*dir_out, "agent.yaml", yaml);
    return perpd("check", *path_out, NULL, NULL);
}

/* The output has a line containing "<path>:<line>:<col>: " + reason. */
static void assert_reported(const result *r, const char *path, int line,
                            int col, const char *reason)
{
    char *want = NULL;
    cr_assert(asprintf(&want, "%s:%d:%d: %s", path, line, col, reason) > 0);
    cr_assert(strstr(r->out, want), "want: %s\ngot:\n%s", want, r->out);
    const char *at = strstr(r->out, want);
    const char *eol = strchr(at, '\n');
    cr_assert_not_null(eol, "the reason ends its line");
    free(want);
}

static void assert_exit_1_no_crash(const result *r)
{
    cr_assert_eq(r->rc, 1, "exit %d (128+n means a signal):\n%s", r->rc,
                 r->out);
    cr_assert_null(strstr(r->out, "Sanitizer"), "%s", r->out);
    cr_assert_null(strstr(r->out, SECRET), "secret leaked:\n%s", r->out);
    cr_assert_null(strstr(r->out, "SECRET123"), "secret leaked:\n%s", r->out);
}

static void done(result *r, char *path, char *dir)
{
    free(r->out);
    free(path);
    temp_dir_remove(dir);
    free(dir);
}

static void set_secret_env(void)
{
    setenv("OPENROUTER_API_KEY", SECRET, 1);
}

Test(cli_check, a_yaml_syntax_error)
{
    set_secret_env();
    char *path, *dir;
    result r = check_yaml("agent:\n"
                          "  version: v1\n"
                          "  key: ${OPENROUTER_API_KEY}\n"
                          "  symbols: [BTC-USD, ETH-USD\n"
                          "feeds: []\n",
                          &path, &dir);
    assert_exit_1_no_crash(&r);
    /* libyaml stops at "feeds" (line 5, column 6): the flow sequence
     * opened at line 4, column 12 was never closed. */
    assert_reported(&r, path, 5, 6,
                    "YAML syntax error: did not find expected ',' or ']' "
                    "(while parsing a flow sequence started at line 4, "
                    "column 12)");
    done(&r, path, dir);
}

static const char PIPELINE_HEAD[] = "agent:\n"                         /* 1 */
                                    "  version: v1.0.0\n"              /* 2 */
                                    "  cycle: %s\n"                    /* 3 */
                                    "  symbols: [BTC-USD]\n"           /* 4 */
                                    "plugin_path: [%s]\n"              /* 5 */
                                    "sinks:\n"                         /* 6 */
                                    "  - plugin: %s\n"                 /* 7 */
                                    "    path: %s/out/records.jsonl\n" /* 8 */
                                    "feeds:\n"                         /* 9 */
                                    "  - plugin: replay\n"             /* 10 */
                                    "planner:\n"                       /* 11 */
                                    "  plugin: openrouter\n"           /* 12 */
                                    "  api_key: ${OPENROUTER_API_KEY}\n"
                                    "backend:\n"
                                    "  plugin: perpsim\n";

static char *pipeline(const char *cycle, const char *sink, const char *dir)
{
    char *plugdir = NULL, *yaml = NULL;
    cr_assert(asprintf(&plugdir, "%s/lib/perp", test_build_dir()) > 0);
    cr_assert(asprintf(&yaml, PIPELINE_HEAD, cycle, plugdir, sink, dir) > 0);
    free(plugdir);
    return yaml;
}

Test(cli_check, b_an_unknown_plugin)
{
    set_secret_env();
    char *dir = temp_dir_new();
    char *yaml = pipeline("60s", "nosuchsink", dir);
    char *path = temp_dir_write(dir, "agent.yaml", yaml);
    result r = perpd("check", path, NULL, NULL);
    assert_exit_1_no_crash(&r);
    /* "  - plugin: nosuchsink": the name starts at line 7, column 13. */
    assert_reported(&r, path, 7, 13,
                    "plugin 'nosuchsink': no plugin 'nosuchsink' in: ");
    free(yaml);
    done(&r, path, dir);
}

Test(cli_check, c_a_wrong_type)
{
    set_secret_env();
    char *dir = temp_dir_new();
    char *yaml = pipeline("abc", "jsonl", dir);
    char *path = temp_dir_write(dir, "agent.yaml", yaml);
    result r = perpd("check", path, NULL, NULL);
    assert_exit_1_no_crash(&r);
    /* "  cycle: abc": the value starts at line 3, column 10. */
    assert_reported(&r, path, 3, 10,
                    "key 'cycle': expected a duration such as 250ms, 15s, "
                    "5m, 6h or 1d, found 'abc'");
    free(yaml);
    done(&r, path, dir);
}

Test(cli_check, c_a_wrong_type_holding_a_secret_is_not_quoted)
{
    set_secret_env();
    char *dir = temp_dir_new();
    char *yaml = pipeline("${OPENROUTER_API_KEY}", "jsonl", dir);
    char *path = temp_dir_write(dir, "agent.yaml", yaml);
    result r = perpd("check", path, NULL, NULL);
    assert_exit_1_no_crash(&r);
    assert_reported(&r, path, 3, 10,
                    "key 'cycle': expected a duration such as 250ms, 15s, "
                    "5m, 6h or 1d, found a secret value (not shown)");
    free(yaml);
    done(&r, path, dir);
}

Test(cli_check, d_an_unset_variable_without_default)
{
    set_secret_env();
    unsetenv("PERP_TEST_UNSET_DIR");
    char *path, *dir;
    result r = check_yaml("agent:\n"
                          "  version: v1\n"
                          "  note: ${OPENROUTER_API_KEY}\n"
                          "feeds:\n"
                          "  - plugin: replay\n"
                          "    dir: ${PERP_TEST_UNSET_DIR}\n",
                          &path, &dir);
    assert_exit_1_no_crash(&r);
    /* "    dir: ${...}": the value starts at line 6, column 10. */
    assert_reported(&r, path, 6, 10,
                    "environment variable PERP_TEST_UNSET_DIR is not set");
    done(&r, path, dir);
}

Test(cli_check, a_missing_file)
{
    result r = perpd("check", "/nonexistent/agent.yaml", NULL, NULL);
    cr_assert_eq(r.rc, 1, "%s", r.out);
    cr_assert(strstr(r.out, "/nonexistent/agent.yaml: cannot open: No such "
                            "file or directory"),
              "%s", r.out);
    free(r.out);
}

Test(cli, help_and_version)
{
    result r = perpd("--help", NULL, NULL, NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert(strstr(r.out, "usage: perpd"), "%s", r.out);
    cr_assert(strstr(r.out, "check CONFIG"));
    free(r.out);
    r = perpd("--version", NULL, NULL, NULL);
    cr_assert_eq(r.rc, 0);
    char want[64];
    snprintf(want, sizeof want, "(plugin ABI %d.%d)\n", PERP_ABI_MAJOR,
             PERP_ABI_MINOR);
    cr_assert(strncmp(r.out, "perpd ", 6) == 0 && strstr(r.out, want), "%s",
              r.out);
    free(r.out);
}

Test(cli, usage_errors_exit_2)
{
    const char *cases[][3] = {{"frobnicate", NULL, NULL},
                              {"--frobnicate", NULL, NULL},
                              {"check", NULL, NULL},
                              {"check", "a.yaml", "--bogus"},
                              {"run", "a.yaml", "--max-cycles"},
                              {"plugins", "--max-cycles", "3"},
                              {"check", "a.yaml", "b.yaml"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        result r = perpd(cases[i][0], cases[i][1], cases[i][2], NULL);
        cr_assert_eq(r.rc, 2, "case %zu: exit %d\n%s", i, r.rc, r.out);
        cr_assert(strstr(r.out, "usage: perpd"), "%s", r.out);
        free(r.out);
    }
    result r = perpd("run", "a.yaml", "--max-cycles", "zero");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.out, "--max-cycles expects a positive integer, got "
                            "'zero'"),
              "%s", r.out);
    free(r.out);
}
