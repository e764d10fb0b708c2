/*
 * pg_cluster.h — real PostgreSQL for tests (never a mock): clusters made
 * by scripts/pg-cluster.sh in temporary folders, on a Unix socket, no TCP,
 * with password authentication (so every test also shows the password
 * never leaks). A test binary that uses them puts PG_CLUSTER_START_HOOK() and
 * PG_CLUSTER_STOP_HOOK() at file scope: its runner starts one shared cluster
 * before the tests and removes it after; each test makes its own database with
 * pg_test_db(). Where no PostgreSQL server is installed the tests skip, saying
 * so loudly (`make test` installs it, so CI never skips). Every cluster has
 * a reaper: should the test binary die without removing it (a crash, or
 * tests/run.sh's timeout), the server is stopped and its folder removed.
 */
#ifndef TESTS_PG_CLUSTER_H
#define TESTS_PG_CLUSTER_H

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <libpq-fe.h>

typedef struct pg_cluster {
    char *root;     /* owned temporary folder */
    char *dir;      /* owned: root/c, the cluster */
    char *password; /* owned */
    char *url;      /* owned: the "perpd" database, password included */
    int reaper_fd;  /* owned when > 0: the reaper's pipe (pg_cluster.c) */
} pg_cluster;

/* 1 when a PostgreSQL server is installed. */
int pg_server_installed(void);

/* Starts a cluster of its own (for a test that stops its server). 0, or
 * -1 after printing why. */
int pg_cluster_start(pg_cluster *c);
/* The same with a password of the caller's (any bytes but NUL and
 * newline; percent-encoded in the URL). */
int pg_cluster_start_password(pg_cluster *c, const char *password);
/* Stops and starts the server again (same folder, same URL). */
int pg_cluster_stop(pg_cluster *c);
int pg_cluster_resume(pg_cluster *c);
/* Freezes the server without taking it away: SIGSTOP to the postmaster
 * and each of its children (read from /proc), so its socket stays, takes
 * what is sent and answers nothing, as a hung server or a link dropping
 * every packet would. 0, or -1 when no server was found. Thaw (SIGCONT)
 * on every path out of the test: a frozen server cannot be stopped (the
 * reaper thaws it too, should the test binary die). */
int pg_cluster_freeze(const pg_cluster *c);
void pg_cluster_thaw(const pg_cluster *c);
/* Stops the server and removes every file. */
void pg_cluster_remove(pg_cluster *c);
/* "postgresql://perp:PASSWORD@/NAME?host=DIR" (malloc'd), the password
 * percent-encoded */
char *pg_cluster_url(const pg_cluster *c, const char *dbname);
/* CREATE DATABASE name; the URL of it (malloc'd), or NULL. */
/* s with every byte but letters, digits and "-._~" percent-encoded, as
 * a URL's user information must be (malloc'd). */
char *pg_url_escape(const char *s);
char *pg_cluster_new_db(const pg_cluster *c, const char *name);

/* The shared cluster (PG_CLUSTER_HOOKS) */
void pg_shared_start(void);
void pg_shared_stop(void);
/* A fresh database in the shared cluster for this test, named after
 * hint and the process id; skips the test when no server is installed.
 * The URL is malloc'd. */
char *pg_test_db(const char *hint);
/* The shared cluster's password (to check it appears nowhere). */
const char *pg_test_password(void);

/* Criterion names a hook after its line: the two go on separate lines,
 *   PG_CLUSTER_START_HOOK()
 *   PG_CLUSTER_STOP_HOOK()                                             */
#define PG_CLUSTER_START_HOOK()                                                \
    ReportHook(PRE_ALL)(struct criterion_test_set * set)                       \
    {                                                                          \
        (void)set;                                                             \
        pg_shared_start();                                                     \
    }
#define PG_CLUSTER_STOP_HOOK()                                                 \
    ReportHook(POST_ALL)(struct criterion_global_stats * stats)                \
    {                                                                          \
        (void)stats;                                                           \
        pg_shared_stop();                                                      \
    }

/* Helpers over libpq that fail the test on error. */
PGconn *pg_test_connect(const char *url);
/* The first column of the first row of a query, as a long long / double /
 * malloc'd string (NULL for SQL NULL). */
long long pg_test_int(PGconn *c, const char *sql);
double pg_test_num(PGconn *c, const char *sql);
char *pg_test_str(PGconn *c, const char *sql);
/* Fails the test unless the first value of sql is want (NULL: SQL NULL). */
void pg_test_str_eq(PGconn *c, const char *sql, const char *want);
void pg_test_exec(PGconn *c, const char *sql);
PGresult *pg_test_query(PGconn *c, const char *sql); /* PQclear it */

#endif
