/*
 * test_signals.c — issue 14 item 6 through the perpd binary: SIGTERM or
 * SIGINT in the middle of a cycle lets that cycle finish as a whole, every
 * sink is flushed (the JSONL file and the PostgreSQL database hold the
 * same records), the database connection is closed cleanly (the server
 * logs no "unexpected EOF on client connection"; the control test shows
 * it does log one when perpd vanishes) and perpd exits 0 within 5 s; a
 * second signal exits at once with status 130. The same holds when the
 * database server went away mid-run: the records it could not take wait
 * in the spool (the version's next start writes them, none lost) and the
 * stop still takes under 5 s, also when the server froze instead (the
 * commit in flight is cut) or when a connection attempt is in flight at
 * the stop against a server that accepts and answers nothing (a
 * reconnection: abandoned at the cut; the first connection at start-up:
 * given up at once).
 *
 * Live runs read the local Coinbase WebSocket server and plan with the
 * openrouter planner against the local chat server, whose answers take
 * 600 ms of a 1 s cycle, so the signal lands while a plan is in flight.
 * The replay reads the real April 2021 history at a paced speed. Every
 * child perpd is killed in the suite's teardown, whatever the test did.
 */
#include <criterion/criterion.h>

#include <jansson.h>
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
#include "pg_replay.h"
#include "run_process.h"
#include "temp_dir.h"
#include "ticker_stream.h"
#include "ws_server.h"

#define KEY_ENV        "PERP_IT_SIGNALS_KEY"
#define STOP_WITHIN_MS 5000
#define AT_ONCE_MS     1000

/* ------------------------------------------------ children, teardown */

static pid_t g_children[8];
static size_t g_n_children;

static void remember(pid_t pid)
{
    if (g_n_children < sizeof g_children / sizeof g_children[0])
        g_children[g_n_children++] = pid;
}

/* Teardown: no perpd outlives its test, however the test ended. */
static void kill_children(void)
{
    for (size_t i = 0; i < g_n_children; i++) {
        if (g_children[i] > 0 && kill(g_children[i], 0) == 0) {
            kill(g_children[i], SIGKILL);
            waitpid(g_children[i], NULL, 0);
        }
        g_children[i] = 0;
    }
    g_n_children = 0;
}

/* No criterion .timeout on these tests: with --jobs 2 the runner then
 * leaks 48 bytes that LeakSanitizer fails the binary for (libcriterion
 * 2.4). Every wait below has its own deadline instead, and tests/run.sh
 * bounds the binary. */
TestSuite(signals, .fini = kill_children);

/* ------------------------------------------------------------- feed */

/* A chat server whose every answer (a buy of 0.01 BTC, then holds) takes
 * delay_ms. */
static chat_server *slow_chat(int delay_ms)
{
    chat_server *chat = chat_server_start();
    cr_assert_not_null(chat);
    char *buy = chat_completion_body(
        "{\"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": \"buy\", "
        "\"quantity\": 0.01, \"leverage\": 2, \"confidence\": 0.6, "
        "\"risk_usd\": 10, \"exit_plan\": {\"profit_target\": 50000, "
        "\"stop_loss\": 30000, \"invalidation_condition\": \"test\"}, "
        "\"justification\": \"test\"}}, \"notes_for_audience\": \"buy\"}",
        100, 20, -1);
    char *hold = chat_completion_body(
        "{\"positions\": {}, \"notes_for_audience\": \"hold\"}", 100, 10, -1);
    chat_reply r[] = {{200, buy, NULL, delay_ms}, {200, hold, NULL, delay_ms}};
    chat_server_script(chat, r, 2);
    free(buy);
    free(hold);
    return chat;
}

/* A live pipeline: coinbase feed, openrouter planner, perpsim, the
 * JSONL sink and (with_pg) the postgres sink reading DATABASE_URL. */
