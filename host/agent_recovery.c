/*
 * agent_recovery.c — a run's start from the version's stored state, and
 * the replay's warm-up up to it (agent_recovery.h).
 */
#include "agent_recovery.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_state.h"
#include "decision_json.h"
#include "log.h"

typedef struct restored {
    host_agent *a;
    int have_checkpoint;
    size_t trades, equities;
} restored;

static int import_backend(host_agent *a, const char *state)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    if (!state)
        return PERP_OK;
    if (!vt->import_state) {
        host_log(PERP_LOG_ERROR, "agent",
                 "backend %s cannot import the stored state of version %s "
                 "(it has no import_state): give this agent another "
                 "agent.version",
                 a->backend.name, a->set.version);
        return PERP_ERR;
    }
    if (vt->import_state(a->backend.self, state) != PERP_OK) {
        host_log(PERP_LOG_ERROR, "agent",
                 "backend %s refused the stored state of version %s",
                 a->backend.name, a->set.version);
        return PERP_ERR;
    }
    return PERP_OK;
}

static int import_planner(host_agent *a, const char *state)
{
    const perp_planner_vtable *vt = a->planner.vtable;
    if (!state)
        return PERP_OK;
    if (!HOST_VT_HAS(vt, perp_planner_vtable, import_state)) {
        host_log(PERP_LOG_WARN, "agent",
                 "planner %s keeps no state: its stored state is ignored",
                 a->planner.name);
        return PERP_OK;
    }
    if (vt->import_state(a->planner.self, state) != PERP_OK) {
        host_log(PERP_LOG_ERROR, "agent",
                 "planner %s refused the stored state of version %s",
                 a->planner.name, a->set.version);
        return PERP_ERR;
    }
    return PERP_OK;
}

