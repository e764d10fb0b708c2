/*
 * db_pool.h — a small pool of libpq connections for the dashboard's
 * read-only queries. Each connection is opened lazily with
 * default_transaction_read_only=on and a statement timeout (so every
 * statement runs in a read-only transaction), and prepares the
 * dashboard's statements once (api_sql.h). A broken connection is closed
 * and reopened by the next acquire, so a database restart heals itself.
 */
#ifndef DASH_DB_POOL_H
#define DASH_DB_POOL_H

#include <libpq-fe.h>
#include <perp/sdk.h>
#include <stdint.h>

typedef struct db_pool db_pool;

/* url is copied; host is borrowed for the pool's life. NULL on ENOMEM. */
db_pool *db_pool_new(const perp_host *host, const char *url, int size,
                     int64_t statement_timeout_ms);
void db_pool_free(db_pool *p);

/* One prepared statement's result: a single text value (the endpoint's
 * JSON, built by the SQL), or NULL for SQL NULL. */
typedef enum db_status {
    DB_OK = 0,
    DB_NULL = 1,        /* the query returned no row or NULL */
    DB_UNAVAILABLE = 2, /* cannot connect, timeout, broken connection */
    DB_FAILED = 3       /* the statement failed (logged, never shown) */
} db_status;

/* Runs prepared statement `stmt` (an index into api_sql's table) with
 * nparams text parameters (NULL: SQL NULL). On DB_OK *out is malloc'd
 * (caller frees). Waits at most wait_ms for a free connection. */
db_status db_pool_query(db_pool *p, int stmt, int nparams,
                        const char *const *params, char **out);

/* Runs a statement and hands the PGresult to fn (rows of several
 * columns); fn must not keep it. */
typedef void (*db_rows_fn)(void *ud, const PGresult *r);
db_status db_pool_rows(db_pool *p, int stmt, int nparams,
                       const char *const *params, db_rows_fn fn, void *ud);

/* The same with the result in binary format (int8, float8 as network
 * order bytes): for long row sets read in C. */
db_status db_pool_rows_binary(db_pool *p, int stmt, int nparams,
                              const char *const *params, db_rows_fn fn,
                              void *ud);

/* Milliseconds the last successful round trip took, -1 if none yet. */
double db_pool_last_latency_ms(db_pool *p);

#endif
