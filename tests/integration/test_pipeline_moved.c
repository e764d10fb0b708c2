/*
 * test_pipeline_moved.c — a pipeline folder can be moved and run from
 * anywhere: every relative path in its YAML (plugin_path, the replay
 * feed's data folder, the script planner's decisions, perpsim's funding
 * rates, the jsonl sink's record file) follows the YAML file's folder,
 * not the working directory. The folder runs from one working directory,
 * is moved elsewhere, and runs from another with the same hand-worked
 * trade and funding; nothing is written where perpd was started. The
 * YAML alone, moved without its files, fails `perpd check` with errors
 * naming each path as written and as resolved.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_dir.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

/* 2023-03-28T11:00:00Z, on an hour, so funding falls at T0 + 1 h. */
#define T0_S   1680001200LL
#define T0_MS  (T0_S * 1000)
#define MIN_MS 60000LL
#define N_BARS 70

static const char PIPELINE[] = "agent:\n"
                               "  version: moved-1.0\n"
                               "  cycle: 60s\n"
                               "  symbols: [BTC-USD]\n"
                               "plugin_path: [plugins]\n"
                               "feeds:\n"
                               "  - {plugin: replay, dir: data, cache: false}\n"
                               "planner:\n"
                               "  plugin: script\n"
                               "  path: decisions/script.jsonl\n"
                               "backend:\n"
                               "  plugin: perpsim\n"
                               "  fee_bps: 2\n"
                               "  slippage_bps: 1\n"
                               "  funding: {model: external, interval: 1h, "
                               "file: ./rates.csv}\n"
                               "sinks:\n"
                               "  - {plugin: jsonl, path: out/records.jsonl}\n";

