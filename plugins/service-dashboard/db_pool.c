/*
 * db_pool.c — see db_pool.h.
 */
#include "db_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_sql.h"

#define ACQUIRE_WAIT_MS 5000

typedef struct db_conn {
    PGconn *pg; /* owned; NULL until opened or after a failure */
    int busy;
} db_conn;

struct db_pool {
    const perp_host *host; /* borrowed */
    char *url;             /* owned; a secret: never logged */
    char options[128];
    int size;
    db_conn *conns; /* owned, size of them */
    pthread_mutex_t mu;
    pthread_cond_t freed;
    double last_latency_ms;
    int said_down; /* one log line per outage, not one per request */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

db_pool *db_pool_new(const perp_host *host, const char *url, int size,
                     int64_t statement_timeout_ms)
{
    db_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->host = host;
    p->size = size > 0 ? size : 1;
    p->url = strdup(url ? url : "");
    p->conns = calloc((size_t)p->size, sizeof *p->conns);
    p->last_latency_ms = -1;
    snprintf(p->options, sizeof p->options,
             "-c default_transaction_read_only=on -c statement_timeout=%lld",
             (long long)statement_timeout_ms);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->freed, NULL);
    if (!p->url || !p->conns) {
        db_pool_free(p);
        return NULL;
    }
    return p;
}

void db_pool_free(db_pool *p)
{
    if (!p)
        return;
    for (int i = 0; p->conns && i < p->size; i++)
        if (p->conns[i].pg)
            PQfinish(p->conns[i].pg);
    free(p->conns);
    if (p->url)
        memset(p->url, 0, strlen(p->url)); /* the password, if any */
    free(p->url);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* The first line of a libpq message (they end in newlines). */
static void first_line(const char *msg, char *out, size_t len)
{
    snprintf(out, len, "%s", msg ? msg : "");
    out[strcspn(out, "\n")] = '\0';
}

static void say_down(db_pool *p, const char *why)
{
    pthread_mutex_lock(&p->mu);
    int first = !p->said_down;
    p->said_down = 1;
    pthread_mutex_unlock(&p->mu);
    if (first)
        p->host->log(p->host, PERP_LOG_WARN,
                     "database unavailable: %s (requests answer 503 until "
                     "it is back)",
                     why);
}

static void say_up(db_pool *p)
{
    pthread_mutex_lock(&p->mu);
    int was = p->said_down;
    p->said_down = 0;
    pthread_mutex_unlock(&p->mu);
    if (was)
        p->host->log(p->host, PERP_LOG_INFO, "database reachable again");
}

/* Opens and prepares a connection; NULL after logging once. */
static PGconn *open_conn(db_pool *p)
{
    const char *keys[] = {"dbname", "options", "application_name",
                          "connect_timeout", NULL};
    const char *vals[] = {p->url, p->options, "perpd-dashboard", "5", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    char why[256];
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        first_line(pg ? PQerrorMessage(pg) : "out of memory", why, sizeof why);
        say_down(p, why);
        PQfinish(pg);
        return NULL;
    }
    for (int i = 0; i < API_SQL_COUNT; i++) {
        const api_sql_stmt *s = &api_sql[i];
        PGresult *r = PQprepare(pg, s->name, s->sql, s->nparams, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            first_line(PQresultErrorMessage(r), why, sizeof why);
            p->host->log(p->host, PERP_LOG_ERROR,
                         "cannot prepare %s: %s (is the schema migrated? "
                         "`perpd migrate`)",
                         s->name, why);
            PQclear(r);
            PQfinish(pg);
            return NULL;
        }
        PQclear(r);
    }
    say_up(p);
    return pg;
}

static db_conn *acquire(db_pool *p)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ACQUIRE_WAIT_MS / 1000;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        for (int i = 0; i < p->size; i++) {
            if (!p->conns[i].busy) {
                p->conns[i].busy = 1;
                pthread_mutex_unlock(&p->mu);
                return &p->conns[i];
            }
        }
        if (pthread_cond_timedwait(&p->freed, &p->mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
    }
}

static void release(db_pool *p, db_conn *c, double latency_ms)
{
    pthread_mutex_lock(&p->mu);
    c->busy = 0;
    if (latency_ms >= 0)
        p->last_latency_ms = latency_ms;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
}

/* Runs stmt on an open connection of the pool; the result or NULL with
 * *st set. A connection found broken is reopened once. */
static PGresult *run(db_pool *p, db_conn *c, int stmt, int nparams,
                     const char *const *params, int binary, db_status *st)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!c->pg)
            c->pg = open_conn(p);
        if (!c->pg) {
            *st = DB_UNAVAILABLE;
            return NULL;
        }
        PGresult *r = PQexecPrepared(c->pg, api_sql[stmt].name, nparams, params,
                                     NULL, NULL, binary);
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            *st = DB_OK;
            return r;
        }
        char why[256];
        first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg), why,
                   sizeof why);
        const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        PQclear(r);
        if (PQstatus(c->pg) != CONNECTION_OK) {
            PQfinish(c->pg);
            c->pg = NULL;
            say_down(p, why);
            continue; /* the server restarted: one more try */
        }
        /* 57014: statement timeout (a range too heavy for the cap) */
        int timeout = code && strcmp(code, "57014") == 0;
        p->host->log(p->host, timeout ? PERP_LOG_WARN : PERP_LOG_ERROR,
                     "%s: %s", api_sql[stmt].name, why);
        *st = timeout ? DB_UNAVAILABLE : DB_FAILED;
        return NULL;
    }
    *st = DB_UNAVAILABLE;
    return NULL;
}

static db_status rows_as(db_pool *p, int stmt, int nparams,
                         const char *const *params, int binary, db_rows_fn fn,
                         void *ud)
{
    db_conn *c = acquire(p);
    if (!c)
        return DB_UNAVAILABLE;
    double t0 = now_ms();
    db_status st;
    PGresult *r = run(p, c, stmt, nparams, params, binary, &st);
    double dt = r ? now_ms() - t0 : -1;
    if (r)
        fn(ud, r);
    PQclear(r);
    release(p, c, dt);
    return st;
}

db_status db_pool_rows(db_pool *p, int stmt, int nparams,
                       const char *const *params, db_rows_fn fn, void *ud)
{
    return rows_as(p, stmt, nparams, params, 0, fn, ud);
}

db_status db_pool_rows_binary(db_pool *p, int stmt, int nparams,
                              const char *const *params, db_rows_fn fn,
                              void *ud)
{
    return rows_as(p, stmt, nparams, params, 1, fn, ud);
}

typedef struct one_value {
    char *text;
    int null;
} one_value;

static void take_first(void *ud, const PGresult *r)
{
    one_value *v = ud;
    if (PQntuples(r) < 1 || PQnfields(r) < 1 || PQgetisnull(r, 0, 0)) {
        v->null = 1;
        return;
    }
    v->text = strdup(PQgetvalue(r, 0, 0));
}

db_status db_pool_query(db_pool *p, int stmt, int nparams,
                        const char *const *params, char **out)
{
    one_value v = {NULL, 0};
    *out = NULL;
    db_status st = db_pool_rows(p, stmt, nparams, params, take_first, &v);
    if (st != DB_OK)
        return st;
    if (v.null)
        return DB_NULL;
    if (!v.text)
        return DB_FAILED; /* out of memory */
    *out = v.text;
    return DB_OK;
}

double db_pool_last_latency_ms(db_pool *p)
{
    pthread_mutex_lock(&p->mu);
    double v = p->last_latency_ms;
    pthread_mutex_unlock(&p->mu);
    return v;
}
