/*
 * test_signals_arena.c — issue 14 item 6 for the commands that run more
 * than one pipeline or none live: `perpd backtest A.yaml`, the backtest
 * arena `perpd backtest A.yaml B.yaml` (in one process, and with -j 2 in
 * two worker processes whose parent passes the signals on) and the live
 * arena `perpd run A.yaml B.yaml`. Each plans with the openrouter
 * planner against the local chat server, whose answers take a while, so
 * a signal lands with a plan in flight. The first SIGTERM or SIGINT stops the
 * run: exit 0 within 5 s, every version's JSONL file flushed and made of whole
 * records and whole cycles; a second signal exits at once with 130.
 *
 * The live arena reads the local Coinbase WebSocket server. Every child
 * perpd is killed in the suite's teardown, whatever the test did.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build_dir.h"
#include "chat_server.h"
#include "child_proc.h"
#include "file_read.h"
#include "jsonl_records.h"
#include "mute_server.h"
#include "pg_cluster.h"
#include "run_process.h"
#include "temp_dir.h"
#include "ticker_stream.h"
#include "ws_server.h"

#define KEY_ENV        "PERP_IT_SIGNALS_ARENA_KEY"
#define STOP_WITHIN_MS 5000
#define AT_ONCE_MS     1000
#define T0_S           1700000040LL
#define N_BARS         600

/* ------------------------------------------------ children, teardown */

static pid_t g_child;
/* `backtest -j` workers, in their own process group: killed one by one */
static pid_t g_workers[4];
static size_t g_n_workers;
/* The database server a test's URL names, which accepts and never
 * answers: stopped in the teardown too. */
static mute_server *g_mute;

static void kill_child(void)
{
    mute_server_stop(g_mute);
    g_mute = NULL;
    for (size_t i = 0; i < g_n_workers; i++)
        if (!child_gone(g_workers[i]))
            kill(g_workers[i], SIGKILL);
    g_n_workers = 0;
    if (g_child > 0 && kill(g_child, 0) == 0) {
        kill(g_child, SIGKILL);
        waitpid(g_child, NULL, 0);
    }
    g_child = 0;
}

/* No criterion .timeout (see test_signals.c: LeakSanitizer and --jobs);
 * every wait has its own deadline. */
TestSuite(signals_arena, .fini = kill_child);

/* ----------------------------------------------------------- planner */

/* Every answer (a buy of 0.01 BTC, then holds) takes delay_ms. */
static chat_server *slow_chat(int delay_ms)
{
    chat_server *chat = chat_server_start();
    cr_assert_not_null(chat);
    char *buy = chat_completion_body(
        "{\"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": \"buy\", "
        "\"quantity\": 0.01, \"leverage\": 2, \"confidence\": 0.6, "
        "\"risk_usd\": 10, \"exit_plan\": {\"profit_target\": 50000, "
        "\"stop_loss\": 10000, \"invalidation_condition\": \"test\"}, "
        "\"justification\": \"test\"}}, \"notes_for_audience\": \"buy\"}",
        100, 20, -1);
    char *hold = chat_completion_body(
        "{\"positions\": {}, \"notes_for_audience\": \"hold\"}", 100, 10, -1);
    chat_reply r[] = {{200, buy, NULL, delay_ms}, {200, hold, NULL, delay_ms}};
    chat_server_script(chat, r, 2);
    free(buy);
    free(hold);
    setenv(KEY_ENV, "sk-test-signals-arena", 1);
    return chat;
}

static void wait_for_plans(chat_server *chat, size_t n, const char *log)
{
    int64_t end = child_mono_ms() + 30000;
    while (chat_server_request_count(chat) < n && child_mono_ms() < end &&
           kill(g_child, 0) == 0)
        usleep(5000);
    char *text = file_read(log, NULL);
    cr_assert_geq(chat_server_request_count(chat), n, "too few plans:\n%s",
                  text ? text : "");
    free(text);
}

/* --------------------------------------------------------- backtests */

