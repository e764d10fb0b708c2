/*
 * pg_rows.c — one record, one COPY row.
 */
#include "pg_rows.h"

#include <perp/utf8.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../sink-jsonl/jl_text.h"

#define FIELD(arr) (arr), sizeof(arr)
#define ANY        ((size_t)-1)

void pg_rows_state_free(pg_rows_state *st)
{
    free(st->llm_raw);
    st->llm_raw = NULL;
}

static const char *cause_name(perp_fill_cause c)
{
    /* the table allows the six names only: a plugin's stray value is an exit */
    const char *name = perp_fill_cause_name(c);
    return name ? name : "exit";
}

/* Text with every invalid UTF-8 byte replaced by '?'; malloc'd. */
static char *utf8_clean(const char *s)
{
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n + 1);
    for (size_t i = 0; i < n;) {
        size_t k = perp_utf8_len((const unsigned char *)c + i, n - i);
        if (k == 0)
            c[i++] = '?';
        else
            i += k;
    }
    return c;
}

const char *pg_json_or_string(const char *s, char **owned)
{
    *owned = NULL;
    if (!s)
        return NULL;
    /* The host's documents (an observation is ~50 KB) are checked by a
     * scan that builds nothing; a \u escape, which jsonb may refuse
     * (\u0000, a lone surrogate), goes to jansson, which refuses what
     * jsonb would. */
    if (!strstr(s, "\\u") && jl_json_valid(s))
        return s;
    json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
    if (j) {
        json_decref(j);
        return s;
    }
    char *clean = utf8_clean(s);
    json_t *str = clean ? json_string(clean) : NULL;
    free(clean);
    *owned = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;
    json_decref(str);
    return *owned ? *owned : "null";
}

static void json_field(pg_buf *b, const char *s)
{
    char *owned;
    const char *v = pg_json_or_string(s, &owned);
    pg_copy_text(b, v, ANY);
    free(owned);
}

/* A cycle's records end with its EQUITY snapshot (sdk.h, perp_checkpoint):
 * what follows belongs to the next cycle, whether or not a checkpoint
 * came between, so the numbering and the decision's links do not depend
 * on how often the host checkpoints. */
static void next_cycle(pg_rows_state *st)
{
    st->cycle++;
    st->obs_seq = 0;
    st->llm_seq = 0;
    free(st->llm_raw);
    st->llm_raw = NULL;
}

/* Every row starts with version_id, seq, ts. */
static pg_buf *row(pg_rows_state *st, pg_unit *u, pg_table t,
                   const perp_record *rec, int64_t *seq)
{
    pg_buf *b = &u->rows[t];
    *seq = st->next_seq++;
    if (u->n_records == 0) {
        u->first_seq = *seq;
        u->first_ts = rec->ts;
    }
    u->last_seq = *seq;
    u->last_ts = rec->ts;
    u->n_records++;
    pg_copy_int(b, st->version_id);
    pg_copy_int(b, *seq);
    pg_copy_int(b, rec->ts);
    return b;
}

static void trade_row(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    int64_t seq;
    const perp_fill *f = &rec->u.trade.fill;
    pg_buf *b = row(st, u, PG_T_TRADES, rec, &seq);
    pg_copy_text(b, FIELD(f->symbol));
    pg_copy_text(b, f->qty < 0 ? "sell" : "buy", ANY);
    pg_copy_num(b, fabs(f->qty));
    pg_copy_num(b, f->price);
    pg_copy_num(b, f->fee);
    pg_copy_num(b, f->realized_pnl);
    pg_copy_num(b, f->position_after);
    pg_copy_text(b, cause_name(f->cause), ANY);
    pg_copy_text(b, FIELD(f->reason));
    pg_copy_end_row(b);
}

