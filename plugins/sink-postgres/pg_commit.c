/*
 * pg_commit.c — one transaction per run of units.
 */
#include "pg_commit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_conn.h"

#define POS_COLS                                                               \
    "qty, entry_price, mark_price, leverage, notional, initial_margin, "       \
    "maintenance_margin, unrealized_pnl, liquidation_price, entry_ts, "        \
    "profit_target, stop_loss, invalidation"

static const struct {
    const char *name, *sql;
    int n;
} statements[] = {
    {"perp_progress",
     "UPDATE agent_versions SET last_seq = greatest(last_seq, $2::bigint), "
     "last_seen = now(), first_ts = coalesce(first_ts, $3::bigint), "
     "last_ts = greatest(last_ts, $4::bigint), "
     "starting_equity = coalesce(starting_equity, $5::float8) WHERE id = $1",
     5},
    {"perp_version",
     "UPDATE agent_versions SET description = $2, config = $3::jsonb, "
     "starting_equity = coalesce(starting_equity, $4::float8) WHERE id = $1",
     4},
    {"perp_checkpoint",
     "INSERT INTO checkpoints (version_id, seq, cycle, cycle_ts, ts, "
     "backend_state, planner_state, agent_state) VALUES ($1, $2, $3, $4, $5, "
     "$6, $7, $8::jsonb) ON CONFLICT (version_id) DO UPDATE SET "
     "seq = EXCLUDED.seq, cycle = EXCLUDED.cycle, cycle_ts = "
     "EXCLUDED.cycle_ts, ts = EXCLUDED.ts, backend_state = "
     "EXCLUDED.backend_state, planner_state = EXCLUDED.planner_state, "
     "agent_state = EXCLUDED.agent_state, written_at = now() "
     "WHERE checkpoints.seq <= EXCLUDED.seq",
     8},
    {"perp_positions_clear", "DELETE FROM positions WHERE version_id = $1", 1},
    {"perp_positions_set",
     "INSERT INTO positions (version_id, symbol, seq, ts, " POS_COLS
     ") SELECT version_id, symbol, seq, ts, " POS_COLS
     " FROM position_snapshots WHERE version_id = $1 AND seq > $2 AND "
     "seq <= $3",
     3},
};

int pg_commit_prepare(PGconn *c, char *err, size_t len)
{
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
        PGresult *r =
            PQprepare(c, statements[i].name, statements[i].sql, 0, NULL);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
            char why[512];
            pg_result_error(c, r, why, sizeof why);
            snprintf(err, len, "cannot prepare %s: %s", statements[i].name,
                     why);
            PQclear(r);
            return -1;
        }
        PQclear(r);
    }
    return 0;
}

static int exec_prepared(PGconn *c, const char *name, int n,
                         const char *const *params, char *err, size_t len)
{
    PGresult *r = PQexecPrepared(c, name, n, params, NULL, NULL, 0);
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        char why[512];
        pg_result_error(c, r, why, sizeof why);
        snprintf(err, len, "%s: %s", name, why);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

/* One COPY for table t holding the rows of every unit. */
static int copy_table(PGconn *c, pg_table t, pg_unit *const *units, size_t n,
                      char *err, size_t len)
{
    size_t rows = 0;
    for (size_t i = 0; i < n; i++)
        rows += units[i]->rows[t].len;
    if (rows == 0)
        return 0;
    PGresult *r = PQexec(c, pg_table_copy[t]);
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        char why[512];
        pg_result_error(c, r, why, sizeof why);
        snprintf(err, len, "COPY %s: %s", pg_table_name[t], why);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        const pg_buf *b = &units[i]->rows[t];
        if (b->len)
            ok = PQputCopyData(c, b->p, (int)b->len) == 1;
    }
    ok = PQputCopyEnd(c, ok ? NULL : "perpd: sending failed") == 1 && ok;
    r = PQgetResult(c);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        char why[512];
        pg_result_error(c, r, why, sizeof why);
        snprintf(err, len, "COPY %s: %s", pg_table_name[t], why);
        ok = 0;
    }
    PQclear(r);
    /* Drain to the end of the command. */
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    return ok ? 0 : -1;
}

typedef struct num_text {
    char s[40];
} num_text;

static const char *int_text(num_text *t, int64_t v)
{
    snprintf(t->s, sizeof t->s, "%lld", (long long)v);
    return t->s;
}

static const char *double_text(num_text *t, double v)
{
    if (isnan(v))
        return NULL; /* SQL NULL: not known */
    snprintf(t->s, sizeof t->s, "%.17g", v);
    return t->s;
}

static int version_update(PGconn *c, int vid, const pg_unit *u, char *err,
                          size_t len)
{
    num_text a, b;
    const char *p[] = {int_text(&a, vid), u->description, u->config,
                       double_text(&b, u->starting_equity)};
    return exec_prepared(c, "perp_version", 4, p, err, len);
}