/* BTC-USD one-minute history: a gentle sine, every candle valid. */
static void write_history(const char *dir)
{
    char *text = malloc(64 + N_BARS * 96);
    size_t len = (size_t)sprintf(text, "ts,open,high,low,close,volume\n");
    for (int i = 0; i < N_BARS; i++) {
        double o = 20000 * (1 + 0.01 * sin(i / 9.0));
        double c = 20000 * (1 + 0.01 * sin((i + 1) / 9.0));
        len += (size_t)sprintf(text + len, "%lld,%.4f,%.4f,%.4f,%.4f,3\n",
                               T0_S + 60LL * i, o, fmax(o, c) * 1.0002,
                               fmin(o, c) * 0.9998, c);
    }
    free(temp_dir_write(dir, "BTC-USD_1m.csv", text));
    free(text);
}

/* A pipeline whose every cycle asks the chat server, on one symbol:
 * agent_lines (the cycle, ...) and the feed given; with_pg: a postgres
 * sink too, on ${DATABASE_URL}. */
static char *arena_yaml(const char *dir, const char *version, chat_server *chat,
                        int with_pg, const char *agent_lines, const char *feed)
{
    char base[128], text[4096], file[128];
    chat_server_base_url(chat, base, sizeof base);
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: %s\n"
             "%s"
             "  symbols: [BTC-USD]\n"
             "  observation_every: 1\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - %s\n"
             "planner:\n"
             "  plugin: openrouter\n"
             "  base_url: %s\n"
             "  model: test/signals-arena\n"
             "  api_key_env: " KEY_ENV "\n"
             "  timeout: 60s\n"
             "backend: {plugin: perpsim, starting_equity: 10000}\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s/%s/records.jsonl}\n"
             "%s",
             version, agent_lines, test_build_dir(), feed, base, dir, version,
             with_pg ? "  - {plugin: postgres, url: \"${DATABASE_URL}\"}\n"
                     : "");
    snprintf(file, sizeof file, "%s.yaml", version);
    return temp_dir_write(dir, file, text);
}

/* A one-minute pipeline for backtests (the feed replaced by the tape). */
static char *backtest_yaml(const char *dir, const char *version,
                           chat_server *chat, int with_pg)
{
    return arena_yaml(dir, version, chat, with_pg, "  cycle: 60s\n",
                      "{plugin: coinbase}");
}

/* perpd backtest over the versions' files, in the background; with
 * jobs > 1, `-j jobs`. */
static pid_t spawn_backtest(const char *dir, char *const *yamls, size_t n,
                            const char *log, int jobs)
{
    char j[16];
    snprintf(j, sizeof j, "%d", jobs);
    char *bin = perpd_path();
    char *argv[16];
    size_t k = 0;
    argv[k++] = bin;
    argv[k++] = "backtest";
    for (size_t i = 0; i < n; i++)
        argv[k++] = yamls[i];
    argv[k++] = "--data";
    argv[k++] = (char *)dir;
    argv[k++] = "--allow-llm";
    if (jobs > 1) {
        argv[k++] = "-j";
        argv[k++] = j;
    }
    argv[k] = NULL;
    g_child = child_spawn(argv, log);
    free(bin);
    cr_assert_gt(g_child, 0);
    return g_child;
}

/* The `backtest -j` workers of pid (forked before any plan is asked),
 * remembered for the teardown. */
static void find_workers(pid_t pid, size_t jobs)
{
    g_n_workers = child_children(pid, g_workers, 4);
    cr_assert_eq(g_n_workers, jobs, "%zu worker processes, not %zu",
                 g_n_workers, jobs);
}

/* Every line of the version's JSONL file is a JSON object ending in a
 * newline. Returns the number of lines. */
static size_t lines_whole(const char *dir, const char *version)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/%s/records.jsonl", dir, version);
    size_t len = 0;
    char *text = file_read(path, &len);
    cr_assert(text && len > 0, "%s: no records", path);
    cr_assert_eq(text[len - 1], '\n', "%s: the last record is cut", path);
    size_t lines = 0;
    for (char *p = text; *p; lines++) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        json_error_t e;
        json_t *o = json_loads(p, 0, &e);
        cr_assert(json_is_object(o), "%s:%zu: not a record: %s", path,
                  lines + 1, e.text);
        json_decref(o);
        p = nl + 1;
    }
    free(text);
    return lines;
}