static void round_trip_row(pg_rows_state *st, pg_unit *u,
                           const perp_record *rec)
{
    int64_t seq;
    const perp_round_trip *t = &rec->u.round_trip;
    pg_buf *b = row(st, u, PG_T_ROUND_TRIPS, rec, &seq);
    pg_copy_text(b, FIELD(t->symbol));
    pg_copy_text(b, t->side < 0 ? "short" : "long", ANY);
    pg_copy_num(b, t->qty);
    pg_copy_num(b, t->entry_price);
    pg_copy_num(b, t->exit_price);
    pg_copy_int(b, t->entry_ts);
    pg_copy_int(b, t->exit_ts);
    pg_copy_num(b, t->fees);
    pg_copy_num(b, t->net_pnl);
    pg_copy_text(b, t->entry_reason ? t->entry_reason : "", PERP_REASON_MAX);
    pg_copy_text(b, t->exit_reason ? t->exit_reason : "", PERP_REASON_MAX);
    pg_copy_end_row(b);
}

static void equity_row(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    int64_t seq;
    const perp_equity_record *e = &rec->u.equity;
    pg_buf *b = row(st, u, PG_T_EQUITY, rec, &seq);
    pg_copy_num(b, e->equity);
    pg_copy_num(b, e->cash);
    pg_copy_num(b, e->available);
    pg_copy_num(b, e->unrealized_pnl);
    pg_copy_num(b, e->margin_used);
    pg_copy_num(b, e->realized_pnl);
    pg_copy_num(b, e->fees_paid);
    pg_copy_num(b, e->funding_net);
    pg_copy_end_row(b);
    /* The position records that follow form the set current now. */
    u->has_pos_set = 1;
    u->pos_after = seq;
    u->pos_upto = seq;
    next_cycle(st);
}

static void position_row(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    int64_t seq;
    const perp_position *p = &rec->u.position;
    pg_buf *b = row(st, u, PG_T_POSITIONS, rec, &seq);
    pg_copy_text(b, FIELD(p->symbol));
    pg_copy_num(b, p->qty);
    pg_copy_num(b, p->entry_price);
    pg_copy_num(b, p->mark_price);
    pg_copy_num(b, p->leverage);
    pg_copy_num(b, p->notional);
    pg_copy_num(b, p->initial_margin);
    pg_copy_num(b, p->maintenance_margin);
    pg_copy_num(b, p->unrealized_pnl);
    pg_copy_num(b, p->liquidation_price);
    pg_copy_int(b, p->entry_ts);
    pg_copy_num_or_null_if_zero(b, p->exit_plan.profit_target);
    pg_copy_num_or_null_if_zero(b, p->exit_plan.stop_loss);
    pg_copy_text(b, FIELD(p->exit_plan.invalidation));
    pg_copy_end_row(b);
    if (u->has_pos_set && seq == u->pos_upto + 1)
        u->pos_upto = seq;
}

static void funding_row(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    int64_t seq;
    const perp_funding_record *f = &rec->u.funding;
    pg_buf *b = row(st, u, PG_T_FUNDING, rec, &seq);
    pg_copy_text(b, FIELD(f->symbol));
    pg_copy_num(b, f->rate);
    pg_copy_num(b, f->position);
    pg_copy_num(b, f->mark);
    pg_copy_num(b, f->payment);
    pg_copy_end_row(b);
}

static void liquidation_row(pg_rows_state *st, pg_unit *u,
                            const perp_record *rec)
{
    int64_t seq;
    const perp_liquidation_record *l = &rec->u.liquidation;
    pg_buf *b = row(st, u, PG_T_LIQUIDATIONS, rec, &seq);
    pg_copy_text(b, FIELD(l->symbol));
    pg_copy_num(b, l->qty);
    pg_copy_num(b, l->price);
    pg_copy_num(b, l->penalty);
    pg_copy_num(b, l->equity_before);
    pg_copy_num(b, l->maintenance_before);
    pg_copy_end_row(b);
}

static void observation_row(pg_rows_state *st, pg_unit *u,
                            const perp_record *rec)
{
    int64_t seq;
    pg_buf *b = row(st, u, PG_T_OBSERVATIONS, rec, &seq);
    pg_copy_int(b, st->cycle);
    json_field(b, rec->u.json.json ? rec->u.json.json : "null");
    pg_copy_end_row(b);
    st->obs_seq = seq;
}

static void seq_or_null(pg_buf *b, int64_t seq)
{
    if (seq > 0)
        pg_copy_int(b, seq);
    else
        pg_copy_null(b);
}

