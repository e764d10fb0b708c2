/*
 * test_pg_kill.c — crash recovery: a replay run into PostgreSQL is killed
 * with SIGKILL at 20 random moments (start-up, restore, warm-up, cycles,
 * commits) and restarted each time; at the end every stored record of
 * that version (trades, round trips, equity, positions, funding,
 * observations, decisions, metrics; their sequence numbers included)
 * equals the uninterrupted run's, so nothing was lost or written twice,
 * and the final checkpoints (backend, planner and host state) match.
 * The seed is printed; PERP_KILL_SEED repeats a sequence.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pg_cluster.h"
#include "pg_replay.h"
#include "run_process.h"
#include "temp_dir.h"

PG_CLUSTER_START_HOOK()
PG_CLUSTER_STOP_HOOK()

/* Two days of two symbols: 2880 cycles, ~30 script steps with stops. */
#define FROM  "2021-04-03T00:00:00Z"
#define TO    "2021-04-05T00:00:00Z"
#define KILLS 20

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *const tables[] = {
    "trades",    "round_trips",      "equity_snapshots", "position_snapshots",
    "positions", "funding_payments", "liquidations",     "observations",
    "decisions", "llm_calls",        "rejections",       "version_metrics"};

/* Cycles a version has committed so far (0 before it is registered). */
static long long committed(PGconn *c, const char *tag)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(max(k.cycle), 0) FROM checkpoints k JOIN "
             "agent_versions v ON v.id = k.version_id WHERE v.tag = '%s'",
             tag);
    return pg_test_int(c, sql);
}

static int timed_run(const char *yaml, const char *url, int64_t *ms)
{
    char *out = NULL;
    int64_t t0 = now_ms();
    int rc = pg_run_perpd(yaml, url, &out);
    *ms = now_ms() - t0;
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, out);
    free(out);
    return rc;
}

Test(pg_kill, twenty_kills_leave_the_same_records_as_no_kill, .timeout = 900)
{
    char *url = pg_test_db("kill");
    char *dir = temp_dir_new();
    pg_run_cfg whole = {.dir = dir,
                        .version = "v-whole",
                        .from = FROM,
                        .to = TO,
                        .planner = "script",
                        .observation_every = 7,
                        .metrics_every = 10,
                        .checkpoint_every = 10,
                        /* two days in about 1.5 s: at full speed the agent
                         * runs the 2880 cycles in a few hundred ms, far
                         * ahead of what the writer has committed, and a
                         * run could end between the commit a kill waits
                         * for and the kill */
                        .speed = "115200"};
    char *y_whole = pg_run_yaml(&whole);
    int64_t full_ms, idle_ms;
    timed_run(y_whole, url, &full_ms);
    /* A finished version started again: restore and warm-up alone. */
    timed_run(y_whole, url, &idle_ms);

    pg_run_cfg killed = whole;
    killed.version = "v-killed";
    char *y_killed = pg_run_yaml(&killed);
    PGconn *c = pg_test_connect(url);
    int vw = pg_version_id(c, "v-whole");
    long long total = committed(c, "v-whole");
    cr_assert_gt(total, 2000);

    const char *env = getenv("PERP_KILL_SEED");
    unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(0);
    srand(seed);
    fprintf(stderr,
            "pg_kill: seed %u (PERP_KILL_SEED repeats it); a whole "
            "run %lld ms, a restart alone %lld ms\n",
            seed, (long long)full_ms, (long long)idle_ms);
    char log[1024];
    snprintf(log, sizeof log, "%s/killed.log", dir);
    /* The moments: every fourth kill at a random time in start-up (restore,
     * the warm-up, which the paced feed takes as long as the committed
     * part took to run, the first commits); the others once the run has
     * committed
     * a random number of cycles, spread over four fifths of the run (the
     * last fifth, 0.3 s, keeps the process alive until its kill), plus
     * 0-10 ms so the kill falls anywhere in a cycle or a commit (a commit
     * every 10 cycles, 5 ms). */
    long long targets[KILLS];
    for (int i = 0; i < KILLS; i++)
        targets[i] = (long long)((double)rand() / RAND_MAX * 0.8 * total);
    for (int i = 0; i < KILLS; i++)
        for (int j = i + 1; j < KILLS; j++)
            if (targets[j] < targets[i]) {
                long long t = targets[i];
                targets[i] = targets[j];
                targets[j] = t;
            }
    int landed = 0;
    long long progress[KILLS];
    for (int i = 0; i < KILLS; i++) {
        long long done = committed(c, "v-killed");
        int pid = pg_spawn_perpd(y_killed, url, log);
        int64_t extra = rand() % 11;
        if (i % 4 == 0) {
            /* the paced warm-up replays the committed part of the run */
            int64_t start_ms = 20 + full_ms * done / total;
            usleep((useconds_t)(rand() % start_ms) * 1000);
        } else {
            int64_t t0 = now_ms();
            while (committed(c, "v-killed") < targets[i] &&
                   now_ms() - t0 < 60000)
                usleep(5000);
            usleep((useconds_t)extra * 1000);
        }
        kill(pid, SIGKILL);
        int st = 0;
        waitpid(pid, &st, 0);
        int hit = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
        landed += hit;
        if (!hit)
            fprintf(stderr,
                    "pg_kill: run %d ended by itself (status %d) before "
                    "its kill\n",
                    i, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        progress[i] = done;
    }
    int64_t last_ms;
    timed_run(y_killed, url, &last_ms);
    int vk = pg_version_id(c, "v-killed");
    fprintf(stderr,
            "pg_kill: %d of %d kills landed mid-run; cycles committed "
            "before each:",
            landed, KILLS);
    for (int i = 0; i < KILLS; i++)
        fprintf(stderr, " %lld", progress[i]);
    fprintf(stderr, "\n");
    cr_assert_eq(landed, KILLS, "only %d kills hit a running process (seed %u)",
                 landed, seed);
    cr_assert_gt(progress[KILLS - 1], total / 2,
                 "the kills stayed in the first half of the run (seed %u)",
                 seed);

    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        cr_assert_eq(pg_rows_differing(c, tables[i], vw, vk), 0,
                     "%s differ after the kills (seed %u)", tables[i], seed);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM checkpoints a, checkpoints b WHERE "
             "a.version_id = %d AND b.version_id = %d AND a.seq = b.seq AND "
             "a.cycle = b.cycle AND a.ts = b.ts AND a.backend_state = "
             "b.backend_state AND a.planner_state = b.planner_state AND "
             "a.agent_state = b.agent_state",
             vw, vk);
    cr_assert_eq(pg_test_int(c, sql), 1, "the final states differ");
    /* What the comparison covers: trades of every cause, a stop among them */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM trades WHERE version_id = %d", vk);
    long long trades = pg_test_int(c, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM trades WHERE version_id = %d AND cause = "
             "'stop_loss'",
             vk);
    long long stops = pg_test_int(c, sql);
    cr_assert_geq(trades, 20, "too few trades to compare (%lld)", trades);
    cr_assert_geq(stops, 1, "no stop fired between cycles");
    snprintf(sql, sizeof sql,
             "SELECT count(*) - count(DISTINCT seq) FROM equity_snapshots "
             "WHERE version_id = %d",
             vk);
    cr_assert_eq(pg_test_int(c, sql), 0, "a record was written twice");
    fprintf(stderr, "pg_kill: %lld trades (%lld stops) identical\n", trades,
            stops);
    PQfinish(c);
    free(y_whole);
    free(y_killed);
    free(url);
    free(dir);
}