static int64_t int_of(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

/* The pending run of holds, {"count", "first_ts", "last_ts",
 * "decision"}, back into the agent's hold run. */
static void import_holds(host_agent *a, json_t *h)
{
    host_hold_run *r = &a->holds;
    json_t *doc = json_object_get(h, "decision");
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    char err[PERP_ERROR_MAX];
    r->count = 0;
    if (text && r->last && int_of(h, "count") > 0 &&
        host_decision_from_json(text, r->last, err, sizeof err) == PERP_OK) {
        r->count = int_of(h, "count");
        r->first_ts = int_of(h, "first_ts");
        r->last_ts = int_of(h, "last_ts");
    }
    free(text);
}

/* {"feedback": [...], "tally": {...}, "metrics_cycle": N, "holds": ...,
 * "bench": {...}} */
static void import_agent(host_agent *a, const char *state)
{
    json_t *root = state ? json_loads(state, 0, NULL) : NULL;
    json_t *fb = json_object_get(root, "feedback");
    size_t i;
    json_t *v;
    host_agent_feedback_clear(a);
    json_array_foreach(fb, i, v)
    {
        const char *line = json_string_value(v);
        char **f = realloc(a->feedback, (a->n_feedback + 1) * sizeof *f);
        if (!line || !f)
            continue;
        a->feedback = f;
        if ((f[a->n_feedback] = strdup(line)) != NULL)
            a->n_feedback++;
    }
    json_t *t = json_object_get(root, "tally");
    host_record_tally *tl = &a->bus.tally;
    tl->llm_calls = int_of(t, "llm_calls");
    tl->prompt_tokens = int_of(t, "prompt_tokens");
    tl->completion_tokens = int_of(t, "completion_tokens");
    tl->cached_tokens = int_of(t, "cached_tokens");
    tl->llm_cost_usd = json_number_value(json_object_get(t, "llm_cost_usd"));
    tl->decisions = int_of(t, "decisions");
    a->persist.metrics_cycle = int_of(root, "metrics_cycle");
    import_holds(a, json_object_get(root, "holds"));
    host_bench_state_from_json(json_object_get(root, "bench"), &a->bench_book,
                               &a->bench_stats);
    json_decref(root);
}

static perp_status on_checkpoint(void *ud, const perp_checkpoint *cp)
{
    restored *r = ud;
    host_agent *a = r->a;
    if (r->have_checkpoint)
        return PERP_OK; /* the first sink's state wins */
    if (import_backend(a, cp->backend_state) != PERP_OK ||
        import_planner(a, cp->planner_state) != PERP_OK)
        return PERP_ERR;
    host_agent_account_moved(a); /* a cached account is the old one */
    import_agent(a, cp->agent_state);
    r->have_checkpoint = 1;
    a->cycles = cp->cycle;
    /* --max-cycles counts the cycles of this run. */
    if (a->max_cycles > 0)
        a->max_cycles += cp->cycle;
    a->persist.last_cycle_ts = cp->cycle_ts;
    if (!a->live && cp->cycle > 0) {
        a->persist.resuming = 1;
        a->persist.resume_ts = cp->ts;
        a->persist.resume_cycle_ts = cp->cycle_ts;
        host_clock_advance(&a->clock, cp->ts);
    }
    return PERP_OK;
}

static perp_status on_record(void *ud, const perp_record *rec)
{
    restored *r = ud;
    if (rec->type == PERP_REC_TRADE) {
        host_trade_book_add(r->a->book, &rec->u.trade.fill);
        r->trades++;
    } else if (rec->type == PERP_REC_EQUITY) {
        host_equity_stats_add(&r->a->eq_stats, rec->ts, rec->u.equity.equity);
        r->equities++;
    }
    return PERP_OK;
}

void host_agent_checkpoints_detect(host_agent *a)
{
    for (size_t i = 0; i < a->n_sinks; i++) {
        const perp_sink_vtable *vt = a->sinks[i].vtable;
        a->persist.checkpoints |= HOST_VT_HAS(vt, perp_sink_vtable, checkpoint);
    }
}

int host_agent_restore(host_agent *a)
{
    restored r = {.a = a};
    perp_restore_visitor v = {.struct_size = sizeof v,
                              .ud = &r,
                              .checkpoint = on_checkpoint,
                              .record = on_record};
    host_agent_checkpoints_detect(a);
    for (size_t i = 0; i < a->n_sinks; i++) {
        const perp_sink_vtable *vt = a->sinks[i].vtable;
        if (!HOST_VT_HAS(vt, perp_sink_vtable, restore))
            continue;
        /* Only the first storing sink rebuilds the agent; the others are
         * opened (their records continue after their own checkpoint). */
        perp_restore_visitor ignore = {.struct_size = sizeof ignore};
        if (vt->restore(a->sinks[i].self, r.have_checkpoint ? &ignore : &v) !=
            PERP_OK)
            return PERP_ERR;
    }
    if (r.have_checkpoint)
        host_log(PERP_LOG_INFO, "agent",
                 "version %s resumes after cycle %lld: %zu trades, %zu "
                 "equity snapshots and the backend's state restored",
                 a->set.version, (long long)a->cycles, r.trades, r.equities);
    return PERP_OK;
}

/* ----------------------------------------------------------- replay */

static host_market *market_of(host_agent *a, const char *symbol)
{
    for (size_t i = 0; i < a->n_markets; i++)
        if (strcmp(a->markets[i].symbol, symbol) == 0)
            return &a->markets[i];
    return NULL;
}

int host_agent_resume_absorb(host_agent *a, const perp_event *ev)
{
    host_agent_persist *p = &a->persist;
    if (!p->resuming)
        return 0;
    if (ev->ts > p->resume_ts) {
        p->resuming = 0;
        host_log(PERP_LOG_INFO, "agent",
                 "replay resumes after %lld warm-up events",
                 (long long)p->absorbed);
        return 0;
    }
    p->absorbed++;
    const char *sym = ev->type == PERP_EV_TICK      ? ev->u.tick.symbol
                      : ev->type == PERP_EV_CANDLE  ? ev->u.candle.symbol
                      : ev->type == PERP_EV_FUNDING ? ev->u.funding.symbol
                                                    : NULL;
    host_market *m = sym ? market_of(a, sym) : NULL;
    if (!m)
        return 1;
    /* The backend's own market view (a slippage model's window of
     * candles) is not in its exported state: it sees the candles again,
     * as it did, but none of their prices (those are in its state). */
    if (ev->type == PERP_EV_CANDLE) {
        if (host_market_on_candle(m, &ev->u.candle))
            host_agent_market_candle(a, &ev->u.candle);
    } else if (ev->type == PERP_EV_FUNDING) {
        host_market_on_funding(m, &ev->u.funding);
    } else if (ev->type == PERP_EV_TICK) {
        perp_candle closed[64];
        size_t n = host_market_on_tick(m, &ev->u.tick, closed, 64);
        for (size_t i = 0; i < n; i++) {
            host_market_on_candle(m, &closed[i]);
            host_agent_market_candle(a, &closed[i]);
        }
    }
    return 1;
}

int64_t host_agent_resume_next(const host_agent *a, int64_t next)
{
    if (a->persist.resume_cycle_ts > 0 && !a->live)
        return a->persist.resume_cycle_ts + a->set.cycle_ms;
    return next;
}