static char *live_yaml(const char *dir, const ticker *t, chat_server *chat,
                       int with_pg)
{
    char base[128], text[4096];
    chat_server_base_url(chat, base, sizeof base);
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: it-signals-live\n"
             "  cycle: 1s\n"
             "  bootstrap: false\n"
             "  symbols: [BTC-USD]\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - {plugin: coinbase, url: \"ws://127.0.0.1:%d/\", "
             "products: [BTC-USD]}\n"
             "planner:\n"
             "  plugin: openrouter\n"
             "  base_url: %s\n"
             "  model: test/signals\n"
             "  api_key_env: " KEY_ENV "\n"
             "  timeout: 60s\n"
             "backend: {plugin: perpsim, starting_equity: 10000}\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s/records.jsonl}\n"
             "%s%s%s",
             test_build_dir(), ws_server_port(t->ws), base, dir,
             with_pg ? "  - {plugin: postgres, url: \"${DATABASE_URL}\", "
                       "spool_dir: "
                     : "",
             with_pg ? dir : "", with_pg ? "/spool}\n" : "");
    setenv(KEY_ENV, "sk-test-signals", 1);
    return temp_dir_write(dir, "live.yaml", text);
}

/* ------------------------------------------------------------ checks */

static const char *table_of(const char *type)
{
    static const char *const map[][2] = {{"trade", "trades"},
                                         {"round_trip", "round_trips"},
                                         {"equity", "equity_snapshots"},
                                         {"position", "position_snapshots"},
                                         {"funding", "funding_payments"},
                                         {"liquidation", "liquidations"},
                                         {"observation", "observations"},
                                         {"decision", "decisions"},
                                         {"llm_call", "llm_calls"},
                                         {"rejection", "rejections"},
                                         {"metrics", "version_metrics"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], type) == 0)
            return map[i][1];
    return NULL;
}

/* Both sinks flushed: every table holds as many rows as the JSONL file
 * has records of its type. Returns the number of records compared. */
static size_t same_records(const char *jsonl_dir, const char *url)
{
    json_t *all = jsonl_records_read(jsonl_dir);
    PGconn *c = pg_test_connect(url);
    static const char *const types[] = {
        "trade",    "round_trip",  "equity",      "position",
        "funding",  "liquidation", "observation", "decision",
        "llm_call", "rejection",   "metrics"};
    size_t total = 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t n = jsonl_records_count(all, types[i]);
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s",
                 table_of(types[i]));
        long long rows = pg_test_int(c, sql);
        cr_expect_eq(rows, (long long)n, "%s: %lld rows, %zu JSONL records",
                     types[i], rows, n);
        total += n;
    }
    PQfinish(c);
    json_decref(all);
    return total;
}

/* Every cycle in the records is whole: each observation (one a cycle)
 * has its account snapshot, and a decision for every cycle but at most
 * `aborted` whose plan the stop cut short (held, as a failed plan is). A
 * cycle cut in two would leave an observation without the rest. */
static void cycles_whole(const char *jsonl_dir, size_t aborted)
{
    json_t *all = jsonl_records_read(jsonl_dir);
    size_t obs = jsonl_records_count(all, "observation");
    size_t eq = jsonl_records_count(all, "equity");
    size_t dec = jsonl_decision_cycles(all);
    cr_assert_gt(obs, 0, "no cycle recorded");
    cr_expect_eq(obs, eq, "%zu observations, %zu account snapshots", obs, eq);
    cr_expect(dec <= obs && dec + aborted >= obs,
              "%zu observations, decisions for %zu cycles", obs, dec);
    json_decref(all);
}

static char *server_log(const pg_cluster *c)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/server.log", c->dir);
    char *text = file_read(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    return text;
}

/* A client that goes without a goodbye is logged at DEBUG1 when it was
 * not in a transaction: the test cluster logs that level. */
static void log_vanished_clients(const pg_cluster *c)
{
    PGconn *conn = pg_test_connect(c->url);
    pg_test_exec(conn, "ALTER SYSTEM SET log_min_messages = debug1");
    pg_test_exec(conn, "SELECT pg_reload_conf()");
    PQfinish(conn);
}

static int vanished_client(const char *server_text)
{
    return strstr(server_text, "unexpected EOF on client connection") ||
           strstr(server_text, "could not receive data from client");
}

/* ------------------------------------------------------------- tests */

