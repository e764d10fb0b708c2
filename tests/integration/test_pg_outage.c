/*
 * test_pg_outage.c — PostgreSQL stops in the middle of a run and comes
 * back: the agent keeps trading, its records wait in the spool (fsync'd)
 * and the log says how many; once the server is back every record
 * arrives exactly once and in order (the database holds the JSONL file's
 * records, numbered 1..N in the file's order) and the spool is empty.
 * The spool is where the YAML's relative `spool_dir: spool` points from
 * the YAML's folder, not from the working directory. The outage lasts 3 s in `make test`; PERP_PG_OUTAGE_S=30 runs the
 * 30-second form.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_read.h"
#include "jsonl_records.h"
#include "pg_cluster.h"
#include "pg_replay.h"
#include "temp_dir.h"

#define FROM "2021-04-03T00:00:00Z"
#define TO   "2021-04-04T12:00:00Z" /* 36 h of data */

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

/* Every record of the version, by seq: "table ts" lines. */
static PGresult *all_by_seq(PGconn *c)
{
    static const char *const t[] = {"trades",           "round_trips",
                                    "equity_snapshots", "position_snapshots",
                                    "funding_payments", "liquidations",
                                    "observations",     "decisions",
                                    "llm_calls",        "rejections",
                                    "version_metrics"};
    char sql[4096] = "SELECT seq, tbl, ts FROM (";
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char part[256];
        snprintf(part, sizeof part, "%sSELECT seq, '%s' AS tbl, ts FROM %s",
                 i ? " UNION ALL " : "", t[i], t[i]);
        strcat(sql, part);
    }
    strcat(sql, ") x ORDER BY seq");
    return pg_test_query(c, sql);
}

static long long checkpoints(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT coalesce(max(cycle), 0) FROM checkpoints");
    long long n =
        PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return n;
}

Test(pg_outage, records_wait_in_the_spool_and_arrive_once_in_order,
     .timeout = 900)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    const char *env = getenv("PERP_PG_OUTAGE_S");
    int outage = env ? atoi(env) : 3;
    cr_assert_gt(outage, 0);
    pg_cluster own;
    cr_assert_eq(pg_cluster_start(&own), 0);
    char *dir = temp_dir_new();
    /* 36 h of data paced to last about outage + 8 s. */
    char speed[32];
    snprintf(speed, sizeof speed, "%d", 36 * 3600 / (outage + 8));
    pg_run_cfg cfg = {.dir = dir,
                      .version = "v-outage",
                      .from = FROM,
                      .to = TO,
                      .planner = "script",
                      .speed = speed,
                      .observation_every = 30,
                      .with_jsonl = 1};
    char *yaml = pg_run_yaml(&cfg);
    char log[1024];
    snprintf(log, sizeof log, "%s/perpd.log", dir);
    int pid = pg_spawn_perpd(yaml, own.url, log);

    PGconn *c = pg_test_connect(own.url);
    for (int i = 0; i < 200 && checkpoints(c) < 5; i++)
        usleep(50000);
    long long before = checkpoints(c);
    cr_assert_geq(before, 5, "the run committed nothing before the outage");
    PQfinish(c);
    cr_assert_eq(pg_cluster_stop(&own), 0);
    fprintf(stderr, "pg_outage: server stopped after cycle %lld for %d s\n",
            before, outage);
    sleep((unsigned)outage);
    cr_assert_eq(pg_cluster_resume(&own), 0);
    int st = 0;
    waitpid(pid, &st, 0);
    char *text = file_read(log, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "perpd failed:\n%s", text);
    cr_assert(strstr(text, "database unreachable"), "%s", text);
    cr_assert(strstr(text, "records waiting in the spool"), "%s", text);
    cr_assert(strstr(text, "database back"), "%s", text);
    cr_assert_null(strstr(text, own.password), "the password was logged");

    /* Exactly the JSONL file's records, in its order, numbered 1..N. */
    c = pg_test_connect(own.url);
    char path[1100];
    snprintf(path, sizeof path, "%s/v-outage", dir);
    json_t *all = jsonl_records_read(path);
    PGresult *r = all_by_seq(c);
    size_t k = 0;
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *rec = json_array_get(all, i);
        const char *table = table_of(jsonl_str(rec, "type"));
        if (!table)
            continue; /* the version record is a row of agent_versions */
        cr_assert_lt(k, (size_t)PQntuples(r), "records missing after #%zu", k);
        cr_assert_eq(atoll(PQgetvalue(r, (int)k, 0)), (long long)k + 1,
                     "seq %zu: a gap or a duplicate", k + 1);
        cr_assert_str_eq(PQgetvalue(r, (int)k, 1), table, "record %zu", k + 1);
        cr_assert_eq(atoll(PQgetvalue(r, (int)k, 2)), jsonl_ts(rec),
                     "record %zu", k + 1);
        k++;
    }
    cr_assert_eq((size_t)PQntuples(r), k, "more rows than records");
    cr_assert_gt(checkpoints(c), before + 10, "no cycle after the outage");
    fprintf(stderr, "pg_outage: %zu records, in order, once each\n", k);
    PQclear(r);
    json_decref(all);
    snprintf(path, sizeof path, "%s/spool/v-outage.spool", dir);
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0, "the spool was never used");
    cr_assert_eq(sb.st_size, 0, "the spool is not empty");
    PQfinish(c);
    free(text);
    free(yaml);
    pg_cluster_remove(&own);
    free(dir);
}
