/*
 * pg_replay.h — `perpd run` over a slice of the real April 2021 history
 * (../shared/history/1m_2021-04) into PostgreSQL and a JSONL file, for the
 * integration tests of crash recovery, versions and outages: writes the
 * pipeline YAML and, for the script planner, a decision file whose trades
 * go long and short, win and lose, and hit stops between cycles.
 */
#ifndef TESTS_PG_REPLAY_H
#define TESTS_PG_REPLAY_H

#include <libpq-fe.h>
#include <stdint.h>

typedef struct pg_run_cfg {
    const char
        *dir; /* files go here: <version>.yaml, <version>/records.jsonl */
    const char *version;   /* agent.version */
    const char *from, *to; /* ISO 8601 bounds of the slice */
    const char *planner;   /* "script" (decisions made here) or "rules" */
    const char *speed;     /* replay speed; NULL: max */
    int observation_every; /* 0: 10 */
    int metrics_every;     /* 0: 10 */
    int checkpoint_every;  /* agent.checkpoint_every; 0: not set (the
                              host's default) */
    int with_jsonl;        /* also write <dir>/<version>/records.jsonl */
    const char *url_var;   /* the variable the YAML reads: NULL: DATABASE_URL */
} pg_run_cfg;

/* The YAML's path (malloc'd). */
char *pg_run_yaml(const pg_run_cfg *c);

/* Runs `perpd run yaml` with DATABASE_URL=url (the test's environment is
 * the child's). Exit code; the output in *out (malloc'd). */
int pg_run_perpd(const char *yaml, const char *url, char **out);

/* Starts the same in the background; the child's pid. Its output goes to
 * log_path. */
int pg_spawn_perpd(const char *yaml, const char *url, const char *log_path);

/* Runs perpd on yaml with DATABASE_URL=url and checks it refuses to
 * start: exit code 1, exactly one ERROR line and it holds `why`, `secret`
 * nowhere in the output, no spool folder under dir, no record in
 * dir/<version>/records.jsonl. */
void pg_expect_refusal(const char *dir, const char *version, const char *yaml,
                       const char *url, const char *why, const char *secret);

/* The version's id in the database, or fails the test. */
int pg_version_id(PGconn *c, const char *tag);

/* The number of rows of a version in a table where the two versions'
 * rows (every column but version_id; for observations also the
 * "version" inside the document) differ, both ways: 0 when identical. */
long long pg_rows_differing(PGconn *c, const char *table, int va, int vb);
/* The same without the sequence numbers (and the decision's links to
 * other rows by seq): the records' content alone. */
long long pg_rows_differing_content(PGconn *c, const char *table, int va,
                                    int vb);

#endif