Test(signals, live_sigterm_mid_cycle_finishes_it_and_flushes_both_sinks)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    pg_cluster own;
    cr_assert_eq(pg_cluster_start(&own), 0);
    log_vanished_clients(&own);
    char *dir = temp_dir_new();
    ticker t;
    ticker_start(&t);
    chat_server *chat = slow_chat(600);
    char *yaml = live_yaml(dir, &t, chat, 1);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = pg_spawn_perpd(yaml, own.url, log);
    remember(pid);
    /* The third plan is in flight: two cycles done, one half-way. */
    int64_t end = child_mono_ms() + 30000;
    while (chat_server_request_count(chat) < 3 && child_mono_ms() < end)
        usleep(5000);
    cr_assert_geq(chat_server_request_count(chat), 3, "too few plans");
    usleep(200000);
    int64_t took = 0;
    int rc = child_signal_wait(pid, SIGTERM, STOP_WITHIN_MS, &took);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after SIGTERM:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert(strstr(text, "stopping on signal"), "%s", text);
    fprintf(stderr, "signals: live SIGTERM -> exit 0 in %lld ms\n",
            (long long)took);
    cycles_whole(dir, 1);
    size_t n = same_records(dir, own.url);
    cr_assert_gt(n, 0);
    char *srv = server_log(&own);
    cr_assert(!vanished_client(srv),
              "the connection was not closed cleanly:\n%s", srv);
    free(srv);
    free(text);
    free(yaml);
    chat_server_stop(chat);
    ticker_stop(&t);
    pg_cluster_remove(&own);
    temp_dir_remove(dir);
    free(dir);
}

Test(signals, replay_sigint_ends_on_a_whole_cycle_with_both_sinks_flushed)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    pg_cluster own;
    cr_assert_eq(pg_cluster_start(&own), 0);
    log_vanished_clients(&own);
    char *dir = temp_dir_new();
    /* 36 h paced to about 20 s: the signal comes in the middle. */
    pg_run_cfg cfg = {.dir = dir,
                      .version = "v-signals",
                      .from = "2021-04-03T00:00:00Z",
                      .to = "2021-04-04T12:00:00Z",
                      .planner = "script",
                      .speed = "6480",
                      .observation_every = 1,
                      .with_jsonl = 1};
    char *yaml = pg_run_yaml(&cfg);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = pg_spawn_perpd(yaml, own.url, log);
    remember(pid);
    PGconn *c = pg_test_connect(own.url);
    long long done = 0;
    for (int i = 0; i < 400 && done < 30; i++) {
        PGresult *r = PQexec(c, "SELECT coalesce(max(cycle), 0) FROM "
                                "checkpoints");
        if (PQresultStatus(r) == PGRES_TUPLES_OK)
            done = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        usleep(50000);
    }
    PQfinish(c);
    cr_assert_geq(done, 30, "the replay committed too few cycles");
    int64_t took = 0;
    int rc = child_signal_wait(pid, SIGINT, STOP_WITHIN_MS, &took);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after SIGINT:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert(strstr(text, "stopping on signal"), "%s", text);
    /* Stopped early: the data goes on to 12:00 on the 4th. */
    const char *ended = strstr(text, "replay ended: events=");
    cr_assert_not_null(ended, "%s", text);
    long long events = 0, cycles = 0;
    cr_assert_eq(sscanf(ended, "replay ended: events=%lld cycles=%lld", &events,
                        &cycles),
                 2);
    cr_assert_lt(cycles, 36 * 60, "the replay was not stopped:\n%s", text);
    fprintf(stderr,
            "signals: replay SIGINT after %lld cycles -> exit 0 in "
            "%lld ms\n",
            cycles, (long long)took);
    /* The last cycle run is the last one committed, with its state. */
    c = pg_test_connect(own.url);
    cr_assert_eq(pg_test_int(c, "SELECT max(cycle) FROM checkpoints"), cycles,
                 "cycles run and committed differ:\n%s", text);
    PQfinish(c);
    char jdir[1100];
    snprintf(jdir, sizeof jdir, "%s/v-signals", dir);
    cycles_whole(jdir, 0);
    cr_assert_gt(same_records(jdir, own.url), 0);
    char *srv = server_log(&own);
    cr_assert(!vanished_client(srv),
              "the connection was not closed cleanly:\n%s", srv);
    free(srv);
    free(text);
    free(yaml);
    pg_cluster_remove(&own);
    temp_dir_remove(dir);
    free(dir);
}

