/*
 * pg_restore.h — reading a version back for the host's restore (sdk.h,
 * perp_restore_visitor): the last checkpoint, then every trade, then every
 * equity snapshot, in write order. Rows written after the checkpoint
 * (a batch committed without one) are deleted first, since the agent
 * resumes from the checkpoint and writes them again.
 */
#ifndef PG_RESTORE_H
#define PG_RESTORE_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include <perp/sdk.h>

/* *last_seq: the seq the restored history ends at; *cycle: the
 * checkpoint's cycle (0 when the version has none). 0, or -1 with err
 * (also when the visitor refuses a record). */
int pg_restore_run(PGconn *c, int version_id, const perp_restore_visitor *v,
                   int64_t *last_seq, int64_t *cycle, char *err, size_t len);

#endif
