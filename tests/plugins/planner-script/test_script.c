/*
 * test_script.c — planner-script through its vtable: a good file played
 * in order, and the bad inputs of issue 15 (a directory, /dev/zero, a
 * FIFO, an endless line, the same coin twice, a decision nested inside
 * another key), each refused at create with file:line and a reason.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_env.h"
#include "stderr_capture.h"
#include "temp_dir.h"

/* Exported by the plugin compiled into this test (PERP_PLUGIN). */
const perp_plugin_descriptor *perp_plugin_entry(void);

static const char *const SYMBOLS[] = {"BTC-USD", "ETH-USD"};

static const perp_planner_vtable *vt(void)
{
    return perp_plugin_entry()->vtable;
}

/* create() on "path: <path>"; the log it wrote into *log. */
static int create(const char *path, void **self, plugin_env *env, char **log)
{
    char *yaml = NULL;
    cr_assert(asprintf(&yaml, "plugin: script\npath: '%s'\n", path) > 0);
    cr_assert_eq(plugin_env_init(env, yaml, SYMBOLS, 2), 0);
    free(yaml);
    stderr_capture_begin();
    int rc = vt()->create(env->host, env->node, self);
    *log = stderr_capture_end();
    return rc;
}

/* create() must refuse path with `reason` on the log. */
static void assert_refused(const char *path, const char *reason)
{
    plugin_env env;
    void *self = (void *)1;
    char *log;
    cr_assert_eq(create(path, &self, &env, &log), PERP_EINVAL, "%s", log);
    cr_assert_null(self);
    cr_expect(strstr(log, reason), "want '%s' in:\n%s", reason, log);
    free(log);
    plugin_env_free(&env);
}

Test(script, plays_lines_in_order_when_due)
{
    char *dir = temp_dir_new();
    char *path = temp_dir_write(
        dir, "d.jsonl",
        "{\"ts\": 120000, \"positions\": {\"BTC\": {\"signal\": \"buy\", "
        "\"quantity\": 0.01}}, \"notes_for_audience\": \"first\"}\n"
        "\n"
        "{\"ts\": 60000, \"positions\": {\"ETH\": {\"signal\": \"sell\", "
        "\"quantity\": 2}}}\r\n");
    plugin_env env;
    void *self = NULL;
    char *log;
    cr_assert_eq(create(path, &self, &env, &log), PERP_OK, "%s", log);
    cr_expect(strstr(log, "2 decisions from "), "%s", log);
    perp_observation obs = {.struct_size = sizeof obs, .ts = 30000};
    perp_decision d;
    memset(&d, 0, sizeof d);
    cr_assert_eq(vt()->plan(self, &obs, &d), PERP_OK);
    cr_expect_eq(d.n_coins, 0, "nothing due at 30 s: hold");
    obs.ts = 180000;
    cr_assert_eq(vt()->plan(self, &obs, &d), PERP_OK);
    cr_assert_eq(d.n_coins, 1);
    cr_expect_str_eq(d.coins[0].coin, "BTC", "file order, not ts order");
    cr_expect_eq(d.coins[0].signal, PERP_SIGNAL_BUY);
    cr_expect_str_eq(d.notes, "first");
    memset(&d, 0, sizeof d);
    cr_assert_eq(vt()->plan(self, &obs, &d), PERP_OK);
    cr_assert_eq(d.n_coins, 1);
    cr_expect_str_eq(d.coins[0].coin, "ETH");
    cr_expect_eq(d.coins[0].signal, PERP_SIGNAL_SELL);
    vt()->destroy(self);
    free(log);
    plugin_env_free(&env);
    free(path);
    temp_dir_remove(dir);
    free(dir);
}

/* Items 4 and 6: `path: /tmp` read as "0 decisions" and held everything;
 * `path: /dev/zero` grew memory by a gigabyte a second. */