/* Two signals back to back: the second does not wait for the planner's
 * answer (60 s away) or anything else. The server sees the connection
 * vanish: the control for the clean-close checks above. */
Test(signals, second_signal_exits_at_once_with_130)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    pg_cluster own;
    cr_assert_eq(pg_cluster_start(&own), 0);
    log_vanished_clients(&own);
    char *dir = temp_dir_new();
    ticker t;
    ticker_start(&t);
    chat_server *chat = slow_chat(60000);
    char *yaml = live_yaml(dir, &t, chat, 1);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = pg_spawn_perpd(yaml, own.url, log);
    remember(pid);
    int64_t end = child_mono_ms() + 30000;
    while (chat_server_request_count(chat) < 1 && child_mono_ms() < end)
        usleep(5000);
    cr_assert_geq(chat_server_request_count(chat), 1, "no plan started");
    usleep(200000);
    int64_t t0 = child_mono_ms();
    child_two_signals(pid);
    int rc = child_wait_ms(pid, AT_ONCE_MS);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 130, "exit %d after %lld ms:\n%s", rc,
                 (long long)(child_mono_ms() - t0), text);
    cr_assert(strstr(text, "second signal: exiting at once (status 130)"), "%s",
              text);
    /* The server notices; give it a moment to write its log. */
    char *srv = NULL;
    for (int i = 0; i < 50; i++) {
        free(srv);
        srv = server_log(&own);
        if (vanished_client(srv))
            break;
        usleep(100000);
    }
    cr_assert(vanished_client(srv),
              "the server logged nothing of a vanished client:\n%s", srv);
    free(srv);
    free(text);
    free(yaml);
    chat_server_stop(chat);
    ticker_stop(&t);
    pg_cluster_remove(&own);
    temp_dir_remove(dir);
    free(dir);
}

/* 1 once pid catches sig (its SigCgt mask in /proc): perpd has installed
 * its handlers, so the signal no longer kills it outright. */
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

/* SIGINT while the plugins are still opening is not lost (a run used to
 * forget a signal that came before it): perpd stops, exit 0. */
