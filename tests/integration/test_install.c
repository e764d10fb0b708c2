/*
 * test_install.c — an installed perpd works outside the source tree
 * (issue 19). `make install` stages the build under test into a temporary
 * folder (DESTDIR, with the PREFIX the build was made for, so nothing is
 * rebuilt), and the installed tree is then moved elsewhere: what runs is
 * a copy of the installed tree alone, from an unrelated folder, which no
 * lookup of a source tree can reach. There:
 *   - `perpd init bot` writes the user folder from the installed data
 *     folder and refuses to overwrite anything;
 *   - `perpd check` passes on the pipelines it wrote (replay.yaml once
 *     `perpd history download` has filled data/ from a local Coinbase REST
 *     server), and on the issue's five-line pipeline whose openrouter
 *     prompts are the installed defaults;
 *   - `perpd run bot/replay.yaml` replays with the openrouter planner
 *     against a local chat server, sending the user's edited prompt;
 *   - `man -l share/man/man1/perpd.1` renders every command `perpd --help`
 *     lists, each with its own usage; bash completion offers them.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_dir.h"
#include "candles_server.h"
#include "chat_server.h"
#include "dash_serve.h"
#include "file_read.h"
#include "http_client.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

#include <perp/sdk.h>

#define SYMBOLS "BTC-USD,ETH-USD,SOL-USD,DOGE-USD,XRP-USD"
/* One hour of candles: 60 replay cycles, 60 LLM calls. */
#define FROM "2024-01-01T00:00:00Z"
#define TO   "2024-01-01T01:00:00Z"

typedef struct installed {
    char *top;             /* temp dir holding everything */
    char prefix[PATH_MAX]; /* the moved installed tree */
    char perpd[PATH_MAX];
    char work[PATH_MAX]; /* the unrelated folder perpd runs in */
} installed;

/* snprintf into a PATH_MAX buffer; a path cut short fails the test. */
static void pathf(char *out, const char *fmt, ...) PERP_PRINTF(2, 3);

static void pathf(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, PATH_MAX, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0 && n < PATH_MAX, "path too long: %s", out);
}

static void sh(const char *fmt, const char *a, const char *b)
{
    char cmd[4 * PATH_MAX];
    pathf(cmd, fmt, a, b);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static int exists(const char *dir, const char *rel)
{
    char p[PATH_MAX];
    struct stat st;
    pathf(p, "%s/%s", dir, rel);
    return stat(p, &st) == 0;
}

/* The PREFIX the build under test was made for ($B/prefix, written by
 * the Makefile): installing with it rebuilds nothing. */
static void build_prefix(char *out, size_t len)
{
    char path[PATH_MAX];
    pathf(path, "%s/prefix", test_build_dir());
    char *text = file_read(path, NULL);
    cr_assert_not_null(text, "%s missing: the build predates it", path);
    text[strcspn(text, "\n")] = '\0';
    snprintf(out, len, "%s", text);
    free(text);
}

/* make install DESTDIR=top/stage, then top/stage/PREFIX moved to
 * top/elsewhere/perp. Runs in the checkout (the tests' working folder). */
static installed install(void)
{
    installed in;
    memset(&in, 0, sizeof in);
    in.top = temp_dir_new();
    char prefix[PATH_MAX], dest[PATH_MAX], bdir[PATH_MAX], lock[PATH_MAX];
    char staged[PATH_MAX];
    build_prefix(prefix, sizeof prefix);
    pathf(dest, "DESTDIR=%s/stage", in.top);
    char pre[PATH_MAX];
    pathf(pre, "PREFIX=%s", prefix);
    /* The build dir as the build named it (make compares names). */
    const char *b = getenv("PERP_BUILD_DIR");
    b = b && *b ? b : "build";
    pathf(bdir, "B=%s", b);
    pathf(lock, "%s/.install-test.lock", test_build_dir());
    int san = strlen(b) >= 3 && strcmp(b + strlen(b) - 3, "san") == 0;
    /* A make of its own (not the jobserver of a `make test` above), one
     * at a time: the tests of this file run in parallel. */
    char *argv[] = {"flock",
                    lock,
                    "env",
                    "-u",
                    "MAKEFLAGS",
                    "-u",
                    "MAKELEVEL",
                    "-u",
                    "MFLAGS",
                    "make",
                    "-s",
                    "--no-print-directory",
                    "install",
                    dest,
                    pre,
                    bdir,
                    san ? "SAN=1" : NULL,
                    NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "make install failed (%d):\n%s", rc, out);
    free(out);
    pathf(staged, "%s/stage%s", in.top, prefix);
    sh("mkdir -p '%s/elsewhere'%s", in.top, "");
    pathf(in.prefix, "%s/elsewhere/perp", in.top);
    cr_assert_eq(rename(staged, in.prefix), 0, "%s", staged);
    char real[PATH_MAX];
    cr_assert_not_null(realpath(in.prefix, real));
    pathf(in.prefix, "%s", real);
    pathf(in.perpd, "%s/bin/perpd", in.prefix);
    pathf(in.work, "%s/work", in.top);
    cr_assert_eq(mkdir(in.work, 0755), 0);
    /* Nothing from the environment points anywhere else; the replay
     * cache goes to the temp dir, not $HOME. */
    unsetenv("PERP_PLUGIN_PATH");
    unsetenv("PERP_DATA_HOME");
    char cache[PATH_MAX];
    pathf(cache, "%s/cache", in.top);
    setenv("XDG_CACHE_HOME", cache, 1);
    return in;
}

static void uninstall(installed *in)
{
    temp_dir_remove(in->top);
    free(in->top);
}

typedef struct result {
    int rc;
    char *out, *err;
} result;

/* The installed perpd with args (NULL-ended), in the work folder. */
static result perpd(installed *in, const char *const *args)
{
    char here[PATH_MAX];
    char *argv[16] = {in->perpd};
    size_t n = 1;
    while (args[n - 1] && n < 15) {
        argv[n] = (char *)args[n - 1];
        n++;
    }
    argv[n] = NULL;
    cr_assert_not_null(getcwd(here, sizeof here));
    cr_assert_eq(chdir(in->work), 0);
    result r;
    r.rc = run_process_split(argv, &r.out, &r.err);
    cr_assert_eq(chdir(here), 0);
    return r;
}

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
}