static void sh(const char *fmt, const char *a, const char *b)
{
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* The pipeline's inputs under bot: one BTC CSV of flat 20000 bars, one
 * buy decision, one funding rate; each written when its name is listed
 * in `which` ("data decisions rates"). */
static void write_inputs(const char *bot, const char *which)
{
    char sub[PATH_MAX + 16], text[1024];
    if (strstr(which, "data")) {
        char csv[64 * (N_BARS + 2)] = "ts,open,high,low,close,volume\n";
        for (int i = 0; i < N_BARS; i++) {
            char row[96];
            snprintf(row, sizeof row, "%lld,20000,20000,20000,20000,1\n",
                     T0_S + 60LL * i);
            strcat(csv, row);
        }
        sh("mkdir -p '%s/data'%s", bot, "");
        snprintf(sub, sizeof sub, "%s/data", bot);
        free(temp_dir_write(sub, "BTC-USD_1m.csv", csv));
    }
    if (strstr(which, "decisions")) {
        snprintf(text, sizeof text,
                 "{\"ts\": %lld, \"positions\": {\"BTC\": {\"signal\": "
                 "\"buy\", \"quantity\": 0.5, \"leverage\": 2, "
                 "\"confidence\": 0.9, \"justification\": \"in\"}}, "
                 "\"notes_for_audience\": \"long\"}\n",
                 T0_MS + 5 * MIN_MS);
        sh("mkdir -p '%s/decisions'%s", bot, "");
        snprintf(sub, sizeof sub, "%s/decisions", bot);
        free(temp_dir_write(sub, "script.jsonl", text));
    }
    if (strstr(which, "rates")) {
        snprintf(text, sizeof text, "ts,symbol,rate\n%lld,BTC-USD,0.0001\n",
                 T0_S);
        free(temp_dir_write(bot, "rates.csv", text));
    }
}

/* top/a/bot: the pipeline, its plugin folder (a copy of the jsonl sink)
 * and its inputs. */
static void make_bot(const char *top)
{
    char bot[PATH_MAX];
    snprintf(bot, sizeof bot, "%s/a/bot", top);
    sh("mkdir -p '%s/plugins'%s", bot, "");
    sh("cp '%s/lib/perp/jsonl.so' '%s/plugins/'", test_build_dir(), bot);
    write_inputs(bot, "data decisions rates");
    free(temp_dir_write(bot, "pipeline.yaml", PIPELINE));
}

/* `perpd run yaml` started in folder cwd. */
static void run_in(const char *cwd, const char *yaml)
{
    char here[PATH_MAX];
    char *perpd = perpd_path();
    cr_assert_not_null(getcwd(here, sizeof here));
    cr_assert_eq(chdir(cwd), 0, "%s", cwd);
    char *argv[] = {perpd, "run", (char *)yaml, NULL};
    char *out = NULL;
    unsetenv("PERP_PLUGIN_PATH");
    int rc = run_process(argv, &out);
    cr_assert_eq(chdir(here), 0);
    cr_assert_eq(rc, 0, "perpd run %s (in %s) exited %d:\n%s", yaml, cwd, rc,
                 out);
    free(out);
    free(perpd);
}

/* The run's records, by hand (fee 2 bps, slippage 1 bp): buy 0.5 at
 * 20000 x 1.0001 = 20002 at T0+5m, fee 0.5 x 20002 x 0.0002 = 2.0002;
 * funding at T0+1h for the 55 minutes held at mark 20000:
 * -0.5 x 20000 x 0.0001 x 55/60 = -0.9166667. */
static void check_records(const char *bot)
{
    char out[PATH_MAX + 8];
    snprintf(out, sizeof out, "%s/out", bot);
    json_t *all = jsonl_records_read(out);
    json_t *buy = jsonl_records_nth(all, "trade", 0);
    cr_assert_not_null(buy, "no trade in %s", out);
    cr_assert_eq(jsonl_records_count(all, "trade"), 1);
    cr_assert_eq(jsonl_ts(buy), T0_MS + 5 * MIN_MS);
    cr_assert_float_eq(jsonl_num(buy, "price"), 20002.0, 1e-9);
    cr_assert_float_eq(jsonl_num(buy, "fee"), 2.0002, 1e-9);
    json_t *f = jsonl_records_nth(all, "funding", 0);
    cr_assert_not_null(f, "no funding: the rates file was not read");
    cr_assert_eq(jsonl_ts(f), T0_MS + 60 * MIN_MS);
    cr_assert_float_eq(jsonl_num(f, "payment"), -0.5 * 2 * 55 / 60, 1e-9);
    json_decref(all);
}

static void assert_empty_dir(const char *dir)
{
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
    cr_assert_eq(system(cmd), 0, "perpd wrote into its working folder %s", dir);
}

Test(pipeline_moved, runs_from_anywhere_and_after_a_move, .timeout = 120)
{
    char *top = temp_dir_new();
    make_bot(top);
    sh("mkdir -p '%s/cwd1' '%s/cwd2'", top, top);
    char cwd[PATH_MAX + 8], yaml[2 * PATH_MAX], bot[PATH_MAX + 32];

    /* From a sibling folder, by a relative name. */
    snprintf(cwd, sizeof cwd, "%s/cwd1", top);
    run_in(cwd, "../a/bot/pipeline.yaml");
    snprintf(bot, sizeof bot, "%s/a/bot", top);
    check_records(bot);
    assert_empty_dir(cwd);

    /* Moved two folders deeper elsewhere, run by its absolute name. */
    sh("rm -r '%s/out' && mkdir -p '%s/b/c'", bot, top);
    snprintf(yaml, sizeof yaml, "%s/b/c/bot2", top);
    cr_assert_eq(rename(bot, yaml), 0);
    snprintf(bot, sizeof bot, "%s/b/c/bot2", top);
    snprintf(yaml, sizeof yaml, "%s/pipeline.yaml", bot);
    snprintf(cwd, sizeof cwd, "%s/cwd2", top);
    run_in(cwd, yaml);
    check_records(bot);
    assert_empty_dir(cwd);
    temp_dir_remove(top);
    free(top);
}

/* `perpd check yaml`: its exit code, and its output in *out. */
static int check(const char *yaml, char **out)
{
    char *perpd = perpd_path();
    char *argv[] = {perpd, "check", (char *)yaml, NULL};
    int rc = run_process(argv, out);
    free(perpd);
    return rc;
}

/* The line of out holding both texts, or NULL. */
static char *line_with(const char *out, const char *a, const char *b)
{
    for (const char *line = out; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        char *l = strndup(line, len);
        if (strstr(l, a) && strstr(l, b))
            return l;
        free(l);
        line = eol ? eol + 1 : NULL;
    }
    return NULL;
}

Test(pipeline_moved, the_yaml_alone_names_each_path_as_written_and_resolved,
     .timeout = 120)
{
    char *top = temp_dir_new();
    char real[PATH_MAX], res[PATH_MAX + 64], written[PATH_MAX + 96];
    cr_assert_not_null(realpath(top, real));
    free(temp_dir_write(top, "lonely.yaml", PIPELINE));
    char *yaml = NULL, *out = NULL;
    cr_assert(asprintf(&yaml, "%s/lonely.yaml", top) > 0);
    cr_assert_eq(check(yaml, &out), 1, "%s", out);
    /* The plugin folder is checked first: a folder written for another
     * working directory must not go unnoticed. */
    snprintf(res, sizeof res, "plugin_path: %s/plugins: No such file", real);
    snprintf(written, sizeof written,
             "(written 'plugins', relative to the YAML file's folder %s)",
             real);
    char *l = line_with(out, res, written);
    cr_assert_not_null(l, "want '%s' and '%s' in:\n%s", res, written, out);
    free(l);
    free(out);

    /* With the plugins there, each missing file is said in turn (one
     * refused plugin ends a check), as written and as resolved; writing
     * it lets the check go on to the next. */
    sh("mkdir -p '%s/plugins'%s", top, "");
    sh("cp '%s/lib/perp/jsonl.so' '%s/plugins/'", test_build_dir(), top);
    static const char *const files[][3] = {
        {"decisions/script.jsonl", "decisions/script.jsonl", "decisions"},
        {"./rates.csv", "rates.csv", "rates"},
        {"data", "data/BTC-USD_1m.csv", "data"},
    };
    int said[3] = {0, 0, 0};
    for (int round = 0; round < 3; round++) {
        cr_assert_eq(check(yaml, &out), 1, "round %d:\n%s", round, out);
        int found = -1;
        for (int i = 0; i < 3 && found < 0; i++) {
            snprintf(res, sizeof res, "%s/%s", real, files[i][1]);
            snprintf(written, sizeof written, "(written '%s'", files[i][0]);
            l = line_with(out, res, written);
            found = l ? i : -1;
            free(l);
        }
        cr_assert_geq(found, 0, "round %d: no path error in:\n%s", round, out);
        cr_assert(!said[found], "%s said twice", files[found][0]);
        said[found] = 1;
        write_inputs(real, files[found][2]);
        free(out);
    }
    cr_assert_eq(check(yaml, &out), 0, "%s", out);
    free(out);
    free(yaml);
    temp_dir_remove(top);
    free(top);
}