/* The version's JSONL file is whole: its lines (lines_whole) and every
 * cycle (one account snapshot per observation; a decision for each but
 * at most one cut short). Returns the number of cycles. */
static size_t whole(const char *dir, const char *version)
{
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/%s", dir, version);
    lines_whole(dir, version);
    json_t *all = jsonl_records_read(sub);
    size_t obs = jsonl_records_count(all, "observation");
    size_t eq = jsonl_records_count(all, "equity");
    size_t dec = jsonl_decision_cycles(all);
    cr_assert_gt(obs, 0, "%s: no cycle recorded", version);
    cr_expect_eq(obs, eq, "%s: %zu observations, %zu account snapshots",
                 version, obs, eq);
    cr_expect(dec <= obs && dec + 1 >= obs,
              "%s: %zu observations, decisions for %zu cycles", version, obs,
              dec);
    json_decref(all);
    return obs;
}

/* One signal mid-run: exit 0 within 5 s, stopped early, the results
 * printed, every version's records whole. With jobs > 1 the signal goes
 * to the parent alone (as a kill does): it passes it on. */
static void first_signal_backtest(size_t n_versions, int sig, int jobs)
{
    char *dir = temp_dir_new();
    write_history(dir);
    chat_server *chat = slow_chat(50);
    static const char *const names[] = {"sig-a", "sig-b"};
    char *yamls[2];
    for (size_t i = 0; i < n_versions; i++)
        yamls[i] = backtest_yaml(dir, names[i], chat, 0);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = spawn_backtest(dir, yamls, n_versions, log, jobs);
    wait_for_plans(chat, 6, log);
    if (jobs > 1)
        find_workers(pid, (size_t)jobs);
    usleep(20000);
    int64_t took = 0;
    int rc = child_signal_wait(pid, sig, STOP_WITHIN_MS, &took);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after the signal:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert(strstr(text, "stopped early"), "%s", text);
    cr_assert(strstr(text, "leaderboard") || n_versions == 1, "%s", text);
    size_t cycles = 0;
    for (size_t i = 0; i < n_versions; i++)
        cycles += whole(dir, names[i]);
    cr_assert_lt(cycles, n_versions * N_BARS, "the run was not stopped");
    if (jobs > 1)
        cr_assert(strstr(text, "stopped early on a signal, passed on to the "
                               "2 workers"),
                  "%s", text);
    fprintf(stderr,
            "signals: backtest of %zu version(s), -j %d, signal %d after "
            "%zu cycles -> exit 0 in %lld ms\n",
            n_versions, jobs, sig, cycles, (long long)took);
    free(text);
    for (size_t i = 0; i < n_versions; i++)
        free(yamls[i]);
    chat_server_stop(chat);
    temp_dir_remove(dir);
    free(dir);
}

/* Two signals back to back, a plan 60 s away: 130 at once. With jobs >
 * 1, every worker is gone at once too. */
static void second_signal_backtest(size_t n_versions, int jobs)
{
    char *dir = temp_dir_new();
    write_history(dir);
    chat_server *chat = slow_chat(60000);
    static const char *const names[] = {"sig2-a", "sig2-b"};
    char *yamls[2];
    for (size_t i = 0; i < n_versions; i++)
        yamls[i] = backtest_yaml(dir, names[i], chat, 0);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = spawn_backtest(dir, yamls, n_versions, log, jobs);
    wait_for_plans(chat, (size_t)jobs, log);
    if (jobs > 1)
        find_workers(pid, (size_t)jobs);
    usleep(100000);
    int64_t t0 = child_mono_ms();
    child_two_signals(pid);
    int rc = child_wait_ms(pid, AT_ONCE_MS);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 130, "exit %d after %lld ms:\n%s", rc,
                 (long long)(child_mono_ms() - t0), text);
    cr_assert(strstr(text, "second signal: exiting at once (status 130)"), "%s",
              text);
    for (size_t i = 0; i < g_n_workers; i++) {
        int64_t end = child_mono_ms() + AT_ONCE_MS;
        while (!child_gone(g_workers[i]) && child_mono_ms() < end)
            usleep(5000);
        cr_assert(child_gone(g_workers[i]), "worker %d still runs:\n%s",
                  (int)g_workers[i], text);
    }
    free(text);
    for (size_t i = 0; i < n_versions; i++)
        free(yamls[i]);
    chat_server_stop(chat);
    temp_dir_remove(dir);
    free(dir);
}