/* ------------------------------------------------------- the layout */

/* webui/package.json's run-time "dependencies" are installed (the page
 * loads lightweight-charts from node_modules/), its devDependencies (the
 * browser tests' driver) are not. */
static void check_npm_packages(const installed *in)
{
    json_error_t e;
    json_t *pkg = json_load_file("webui/package.json", 0, &e);
    if (!pkg || access("webui/node_modules", F_OK) != 0) {
        json_decref(pkg);
        return; /* no npm packages in this checkout */
    }
    static const char *const kinds[] = {"dependencies", "devDependencies"};
    for (int k = 0; k < 2; k++) {
        const char *name;
        json_t *v;
        json_object_foreach(json_object_get(pkg, kinds[k]), name, v)
        {
            char rel[PATH_MAX];
            pathf(rel, "share/perp/webui/node_modules/%s/package.json", name);
            if (k == 0)
                cr_assert(exists(in->prefix, rel), "%s not installed", name);
            else
                cr_assert(!exists(in->prefix, rel), "%s installed", name);
        }
    }
    json_decref(pkg);
}

Test(install, lays_out_binary_plugins_data_manual_and_completion,
     .timeout = 300)
{
    installed in = install();
    static const char *const files[] = {
        "bin/perpd",
        "lib/perp/openrouter.so",
        "lib/perp/replay.so",
        "include/perp/sdk.h",
        "lib/pkgconfig/perp-sdk.pc",
        "share/perp/config/prompts/system.md",
        "share/perp/config/prompts/user.md",
        "share/perp/config/default.yaml",
        "share/perp/config/replay.yaml",
        "share/perp/config/ab/v1.yaml",
        "share/perp/config/ab/v2.yaml",
        "share/perp/config/dashboard.yaml",
        "share/perp/config/init/live.yaml",
        "share/perp/config/init/replay.yaml",
        "share/perp/config/init/README.md",
        "share/man/man1/perpd.1",
        "share/bash-completion/completions/perpd",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        cr_assert(exists(in.prefix, files[i]), "not installed: %s", files[i]);
    /* webui/ and migrations/ (when the checkout has them) go whole, but
     * for the tests and the npm packages the build and tests use. */
    static const char *const trees[] = {"webui", "migrations"};
    for (size_t t = 0; t < 2; t++) {
        char cmd[PATH_MAX + 256];
        pathf(cmd,
              "test ! -d %s || { cd %s && find . \\( -name '.?*' -o -name "
              "node_modules -o -name test -o -name tests \\) -prune -o "
              "-type f -print; }",
              trees[t], trees[t]);
        char *argv[] = {"sh", "-c", cmd, NULL};
        char *list = NULL;
        cr_assert_eq(run_process(argv, &list), 0, "%s", list);
        for (char *f = strtok(list, "\n"); f; f = strtok(NULL, "\n")) {
            char rel[PATH_MAX];
            pathf(rel, "share/perp/%s/%s", trees[t], f + 2);
            cr_assert(exists(in.prefix, rel), "not installed: %s", rel);
        }
        char rel[PATH_MAX];
        pathf(rel, "share/perp/%s/test", trees[t]);
        cr_assert(!exists(in.prefix, rel), "%s installed", rel);
        free(list);
    }
    check_npm_packages(&in);
    uninstall(&in);
}

/* ------------------------------------------------------------- init */

static char *read_in(const char *dir, const char *rel)
{
    char p[PATH_MAX];
    pathf(p, "%s/%s", dir, rel);
    char *s = file_read(p, NULL);
    cr_assert_not_null(s, "cannot read %s", p);
    return s;
}

static void write_in(const char *dir, const char *rel, const char *text)
{
    char p[PATH_MAX];
    pathf(p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs(text, f);
    fclose(f);
}

Test(install, init_writes_a_user_folder_and_never_overwrites, .timeout = 300)
{
    installed in = install();
    result r = perpd(&in, (const char *[]){"init", "bot", NULL});
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    /* From the installed tree, found next to the binary. */
    char want[PATH_MAX];
    pathf(want,
          "from the data folder %s/share/perp (next "
          "to perpd)",
          in.prefix);
    cr_assert(strstr(r.out, want), "want '%s' in:\n%s", want, r.out);
    result_free(&r);
    char bot[PATH_MAX];
    pathf(bot, "%s/bot", in.work);
    static const char *const made[] = {"live.yaml",       "replay.yaml",
                                       "README.md",       "prompts/system.md",
                                       "prompts/user.md", "data"};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
        cr_assert(exists(bot, made[i]), "init did not write %s", made[i]);
    char *a = read_in(bot, "prompts/system.md");
    char *b = read_in(in.prefix, "share/perp/config/prompts/system.md");
    cr_assert_str_eq(a, b, "the prompt is not a copy of the installed one");
    free(a);
    free(b);
    sh("test -z \"$(ls -A '%s/data')\"%s", bot, "");

    /* Again: every existing file named, nothing written or changed. */
    write_in(bot, "README.md", "mine\n");
    r = perpd(&in, (const char *[]){"init", "bot", NULL});
    cr_assert_eq(r.rc, 1, "%s%s", r.out, r.err);
    cr_assert(strstr(r.err, "bot/live.yaml exists: not overwritten"), "%s",
              r.err);
    cr_assert(strstr(r.err, "bot/prompts/user.md exists: not overwritten"),
              "%s", r.err);
    cr_assert(strstr(r.err, "nothing written (5 files in the way"), "%s",
              r.err);
    char *mine = read_in(bot, "README.md");
    cr_assert_str_eq(mine, "mine\n");
    free(mine);
    result_free(&r);

    /* One file in the way of a new folder: nothing else appears. */
    sh("mkdir -p '%s/two/prompts' && echo x > '%s/two/prompts/user.md'",
       in.work, in.work);
    r = perpd(&in, (const char *[]){"init", "two", NULL});
    cr_assert_eq(r.rc, 1, "%s%s", r.out, r.err);
    cr_assert(strstr(r.err, "two/prompts/user.md exists"), "%s", r.err);
    char two[PATH_MAX];
    pathf(two, "%s/two", in.work);
    cr_assert(!exists(two, "live.yaml") && !exists(two, "data"));
    result_free(&r);

    r = perpd(&in, (const char *[]){"init", NULL});
    cr_assert_eq(r.rc, 2, "init without DIR: %s", r.err);
    cr_assert(strstr(r.err, "usage: perpd init DIR"), "%s", r.err);
    result_free(&r);
    uninstall(&in);
}

/* ---------------------------------------------- check, download, run */

static const char BUY[] =
    "{\"positions\": {\"BTC\": {\"signal\": \"buy\", \"quantity\": 0.01, "
    "\"leverage\": 1, \"confidence\": 0.6, \"exit_plan\": {\"profit_target\": "
    "90000, \"stop_loss\": 10000, \"invalidation_condition\": \"none\"}, "
    "\"justification\": \"test\"}}, \"notes_for_audience\": \"long BTC\"}";
static const char HOLD[] =
    "{\"positions\": {\"BTC\": {\"signal\": \"hold\", \"quantity\": 0.01, "
    "\"leverage\": 1, \"confidence\": 0.5, \"justification\": \"wait\"}}, "
    "\"notes_for_audience\": \"holding\"}";

static void script_chat(chat_server *srv)
{
    char *b0 = chat_completion_body(BUY, 900, 60, 0.0003);
    char *b1 = chat_completion_body(HOLD, 900, 50, 0.0003);
    chat_reply r[2] = {{200, b0, NULL, 0}, {200, b1, NULL, 0}};
    chat_server_script(srv, r, 2);
    free(b0);
    free(b1);
}

Test(install, init_check_download_and_replay_with_openrouter, .timeout = 300)
{
    installed in = install();
    result r = perpd(&in, (const char *[]){"init", "bot", NULL});
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    result_free(&r);
    char bot[PATH_MAX];
    pathf(bot, "%s/bot", in.work);
    /* The user edits their copy of the prompt: the request carries it. */
    char marker[PATH_MAX];
    pathf(marker, "MARKER-%ld-edited-by-the-user", (long)getpid());
    char *sys = read_in(bot, "prompts/system.md");
    char *edited = NULL;
    cr_assert(asprintf(&edited, "%s\n%s\n", sys, marker) > 0);
    write_in(bot, "prompts/system.md", edited);
    free(sys);
    free(edited);

    chat_server *chat = chat_server_start();
    cr_assert_not_null(chat);
    script_chat(chat);
    char url[128];
    chat_server_base_url(chat, url, sizeof url);
    setenv("PERP_LLM_URL", url, 1);
    setenv("OPENROUTER_API_KEY", "sk-or-v1-TESTKEY-install", 1);

    r = perpd(&in, (const char *[]){"check", "bot/live.yaml", NULL});
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    result_free(&r);

    /* Before data/ is filled: the replay feed names the file both ways. */
    r = perpd(&in, (const char *[]){"check", "bot/replay.yaml", NULL});
    cr_assert_eq(r.rc, 1, "%s%s", r.out, r.err);
    char want[PATH_MAX];
    pathf(want, "%s/data/BTC-USD_1m.csv", bot);
    cr_assert(strstr(r.err, want) && strstr(r.err, "(written 'data'"), "%s",
              r.err);
    result_free(&r);

    candles_server_opts o = {.products = SYMBOLS};
    candles_server *cs = candles_server_start(&o);
    cr_assert_not_null(cs);
    char cs_url[64];
    candles_server_base_url(cs, cs_url, sizeof cs_url);
    r = perpd(&in,
              (const char *[]){"history", "download", "--symbols", SYMBOLS,
                               "--granularity", "60", "--from", FROM, "--to",
                               TO, "--out", "bot/data", "--url", cs_url, NULL});
    candles_server_stop(cs);
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    result_free(&r);

    r = perpd(&in, (const char *[]){"check", "bot/replay.yaml", NULL});
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "bot/replay.yaml: ok"), "%s", r.out);
    result_free(&r);
    size_t checks = chat_server_request_count(chat);
    cr_assert_eq(checks, 0, "check called the LLM");

    r = perpd(&in, (const char *[]){"run", "bot/replay.yaml", NULL});
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    result_free(&r);
    size_t calls = chat_server_request_count(chat);
    cr_assert_geq(calls, 50, "one call a cycle over an hour: %zu", calls);
    char *body = chat_server_request_body(chat, 0);
    cr_assert(strstr(body, marker), "the user's prompt was not sent");
    free(body);
    chat_server_stop(chat);

    char var[PATH_MAX];
    pathf(var, "%s/var", bot);
    sh("mv '%s/replay-records.jsonl' '%s/records.jsonl'", var, var);
    json_t *all = jsonl_records_read(var);
    cr_assert_eq(jsonl_records_count(all, "llm_call"), calls);
    json_t *buy = jsonl_records_nth(all, "trade", 0);
    cr_assert_not_null(buy, "the LLM's buy made no trade");
    cr_assert_str_eq(jsonl_str(buy, "symbol"), "BTC-USD");
    cr_assert_float_eq(jsonl_num(buy, "qty"), 0.01, 1e-12);
    json_decref(all);
    cr_assert(exists(var, "llm-answers.jsonl"), "no cassette recorded");
    /* The working folder holds only what init made. */
    sh("test \"$(ls -A '%s')\" = bot%s", in.work, "");
    uninstall(&in);
}

