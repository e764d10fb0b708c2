/*
 * test_cli_help.c — the command line from the outside: `--help` on every
 * command and subcommand prints that command's usage on stdout and exits
 * 0; a wrong option exits 2 with the usage on stderr and nothing on
 * stdout; `perpd NAME ARGS...` runs plugin NAME's own command (a fixture
 * plugin compiled here, found through PERP_PLUGIN_PATH) and `perpd
 * --help` lists it.
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

/* perpd with up to four arguments (NULL ends them). */
static result perpd(const char *a1, const char *a2, const char *a3,
                    const char *a4)
{
    char *bin = perpd_path();
    char *argv[] = {bin, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    result r;
    r.rc = run_process_split(argv, &r.out, &r.err);
    free(bin);
    return r;
}

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
}

/* Each row: the arguments, then the line its usage must start with. */
static const char *const help_cases[][4] = {
    {"--help", NULL, NULL, "usage: perpd <command>"},
    {"-h", NULL, NULL, "usage: perpd <command>"},
    {"help", NULL, NULL, "usage: perpd <command>"},
    {"plugins", "--help", NULL, "usage: perpd plugins"},
    {"plugins", "--path", "/nonexistent", "usage: perpd plugins"},
    {"check", "--help", NULL, "usage: perpd check CONFIG"},
    {"check", "a.yaml", "-h", "usage: perpd check CONFIG"},
    {"run", "--help", NULL, "usage: perpd run CONFIG"},
    {"run", "a.yaml", "--help", "usage: perpd run CONFIG"},
    {"history", "--help", NULL, "usage: perpd history download"},
    {"history", "download", "--help", "usage: perpd history download"},
};

Test(cli_help, every_command_answers_help_on_stdout_with_exit_0)
{
    for (size_t i = 0; i < sizeof help_cases / sizeof help_cases[0]; i++) {
        const char *const *c = help_cases[i];
        /* `plugins --path X --help`: --help after other options counts. */
        result r = strcmp(c[1] ? c[1] : "", "--path") == 0
                       ? perpd(c[0], c[1], c[2], "--help")
                       : perpd(c[0], c[1], c[2], NULL);
        cr_assert_eq(r.rc, 0, "case %zu (%s %s): exit %d\n%s%s", i, c[0],
                     c[1] ? c[1] : "", r.rc, r.out, r.err);
        cr_assert(strncmp(r.out, c[3], strlen(c[3])) == 0,
                  "case %zu: stdout should start with '%s':\n%s", i, c[3],
                  r.out);
        cr_assert_str_empty(r.err, "case %zu: stderr:\n%s", i, r.err);
        result_free(&r);
    }
}

/* Each row: the arguments, and the usage line stderr must carry. */
static const char *const bad_cases[][4] = {
    {"--bogus", NULL, NULL, "usage: perpd <command>"},
    {"plugins", "--bogus", NULL, "usage: perpd plugins"},
    {"check", "a.yaml", "--bogus", "usage: perpd check CONFIG"},
    {"run", "a.yaml", "--bogus", "usage: perpd run CONFIG"},
    {"run", "a.yaml", "--max-cycles", "usage: perpd run CONFIG"},
    {"history", "download", "--bogus", "usage: perpd history download"},
    {"history", "upload", NULL, "usage: perpd history download"},
};

Test(cli_help, a_wrong_option_exits_2_with_the_usage_on_stderr)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const char *const *c = bad_cases[i];
        result r = perpd(c[0], c[1], c[2], NULL);
        cr_assert_eq(r.rc, 2, "case %zu (%s): exit %d\n%s%s", i, c[0], r.rc,
                     r.out, r.err);
        cr_assert(strstr(r.err, c[3]), "case %zu: stderr lacks '%s':\n%s", i,
                  c[3], r.err);
        cr_assert_str_empty(r.out, "case %zu: stdout:\n%s", i, r.out);
        result_free(&r);
    }
}

/* Compiles tests/fixtures/plugin_with_command.c into dir/hello.so and
 * points PERP_PLUGIN_PATH at dir (this test process and its children). */
static void build_fixture(const char *dir)
{
    char *cmd = NULL, *out = NULL;
    cr_assert(asprintf(&cmd,
                       "cc -std=c11 -Wall -Wextra -Werror -shared -fPIC "
                       "-fvisibility=hidden -Isdk/include -o %s/hello.so "
                       "tests/fixtures/plugin_with_command.c",
                       dir) > 0);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "fixture build failed:\n%s", out);
    free(out);
    free(cmd);
    setenv("PERP_PLUGIN_PATH", dir, 1);
}

Test(cli_plugin_command, runs_the_plugins_command_with_its_arguments)
{
    char *dir = temp_dir_new();
    build_fixture(dir);
    result r = perpd("hello", "greet", "world", NULL);
    cr_assert_eq(r.rc, 0, "exit %d\n%s%s", r.rc, r.out, r.err);
    cr_assert(strstr(r.out, "argv[0]=hello\nargv[1]=greet\nargv[2]=world\n"),
              "%s", r.out);
    /* No agent behind the table: no symbols, no version; wall clock. */
    cr_assert(strstr(r.out, "symbols=0 version='' clock_set=1\n"), "%s", r.out);
    cr_assert(strstr(r.err, "hello logged through the host"), "%s", r.err);
    result_free(&r);

    r = perpd("hello", "exit", "7", NULL);
    cr_assert_eq(r.rc, 7, "the command's status is perpd's: %d", r.rc);
    result_free(&r);
    temp_dir_remove(dir);
    free(dir);
}

Test(cli_plugin_command, help_prints_the_plugins_usage_and_lists_it)
{
    char *dir = temp_dir_new();
    build_fixture(dir);
    result r = perpd("hello", "--help", NULL, NULL);
    cr_assert_eq(r.rc, 0, "exit %d\n%s%s", r.rc, r.out, r.err);
    cr_assert(strstr(r.out, "usage:\n"
                            "  perpd hello greet [NAME]        print what it "
                            "was given\n"
                            "  perpd hello exit N              exit with "
                            "status N\n"),
              "%s", r.out);
    cr_assert_null(strstr(r.out, "argv[0]"), "--help must not run it");
    result_free(&r);

    r = perpd("--help", NULL, NULL, NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert(strstr(r.out, "plugin commands found on the plugin path:\n"
                            "  perpd hello greet [NAME]"),
              "%s", r.out);
    result_free(&r);
    temp_dir_remove(dir);
    free(dir);
}

Test(cli_plugin_command, a_plugin_without_a_command_or_no_plugin_exits_2)
{
    char *plugdir = NULL;
    cr_assert(asprintf(&plugdir, "%s/lib/perp", test_build_dir()) > 0);
    setenv("PERP_PLUGIN_PATH", plugdir, 1);
    result r = perpd("rsi", "x", NULL, NULL);
    cr_assert_eq(r.rc, 2, "exit %d\n%s", r.rc, r.err);
    cr_assert(strstr(r.err, "plugin 'rsi' (indicator) has no command"), "%s",
              r.err);
    result_free(&r);

    r = perpd("frobnicate", NULL, NULL, NULL);
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "unknown command 'frobnicate'"), "%s", r.err);
    cr_assert(strstr(r.err, "usage: perpd <command>"), "%s", r.err);
    result_free(&r);
    free(plugdir);
}