Test(signals_arena, backtest_sigterm_stops_early_flushed_exit_0)
{
    first_signal_backtest(1, SIGTERM, 1);
}

Test(signals_arena, backtest_arena_sigint_stops_both_flushed_exit_0)
{
    first_signal_backtest(2, SIGINT, 1);
}

/* -j 2: each version in a worker process of its own. */
Test(signals_arena, backtest_jobs_sigterm_stops_every_worker_flushed_exit_0)
{
    first_signal_backtest(2, SIGTERM, 2);
}

Test(signals_arena, backtest_second_signal_exits_130_at_once)
{
    second_signal_backtest(1, 1);
}

Test(signals_arena, backtest_arena_second_signal_exits_130_at_once)
{
    second_signal_backtest(2, 1);
}

Test(signals_arena, backtest_jobs_second_signal_exits_130_at_once)
{
    second_signal_backtest(2, 2);
}

/* 1 once pid catches sig (its SigCgt mask in /proc). */
static int catches(pid_t pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned long long mask = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "SigCgt: %llx", &mask) == 1)
            break;
    fclose(f);
    return (mask >> (sig - 1)) & 1;
}

/* SIGINT as soon as perpd catches it (from before the plugins open):
 * kept, the run stops before or at its first cycles, exit 0. */
Test(signals_arena, backtest_sigint_at_start_up_is_kept)
{
    char *dir = temp_dir_new();
    write_history(dir);
    chat_server *chat = slow_chat(50);
    char *yamls[] = {backtest_yaml(dir, "sig-start", chat, 0)};
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = spawn_backtest(dir, yamls, 1, log, 1);
    int64_t end = child_mono_ms() + 10000;
    while (!catches(pid, SIGINT) && child_mono_ms() < end)
        usleep(500);
    cr_assert(catches(pid, SIGINT), "perpd never caught SIGINT");
    kill(pid, SIGINT);
    int rc = child_wait_ms(pid, STOP_WITHIN_MS);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert(strstr(text, "stopped early"), "%s", text);
    cr_assert_lt(chat_server_request_count(chat), N_BARS / 2, "%s", text);
    free(text);
    free(yamls[0]);
    chat_server_stop(chat);
    temp_dir_remove(dir);
    free(dir);
}

/* -j 2, SIGTERM as soon as the parent catches it: it passes it on while
 * the workers are still starting; they keep it (they start with it
 * blocked until their handlers are in place) instead of dying of it, so
 * each stops early and the run exits 0. */
