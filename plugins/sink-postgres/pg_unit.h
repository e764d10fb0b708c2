/*
 * pg_unit.h — the records of one cycle as COPY rows, one buffer per table,
 * with the checkpoint that ends them: the unit the writer commits in one
 * transaction (several queued units may share one) and spools while the
 * database is away. A unit owns everything it points to.
 */
#ifndef PG_UNIT_H
#define PG_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "pg_buf.h"

typedef enum pg_table {
    PG_T_TRADES,
    PG_T_ROUND_TRIPS,
    PG_T_EQUITY,
    PG_T_POSITIONS,
    PG_T_FUNDING,
    PG_T_LIQUIDATIONS,
    PG_T_OBSERVATIONS,
    PG_T_DECISIONS,
    PG_T_LLM_CALLS,
    PG_T_REJECTIONS,
    PG_T_METRICS,
    PG_T_COUNT
} pg_table;

/* "COPY <table> (<columns>) FROM STDIN" of each table. */
extern const char *const pg_table_copy[PG_T_COUNT];
/* The table's name, for the orphan cleanup and messages. */
extern const char *const pg_table_name[PG_T_COUNT];

typedef struct pg_unit_checkpoint {
    int64_t seq; /* the last record it covers */
    int64_t cycle, cycle_ts, ts;
    char *backend_state, *planner_state, *agent_state; /* owned or NULL */
} pg_unit_checkpoint;

typedef struct pg_unit {
    pg_buf rows[PG_T_COUNT];
    int64_t first_seq, last_seq; /* 0 when the unit holds no record */
    int64_t n_records;
    int64_t first_ts, last_ts;
    /* The newest position set: the POSITION records with seq in
     * (pos_after, pos_upto], pos_after being the EQUITY record they
     * follow. */
    int has_pos_set;
    int64_t pos_after, pos_upto;
    int has_checkpoint;
    pg_unit_checkpoint cp;
    int has_version; /* a VERSION record: description and config */
    char *description, *config;
    double starting_equity; /* NAN: not known */
    struct pg_unit *next;   /* the writer's queue link */
} pg_unit;

pg_unit *pg_unit_new(void);
void pg_unit_free(pg_unit *u);
/* Bytes the unit holds (for the queue bound). */
size_t pg_unit_bytes(const pg_unit *u);
int pg_unit_empty(const pg_unit *u);
/* 1 when an allocation failed while filling it. */
int pg_unit_failed(const pg_unit *u);

/* The spool's frame payload. */
void pg_unit_serialize(const pg_unit *u, pg_buf *out);
/* NULL on a malformed payload. */
pg_unit *pg_unit_deserialize(const unsigned char *p, size_t n);

#endif
