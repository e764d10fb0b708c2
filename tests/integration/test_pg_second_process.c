/*
 * test_pg_second_process.c — a second live process on a version one is
 * already running is refused: one clear line, exit code 1, and nothing of
 * it in the database (which holds exactly the first process's records) or
 * its JSONL file. Kept apart from test_pg_bad_input.c: together, under
 * ASan, criterion's parallel runner itself leaks 48 bytes at exit.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jsonl_records.h"
#include "pg_cluster.h"
#include "pg_replay.h"
#include "temp_dir.h"

PG_CLUSTER_START_HOOK()
PG_CLUSTER_STOP_HOOK()

#define FROM "2021-04-03T00:00:00Z"
#define TO   "2021-04-03T12:00:00Z"

static long long checkpoints(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT count(*) FROM checkpoints");
    long long n =
        PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return n;
}

Test(pg_second_process, is_refused_and_writes_nothing, .timeout = 180)
{
    char *url = pg_test_db("twice");
    char *dir = temp_dir_new();
    /* The first process: 12 h of data paced over about 20 s. */
    pg_run_cfg first = {.dir = dir,
                        .version = "v-bad",
                        .from = FROM,
                        .to = TO,
                        .planner = "script",
                        .speed = "2160",
                        .with_jsonl = 1};
    char *y1 = pg_run_yaml(&first);
    char log[1100];
    snprintf(log, sizeof log, "%s/first.log", dir);
    int pid = pg_spawn_perpd(y1, url, log);
    PGconn *c = pg_test_connect(url);
    for (int i = 0; i < 200 && checkpoints(c) == 0; i++)
        usleep(50000);
    cr_assert_gt(checkpoints(c), 0, "the first process did not start");

    /* The second: same version, its own folder and JSONL file. */
    char *dir2 = temp_dir_new();
    pg_run_cfg again = first;
    again.dir = dir2;
    again.speed = NULL;
    char *y2 = pg_run_yaml(&again);
    pg_expect_refusal(dir2, "v-bad", y2, url,
                      "is in use by another live process", pg_test_password());
    /* Nor can the version be deleted under it (migration 0004). */
    PGresult *del = PQexec(c, "DELETE FROM agent_versions");
    cr_assert_eq(PQresultStatus(del), PGRES_FATAL_ERROR);
    cr_assert(strstr(PQresultErrorMessage(del),
                     "version v-bad is running (a perpd holds it): stop "
                     "that process first"),
              "%s", PQresultErrorMessage(del));
    PQclear(del);
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The database holds the first process's records alone. */
    char path[1100];
    snprintf(path, sizeof path, "%s/v-bad", dir);
    json_t *all = jsonl_records_read(path);
    size_t records = json_array_size(all) - 1; /* less the version record */
    cr_assert_eq((size_t)pg_test_int(c, "SELECT last_seq FROM agent_versions"),
                 records);
    json_decref(all);
    /* Stopped, it can: every row goes with it. */
    pg_test_exec(c, "DELETE FROM agent_versions");
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM equity_snapshots") +
                     pg_test_int(c, "SELECT count(*) FROM checkpoints"),
                 0);
    PQfinish(c);
    free(y1);
    free(y2);
    free(dir);
    free(dir2);
    free(url);
}