Test(signals_arena, backtest_jobs_sigterm_at_start_up_is_kept)
{
    char *dir = temp_dir_new();
    write_history(dir);
    chat_server *chat = slow_chat(50);
    char *yamls[] = {backtest_yaml(dir, "sig-start-a", chat, 0),
                     backtest_yaml(dir, "sig-start-b", chat, 0)};
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = spawn_backtest(dir, yamls, 2, log, 2);
    int64_t end = child_mono_ms() + 10000;
    while (!catches(pid, SIGTERM) && child_mono_ms() < end)
        usleep(500);
    cr_assert(catches(pid, SIGTERM), "perpd never caught SIGTERM");
    kill(pid, SIGTERM);
    int rc = child_wait_ms(pid, STOP_WITHIN_MS);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert(strstr(text, "stopped early on a signal, passed on to the 2 "
                           "workers"),
              "%s", text);
    cr_assert_lt(chat_server_request_count(chat), N_BARS / 2, "%s", text);
    free(text);
    free(yamls[0]);
    free(yamls[1]);
    chat_server_stop(chat);
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------------------------------------ live arena */

/* A one-second pipeline on the local ticker, without start-up
 * bootstrap. */
static char *live_yaml(const char *dir, const char *version, const ticker *t,
                       chat_server *chat, int with_pg)
{
    char feed[160];
    snprintf(feed, sizeof feed,
             "{plugin: coinbase, url: \"ws://127.0.0.1:%d/\", products: "
             "[BTC-USD]}",
             ws_server_port(t->ws));
    return arena_yaml(dir, version, chat, with_pg,
                      "  cycle: 1s\n  bootstrap: false\n", feed);
}

static const char *const g_live_names[] = {"live-a", "live-b", "live-c"};

/* `perpd run` over n (2 or 3) versions: live-a, live-b, live-c. */
static pid_t spawn_live_versions(const char *dir, const ticker *t,
                                 chat_server *chat, const char *log,
                                 int with_pg, size_t n)
{
    char *bin = perpd_path();
    char *argv[6] = {bin, "run"};
    for (size_t i = 0; i < n && i < 3; i++)
        argv[2 + i] = live_yaml(dir, g_live_names[i], t, chat, with_pg);
    g_child = child_spawn(argv, log);
    for (size_t i = 2; argv[i]; i++)
        free(argv[i]);
    free(bin);
    cr_assert_gt(g_child, 0);
    return g_child;
}

static pid_t spawn_live_arena(const char *dir, const ticker *t,
                              chat_server *chat, const char *log, int with_pg)
{
    return spawn_live_versions(dir, t, chat, log, with_pg, 2);
}

/* SIGTERM with both versions' plans in flight (each answer takes 400 ms
 * of a 1 s cycle): exit 0 within 5 s, both files whole. */
Test(signals_arena, live_arena_sigterm_flushes_both_versions_exit_0)
{
    char *dir = temp_dir_new();
    ticker t;
    ticker_start(&t);
    chat_server *chat = slow_chat(400);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = spawn_live_arena(dir, &t, chat, log, 0);
    /* Two cycles of both versions done, the third asked. */
    wait_for_plans(chat, 5, log);
    usleep(150000);
    int64_t took = 0;
    int rc = child_signal_wait(pid, SIGTERM, STOP_WITHIN_MS, &took);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after SIGTERM:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert(strstr(text, "stopping on signal"), "%s", text);
    size_t a = whole(dir, "live-a"), b = whole(dir, "live-b");
    fprintf(stderr,
            "signals: live arena SIGTERM after %zu + %zu cycles -> exit 0 "
            "in %lld ms\n",
            a, b, (long long)took);
    free(text);
    chat_server_stop(chat);
    ticker_stop(&t);
    temp_dir_remove(dir);
    free(dir);
}

Test(signals_arena, live_arena_second_signal_exits_130_at_once)
{
    char *dir = temp_dir_new();
    ticker t;
    ticker_start(&t);
    chat_server *chat = slow_chat(60000);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = spawn_live_arena(dir, &t, chat, log, 0);
    wait_for_plans(chat, 1, log);
    usleep(200000);
    int64_t t0 = child_mono_ms();
    child_two_signals(pid);
    int rc = child_wait_ms(pid, AT_ONCE_MS);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 130, "exit %d after %lld ms:\n%s", rc,
                 (long long)(child_mono_ms() - t0), text);
    cr_assert(strstr(text, "second signal: exiting at once (status 130)"), "%s",
              text);
    free(text);
    chat_server_stop(chat);
    ticker_stop(&t);
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------- a first database connection in flight */

/* 1 if text says "version V: N record writes or flushes failed: this
 * run's records are incomplete (exit status 1)" with N > 0. */
static int lost_records_said(const char *text, const char *version)
{
    char head[128];
    snprintf(head, sizeof head, "version %s: ", version);
    const char *p = strstr(text, head);
    if (!p)
        return 0;
    char *end = NULL;
    unsigned long long n = strtoull(p + strlen(head), &end, 10);
    static const char tail[] = " record writes or flushes failed: this "
                               "run's records are incomplete (exit status 1)";
    return n > 0 && strncmp(end, tail, sizeof tail - 1) == 0;
}

/* SIGTERM while the first database connection (the first version's,
 * opened by its first record) waits on a server that accepts and never
 * answers, connect_timeout 10 s: the stop used to wait it out. Now the
 * attempt is given the 2 s the writer's commits get at a stop, then
 * abandoned; the second version's, opened after it, finds the bound spent
 * and gives up at once: the exit comes within 5 s, 2 s at least after
 * the signal. Status 1, not 0: each version's records are missing from
 * its database (said once each, in the line naming the stop), so the run
 * did not do all it was asked, as in `perpd run` when a sink fails; the
 * JSONL files beside it hold them, whole. live: the live arena, else the
 * backtest arena. */
static void sigterm_abandons_first_connection(int live)
{
    g_mute = mute_server_start();
    cr_assert_not_null(g_mute);
    char *dir = temp_dir_new(), *url = mute_server_pg_url(g_mute);
    cr_assert_not_null(url);
    setenv("DATABASE_URL", url, 1);
    ticker t;
    if (live)
        ticker_start(&t);
    chat_server *chat = slow_chat(10);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    static const char *const names[2][2] = {{"sig-pg-a", "sig-pg-b"},
                                            {"live-a", "live-b"}};
    char *yamls[2] = {NULL, NULL};
    pid_t pid;
    if (live) {
        pid = spawn_live_arena(dir, &t, chat, log, 1);
    } else {
        write_history(dir);
        for (size_t i = 0; i < 2; i++)
            yamls[i] = backtest_yaml(dir, names[0][i], chat, 1);
        pid = spawn_backtest(dir, yamls, 2, log, 1);
    }
    unsetenv("DATABASE_URL");
    cr_assert(mute_server_wait_accepted(g_mute, 1, 10000),
              "perpd never tried to connect");
    int64_t took = 0;
    int rc = child_signal_wait(pid, SIGTERM, STOP_WITHIN_MS, &took);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after SIGTERM:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 1, "exit %d:\n%s", rc, text);
    cr_assert_lt(took, STOP_WITHIN_MS, "%s", text);
    cr_assert_geq(took, 1900, "not given its 2 s:\n%s", text);
    for (size_t i = 0; i < 2; i++) {
        const char *v = names[live][i];
        char said[256];
        snprintf(said, sizeof said,
                 "abandoned: perpd is stopping (2.0s into the stop); this "
                 "run's records for version %s are not in the database "
                 "(the other sinks have them)",
                 v);
        cr_assert(strstr(text, said), "no \"%s\":\n%s", said, text);
        cr_assert(lost_records_said(text, v),
                  "%s: no count of lost "
                  "records:\n%s",
                  v, text);
        cr_assert_gt(lines_whole(dir, v), 0, "%s: no records", v);
        free(yamls[i]);
    }
    cr_assert(strstr(text, live ? "stopping on signal" : "stopped early"), "%s",
              text);
    cr_assert_null(strstr(text, "not-a-secret"), "the password was logged");
    fprintf(stderr,
            "signals: %s SIGTERM, first database connection in flight -> "
            "exit 1 in %lld ms\n",
            live ? "live arena" : "backtest arena", (long long)took);
    free(text);
    free(url);
    chat_server_stop(chat);
    if (live)
        ticker_stop(&t);
    temp_dir_remove(dir);
    free(dir);
}