static void decision_row(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    int64_t seq;
    const char *text = rec->u.json.json ? rec->u.json.json : "null";
    json_t *d = json_loads(text, JSON_DECODE_ANY, NULL);
    const char *notes =
        json_string_value(json_object_get(d, "notes_for_audience"));
    const char *error = json_string_value(json_object_get(d, "error"));
    pg_buf *b = row(st, u, PG_T_DECISIONS, rec, &seq);
    pg_copy_int(b, st->cycle);
    pg_copy_text(b, notes ? notes : "", ANY);
    pg_copy_text(b, error && *error ? error : NULL, ANY);
    json_field(b, text);
    pg_copy_text(b, st->llm_raw, ANY);
    seq_or_null(b, st->obs_seq);
    seq_or_null(b, st->llm_seq);
    pg_copy_end_row(b);
    json_decref(d);
}

static void llm_call_row(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    int64_t seq;
    const perp_llm_call_record *c = &rec->u.llm_call;
    pg_buf *b = row(st, u, PG_T_LLM_CALLS, rec, &seq);
    pg_copy_int(b, st->cycle);
    pg_copy_text(b, c->model ? c->model : "", ANY);
    pg_copy_text(b, c->status ? c->status : "", ANY);
    pg_copy_text(b, c->request_hash, ANY);
    pg_copy_num(b, c->latency_ms);
    pg_copy_int(b, c->prompt_tokens);
    pg_copy_int(b, c->completion_tokens);
    if (c->cached_tokens >= 0)
        pg_copy_int(b, c->cached_tokens);
    else
        pg_copy_null(b);
    pg_copy_num(b, c->cost_usd);
    pg_copy_int(b, c->attempt);
    pg_copy_text(b, c->error, ANY);
    pg_copy_text(b, c->raw_response, ANY);
    pg_copy_end_row(b);
    st->llm_seq = seq;
    free(st->llm_raw);
    st->llm_raw = c->raw_response ? strdup(c->raw_response) : NULL;
}

static void rejection_row(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    int64_t seq;
    const perp_rejection_record *r = &rec->u.rejection;
    pg_buf *b = row(st, u, PG_T_REJECTIONS, rec, &seq);
    pg_copy_int(b, st->cycle);
    pg_copy_text(b, FIELD(r->symbol));
    pg_copy_text(b, FIELD(r->reason));
    if (r->decision_json)
        json_field(b, r->decision_json);
    else
        pg_copy_null(b);
    pg_copy_end_row(b);
}

