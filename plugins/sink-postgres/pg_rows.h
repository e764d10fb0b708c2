/*
 * pg_rows.h — a record as a row of its table, numbered with the version's
 * next sequence number. The state links a cycle's decision to the same
 * cycle's observation and last LLM call. A cycle's records end with its
 * EQUITY snapshot (and the POSITION records after it); a checkpoint may
 * come after every cycle (live) or after many (a replay,
 * agent.checkpoint_every), so cycles are counted at the EQUITY records
 * and the count is set again from each checkpoint (sdk.h,
 * perp_checkpoint).
 */
#ifndef PG_ROWS_H
#define PG_ROWS_H

#include <perp/sdk.h>

#include "pg_unit.h"

typedef struct pg_rows_state {
    int version_id;
    int64_t next_seq; /* the next record's seq */
    int64_t cycle;    /* the cycle records belong to: one past the last
                         EQUITY record's, or the last checkpoint's */
    int64_t obs_seq;  /* this cycle's OBSERVATION, 0: none */
    int64_t llm_seq;  /* this cycle's last LLM_CALL, 0: none */
    char *llm_raw;    /* its raw response; owned */
} pg_rows_state;

void pg_rows_state_free(pg_rows_state *st);

/* Appends rec to u (VERSION fills the unit's version fields and takes no
 * seq). PERP_OK; PERP_EINVAL for a type this sink does not store;
 * PERP_ENOMEM. */
int pg_rows_add(pg_rows_state *st, pg_unit *u, const perp_record *rec);

/* Ends the unit with cp (strings copied) and starts the cycle after
 * cp's. */
int pg_rows_checkpoint(pg_rows_state *st, pg_unit *u,
                       const perp_checkpoint *cp);

/* s if it is a JSON document PostgreSQL's jsonb accepts, else s as a JSON
 * string (malloc'd into *owned). NULL stays NULL. */
const char *pg_json_or_string(const char *s, char **owned);

#endif