Test(signals, sigint_at_start_up_is_kept)
{
    char *dir = temp_dir_new();
    ticker t;
    ticker_start(&t);
    chat_server *chat = slow_chat(10);
    char *yaml = live_yaml(dir, &t, chat, 0);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = pg_spawn_perpd(yaml, "unused", log);
    remember(pid);
    int64_t end = child_mono_ms() + 10000;
    while (!catches(pid, SIGINT) && child_mono_ms() < end)
        usleep(1000);
    cr_assert(catches(pid, SIGINT), "perpd never caught SIGINT");
    kill(pid, SIGINT);
    int rc = child_wait_ms(pid, STOP_WITHIN_MS);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after SIGINT:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    free(text);
    free(yaml);
    chat_server_stop(chat);
    ticker_stop(&t);
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------------------------- the database gone away */

/* A live run with both sinks, its database at url, returned once two
 * plans were asked for (so cycles were committed). */
static pid_t live_run_with_url(const char *url, const char *dir, ticker *t,
                               chat_server **chat, char **yaml, char *log,
                               size_t len)
{
    ticker_start(t);
    *chat = slow_chat(200);
    *yaml = live_yaml(dir, t, *chat, 1);
    snprintf(log, len, "%s/perpd.log", dir);
    pid_t pid = pg_spawn_perpd(*yaml, url, log);
    remember(pid);
    int64_t end = child_mono_ms() + 30000;
    while (chat_server_request_count(*chat) < 2 && child_mono_ms() < end)
        usleep(5000);
    cr_assert_geq(chat_server_request_count(*chat), 2, "too few plans");
    return pid;
}

static pid_t live_run_with_its_database(pg_cluster *own, const char *dir,
                                        ticker *t, chat_server **chat,
                                        char **yaml, char *log, size_t len)
{
    return live_run_with_url(own->url, dir, t, chat, yaml, log, len);
}

/* Returns once the chat server was asked for one more plan than now. */
static void one_more_plan(chat_server *chat)
{
    size_t had = chat_server_request_count(chat);
    int64_t end = child_mono_ms() + 10000;
    while (chat_server_request_count(chat) < had + 1 && child_mono_ms() < end)
        usleep(5000);
}

/* A live run with both sinks whose database server is stopped after two
 * cycles; returns once perpd has said the database is unreachable (its
 * records then go to the spool). */
static pid_t live_run_losing_its_database(pg_cluster *own, const char *dir,
                                          ticker *t, chat_server **chat,
                                          char **yaml, char *log, size_t len)
{
    pid_t pid = live_run_with_its_database(own, dir, t, chat, yaml, log, len);
    cr_assert_eq(pg_cluster_stop(own), 0);
    cr_assert(child_log_says(log, "database unreachable", 10000),
              "perpd never noticed the database was gone");
    one_more_plan(*chat); /* one more cycle, spooled while it is away */
    return pid;
}

/* The version's next start (one cycle) with the server answering again
 * writes what waited in the spool: then every JSONL record of both runs
 * is a row, none lost, none twice. */
static void next_start_writes_the_spool(const pg_cluster *own, const char *dir,
                                        const char *yaml)
{
    char spool[1200];
    snprintf(spool, sizeof spool, "%s/spool/it-signals-live.spool", dir);
    size_t spool_len = 0;
    char *bytes = file_read(spool, &spool_len);
    cr_assert(bytes && spool_len > 0, "the spool %s is empty", spool);
    free(bytes);
    char *bin = perpd_path();
    char *argv[] = {bin, "run", (char *)yaml, "--max-cycles", "1", NULL};
    setenv("DATABASE_URL", own->url, 1);
    char *out = NULL;
    int rc = run_process(argv, &out);
    unsetenv("DATABASE_URL");
    cr_assert_eq(rc, 0, "the restart failed:\n%s", out);
    cr_assert(strstr(out, "records a previous run left in the spool"), "%s",
              out);
    cr_assert_gt(same_records(dir, own->url), 0);
    free(out);
    free(bin);
}

/* A live run with its database, meeting a fault (gone, frozen, a
 * reconnection in flight). */
typedef pid_t (*db_fault_run)(pg_cluster *own, const char *dir, ticker *t,
                              chat_server **chat, char **yaml, char *log,
                              size_t len);

/* The cluster a test froze, thawed in the teardown whatever the test did:
 * a frozen server cannot be stopped. */
static const pg_cluster *g_frozen;

/* N of the first "N records wait in the spool" in text, or 0. */
static unsigned long long spooled(const char *text)
{
    const char *q = strstr(text, " records wait in the spool");
    const char *p = q;
    while (p && p > text && p[-1] >= '0' && p[-1] <= '9')
        p--;
    return p && p < q ? strtoull(p, NULL, 10) : 0;
}

/* What SIGTERM must do to a live run whose database met `fault` (gone,
 * frozen, a reconnection in flight): end the run within 5 s, exit 0,
 * the records the database could not take in the spool, said with their
 * count (after `why` when given: the stop's reason), none lost, no
 * password in the log; with the database back, the version's next start
 * writes the spool, and the database then holds exactly the JSONL
 * file's records. */
static void sigterm_spools_and_exits_0(db_fault_run fault, const char *what,
                                       const char *why)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    pg_cluster own;
    cr_assert_eq(pg_cluster_start(&own), 0);
    char *dir = temp_dir_new();
    ticker t;
    chat_server *chat;
    char *yaml, log[1100];
    pid_t pid = fault(&own, dir, &t, &chat, &yaml, log, sizeof log);
    int64_t took = 0;
    int rc = child_signal_wait(pid, SIGTERM, STOP_WITHIN_MS, &took);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after SIGTERM:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert_lt(took, STOP_WITHIN_MS);
    cr_assert(strstr(text, "stopping on signal"), "%s", text);
    const char *said = why ? strstr(text, why) : text;
    cr_assert_not_null(said, "the stop did not say why:\n%s", text);
    unsigned long long waiting = spooled(said);
    cr_assert_gt(waiting, 0, "nothing said of the spool:\n%s", text);
    cr_assert_null(strstr(text, "are lost"), "%s", text);
    if (why) /* gone: the reconnections' errors may say refused */
        cr_assert_null(strstr(text, "refused"), "%s", text);
    cr_assert_null(strstr(text, own.password), "the password was logged");
    fprintf(stderr,
            "signals: live SIGTERM, %s -> exit 0 in %lld ms (%llu records "
            "spooled)\n",
            what, (long long)took, waiting);
    cycles_whole(dir, 1);
    if (g_frozen == &own) {
        pg_cluster_thaw(&own);
        g_frozen = NULL;
    } else {
        cr_assert_eq(pg_cluster_resume(&own), 0);
    }
    next_start_writes_the_spool(&own, dir, yaml);
    free(text);
    free(yaml);
    chat_server_stop(chat);
    ticker_stop(&t);
    pg_cluster_remove(&own);
    temp_dir_remove(dir);
    free(dir);
}