static int positions_update(PGconn *c, int vid, const pg_unit *u, char *err,
                            size_t len)
{
    num_text a, b, d;
    const char *p[] = {int_text(&a, vid), int_text(&b, u->pos_after),
                       int_text(&d, u->pos_upto)};
    if (exec_prepared(c, "perp_positions_clear", 1, p, err, len) != 0)
        return -1;
    return exec_prepared(c, "perp_positions_set", 3, p, err, len);
}

static int checkpoint_update(PGconn *c, int vid, const pg_unit *u, char *err,
                             size_t len)
{
    num_text a, b, d, e, f;
    const char *p[] = {int_text(&a, vid),         int_text(&b, u->cp.seq),
                       int_text(&d, u->cp.cycle), int_text(&e, u->cp.cycle_ts),
                       int_text(&f, u->cp.ts),    u->cp.backend_state,
                       u->cp.planner_state,       u->cp.agent_state};
    return exec_prepared(c, "perp_checkpoint", 8, p, err, len);
}

/* The statements after the rows: what the last unit that carries each
 * says, then the progress over all. */
static int tail_statements(PGconn *c, int vid, pg_unit *const *units, size_t n,
                           char *err, size_t len)
{
    const pg_unit *ver = NULL, *pos = NULL, *cp = NULL;
    int64_t last_seq = 0, first_ts = 0, last_ts = 0;
    int have_ts = 0;
    double start = NAN;
    for (size_t i = 0; i < n; i++) {
        const pg_unit *u = units[i];
        if (u->has_version)
            ver = u;
        if (u->has_pos_set)
            pos = u;
        if (u->has_checkpoint)
            cp = u;
        if (u->last_seq > last_seq)
            last_seq = u->last_seq;
        if (u->n_records > 0) {
            if (!have_ts || u->first_ts < first_ts)
                first_ts = u->first_ts;
            if (!have_ts || u->last_ts > last_ts)
                last_ts = u->last_ts;
            have_ts = 1;
        }
        if (isnan(start) && !isnan(u->starting_equity))
            start = u->starting_equity;
    }
    if (ver && version_update(c, vid, ver, err, len) != 0)
        return -1;
    if (pos && positions_update(c, vid, pos, err, len) != 0)
        return -1;
    if (cp && checkpoint_update(c, vid, cp, err, len) != 0)
        return -1;
    num_text a, b, d, e, f;
    const char *p[] = {int_text(&a, vid), int_text(&b, last_seq),
                       have_ts ? int_text(&d, first_ts) : NULL,
                       have_ts ? int_text(&e, last_ts) : NULL,
                       double_text(&f, start)};
    return exec_prepared(c, "perp_progress", 5, p, err, len);
}

static void rollback(PGconn *c)
{
    if (PQstatus(c) == CONNECTION_OK)
        PQclear(PQexec(c, "ROLLBACK"));
}

/* The transaction itself; units are all still to be written. */
static int commit_new(PGconn *c, int version_id, pg_unit *const *units,
                      size_t n, char *err, size_t len)
{
    char why[600];
    if (pg_run(c, "BEGIN", 0, NULL, why, sizeof why) != 0) {
        snprintf(err, len, "BEGIN: %s", why);
        return -1;
    }
    for (int t = 0; t < PG_T_COUNT; t++)
        if (copy_table(c, (pg_table)t, units, n, err, len) != 0) {
            rollback(c);
            return -1;
        }
    if (tail_statements(c, version_id, units, n, err, len) != 0) {
        rollback(c);
        return -1;
    }
    if (pg_run(c, "COMMIT", 0, NULL, why, sizeof why) != 0) {
        snprintf(err, len, "COMMIT: %s", why);
        return -1;
    }
    return 0;
}

int pg_commit(PGconn *c, int version_id, pg_unit *const *units, size_t n,
              int64_t *db_last_seq, char *err, size_t len)
{
    /* A unit whose records are already in (its transaction committed but
     * the answer was lost) is left out; one without records only carries
     * statements that may run twice. */
    pg_unit **todo = malloc((n ? n : 1) * sizeof *todo);
    if (!todo) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    size_t k = 0;
    int64_t newest = *db_last_seq;
    for (size_t i = 0; i < n; i++) {
        if (units[i]->n_records > 0 && units[i]->last_seq <= *db_last_seq)
            continue;
        todo[k++] = units[i];
        if (units[i]->last_seq > newest)
            newest = units[i]->last_seq;
    }
    int rc = k ? commit_new(c, version_id, todo, k, err, len) : 0;
    free(todo);
    if (rc == 0)
        *db_last_seq = newest;
    return rc;
}

int64_t pg_commit_last_seq(PGconn *c, int version_id, char *err, size_t len)
{
    num_text a;
    const char *p[] = {int_text(&a, version_id)};
    PGresult *r = pg_exec(
        c, "SELECT last_seq FROM agent_versions WHERE id = $1", 1, p, err, len);
    if (!r)
        return -1;
    int64_t v = PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
    if (v < 0)
        snprintf(err, len, "version %d is not registered", version_id);
    PQclear(r);
    return v;
}
