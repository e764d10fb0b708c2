/*
 * pg_restore.c — checkpoint, trades and equity back to the host.
 */
#include "pg_restore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_conn.h"
#include "pg_unit.h"

typedef struct restore_ctx {
    PGconn *c;
    const char *vid; /* the version id as text */
    const perp_restore_visitor *v;
    char *err;
    size_t len;
} restore_ctx;

static int64_t as_i64(const PGresult *r, int row, int col)
{
    return atoll(PQgetvalue(r, row, col));
}

static double as_num(const PGresult *r, int row, int col)
{
    const char *s = PQgetvalue(r, row, col);
    if (strcmp(s, "NaN") == 0)
        return strtod("nan", NULL);
    return strtod(s, NULL); /* "Infinity" and "-Infinity" read as such */
}

static const char *as_str(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* Deletes what follows the checkpoint and sets the current positions to
 * the set taken with the last equity snapshot that remains. */
static int cut_after(restore_ctx *x, const char *seq)
{
    const char *p[] = {x->vid, seq};
    char sql[256];
    for (int t = 0; t < PG_T_COUNT; t++) {
        snprintf(sql, sizeof sql,
                 "DELETE FROM %s WHERE version_id = $1 AND seq > $2",
                 pg_table_name[t]);
        if (pg_run(x->c, sql, 2, p, x->err, x->len) != 0)
            return -1;
    }
    return pg_run(x->c, "UPDATE agent_versions SET last_seq = $2 WHERE id = $1",
                  2, p, x->err, x->len) ||
                   pg_run(x->c, "DELETE FROM positions WHERE version_id = $1",
                          1, p, x->err, x->len) ||
                   pg_run(x->c,
                          "INSERT INTO positions (version_id, symbol, seq, "
                          "ts, qty, entry_price, mark_price, leverage, "
                          "notional, initial_margin, maintenance_margin, "
                          "unrealized_pnl, liquidation_price, entry_ts, "
                          "profit_target, stop_loss, invalidation) "
                          "SELECT version_id, symbol, seq, ts, qty, "
                          "entry_price, mark_price, leverage, notional, "
                          "initial_margin, maintenance_margin, "
                          "unrealized_pnl, liquidation_price, entry_ts, "
                          "profit_target, stop_loss, invalidation FROM "
                          "position_snapshots WHERE version_id = $1 AND "
                          "seq > (SELECT coalesce(max(seq), 0) FROM "
                          "equity_snapshots WHERE version_id = $1)",
                          1, p, x->err, x->len)
               ? -1
               : 0;
}

/* The checkpoint row, with everything after it cut, in one transaction.
 * NULL (and no error) when the version has none. */
static PGresult *read_checkpoint(restore_ctx *x, int *failed)
{
    *failed = 1;
    if (pg_run(x->c, "BEGIN", 0, NULL, x->err, x->len) != 0)
        return NULL;
    const char *p[] = {x->vid};
    PGresult *r = pg_exec(x->c,
                          "SELECT seq, cycle, cycle_ts, ts, backend_state, "
                          "planner_state, agent_state::text FROM checkpoints "
                          "WHERE version_id = $1 FOR UPDATE",
                          1, p, x->err, x->len);
    if (r && PQntuples(r) == 1 && cut_after(x, PQgetvalue(r, 0, 0)) != 0) {
        PQclear(r);
        r = NULL;
    }
    if (!r || pg_run(x->c, "COMMIT", 0, NULL, x->err, x->len) != 0) {
        PQclear(r);
        PQclear(PQexec(x->c, "ROLLBACK"));
        return NULL;
    }
    *failed = 0;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return NULL;
    }
    return r;
}

typedef int (*row_fn)(restore_ctx *x, const PGresult *r, perp_record *rec);