static void run_cycles(const char *yaml, const char *url, const char *cycles)
{
    setenv("DATABASE_URL", url, 1);
    char *perpd = perpd_path(), *out = NULL;
    char *argv[] = {perpd,          "run",          (char *)yaml,
                    "--max-cycles", (char *)cycles, NULL};
    if (!cycles)
        argv[3] = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, out);
    free(out);
    free(perpd);
}

/* Stopped cleanly twice and resumed: every observation — what the
 * planner saw, each cycle — is the uninterrupted run's, so the restored
 * account, trade history, metrics and feedback are exact, and so are the
 * trades, equity and positions that follow. A stop writes the run of
 * holds it was collapsing (a stopped agent's last decisions are on
 * record), so the stopped version has one or two hold records more, cut
 * where it stopped, and its sequence numbers shift after them: records
 * are compared by content, and the decisions by the cycles they cover. */
Test(pg_kill, a_resumed_run_sees_what_an_uninterrupted_one_sees, .timeout = 600)
{
    char *url = pg_test_db("resume");
    char *dir = temp_dir_new();
    pg_run_cfg whole = {.dir = dir,
                        .version = "v-one",
                        .from = "2021-04-03T00:00:00Z",
                        .to = "2021-04-03T16:00:00Z",
                        .planner = "script",
                        .observation_every = 1,
                        .metrics_every = 10};
    char *y_whole = pg_run_yaml(&whole);
    run_cycles(y_whole, url, NULL);
    pg_run_cfg parts = whole;
    parts.version = "v-three";
    char *y_parts = pg_run_yaml(&parts);
    run_cycles(y_parts, url, "300");
    run_cycles(y_parts, url, "200");
    run_cycles(y_parts, url, NULL);
    PGconn *c = pg_test_connect(url);
    int a = pg_version_id(c, "v-one"), b = pg_version_id(c, "v-three");
    static const char *const same[] = {"trades",           "round_trips",
                                       "equity_snapshots", "position_snapshots",
                                       "positions",        "funding_payments",
                                       "observations",     "version_metrics"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        cr_assert_eq(pg_rows_differing_content(c, same[i], a, b), 0,
                     "%s differ after two stops", same[i]);
    char sql[512];
    /* Every cycle decided once: a collapsed record counts its cycles. */
    snprintf(sql, sizeof sql,
             "SELECT (SELECT sum(coalesce((decision->'held'->>'cycles')::int, "
             "1)) FROM decisions WHERE version_id = %d) - (SELECT "
             "sum(coalesce((decision->'held'->>'cycles')::int, 1)) FROM "
             "decisions WHERE version_id = %d)",
             a, b);
    cr_assert_eq(pg_test_int(c, sql), 0, "the decisions cover other cycles");
    /* and the decisions that changed something are the same ones */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ((SELECT ts, decision FROM decisions WHERE "
             "version_id = %d AND decision->'held' IS NULL AND "
             "decision->'positions' <> '{}') EXCEPT ALL (SELECT ts, decision "
             "FROM decisions WHERE version_id = %d AND decision->'held' IS "
             "NULL AND decision->'positions' <> '{}')) x",
             a, b);
    cr_assert_eq(pg_test_int(c, sql), 0, "the acting decisions differ");
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM observations WHERE version_id = "
             "%d) - (SELECT max(cycle) FROM checkpoints WHERE version_id = "
             "%d)",
             b, b);
    cr_assert_eq(pg_test_int(c, sql), 0, "not an observation per cycle");
    PQfinish(c);
    free(y_whole);
    free(y_parts);
    free(url);
    free(dir);
}

/* Where checkpoints fall changes no record: a version checkpointed after
 * every cycle (as live), one every 7 cycles and one at the default
 * (agent.checkpoint_every, a day of cycles, so here only at stop and
 * when a second of wall time has passed) store the same rows, sequence
 * numbers, cycle numbers and decision-to-observation links included, and
 * the same final checkpoint. The database sink counts cycles at their
 * EQUITY records, not at checkpoints (pg_rows.h). */
Test(pg_kill, the_checkpoint_cadence_changes_no_record, .timeout = 600)
{
    char *url = pg_test_db("cadence");
    char *dir = temp_dir_new();
    pg_run_cfg each = {.dir = dir,
                       .version = "v-each",
                       .from = "2021-04-03T00:00:00Z",
                       .to = "2021-04-03T12:00:00Z",
                       .planner = "script",
                       .observation_every = 1,
                       .metrics_every = 10,
                       .checkpoint_every = 1};
    pg_run_cfg seven = each, dflt = each;
    seven.version = "v-seven";
    seven.checkpoint_every = 7;
    dflt.version = "v-default";
    dflt.checkpoint_every = 0;
    char *ys[] = {pg_run_yaml(&each), pg_run_yaml(&seven), pg_run_yaml(&dflt)};
    for (int i = 0; i < 3; i++)
        run_cycles(ys[i], url, NULL);
    PGconn *c = pg_test_connect(url);
    int v[] = {pg_version_id(c, "v-each"), pg_version_id(c, "v-seven"),
               pg_version_id(c, "v-default")};
    char sql[768];
    for (int k = 1; k < 3; k++) {
        for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
            cr_assert_eq(pg_rows_differing(c, tables[i], v[0], v[k]), 0,
                         "%s differ between checkpoints every cycle and "
                         "version %d's",
                         tables[i], k);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM checkpoints a, checkpoints b WHERE "
                 "a.version_id = %d AND b.version_id = %d AND a.seq = b.seq "
                 "AND a.cycle = b.cycle AND a.ts = b.ts AND a.backend_state "
                 "= b.backend_state AND a.planner_state = b.planner_state "
                 "AND a.agent_state = b.agent_state",
                 v[0], v[k]);
        cr_assert_eq(pg_test_int(c, sql), 1, "the final states differ");
    }
    /* What was compared: an observation a cycle, numbered 1..N, and each
     * decision linked to its own cycle's observation. */
    snprintf(sql, sizeof sql,
             "SELECT count(*), count(DISTINCT cycle), min(cycle), max(cycle), "
             "(SELECT cycle FROM checkpoints WHERE version_id = %d) FROM "
             "observations WHERE version_id = %d",
             v[1], v[1]);
    PGresult *r = pg_test_query(c, sql);
    long long n = atoll(PQgetvalue(r, 0, 0));
    long long distinct = atoll(PQgetvalue(r, 0, 1));
    long long lo = atoll(PQgetvalue(r, 0, 2)), hi = atoll(PQgetvalue(r, 0, 3));
    long long cycles = atoll(PQgetvalue(r, 0, 4));
    PQclear(r);
    cr_assert(n == cycles && distinct == n && lo == 1 && hi == cycles &&
                  n >= 700,
              "observations are not one a cycle: %lld rows, %lld cycles "
              "(%lld..%lld), the run's %lld",
              n, distinct, lo, hi, cycles);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FILTER (WHERE o.cycle = d.cycle), count(*) "
             "FROM decisions d LEFT JOIN observations o ON o.version_id = "
             "d.version_id AND o.seq = d.observation_seq WHERE d.version_id "
             "= %d",
             v[1]);
    r = pg_test_query(c, sql);
    long long linked = atoll(PQgetvalue(r, 0, 0));
    long long decisions = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    cr_assert_geq(decisions, 10, "too few decisions to compare");
    /* the collapsed run of holds written at the end follows the last
     * cycle: it alone has no observation of its own */
    cr_assert_geq(linked, decisions - 1,
                  "%lld of %lld decisions link their cycle's observation",
                  linked, decisions);
    PQfinish(c);
    for (int i = 0; i < 3; i++)
        free(ys[i]);
    free(url);
    free(dir);
}