Test(script, paths_that_are_not_regular_files, .timeout = 20)
{
    char *dir = temp_dir_new();
    char *fifo = NULL;
    cr_assert(asprintf(&fifo, "%s/fifo.jsonl", dir) > 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    char *want = NULL;
    cr_assert(asprintf(&want,
                       "test.yaml:2:7: path: cannot read '%s': not a "
                       "regular file (a FIFO)",
                       fifo) > 0);
    assert_refused(fifo, want);
    assert_refused("/tmp", "test.yaml:2:7: path: cannot read '/tmp': not a "
                           "regular file (a directory)");
    assert_refused("/dev/zero", "path: cannot read '/dev/zero': not a regular "
                                "file (a character device)");
    assert_refused("/nonexistent/d.jsonl",
                   "path: cannot read '/nonexistent/d.jsonl': No such file "
                   "or directory");
    free(want);
    free(fifo);
    temp_dir_remove(dir);
    free(dir);
}

Test(script, a_line_over_the_limit_is_an_error)
{
    char *dir = temp_dir_new();
    size_t n = 2 * 1024 * 1024;
    char *text = malloc(n + 2);
    memset(text, ' ', n);
    text[n] = '\n';
    text[n + 1] = '\0';
    char *path = temp_dir_write(dir, "long.jsonl", text);
    char *want = NULL;
    cr_assert(asprintf(&want, "%s:1: line longer than 1048576 bytes", path) >
              0);
    assert_refused(path, want);
    free(want);
    free(path);
    free(text);
    temp_dir_remove(dir);
    free(dir);
}

/* Item 7: the same coin twice; item 8: a decision nested in another key
 * (the lenient scanner traded it). The format is one object a line with
 * top-level keys only. */
Test(script, the_format_is_strict)
{
    static const struct {
        const char *line, *reason;
    } cases[] = {
        {"{\"ts\": 1, \"positions\": {\"BTC\": {\"signal\": \"buy\", "
         "\"quantity\": 0.01}, \"BTC\": {\"signal\": \"sell\", \"quantity\": "
         "0.02}}}",
         ":1: not a decision: duplicate key 'BTC' (line 1, column 69)"},
        {"{\"ts\": 1, \"other\": {\"positions\": {\"BTC\": {\"signal\": "
         "\"buy\", \"quantity\": 0.01}}}}",
         ":1: unknown key 'other' (a line holds ts, positions and "
         "notes_for_audience)"},
        {"{\"ts\": 1, \"notes_for_audience\": \"{\\\"positions\\\": {}}\"}",
         ":1: not a decision: no top-level \"positions\" object"},
        {"{\"ts\": 1, \"ts\": 2, \"positions\": {}}",
         ":1: not a decision: duplicate key 'ts' (line 1, column 11)"},
        {"{\"ts\": 1, \"positions\": {}} {\"ts\": 2, \"positions\": {}}",
         ":1: not JSON: end of file expected near '{'"},
        {"[{\"ts\": 1, \"positions\": {}}]",
         ":1: expected one JSON object per line"},
        {"{\"ts\": \"1\", \"positions\": {}}",
         ":1: expected an integer \"ts\" (ms since the epoch)"},
    };
    char *dir = temp_dir_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = NULL;
        cr_assert(asprintf(&text, "%s\n", cases[i].line) > 0);
        char *path = temp_dir_write(dir, "bad.jsonl", text);
        char *want = NULL;
        cr_assert(asprintf(&want, "%s%s", path, cases[i].reason) > 0);
        assert_refused(path, want);
        free(want);
        free(path);
        free(text);
    }
    temp_dir_remove(dir);
    free(dir);
}

Test(script, an_empty_file_warns_that_it_holds_everything)
{
    char *dir = temp_dir_new();
    char *path = temp_dir_write(dir, "empty.jsonl", "\n\n");
    plugin_env env;
    void *self = NULL;
    char *log;
    cr_assert_eq(create(path, &self, &env, &log), PERP_OK, "%s", log);
    cr_expect(strstr(log, "WARN"), "%s", log);
    cr_expect(strstr(log, "0 decisions from "), "%s", log);
    cr_expect(strstr(log, ": the planner will hold everything"), "%s", log);
    vt()->destroy(self);
    free(log);
    plugin_env_free(&env);
    free(path);
    temp_dir_remove(dir);
    free(dir);
}