Test(install, the_issues_five_line_pipeline_finds_the_installed_prompts,
     .timeout = 300)
{
    installed in = install();
    char csv[] = "ts,open,high,low,close,volume\n"
                 "1704067200,100,101,99,100,1\n";
    sh("mkdir -p '%s/mine/h'%s", in.work, "");
    char dir[PATH_MAX];
    pathf(dir, "%s/mine/h", in.work);
    write_in(dir, "BTC-USD_1m.csv", csv);
    pathf(dir, "%s/mine", in.work);
    write_in(dir, "my.yaml",
             "agent: {version: v1, cycle: 60s, symbols: [BTC-USD]}\n"
             "feeds: [{plugin: replay, dir: h, cache: false}]\n"
             "planner: {plugin: openrouter}\n"
             "backend: {plugin: perpsim}\n"
             "sinks: [{plugin: jsonl, path: out.jsonl}]\n");
    setenv("OPENROUTER_API_KEY", "sk-or-v1-TESTKEY-install", 1);
    result r = perpd(&in, (const char *[]){"check", "mine/my.yaml", NULL});
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    result_free(&r);
    /* A data folder of its own: then the prompts come from there. */
    setenv("PERP_DATA_HOME", in.work, 1);
    r = perpd(&in, (const char *[]){"check", "mine/my.yaml", NULL});
    cr_assert_eq(r.rc, 1, "%s%s", r.out, r.err);
    char want[PATH_MAX];
    pathf(want,
          "system_prompt: cannot read '%s/config/prompts/system.md': No such "
          "file or directory (default 'config/prompts/system.md', relative "
          "to the data folder %s (PERP_DATA_HOME))",
          in.work, in.work);
    cr_assert(strstr(r.err, want), "want '%s' in:\n%s", want, r.err);
    result_free(&r);
    unsetenv("PERP_DATA_HOME");
    uninstall(&in);
}

