/*
 * pg_unit.c — table definitions, unit lifetime and the spool encoding.
 */
#include "pg_unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VS "version_id, seq, ts, "

const char *const pg_table_name[PG_T_COUNT] = {
    "trades",           "round_trips",
    "equity_snapshots", "position_snapshots",
    "funding_payments", "liquidations",
    "observations",     "decisions",
    "llm_calls",        "rejections",
    "version_metrics"};

const char *const pg_table_copy[PG_T_COUNT] = {
    "COPY trades (" VS "symbol, side, qty, price, fee, realized_pnl, "
    "position_after, cause, reason) FROM STDIN",
    "COPY round_trips (" VS "symbol, side, qty, entry_price, exit_price, "
    "entry_ts, exit_ts, fees, net_pnl, entry_reason, exit_reason) FROM STDIN",
    "COPY equity_snapshots (" VS "equity, cash, available, unrealized_pnl, "
    "margin_used, realized_pnl, fees_paid, funding_net) FROM STDIN",
    "COPY position_snapshots (" VS "symbol, qty, entry_price, mark_price, "
    "leverage, notional, initial_margin, maintenance_margin, unrealized_pnl, "
    "liquidation_price, entry_ts, profit_target, stop_loss, invalidation) "
    "FROM STDIN",
    "COPY funding_payments (" VS "symbol, rate, position, mark, payment) "
    "FROM STDIN",
    "COPY liquidations (" VS "symbol, qty, price, penalty, equity_before, "
    "maintenance_before) FROM STDIN",
    "COPY observations (" VS "cycle, observation) FROM STDIN",
    "COPY decisions (" VS "cycle, notes, error, decision, raw_output, "
    "observation_seq, llm_call_seq) FROM STDIN",
    "COPY llm_calls (" VS "cycle, model, status, request_hash, latency_ms, "
    "prompt_tokens, completion_tokens, cached_tokens, cost_usd, attempt, "
    "error, raw_response) FROM STDIN",
    "COPY rejections (" VS "cycle, symbol, reason, decision) FROM STDIN",
    "COPY version_metrics (" VS "cycles, first_ts, last_ts, starting_equity, "
    "equity, total_return_pct, annual_return_pct, sharpe, sortino, "
    "max_drawdown_pct, calmar, round_trips, wins, losses, win_rate, "
    "profit_factor, avg_win, avg_loss, largest_win, largest_loss, "
    "avg_hold_ms, realized_pnl, total_fees, total_funding, llm_calls, "
    "prompt_tokens, completion_tokens, cached_tokens, llm_cost_usd, "
    "decisions, cost_per_decision, snapshot_interval_s, bench_return_pct, "
    "excess_return_pct, beta, alpha_pct, tracking_error_pct, info_ratio, "
    "bench_periods, gross_pnl, net_pnl, decisions_per_day) FROM STDIN",
};

pg_unit *pg_unit_new(void)
{
    pg_unit *u = calloc(1, sizeof *u);
    if (u)
        u->starting_equity = NAN;
    return u;
}

void pg_unit_free(pg_unit *u)
{
    if (!u)
        return;
    for (int t = 0; t < PG_T_COUNT; t++)
        pg_buf_free(&u->rows[t]);
    free(u->cp.backend_state);
    free(u->cp.planner_state);
    free(u->cp.agent_state);
    free(u->description);
    free(u->config);
    free(u);
}

static size_t str_bytes(const char *s)
{
    return s ? strlen(s) : 0;
}

size_t pg_unit_bytes(const pg_unit *u)
{
    size_t n = sizeof *u;
    for (int t = 0; t < PG_T_COUNT; t++)
        n += u->rows[t].cap;
    return n + str_bytes(u->cp.backend_state) + str_bytes(u->cp.planner_state) +
           str_bytes(u->cp.agent_state) + str_bytes(u->description) +
           str_bytes(u->config);
}

int pg_unit_empty(const pg_unit *u)
{
    return u->n_records == 0 && !u->has_checkpoint && !u->has_version;
}

int pg_unit_failed(const pg_unit *u)
{
    for (int t = 0; t < PG_T_COUNT; t++)
        if (u->rows[t].failed)
            return 1;
    return 0;
}

/* ------------------------------------------------------------ encoding */

#define NULL_STR 0xFFFFFFFFu

