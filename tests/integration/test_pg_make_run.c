/*
 * test_pg_make_run.c — `make run` and `make replay` own their database
 * (issue 10, item 7), through the script their recipes run
 * (scripts/run-pipeline.sh) and `make stop` itself, on a copy of
 * config/replay.yaml (the shipped sinks untouched: the postgres sink on
 * "${DATABASE_URL:-}" and the JSONL file in ../var/) over one day of the
 * real April 2021 history, in a folder of its own whose var/ stands for
 * the checkout's:
 *   - without DATABASE_URL the script makes a private cluster in var/pg
 *     (Unix socket there, no TCP listener), migrates, and the run's
 *     records land in the database and in the JSONL file alike;
 *   - a second start reuses the running cluster (same postmaster, the
 *     same records, none twice);
 *   - `make stop` stops it; the next start starts it again on its data;
 *   - with DATABASE_URL set nothing is started;
 *   - the Makefile's run and replay recipes are this script.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_read.h"
#include "pg_cluster.h"
#include "run_process.h"
#include "temp_dir.h"

#define FROM    "2021-04-02T00:00:00Z"
#define TO      "2021-04-03T00:00:00Z"
#define VERSION "v1.0.0-replay-rules"

static char here[PATH_MAX];

/* config/replay.yaml with its data folder bounded to one day and no
 * replay cache; every other line (sinks included) as shipped. */
static void write_pipeline(const char *dir)
{
    const char *shared = getenv("PERP_SHARED");
    if (!shared || !*shared)
        shared = "../shared";
    char data[2 * PATH_MAX + 32], feed[3 * PATH_MAX], path[PATH_MAX + 32];
    /* the pipeline is read from dir: the history's path made absolute */
    snprintf(data, sizeof data, "%s%s%s/history/1m_2021-04",
             shared[0] == '/' ? "" : here, shared[0] == '/' ? "" : "/",
             shared);
    snprintf(feed, sizeof feed,
             "dir: %s\n    from: %s\n    to: %s\n    cache: false", data, FROM,
             TO);
    char *y = file_read("config/replay.yaml", NULL);
    cr_assert_not_null(y, "cannot read config/replay.yaml");
    const char *from = "dir: ${PERP_DATA_DIR:-../../shared/history}";
    char *at = strstr(y, from);
    cr_assert_not_null(at, "config/replay.yaml no longer has '%s'", from);
    cr_assert(strstr(y, "{plugin: postgres, url: \"${DATABASE_URL:-}\""),
              "config/replay.yaml has no postgres sink on DATABASE_URL");
    cr_assert(strstr(y, "{plugin: jsonl, path: ../var/replay-records.jsonl}"),
              "config/replay.yaml has no JSONL sink in ../var/");
    snprintf(path, sizeof path, "%s/config", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/config/replay.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "%.*s%s%s", (int)(at - y), y, feed, at + strlen(from));
    fclose(f);
    free(y);
}

/* The script as `make replay` runs it, from dir (the checkout's place):
 * PERPD config/replay.yaml var/pg. Exit code; output in *out. */
static int start(const char *dir, char **out)
{
    char script[2 * PATH_MAX];
    snprintf(script, sizeof script, "%s/scripts/run-pipeline.sh", here);
    char *perpd = perpd_path();
    char *argv[] = {script, perpd, "config/replay.yaml", "var/pg", NULL};
    cr_assert_eq(chdir(dir), 0);
    int rc = run_process(argv, out);
    cr_assert_eq(chdir(here), 0);
    free(perpd);
    return rc;
}

/* `make stop` in the checkout, its var/ being dir's. */
static int make_stop(const char *dir, char **out)
{
    char var[PATH_MAX + 32];
    snprintf(var, sizeof var, "PG_DIR=%s/var/pg", dir);
    char *argv[] = {"env", "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u",
                    "MAKELEVEL", "make", "--no-print-directory", "-s",
                    "stop", var, NULL};
    return run_process(argv, out);
}

static int cluster_running(const char *dir)
{
    char pg[PATH_MAX + 8];
    snprintf(pg, sizeof pg, "%s/var/pg", dir);
    char *argv[] = {"scripts/pg-cluster.sh", "status", pg, NULL}, *out = NULL;
    int rc = run_process(argv, &out);
    free(out);
    cr_assert(rc == 0 || rc == 3, "pg-cluster.sh status: exit %d", rc);
    return rc == 0;
}

/* The postmaster's pid (postmaster.pid's first line), 0 when none. */
static long postmaster(const char *dir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/var/pg/data/postmaster.pid", dir);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f && fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    if (f)
        fclose(f);
    return pid;
}

static long long db_count(PGconn *c, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s x JOIN agent_versions v ON v.id = "
             "x.version_id WHERE v.tag = '" VERSION "'",
             table);
    return pg_test_int(c, sql);
}

static size_t jsonl_count(const char *dir, const char *type)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/var/replay-records.jsonl", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no JSONL file at %s", path);
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *r = json_loads(line, 0, NULL);
        cr_assert_not_null(r, "a JSONL line is not JSON: %s", line);
        n += strcmp(json_string_value(json_object_get(r, "type")), type) == 0;
        json_decref(r);
    }
    free(line);
    fclose(f);
    return n;
}

static char *dir_to_stop;

/* Whatever happened, the cluster is stopped and its folder removed. */
static void stop_cluster(void)
{
    if (!dir_to_stop)
        return;
    char *out = NULL;
    make_stop(dir_to_stop, &out);
    free(out);
    char *argv[] = {"rm", "-rf", dir_to_stop, NULL};
    run_process(argv, &out);
    free(out);
    free(dir_to_stop);
    dir_to_stop = NULL;
}