/* ------------------------------------------------------- dashboard */

Test(install, the_dashboard_serves_the_installed_web_ui, .timeout = 300)
{
    installed in = install();
    char yaml[PATH_MAX], log[PATH_MAX], url[PATH_MAX], here[PATH_MAX];
    pathf(yaml, "%s/dash.yaml", in.work);
    pathf(log, "%s/dash.log", in.top);
    /* No webui: key: the default follows the installed data folder. */
    write_in(in.work, "dash.yaml",
             "services:\n"
             "  - plugin: dashboard\n"
             "    port: 0\n"
             "    url: \"${DASH_INSTALL_URL}\"\n");
    setenv("DASH_INSTALL_URL", "postgresql://x@/y?host=/nonexistent-dir", 1);
    cr_assert_not_null(getcwd(here, sizeof here));
    cr_assert_eq(chdir(in.work), 0);
    dash_proc p;
    int rc = dash_serve_start_bin(in.perpd, yaml, log, &p);
    cr_assert_eq(chdir(here), 0);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 0, "no port announced:\n%s", text);
    free(text);
    pathf(url, "%s/", p.base);
    http_result r;
    cr_assert_eq(http_request(NULL, url, NULL, &r), 0);
    cr_assert_eq(r.status, 200);
    char *index = read_in(in.prefix, "share/perp/webui/index.html");
    cr_assert_str_eq(r.body, index, "not the installed index.html");
    free(index);
    http_result_free(&r);
    /* The chart library the page loads, from the installed npm package. */
    if (access("webui/node_modules/lightweight-charts", F_OK) == 0) {
        pathf(url,
              "%s/node_modules/lightweight-charts/dist/"
              "lightweight-charts.standalone.production.js",
              p.base);
        cr_assert_eq(http_request(NULL, url, NULL, &r), 0);
        cr_assert_eq(r.status, 200, "%s: %ld", url, r.status);
        http_result_free(&r);
    }
    cr_assert_eq(dash_serve_stop(&p), 0);
    uninstall(&in);
}

