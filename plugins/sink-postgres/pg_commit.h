/*
 * pg_commit.h — units into the database: one transaction for a run of
 * units, each table's rows by COPY, then the statements that go with
 * them (prepared and parameterised): the version's registration, the
 * current positions, the checkpoint and the version's progress (last_seq),
 * which tells a retry what is already in.
 */
#ifndef PG_COMMIT_H
#define PG_COMMIT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "pg_unit.h"

/* Prepares the statements pg_commit uses; once per connection. */
int pg_commit_prepare(PGconn *c, char *err, size_t len);

/* Commits units[0..n) of version_id in one transaction, skipping those a
 * previous attempt already committed (last_seq <= *db_last_seq), and
 * advances *db_last_seq. 0 ok; -1 with err (the transaction is rolled
 * back: nothing of it is stored). */
int pg_commit(PGconn *c, int version_id, pg_unit *const *units, size_t n,
              int64_t *db_last_seq, char *err, size_t len);

/* agent_versions.last_seq of version_id: -1 on error. */
int64_t pg_commit_last_seq(PGconn *c, int version_id, char *err, size_t len);

#endif
