/*
 * pg_open.h — what a sink does before its first record: connect, bring the
 * schema up to date, take the version's lock (one live process per
 * version), register the version. Each failure is one line.
 */
#ifndef PG_OPEN_H
#define PG_OPEN_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "pg_connect.h"

typedef struct pg_opened {
    PGconn *conn; /* owned by the caller once returned */
    int version_id;
    int64_t last_seq; /* agent_versions.last_seq */
    int migrations_applied;
} pg_opened;

/* 0, or -1 with err (the connection closed, nothing written). abandon
 * (NULL: never; borrowed for the call) may end the connection attempt
 * (pg_connect). */
int pg_open(const char *url, int timeout_s, const pg_abandon *abandon,
            const char *tag, pg_opened *out, char *err, size_t len);

#endif