static void metrics_row(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    int64_t seq;
    const perp_metrics_record *m = &rec->u.metrics;
    pg_buf *b = row(st, u, PG_T_METRICS, rec, &seq);
    pg_copy_int(b, m->cycles);
    pg_copy_int(b, m->first_ts);
    pg_copy_int(b, m->last_ts);
    const double nums1[] = {m->starting_equity,  m->equity,
                            m->total_return_pct, m->annual_return_pct,
                            m->sharpe,           m->sortino,
                            m->max_drawdown_pct, m->calmar};
    for (size_t i = 0; i < sizeof nums1 / sizeof nums1[0]; i++)
        pg_copy_num(b, nums1[i]);
    pg_copy_int(b, m->round_trips);
    pg_copy_int(b, m->wins);
    pg_copy_int(b, m->losses);
    const double nums2[] = {m->win_rate,     m->profit_factor, m->avg_win,
                            m->avg_loss,     m->largest_win,   m->largest_loss,
                            m->avg_hold_ms,  m->realized_pnl,  m->total_fees,
                            m->total_funding};
    for (size_t i = 0; i < sizeof nums2 / sizeof nums2[0]; i++)
        pg_copy_num(b, nums2[i]);
    pg_copy_int(b, m->llm_calls);
    pg_copy_int(b, m->prompt_tokens);
    pg_copy_int(b, m->completion_tokens);
    pg_copy_int(b, m->cached_tokens);
    pg_copy_num(b, m->llm_cost_usd);
    pg_copy_int(b, m->decisions);
    pg_copy_num(b, m->cost_per_decision);
    pg_copy_num(b, m->snapshot_interval_s);
    /* Against buy-and-hold; NULL where undefined (sdk.h). */
    const double bench[] = {
        m->bench_return_pct, m->excess_return_pct,  m->beta,
        m->alpha_pct,        m->tracking_error_pct, m->info_ratio};
    for (size_t i = 0; i < sizeof bench / sizeof bench[0]; i++)
        pg_copy_num_or_null(b, bench[i]);
    pg_copy_int(b, m->bench_periods);
    pg_copy_num(b, m->gross_pnl);
    pg_copy_num(b, m->net_pnl);
    pg_copy_num_or_null(b, m->decisions_per_day);
    pg_copy_end_row(b);
    if (isnan(u->starting_equity) && isfinite(m->starting_equity))
        u->starting_equity = m->starting_equity;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* {"version", "description", "config", "starting_equity"?} */
static int version_fields(pg_unit *u, const perp_record *rec)
{
    json_t *v = rec->u.json.json ? json_loads(rec->u.json.json, 0, NULL) : NULL;
    const char *desc = json_string_value(json_object_get(v, "description"));
    json_t *cfg = json_object_get(v, "config");
    json_t *eq = json_object_get(v, "starting_equity");
    free(u->description);
    free(u->config);
    u->description = strdup(desc ? desc : "");
    u->config = cfg ? json_dumps(cfg, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (json_is_number(eq))
        u->starting_equity = json_number_value(eq);
    u->has_version = 1;
    json_decref(v);
    return u->description ? PERP_OK : PERP_ENOMEM;
}

int pg_rows_add(pg_rows_state *st, pg_unit *u, const perp_record *rec)
{
    switch (rec->type) {
    case PERP_REC_TRADE:
        trade_row(st, u, rec);
        break;
    case PERP_REC_ROUND_TRIP:
        round_trip_row(st, u, rec);
        break;
    case PERP_REC_EQUITY:
        equity_row(st, u, rec);
        break;
    case PERP_REC_POSITION:
        position_row(st, u, rec);
        break;
    case PERP_REC_FUNDING:
        funding_row(st, u, rec);
        break;
    case PERP_REC_LIQUIDATION:
        liquidation_row(st, u, rec);
        break;
    case PERP_REC_OBSERVATION:
        observation_row(st, u, rec);
        break;
    case PERP_REC_DECISION:
        decision_row(st, u, rec);
        break;
    case PERP_REC_LLM_CALL:
        llm_call_row(st, u, rec);
        break;
    case PERP_REC_REJECTION:
        rejection_row(st, u, rec);
        break;
    case PERP_REC_METRICS:
        metrics_row(st, u, rec);
        break;
    case PERP_REC_VERSION:
        return version_fields(u, rec);
    default:
        return PERP_EINVAL;
    }
    return pg_unit_failed(u) ? PERP_ENOMEM : PERP_OK;
}

int pg_rows_checkpoint(pg_rows_state *st, pg_unit *u, const perp_checkpoint *cp)
{
    free(u->cp.backend_state);
    free(u->cp.planner_state);
    free(u->cp.agent_state);
    u->has_checkpoint = 1;
    u->cp.seq = st->next_seq - 1;
    u->cp.cycle = cp->cycle;
    u->cp.cycle_ts = cp->cycle_ts;
    u->cp.ts = cp->ts;
    u->cp.backend_state = dup_or_null(cp->backend_state);
    u->cp.planner_state = dup_or_null(cp->planner_state);
    /* The host's own state is JSON (sdk.h): stored as it is, not parsed
     * again here (that was a fifth of a checkpoint's cost). */
    u->cp.agent_state = dup_or_null(cp->agent_state);
    /* The checkpoint names the cycle it ends: the count restarts from it
     * (the same number the EQUITY records gave, a closing mark aside). */
    st->cycle = cp->cycle;
    next_cycle(st);
    if ((cp->backend_state && !u->cp.backend_state) ||
        (cp->planner_state && !u->cp.planner_state) ||
        (cp->agent_state && !u->cp.agent_state))
        return PERP_ENOMEM;
    return PERP_OK;
}