/* ------------------------------------------------ manual, completion */

/* The commands `perpd --help` lists (two-space indented lowercase words
 * under "commands:"), NULL-ended, malloc'd. */
static char **commands_of(installed *in)
{
    result r = perpd(in, (const char *[]){"--help", NULL});
    cr_assert_eq(r.rc, 0);
    char **cmds = calloc(64, sizeof *cmds);
    size_t n = 0;
    const char *at = strstr(r.out, "\ncommands:\n");
    cr_assert_not_null(at, "%s", r.out);
    for (const char *l = at + 11; *l && *l != '\n' && n < 63;) {
        if (l[0] == ' ' && l[1] == ' ' && l[2] >= 'a' && l[2] <= 'z') {
            size_t len = strspn(l + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
            char *c = strndup(l + 2, len);
            int dup = 0;
            for (size_t i = 0; i < n; i++)
                dup |= strcmp(cmds[i], c) == 0;
            if (dup)
                free(c);
            else
                cmds[n++] = c;
        }
        const char *eol = strchr(l, '\n');
        l = eol ? eol + 1 : l + strlen(l);
    }
    result_free(&r);
    cr_assert_geq(n, 5, "too few commands found");
    return cmds;
}

static void commands_free(char **cmds)
{
    for (size_t i = 0; cmds[i]; i++)
        free(cmds[i]);
    free(cmds);
}

Test(install, the_manual_renders_and_names_every_command, .timeout = 300)
{
    installed in = install();
    char page[PATH_MAX];
    pathf(page, "%s/share/man/man1/perpd.1", in.prefix);
    char *argv[] = {"env", "MANWIDTH=120", "MANPAGER=cat", "PAGER=cat",
                    "man", "-l",           page,           NULL};
    char *text = NULL, *err = NULL;
    int rc = run_process_split(argv, &text, &err);
    cr_assert_eq(rc, 0, "man -l failed (%d): %s", rc, err);
    cr_assert_str_empty(err, "man -l warns: %s", err);
    cr_assert(strstr(text, "NAME") && strstr(text, "perpd - an autonomous"),
              "%s", text);
    char **cmds = commands_of(&in);
    for (size_t i = 0; cmds[i]; i++) {
        /* Its section, and the first line of its own --help. */
        char head[PATH_MAX];
        pathf(head, "   perpd %s\n", cmds[i]);
        cr_assert(strstr(text, head), "no section for '%s' in:\n%s", cmds[i],
                  text);
        result r = perpd(&in, (const char *[]){cmds[i], "--help", NULL});
        cr_assert_eq(r.rc, 0, "%s --help: %d", cmds[i], r.rc);
        r.out[strcspn(r.out, "\n")] = '\0';
        cr_assert(strstr(text, r.out), "'%s' missing from the page", r.out);
        result_free(&r);
    }
    commands_free(cmds);
    free(text);
    free(err);
    uninstall(&in);
}

/* COMPREPLY for the words typed (the last one being completed), through
 * the installed completion file in a bash of its own. */
static char *complete(installed *in, const char *words)
{
    char script[4 * PATH_MAX];
    pathf(script,
          "cd '%s' && . '%s/share/bash-completion/completions/perpd' && "
          "COMP_WORDS=('%s' %s) && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) "
          "&& _perpd && for w in \"${COMPREPLY[@]}\"; do echo \"$w\"; "
          "done",
          in->work, in->prefix, in->perpd, words);
    char *argv[] = {"bash", "-c", script, NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "%s:\n%s", script, out);
    return out;
}

static void offers(const char *reply, const char *word)
{
    char line[PATH_MAX];
    pathf(line, "%s\n", word);
    int at_start = strncmp(reply, line, strlen(line)) == 0;
    pathf(line, "\n%s\n", word);
    cr_assert(at_start || strstr(reply, line), "'%s' not offered:\n%s", word,
              reply);
}

Test(install, bash_completion_offers_commands_options_and_files, .timeout = 300)
{
    installed in = install();
    sh("mkdir -p '%s/bots' && cd '%s' && touch a.yaml notes.txt", in.work,
       in.work);
    char **cmds = commands_of(&in);
    char *reply = complete(&in, "''");
    for (size_t i = 0; cmds[i]; i++)
        offers(reply, cmds[i]);
    offers(reply, "--help");
    free(reply);
    commands_free(cmds);
    reply = complete(&in, "ch");
    cr_assert_str_eq(reply, "check\n");
    free(reply);
    reply = complete(&in, "run a.yaml --");
    offers(reply, "--max-cycles");
    offers(reply, "--path");
    free(reply);
    reply = complete(&in, "check ''");
    offers(reply, "a.yaml");
    offers(reply, "bots");
    cr_assert_null(strstr(reply, "notes.txt"), "%s", reply);
    free(reply);
    reply = complete(&in, "run a.yaml --path ''");
    cr_assert_str_eq(reply, "bots\n");
    free(reply);
    reply = complete(&in, "init ''");
    cr_assert_str_eq(reply, "bots\n");
    free(reply);
    reply = complete(&in, "run a.yaml --max-cycles ''");
    cr_assert_str_eq(reply, "");
    free(reply);
    uninstall(&in);
}
