/*
 * pg_conn.c — libpq connection and error lines.
 */
#include "pg_conn.h"

#include <stdio.h>
#include <string.h>

/* Copies the first line of msg into out, trimmed. */
static void first_line(const char *msg, char *out, size_t len)
{
    if (!msg)
        msg = "";
    while (*msg == ' ' || *msg == '\t' || *msg == '\n')
        msg++;
    size_t n = strcspn(msg, "\n");
    while (n > 0 && (msg[n - 1] == ' ' || msg[n - 1] == '\r'))
        n--;
    snprintf(out, len, "%.*s", (int)n, msg);
}

static const char *skip_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : s;
}

void pg_conn_error(const PGconn *c, char *out, size_t len)
{
    char line[512];
    first_line(c ? PQerrorMessage(c) : "out of memory", line, sizeof line);
    const char *s = line;
    /* libpq 14+: 'connection to server on socket "..." failed: FATAL: ...' */
    const char *f = strstr(s, " failed: ");
    if (strncmp(s, "connection to server", 20) == 0 && f)
        s = f + 9;
    s = skip_prefix(s, "FATAL:  ");
    s = skip_prefix(s, "ERROR:  ");
    snprintf(out, len, "%s", *s ? s : "unknown error");
}

void pg_describe(const PGconn *c, char *out, size_t len)
{
    const char *host = c ? PQhost(c) : NULL;
    const char *port = c ? PQport(c) : NULL;
    const char *db = c ? PQdb(c) : NULL;
    const char *user = c ? PQuser(c) : NULL;
    snprintf(out, len, "host=%s port=%s dbname=%s user=%s",
             host && *host ? host : "?", port && *port ? port : "?",
             db && *db ? db : "?", user && *user ? user : "?");
}

/* Server notices ("relation already exists, skipping") are not errors:
 * libpq would print them to stderr. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *pg_connect(const char *url, int timeout_s, char *err, size_t len)
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
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c && PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, quiet, NULL);
        /* Large values (an observation is ~50 KB of jsonb) are compressed
         * with lz4 rather than pglz: pglz took half a second of the
         * server's CPU for the 46 observations of `make replay`. A
         * server without lz4 (before 14, or built without it) refuses
         * the setting and keeps pglz: nothing else changes. */
        PQclear(PQexec(c, "SET default_toast_compression = lz4"));
        return c;
    }
    char where[384], why[512];
    pg_describe(c, where, sizeof where);
    pg_conn_error(c, why, sizeof why);
    if (!c)
        snprintf(where, sizeof where, "out of memory");
    snprintf(err, len, "cannot connect to PostgreSQL (%s): %s", where, why);
    PQfinish(c);
    return NULL;
}

void pg_result_error(const PGconn *c, const PGresult *r, char *out, size_t len)
{
    const char *primary =
        r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    char line[512];
    if (primary) {
        first_line(primary, line, sizeof line);
    } else {
        pg_conn_error(c, line, sizeof line);
    }
    if (state)
        snprintf(out, len, "%s (SQLSTATE %s)", line, state);
    else
        snprintf(out, len, "%s", line);
}

PGresult *pg_exec(PGconn *c, const char *sql, int n, const char *const *params,
                  char *err, size_t len)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    pg_result_error(c, r, err, len);
    PQclear(r);
    return NULL;
}

int pg_run(PGconn *c, const char *sql, int n, const char *const *params,
           char *err, size_t len)
{
    PGresult *r = pg_exec(c, sql, n, params, err, len);
    PQclear(r);
    return r ? 0 : -1;
}

int pg_conn_lost(const PGconn *c)
{
    return !c || PQstatus(c) != CONNECTION_OK;
}