/* The server went away mid-run (its socket folder is left without a
 * server). */
Test(signals, sigterm_with_the_database_gone_spools_and_exits_0_within_5s)
{
    sigterm_spools_and_exits_0(live_run_losing_its_database, "database gone",
                               NULL);
}

/* ------------------------------------ the database frozen, not gone */

/* The server a test's URL names that accepts and never answers. */
static mute_server *g_mute;

static void thaw_and_kill_children(void)
{
    if (g_frozen)
        pg_cluster_thaw(g_frozen);
    g_frozen = NULL;
    kill_children();
    mute_server_stop(g_mute);
    g_mute = NULL;
}

TestSuite(frozen, .fini = thaw_and_kill_children);

/* A live run whose database server is frozen (SIGSTOP) after two cycles
 * were committed, with one more cycle run against it, so a commit waits
 * on a socket that takes what is sent and answers nothing. */
static pid_t live_run_freezing_its_database(pg_cluster *own, const char *dir,
                                            ticker *t, chat_server **chat,
                                            char **yaml, char *log, size_t len)
{
    pid_t pid = live_run_with_its_database(own, dir, t, chat, yaml, log, len);
    PGconn *c = pg_test_connect(own->url);
    int64_t end = child_mono_ms() + 10000;
    while (pg_test_int(c, "SELECT count(*) FROM checkpoints") < 1 &&
           child_mono_ms() < end)
        usleep(20000);
    PQfinish(c);
    g_frozen = own;
    cr_assert_eq(pg_cluster_freeze(own), 0, "no server to freeze");
    one_more_plan(*chat);
    usleep(400000); /* the plan answered (200 ms), its commit sent */
    return pid;
}

/* The server frozen mid-run: without a bound, the stop's flush waited on
 * the commit in flight as long as the server stayed frozen. Now the
 * writer is given up on 2 s into the stop, its link cut (a cycle whose
 * COMMIT reached the server before the cut is not written twice). */
Test(frozen, sigterm_with_the_database_frozen_spools_and_exits_0_within_5s)
{
    sigterm_spools_and_exits_0(live_run_freezing_its_database,
                               "database frozen",
                               "the database did not answer within 2.0s at "
                               "stop, so its connection was cut: ");
}

/* Two signals back to back during a live run whose database met `fault`:
 * 130 at once (for a frozen one, the stop's bound not waited for). */
static void second_signal_exits_130_at_once(db_fault_run fault)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    pg_cluster own;
    cr_assert_eq(pg_cluster_start(&own), 0);
    char *dir = temp_dir_new();
    ticker t;
    chat_server *chat;
    char *yaml, log[1100];
    pid_t pid = fault(&own, dir, &t, &chat, &yaml, log, sizeof log);
    int64_t t0 = child_mono_ms();
    child_two_signals(pid);
    int rc = child_wait_ms(pid, AT_ONCE_MS);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 130, "exit %d after %lld ms:\n%s", rc,
                 (long long)(child_mono_ms() - t0), text);
    if (g_frozen == &own) {
        pg_cluster_thaw(&own);
        g_frozen = NULL;
    }
    free(text);
    free(yaml);
    chat_server_stop(chat);
    ticker_stop(&t);
    pg_cluster_remove(&own);
    temp_dir_remove(dir);
    free(dir);
}

Test(signals, second_signal_with_the_database_gone_exits_130_at_once)
{
    second_signal_exits_130_at_once(live_run_losing_its_database);
}

Test(frozen, second_signal_with_the_database_frozen_exits_130_at_once)
{
    second_signal_exits_130_at_once(live_run_freezing_its_database);
}

/* ------------------------- a connection attempt in flight at the stop */

