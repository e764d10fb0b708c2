/*
 * pg_conn.c — libpq error lines and statements (connecting: pg_connect.c).
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