static int trade_of(restore_ctx *x, const PGresult *r, perp_record *rec)
{
    (void)x;
    perp_fill *f = &rec->u.trade.fill;
    rec->type = PERP_REC_TRADE;
    rec->ts = as_i64(r, 0, 0);
    f->ts = rec->ts;
    snprintf(f->symbol, sizeof f->symbol, "%s", PQgetvalue(r, 0, 1));
    double qty = as_num(r, 0, 3);
    f->qty = strcmp(PQgetvalue(r, 0, 2), "sell") == 0 ? -qty : qty;
    f->price = as_num(r, 0, 4);
    f->fee = as_num(r, 0, 5);
    f->realized_pnl = as_num(r, 0, 6);
    f->position_after = as_num(r, 0, 7);
    int cause = perp_fill_cause_parse(PQgetvalue(r, 0, 8));
    if (cause >= 0) /* the table's CHECK allows no other */
        f->cause = (perp_fill_cause)cause;
    snprintf(f->reason, sizeof f->reason, "%s", PQgetvalue(r, 0, 9));
    return 0;
}

static int equity_of(restore_ctx *x, const PGresult *r, perp_record *rec)
{
    (void)x;
    perp_equity_record *e = &rec->u.equity;
    rec->type = PERP_REC_EQUITY;
    rec->ts = as_i64(r, 0, 0);
    double *f[] = {&e->equity,         &e->cash,        &e->available,
                   &e->unrealized_pnl, &e->margin_used, &e->realized_pnl,
                   &e->fees_paid,      &e->funding_net};
    for (int i = 0; i < 8; i++)
        *f[i] = as_num(r, 0, i + 1);
    return 0;
}

/* Streams one query row by row into the visitor. */
static int stream(restore_ctx *x, const char *sql, row_fn fn)
{
    const char *p[] = {x->vid};
    if (!PQsendQueryParams(x->c, sql, 1, NULL, p, NULL, NULL, 0) ||
        !PQsetSingleRowMode(x->c)) {
        pg_conn_error(x->c, x->err, x->len);
        return -1;
    }
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(x->c)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && rc == 0) {
            perp_record rec;
            memset(&rec, 0, sizeof rec);
            fn(x, r, &rec);
            if (x->v->record(x->v->ud, &rec) != PERP_OK) {
                snprintf(x->err, x->len, "the host refused a stored record");
                rc = -1;
            }
        } else if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE &&
                   rc == 0) {
            pg_result_error(x->c, r, x->err, x->len);
            rc = -1;
        }
        PQclear(r);
    }
    return rc;
}

int pg_restore_run(PGconn *c, int version_id, const perp_restore_visitor *v,
                   int64_t *last_seq, int64_t *cycle, char *err, size_t len)
{
    char vid[16];
    snprintf(vid, sizeof vid, "%d", version_id);
    restore_ctx x = {c, vid, v, err, len};
    int failed;
    PGresult *cp = read_checkpoint(&x, &failed);
    *cycle = 0;
    if (failed)
        return -1;
    if (!cp)
        return 0; /* a first run: nothing to restore */
    perp_checkpoint k = {
        .struct_size = sizeof k,
        .cycle = as_i64(cp, 0, 1),
        .cycle_ts = as_i64(cp, 0, 2),
        .ts = as_i64(cp, 0, 3),
        .backend_state = as_str(cp, 0, 4),
        .planner_state = as_str(cp, 0, 5),
        .agent_state = as_str(cp, 0, 6),
    };
    *last_seq = as_i64(cp, 0, 0);
    *cycle = k.cycle;
    int rc = 0;
    if (v->checkpoint && v->checkpoint(v->ud, &k) != PERP_OK) {
        snprintf(err, len, "the host refused the stored checkpoint");
        rc = -1;
    }
    PQclear(cp);
    if (rc == 0 && v->record)
        rc = stream(&x,
                    "SELECT ts, symbol, side, qty, price, fee, realized_pnl, "
                    "position_after, cause, reason FROM trades WHERE "
                    "version_id = $1 ORDER BY seq",
                    trade_of);
    if (rc == 0 && v->record)
        rc = stream(&x,
                    "SELECT ts, equity, cash, available, unrealized_pnl, "
                    "margin_used, realized_pnl, fees_paid, funding_net FROM "
                    "equity_snapshots WHERE version_id = $1 ORDER BY seq",
                    equity_of);
    return rc;
}
