/*
 * pg_connect.c — a connection attempt driven with PQconnectPoll, so that
 * no libpq call in it waits on the server.
 */
#include "pg_connect.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_conn.h"

typedef struct attempt {
    int64_t deadline_ms; /* monotonic; 0: none */
    const pg_abandon *abandon;
    const char *why; /* set when the attempt ended it, not libpq */
} attempt;

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* libpq applies connect_timeout only in its blocking calls: the deadline
 * is read back from the connection's options, where the URL's own value
 * has already won over ours. */
static int64_t deadline_of(PGconn *c, int timeout_s)
{
    PQconninfoOption *opts = PQconninfo(c);
    long s = timeout_s;
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        char *end = NULL;
        if (strcmp(o->keyword, "connect_timeout") != 0 || !o->val)
            continue;
        long v = strtol(o->val, &end, 10);
        if (end != o->val && *end == '\0')
            s = v;
    }
    PQconninfoFree(opts);
    if (s <= 0)
        return 0;
    return mono_ms() + (s < 2 ? 2 : s) * 1000;
}

/* Waits until c's socket is ready for events: 0; -1 once the attempt is
 * abandoned, past its deadline, or the socket failed (a->why set, or
 * left NULL for libpq's own message). The socket is read again each
 * time: libpq opens a new one for each host and address it tries. */
static int wait_ready(PGconn *c, short events, attempt *a)
{
    for (;;) {
        if (a->abandon && a->abandon->now(a->abandon->arg)) {
            a->why = PG_CONNECT_ABANDONED;
            return -1;
        }
        int64_t slice = PG_CONNECT_SLICE_MS;
        if (a->deadline_ms) {
            int64_t left = a->deadline_ms - mono_ms();
            if (left <= 0) {
                a->why = "timeout expired";
                return -1;
            }
            if (left < slice)
                slice = left;
        }
        struct pollfd p = {.fd = PQsocket(c), .events = events};
        if (p.fd < 0)
            return -1;
        int n = poll(&p, 1, (int)slice);
        if (n > 0)
            return 0; /* POLLERR and POLLHUP too: libpq reads why */
        if (n < 0 && errno != EINTR) {
            a->why = strerror(errno);
            return -1;
        }
    }
}

/* Drives the connection to its end: PGRES_POLLING_OK or _FAILED. */
static int handshake(PGconn *c, attempt *a)
{
    /* Right after PQconnectStartParams, libpq waits to write. */
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st == PGRES_POLLING_READING || st == PGRES_POLLING_WRITING) {
        if (wait_ready(c, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, a) !=
            0)
            return -1;
        st = PQconnectPoll(c);
    }
    return st == PGRES_POLLING_OK ? 0 : -1;
}

/* Runs sql and drops its result (a server may refuse the setting: the
 * session goes on without it). 0, or -1 when the server did not answer
 * in time or the connection broke. */
static int set_quietly(PGconn *c, const char *sql, attempt *a)
{
    if (!PQsendQuery(c, sql))
        return -1;
    for (;;) {
        while (!PQisBusy(c)) {
            PGresult *r = PQgetResult(c);
            if (!r)
                return PQstatus(c) == CONNECTION_OK ? 0 : -1;
            PQclear(r);
        }
        if (wait_ready(c, POLLIN, a) != 0 || !PQconsumeInput(c))
            return -1;
    }
}

/* Server notices ("relation already exists, skipping") are not errors:
 * libpq would print them to stderr. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void fail_line(const PGconn *c, const char *why, char *err, size_t len)
{
    char where[384], line[512];
    pg_describe(c, where, sizeof where);
    if (why)
        snprintf(line, sizeof line, "%s", why);
    else
        pg_conn_error(c, line, sizeof line);
    if (!c)
        snprintf(where, sizeof where, "out of memory");
    snprintf(err, len, "cannot connect to PostgreSQL (%s): %s", where, line);
}

PGconn *pg_connect(const char *url, int timeout_s, const pg_abandon *abandon,
                   char *err, size_t len)
{
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", timeout_s > 0 ? timeout_s : 5);
    /* Later entries override earlier ones, and the expanded URL comes
     * last, so a connect_timeout in the URL wins over ours. Floats are
     * sent in full precision: extra_float_digits > 0 gives the shortest
     * text that reads back as the same double. */
    const char *keys[] = {"connect_timeout", "fallback_application_name",
                          "options", "dbname", NULL};
    const char *vals[] = {timeout, "perpd", "-c extra_float_digits=3",
                          url ? url : "", NULL};
    PGconn *c = PQconnectStartParams(keys, vals, 1);
    attempt a = {.abandon = abandon};
    if (c && PQstatus(c) != CONNECTION_BAD) {
        a.deadline_ms = deadline_of(c, timeout_s > 0 ? timeout_s : 5);
        PQsetNoticeProcessor(c, quiet, NULL);
        /* Large values (an observation is ~50 KB of jsonb) are compressed
         * with lz4 rather than pglz: pglz took half a second of the
         * server's CPU for the 46 observations of `make replay`. A
         * server without lz4 (before 14, or built without it) refuses
         * the setting and keeps pglz: nothing else changes. */
        if (handshake(c, &a) == 0 &&
            set_quietly(c, "SET default_toast_compression = lz4", &a) == 0)
            return c;
    }
    fail_line(c, a.why, err, len);
    PQfinish(c);
    return NULL;
}
