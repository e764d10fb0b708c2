/*
 * pg_conn.h — statements over libpq and saying what went wrong in one
 * line (opening a connection: pg_connect.h). The connection URL may hold a
 * password: it is never copied into a message. A target is described by host,
 * port, database and user only, as libpq resolved them.
 */
#ifndef PG_CONN_H
#define PG_CONN_H

#include <libpq-fe.h>
#include <stddef.h>

/* "host=... port=... dbname=... user=..." of a connection (open or
 * failed); never the password. */
void pg_describe(const PGconn *c, char *out, size_t len);

/* The first line of libpq's message for c, without its "connection to
 * server ... failed: " preamble and severity prefix. */
void pg_conn_error(const PGconn *c, char *out, size_t len);

/* A failed result's primary message (one line, SQLSTATE appended), or
 * the connection's when there is no result. */
void pg_result_error(const PGconn *c, const PGresult *r, char *out, size_t len);

/* Runs a parameterised statement; text parameters, text results. Returns
 * the result when its status is PGRES_COMMAND_OK or PGRES_TUPLES_OK (the
 * caller PQclear()s it), else NULL with the reason in err. */
PGresult *pg_exec(PGconn *c, const char *sql, int n, const char *const *params,
                  char *err, size_t len);
/* The same for a statement whose result is not needed: 0 ok, -1 err. */
int pg_run(PGconn *c, const char *sql, int n, const char *const *params,
           char *err, size_t len);

/* 1 when the connection is gone (the server stopped, the network broke):
 * the work can be retried once it is back. */
int pg_conn_lost(const PGconn *c);

#endif