Test(signals_arena, live_arena_sigterm_abandons_first_connection_exit_1)
{
    sigterm_abandons_first_connection(1);
}

Test(signals_arena, backtest_arena_sigterm_abandons_first_connection_exit_1)
{
    sigterm_abandons_first_connection(0);
}

/* ------------------------------ the database frozen under an arena */

/* The cluster the frozen-database test froze, thawed whatever happens. */
static const pg_cluster *g_frozen;

static void thaw_and_kill(void)
{
    if (g_frozen)
        pg_cluster_thaw(g_frozen);
    g_frozen = NULL;
    kill_child();
}

TestSuite(frozen_arena, .fini = thaw_and_kill);

/* Versions with an equity snapshot committed (0 before the schema). */
static long long versions_committed(PGconn *c)
{
    PGresult *r =
        PQexec(c, "SELECT count(DISTINCT version_id) FROM equity_snapshots");
    long long n =
        PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return n;
}

/* Three versions live, one database, frozen (SIGSTOP) once each has
 * committed a cycle and with one more cycle each sent to it: SIGTERM.
 * Each version's writer waits on a commit the server never answers; the
 * stop gives the database 2 s, once for the process. With a bound per
 * writer the three stops came one after the other: 6 s. Now exit 0
 * within 5 s, each version's line saying its link was cut and its
 * records wait in the spool, the JSONL files whole. */