/* postgresql://...?host=DIR,127.0.0.1&port=,PORT: the cluster's socket
 * first, then the mute server, each attempt given connect_timeout (10 s,
 * twice the stop's 5 s) (malloc'd). */
static char *url_then_mute(const pg_cluster *own)
{
    g_mute = mute_server_start();
    cr_assert_not_null(g_mute);
    char *url = NULL;
    cr_assert(asprintf(&url, "%s,127.0.0.1&port=,%d&connect_timeout=10",
                       own->url, mute_server_port(g_mute)) > 0);
    return url;
}

/* A live run whose database goes away (its server stopped) while its URL
 * names, after the server's socket, a server that accepts and answers
 * nothing, as one frozen there would: returns once the writer's
 * reconnection waits on it. */
static pid_t live_run_reconnecting_in_vain(pg_cluster *own, const char *dir,
                                           ticker *t, chat_server **chat,
                                           char **yaml, char *log, size_t len)
{
    char *url = url_then_mute(own);
    pid_t pid = live_run_with_url(url, dir, t, chat, yaml, log, len);
    free(url);
    cr_assert_eq(pg_cluster_stop(own), 0);
    cr_assert(child_log_says(log, "database unreachable", 10000),
              "perpd never noticed the database was gone");
    cr_assert(mute_server_wait_accepted(g_mute, 1, 10000),
              "no reconnection reached the mute server");
    return pid;
}

/* SIGTERM while the writer's reconnection waits on a server that never
 * answers: the attempt used to run out its connect_timeout (10 s here)
 * before the stop could go on. Now the stop's cut, 2 s in, abandons it. */
Test(frozen, sigterm_with_a_reconnection_in_flight_spools_and_exits_0_within_5s)
{
    sigterm_spools_and_exits_0(live_run_reconnecting_in_vain,
                               "reconnection in flight",
                               "the reconnection to the database did not "
                               "finish within 2.0s at stop, so it was "
                               "abandoned: ");
}

Test(frozen, second_signal_with_a_reconnection_in_flight_exits_130_at_once)
{
    second_signal_exits_130_at_once(live_run_reconnecting_in_vain);
}

/* SIGTERM while perpd's first connection, at start-up, waits on a server
 * that never answers: the attempt used to run out its connect_timeout
 * (10 s) and then fail the run. Now the sink gives it up at once, says
 * nothing was recorded yet, and perpd stops: exit 0 well within 5 s. */
Test(frozen, sigterm_while_the_first_connection_waits_exits_0_within_5s)
{
    g_mute = mute_server_start();
    cr_assert_not_null(g_mute);
    char *dir = temp_dir_new(), *url = mute_server_pg_url(g_mute);
    cr_assert_not_null(url);
    ticker t;
    ticker_start(&t);
    chat_server *chat = slow_chat(10);
    char *yaml = live_yaml(dir, &t, chat, 1);
    char log[1100];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    pid_t pid = pg_spawn_perpd(yaml, url, log);
    remember(pid);
    cr_assert(mute_server_wait_accepted(g_mute, 1, 10000),
              "perpd never tried to connect");
    int64_t took = 0;
    int rc = child_signal_wait(pid, SIGTERM, STOP_WITHIN_MS, &took);
    char *text = file_read(log, NULL);
    cr_assert_neq(rc, -1, "still running %d ms after SIGTERM:\n%s",
                  STOP_WITHIN_MS, text);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
    cr_assert_lt(took, 4000, "%s", text);
    cr_assert(strstr(text, "abandoned: perpd is stopping (a stop at "
                           "start-up: this run had recorded nothing yet)"),
              "%s", text);
    cr_assert(strstr(text, "stopping on signal (during start-up)"), "%s", text);
    cr_assert_null(strstr(text, "not-a-secret"), "the password was logged");
    cr_assert_eq(chat_server_request_count(chat), 0, "a cycle ran:\n%s", text);
    fprintf(stderr,
            "signals: SIGTERM at start-up, first connection in flight -> "
            "exit 0 in %lld ms\n",
            (long long)took);
    free(text);
    free(yaml);
    free(url);
    chat_server_stop(chat);
    ticker_stop(&t);
    temp_dir_remove(dir);
    free(dir);
}