static void put_str(pg_buf *b, const char *s)
{
    if (!s) {
        pg_buf_put_u32(b, NULL_STR);
        return;
    }
    size_t n = strlen(s);
    pg_buf_put_u32(b, (uint32_t)n);
    pg_buf_put(b, s, n);
}

static void put_double(pg_buf *b, double d)
{
    int64_t bits;
    memcpy(&bits, &d, sizeof bits);
    pg_buf_put_i64(b, bits);
}

void pg_unit_serialize(const pg_unit *u, pg_buf *out)
{
    pg_buf_put_i64(out, u->first_seq);
    pg_buf_put_i64(out, u->last_seq);
    pg_buf_put_i64(out, u->n_records);
    pg_buf_put_i64(out, u->first_ts);
    pg_buf_put_i64(out, u->last_ts);
    pg_buf_put_u32(out, (uint32_t)(u->has_pos_set | u->has_checkpoint << 1 |
                                   u->has_version << 2));
    pg_buf_put_i64(out, u->pos_after);
    pg_buf_put_i64(out, u->pos_upto);
    pg_buf_put_i64(out, u->cp.seq);
    pg_buf_put_i64(out, u->cp.cycle);
    pg_buf_put_i64(out, u->cp.cycle_ts);
    pg_buf_put_i64(out, u->cp.ts);
    put_str(out, u->cp.backend_state);
    put_str(out, u->cp.planner_state);
    put_str(out, u->cp.agent_state);
    put_str(out, u->description);
    put_str(out, u->config);
    put_double(out, u->starting_equity);
    for (uint32_t t = 0; t < PG_T_COUNT; t++) {
        if (u->rows[t].len == 0)
            continue;
        pg_buf_put_u32(out, t);
        pg_buf_put_u32(out, (uint32_t)u->rows[t].len);
        pg_buf_put(out, u->rows[t].p, u->rows[t].len);
    }
}

typedef struct reader {
    const unsigned char *p;
    size_t n, at;
    int bad;
} reader;

static uint64_t get_le(reader *r, size_t width)
{
    if (r->bad || r->n - r->at < width) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++)
        v |= (uint64_t)r->p[r->at + i] << (8 * i);
    r->at += width;
    return v;
}

static int64_t get_i64(reader *r)
{
    return (int64_t)get_le(r, 8);
}

static char *get_str(reader *r)
{
    uint32_t n = (uint32_t)get_le(r, 4);
    if (r->bad || n == NULL_STR)
        return NULL;
    if (r->n - r->at < n) {
        r->bad = 1;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        r->bad = 1;
        return NULL;
    }
    memcpy(s, r->p + r->at, n);
    s[n] = '\0';
    r->at += n;
    return s;
}

pg_unit *pg_unit_deserialize(const unsigned char *p, size_t n)
{
    reader r = {p, n, 0, 0};
    pg_unit *u = pg_unit_new();
    if (!u)
        return NULL;
    u->first_seq = get_i64(&r);
    u->last_seq = get_i64(&r);
    u->n_records = get_i64(&r);
    u->first_ts = get_i64(&r);
    u->last_ts = get_i64(&r);
    uint32_t flags = (uint32_t)get_le(&r, 4);
    u->has_pos_set = flags & 1;
    u->has_checkpoint = (flags >> 1) & 1;
    u->has_version = (flags >> 2) & 1;
    u->pos_after = get_i64(&r);
    u->pos_upto = get_i64(&r);
    u->cp.seq = get_i64(&r);
    u->cp.cycle = get_i64(&r);
    u->cp.cycle_ts = get_i64(&r);
    u->cp.ts = get_i64(&r);
    u->cp.backend_state = get_str(&r);
    u->cp.planner_state = get_str(&r);
    u->cp.agent_state = get_str(&r);
    u->description = get_str(&r);
    u->config = get_str(&r);
    int64_t bits = get_i64(&r);
    memcpy(&u->starting_equity, &bits, sizeof bits);
    while (!r.bad && r.at < r.n) {
        uint32_t t = (uint32_t)get_le(&r, 4);
        uint32_t len = (uint32_t)get_le(&r, 4);
        if (r.bad || t >= PG_T_COUNT || r.n - r.at < len ||
            u->rows[t].len != 0) {
            r.bad = 1;
            break;
        }
        pg_buf_put(&u->rows[t], r.p + r.at, len);
        r.at += len;
    }
    if (r.bad || pg_unit_failed(u)) {
        pg_unit_free(u);
        return NULL;
    }
    return u;
}