Test(frozen_arena, live_arena_of_three_with_the_database_frozen_exits_0_in_5s)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    pg_cluster own;
    cr_assert_eq(pg_cluster_start(&own), 0);
    setenv("DATABASE_URL", own.url, 1);
    char *dir = temp_dir_new();
    ticker t;
    ticker_start(&t);
    chat_server *chat = slow_chat(10);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = spawn_live_versions(dir, &t, chat, log, 1, 3);
    unsetenv("DATABASE_URL");
    PGconn *c = pg_test_connect(own.url);
    int64_t end = child_mono_ms() + 20000;
    while (versions_committed(c) < 3 && child_mono_ms() < end)
        usleep(20000);
    cr_assert_eq(versions_committed(c), 3, "not every version committed:\n%s",
                 file_read(log, NULL));
    PQfinish(c);
    g_frozen = &own;
    cr_assert_eq(pg_cluster_freeze(&own), 0, "no server to freeze");
    usleep(1300000); /* one more 1 s cycle each, its commit sent */
    int64_t took = 0;
    int rc = child_signal_wait(pid, SIGTERM, STOP_WITHIN_MS, &took);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after SIGTERM:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert(strstr(text, "stopping on signal"), "%s", text);
    size_t cut = 0;
    for (const char *p = text;
         (p = strstr(p, "the database did not answer within 2.0s at stop, "
                        "so its connection was cut: "));
         p++)
        cut++;
    cr_assert_eq(cut, 3, "three writers cut:\n%s", text);
    cr_assert_null(strstr(text, "are lost"), "%s", text);
    cr_assert_null(strstr(text, own.password), "the password was logged");
    for (size_t i = 0; i < 3; i++)
        cr_assert_gt(lines_whole(dir, g_live_names[i]), 0, "%s",
                     g_live_names[i]);
    fprintf(stderr,
            "signals: live arena of three, database frozen -> exit 0 in "
            "%lld ms\n",
            (long long)took);
    pg_cluster_thaw(&own);
    g_frozen = NULL;
    free(text);
    chat_server_stop(chat);
    ticker_stop(&t);
    pg_cluster_remove(&own);
    temp_dir_remove(dir);
    free(dir);
}

/* A backtest arena whose postgres sinks used to hold the whole run's
 * records in memory until the end (a backtest never turned checkpoints
 * on): now each version commits at its checkpoints (at most a second of
 * wall time apart), so while the tape plays, each answer 200 ms away,
 * both versions' equity is in the database; the stop then ends it early,
 * exit 0. */
Test(frozen_arena, a_backtest_arena_commits_while_it_runs)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    pg_cluster own;
    cr_assert_eq(pg_cluster_start(&own), 0);
    setenv("DATABASE_URL", own.url, 1);
    char *dir = temp_dir_new();
    write_history(dir);
    chat_server *chat = slow_chat(200);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    char *yamls[2] = {backtest_yaml(dir, "bt-pg-a", chat, 1),
                      backtest_yaml(dir, "bt-pg-b", chat, 1)};
    pid_t pid = spawn_backtest(dir, yamls, 2, log, 1);
    unsetenv("DATABASE_URL");
    PGconn *c = pg_test_connect(own.url);
    int64_t end = child_mono_ms() + 20000;
    while (versions_committed(c) < 2 && child_mono_ms() < end &&
           kill(pid, 0) == 0)
        usleep(20000);
    cr_assert_eq(versions_committed(c), 2,
                 "nothing committed while running:\n%s", file_read(log, NULL));
    cr_assert_eq(kill(pid, 0), 0, "the backtest ended first");
    PQfinish(c);
    kill(pid, SIGTERM);
    int rc = child_wait_ms(pid, STOP_WITHIN_MS);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    free(text);
    free(yamls[0]);
    free(yamls[1]);
    chat_server_stop(chat);
    pg_cluster_remove(&own);
    temp_dir_remove(dir);
    free(dir);
}
