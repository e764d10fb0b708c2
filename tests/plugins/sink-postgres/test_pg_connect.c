/*
 * test_pg_connect.c — sink-postgres's connection attempt against a real
 * PostgreSQL (the shared test cluster) and against a server that accepts
 * and answers nothing (mute_server): it connects and sets its session up
 * (lz4 toast compression) across a list of hosts whose first is away;
 * against the mute server it ends at the URL's own connect_timeout, not
 * the caller's; it is abandoned within a slice once asked; and the
 * sink's restore, which opens the database, gives up its first
 * connection at a stop, in one line.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "mute_server.h"
#include "pg_cluster.h"
#include "pg_connect.h"
#include "plugin_services.h"
#include "stderr_capture.h"
#include "temp_dir.h"

PG_CLUSTER_START_HOOK()
PG_CLUSTER_STOP_HOOK()

const perp_plugin_descriptor *perp_plugin_entry(void);

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* "postgresql://perp:PW@127.0.0.1:PORT/perpd" plus query (malloc'd). */
static char *mute_url(const mute_server *m, const char *query)
{
    char *url = NULL;
    cr_assert(asprintf(&url, "postgresql://perp:%s@127.0.0.1:%d/perpd%s",
                       pg_test_password(), mute_server_port(m), query) > 0);
    return url;
}

/* An abandon that turns true at a fixed time, counting how often it was
 * asked. */
typedef struct at_time {
    int64_t at_ms;
    int asked;
} at_time;

static int past(void *arg)
{
    at_time *t = arg;
    t->asked++;
    return now_ms() >= t->at_ms;
}

Test(pg_connect, connects_through_a_host_list_and_sets_the_session_up)
{
    char *url = pg_test_db("connect");
    /* The first host is a socket folder with no server: libpq moves on
     * to the second, with a new socket. */
    char *q = strstr(url, "?host=");
    cr_assert_not_null(q, "%s", url);
    char *listed = NULL;
    cr_assert(asprintf(&listed, "%.*s?host=/nonexistent-perpd-dir,%s",
                       (int)(q - url), url, q + 6) > 0);
    at_time never = {.at_ms = INT64_MAX};
    pg_abandon ab = {.now = past, .arg = &never};
    char err[1024] = "";
    PGconn *c = pg_connect(listed, 5, &ab, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    cr_assert_gt(never.asked, 0, "the attempt never asked whether to stop");
    PGresult *r = PQexec(c, "SHOW default_toast_compression");
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    cr_assert_str_eq(PQgetvalue(r, 0, 0), "lz4");
    PQclear(r);
    r = PQexec(c, "SHOW extra_float_digits");
    cr_assert_str_eq(PQgetvalue(r, 0, 0), "3");
    PQclear(r);
    PQfinish(c);
    free(listed);
    free(url);
}

/* libpq applies connect_timeout only in its blocking calls; the attempt
 * keeps it, and the URL's value still wins over the caller's (30 s). */
Test(pg_connect, a_mute_server_ends_it_at_the_urls_connect_timeout)
{
    mute_server *m = mute_server_start();
    cr_assert_not_null(m);
    char *url = mute_url(m, "?connect_timeout=2");
    char err[1024] = "";
    int64_t t0 = now_ms();
    PGconn *c = pg_connect(url, 30, NULL, err, sizeof err);
    int64_t took = now_ms() - t0;
    cr_assert_null(c);
    cr_assert_geq(mute_server_accepted(m), 1, "never reached the server");
    char want[128];
    snprintf(want, sizeof want,
             "cannot connect to PostgreSQL (host=127.0.0.1 port=%d "
             "dbname=perpd user=perp): timeout expired",
             mute_server_port(m));
    cr_assert_str_eq(err, want);
    cr_assert_null(strstr(err, pg_test_password()));
    /* 2 s by the URL; 30 s had the caller's value won. */
    cr_assert(took >= 1900 && took < 15000, "took %lld ms", (long long)took);
    free(url);
    mute_server_stop(m);
}

Test(pg_connect, an_abandoned_attempt_ends_within_a_slice)
{
    mute_server *m = mute_server_start();
    cr_assert_not_null(m);
    char *url = mute_url(m, "");
    at_time soon = {.at_ms = now_ms() + 300};
    pg_abandon ab = {.now = past, .arg = &soon};
    char err[1024] = "";
    PGconn *c = pg_connect(url, 30, &ab, err, sizeof err);
    int64_t late = now_ms() - soon.at_ms;
    cr_assert_null(c);
    cr_assert_geq(mute_server_accepted(m), 1, "never reached the server");
    cr_assert(strstr(err, "): " PG_CONNECT_ABANDONED), "%s", err);
    cr_assert(strstr(err, "cannot connect to PostgreSQL (host=127.0.0.1 "),
              "%s", err);
    /* A slice is 100 ms; a loaded machine may add some. */
    cr_assert(late >= 0 && late < 2000, "ended %lld ms after it was asked",
              (long long)late);
    free(url);
    mute_server_stop(m);
}

typedef struct stopper {
    mute_server *m;
    atomic_int *stop;
    int64_t at_ms; /* when it stopped */
} stopper;

/* The stop comes once the connection attempt is in flight. */
static void *stop_when_connecting(void *arg)
{
    stopper *s = arg;
    mute_server_wait_accepted(s->m, 1, 10000);
    s->at_ms = now_ms();
    atomic_store(s->stop, 1);
    return NULL;
}

/* The sink's restore opens the database: a stop (the host's stopping()
 * turning true) while its first connection waits on a server that never
 * answers gives that connection up within a slice instead of at
 * connect_timeout, and one warning says this run had recorded nothing
 * yet. */
Test(pg_connect, the_sinks_restore_gives_up_its_first_connection_at_a_stop)
{
    mute_server *m = mute_server_start();
    cr_assert_not_null(m);
    char *url = mute_url(m, "?connect_timeout=30");
    char *dir = temp_dir_new(), *yaml = NULL, err[256];
    cr_assert(asprintf(&yaml, "plugin: postgres\nurl: \"%s\"\nspool_dir: %s\n",
                       url, dir) > 0);
    host_config *cfg = host_config_parse(yaml, "sink.yaml", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    atomic_int stop = 0;
    host_context ctx = {.version = "v-stop", .stop = &stop};
    perp_host *h = host_services_new(&ctx, "sink.postgres");
    const perp_sink_vtable *vt = perp_plugin_entry()->vtable;
    void *self = NULL;
    cr_assert_eq(vt->create(h, host_config_root(cfg), &self), PERP_OK);
    stopper st = {.m = m, .stop = &stop};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, stop_when_connecting, &st), 0);
    perp_restore_visitor v = {.struct_size = sizeof v};
    stderr_capture_begin();
    int rc = vt->restore(self, &v);
    int64_t late = now_ms() - st.at_ms;
    pthread_join(th, NULL);
    vt->destroy(self);
    char *log = stderr_capture_end();
    cr_assert_eq(mute_server_accepted(m), 1, "%s", log);
    cr_assert_eq(rc, PERP_ERR);
    cr_assert(late >= 0 && late < 2000, "ended %lld ms after the stop",
              (long long)late);
    cr_assert(strstr(log,
                     PG_CONNECT_ABANDONED " (a stop at start-up: this run had "
                                          "recorded nothing yet)"),
              "%s", log);
    cr_assert_null(strstr(log, pg_test_password()), "%s", log);
    free(log);
    host_services_free(h);
    host_config_free(cfg);
    temp_dir_remove(dir);
    free(dir);
    free(yaml);
    free(url);
    mute_server_stop(m);
}