Test(pg_make_run, make_replay_owns_its_cluster, .timeout = 600,
     .fini = stop_cluster)
{
    if (!pg_server_installed())
        cr_skip_test("SKIPPED LOUDLY: no PostgreSQL server installed "
                     "(/usr/lib/postgresql/*/bin/initdb); `make test` "
                     "installs it through scripts/deps.sh");
    cr_assert_not_null(getcwd(here, sizeof here));
    char *dir = temp_dir_new();
    chmod(dir, 0755); /* the server runs as postgres when we are root */
    dir_to_stop = dir;
    write_pipeline(dir);
    unsetenv("DATABASE_URL");
    unsetenv("PERP_PLANNER");
    unsetenv("PERP_DATA_DIR");

    /* 1. No DATABASE_URL: a cluster of its own in var/pg. */
    char *out = NULL;
    int rc = start(dir, &out);
    cr_assert_eq(rc, 0, "first start: exit %d\n%s", rc, out);
    cr_assert(strstr(out, "PostgreSQL in var/pg started"), "%s", out);
    cr_assert(strstr(out, "schema at migration"), "%s", out);
    free(out);
    cr_assert(cluster_running(dir), "the cluster is not running");
    long pid = postmaster(dir);
    cr_assert_gt(pid, 0);
    char conf[PATH_MAX + 64];
    snprintf(conf, sizeof conf, "%s/var/pg/data/postgresql.conf", dir);
    char *text = file_read(conf, NULL);
    cr_assert(text && strstr(text, "listen_addresses = ''"),
              "the cluster listens on TCP");
    free(text);

    char url[PATH_MAX + 64];
    snprintf(url, sizeof url, "postgresql://perp@/perpd?host=%s/var/pg", dir);
    PGconn *c = pg_test_connect(url);
    long long equity = db_count(c, "equity_snapshots");
    long long decisions = db_count(c, "decisions");
    long long trades = db_count(c, "trades");
    cr_assert_geq(equity, 1400, "one day of 1m cycles: %lld snapshots",
                  equity);
    cr_assert_eq((size_t)equity, jsonl_count(dir, "equity"));
    cr_assert_eq((size_t)decisions, jsonl_count(dir, "decision"));
    cr_assert_eq((size_t)trades, jsonl_count(dir, "trade"));
    cr_assert_eq(db_count(c, "version_metrics"), jsonl_count(dir, "metrics"));
    PQfinish(c);

    /* 2. A second start reuses it: the same server, nothing twice. */
    rc = start(dir, &out);
    cr_assert_eq(rc, 0, "second start: exit %d\n%s", rc, out);
    cr_assert(strstr(out, "running already: reused"), "%s", out);
    free(out);
    cr_assert_eq(postmaster(dir), pid, "a new server was started");
    c = pg_test_connect(url);
    cr_assert_eq(db_count(c, "equity_snapshots"), equity);
    cr_assert_eq(db_count(c, "trades"), trades);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) - count(DISTINCT "
                                "(version_id, seq)) FROM equity_snapshots"),
                 0);
    PQfinish(c);

    /* 3. make stop stops it. */
    rc = make_stop(dir, &out);
    cr_assert_eq(rc, 0, "make stop: exit %d\n%s", rc, out);
    free(out);
    cr_assert(!cluster_running(dir), "make stop left the server running");
    cr_assert_eq(postmaster(dir), 0);

    /* 4. The next start starts it again, on the same data. */
    rc = start(dir, &out);
    cr_assert_eq(rc, 0, "start after stop: exit %d\n%s", rc, out);
    cr_assert(strstr(out, "PostgreSQL in var/pg started"), "%s", out);
    free(out);
    c = pg_test_connect(url);
    cr_assert_eq(db_count(c, "equity_snapshots"), equity);
    PQfinish(c);

    /* 5. With DATABASE_URL set, that server is used and nothing starts. */
    char other[PATH_MAX + 16];
    snprintf(other, sizeof other, "%s/elsewhere", dir);
    cr_assert_eq(mkdir(other, 0755), 0);
    setenv("DATABASE_URL", url, 1);
    snprintf(conf, sizeof conf, "cp -r '%s/config' '%s/'", dir, other);
    cr_assert_eq(system(conf), 0);
    rc = start(other, &out);
    unsetenv("DATABASE_URL");
    cr_assert_eq(rc, 0, "start with DATABASE_URL: exit %d\n%s", rc, out);
    cr_assert(strstr(out, "database from DATABASE_URL; no private cluster "
                          "started"),
              "%s", out);
    free(out);
    struct stat st;
    snprintf(conf, sizeof conf, "%s/var/pg", other);
    cr_assert_neq(stat(conf, &st), 0, "%s was made with DATABASE_URL set",
                  conf);

    /* The Makefile's recipes are this script (and make stop the
     * cluster's stop), not a copy of it. */
    char *argv[] = {"env", "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u",
                    "MAKELEVEL", "make", "--no-print-directory", "-n", "-o",
                    "deps", "-o", "all", "run", "replay", "stop", NULL};
    rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "make -n: %s", out);
    cr_assert(strstr(out, "scripts/run-pipeline.sh build/bin/perpd "
                          "config/default.yaml var/pg"),
              "%s", out);
    cr_assert(strstr(out, "scripts/run-pipeline.sh build/bin/perpd "
                          "config/replay.yaml var/pg"),
              "%s", out);
    cr_assert(strstr(out, "scripts/pg-cluster.sh stop var/pg"), "%s", out);
    free(out);
}
