/*
 * agent_cycle.c — one decision cycle: observation, plan, validation,
 * position manager, orders, and the records of each step.
 */
#include "agent_internal.h"
#include "agent_recovery.h"

#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision_json.h"
#include "log.h"
#include "observation_json.h"
#include "position_manager.h"
#include "validator.h"

void host_agent_emit(host_agent *a, perp_record *rec)
{
    rec->ts = host_clock_now(&a->clock);
    host_record_bus_emit(&a->bus, rec);
}

void host_agent_feedback_clear(host_agent *a)
{
    for (size_t i = 0; i < a->n_feedback; i++)
        free(a->feedback[i]);
    a->n_feedback = 0;
}

static void feedback_add(host_agent *a, const char *fmt, ...) PERP_PRINTF(2, 3);
static void feedback_add(host_agent *a, const char *fmt, ...)
{
    char line[PERP_ERROR_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **f = realloc(a->feedback, (a->n_feedback + 1) * sizeof *f);
    if (!f)
        return;
    a->feedback = f;
    f[a->n_feedback] = strdup(line);
    if (f[a->n_feedback])
        a->n_feedback++;
}

/* The header is cleared; each position reported is the backend's to
 * fill (an account is 13 KB, most of it unused position slots). */
static void backend_account(host_agent *a, perp_account *acc)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    memset(acc, 0, offsetof(perp_account, positions));
    if (vt->account(a->backend.self, acc) != PERP_OK)
        host_log(PERP_LOG_WARN, "agent", "backend %s: account unavailable",
                 a->backend.name);
    if (acc->n_positions > PERP_MAX_SYMBOLS)
        acc->n_positions = PERP_MAX_SYMBOLS;
}

/* The backend's account now: the one read this cycle unless something
 * may have changed it since. */
static const perp_account *current_account(host_agent *a)
{
    if (!a->acc_now) {
        backend_account(a, &a->acc_buf);
        a->acc_now = &a->acc_buf;
    }
    return a->acc_now;
}

static void backend_rules(host_agent *a, perp_symbol_rules *rules)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    for (size_t i = 0; i < a->n_markets; i++) {
        memset(&rules[i], 0, sizeof rules[i]);
        if (vt->rules)
            vt->rules(a->backend.self, a->markets[i].symbol, &rules[i]);
    }
}

/* What market orders of the observation's sizes would pay on each
 * market (sdk.h, perp_market_slippage); 0 when the backend does not say. */
static int backend_slippage(host_agent *a, const perp_account *acc)
{
    static const double sizes[PERP_SLIPPAGE_QUOTES - 1] = {1e3, 1e4, 1e5};
    const perp_backend_vtable *vt = a->backend.vtable;
    if (!HOST_VT_HAS(vt, perp_backend_vtable, slippage))
        return 0;
    for (size_t i = 0; i < a->n_markets; i++) {
        perp_market_slippage *ms = &a->slip[i];
        double lev = a->rules[i].max_leverage;
        if (a->set.limits.max_leverage > 0 &&
            (!(lev > 0) || a->set.limits.max_leverage < lev))
            lev = a->set.limits.max_leverage;
        memset(ms, 0, sizeof *ms);
        for (size_t k = 0; k < PERP_SLIPPAGE_QUOTES; k++) {
            ms->notional[k] = k < PERP_SLIPPAGE_QUOTES - 1
                                  ? sizes[k]
                                  : fmax(0.0, acc->available * lev);
            /* A fixed cost is the same at every size: asked once. */
            if (k > 0 && strcmp(ms->model, "fixed") == 0) {
                ms->bps[k] = ms->bps[0];
                continue;
            }
            perp_slippage q = {.struct_size = sizeof q};
            if (vt->slippage(a->backend.self, a->markets[i].symbol,
                             ms->notional[k], &q) != PERP_OK) {
                ms->bps[k] = NAN;
                continue;
            }
            ms->bps[k] = q.bps;
            memcpy(ms->model, q.model, sizeof ms->model);
            ms->model[sizeof ms->model - 1] = '\0';
            ms->floor_bps = q.floor_bps;
            ms->k = q.k;
            ms->cap_bps = q.cap_bps;
            ms->window_ms = q.window_ms;
            ms->sigma_1m = q.sigma_1m;
            ms->volume_1m = q.volume_1m;
        }
    }
    return 1;
}

/* Last cycle's feedback becomes this cycle's; the list fills anew. */
static void rotate_feedback(host_agent *a)
{
    for (size_t i = 0; i < a->n_shown; i++)
        free(a->shown[i]);
    free(a->shown);
    a->shown = a->feedback;
    a->n_shown = a->n_feedback;
    a->feedback = NULL;
    a->n_feedback = 0;
}

static void emit_observation(host_agent *a, const perp_observation *obs)
{
    host_jw_reset(&a->obs_text);
    host_observation_render(obs, &a->obs_text);
    const char *json = host_jw_text(&a->obs_text);
    if (!json) {
        host_log(PERP_LOG_ERROR, "agent", "cycle %lld: out of memory",
                 (long long)a->cycles);
        return;
    }
    perp_record rec = {.type = PERP_REC_OBSERVATION};
    rec.u.json.json = json;
    host_agent_emit(a, &rec);
}

const perp_observation *host_agent_cycle_observe(host_agent *a, int64_t ts)
{
    perp_metrics metrics;
    perp_observation *o = &a->view.obs;
    backend_account(a, &o->account);
    a->acc_now = &o->account;
    backend_rules(a, a->rules);
    int has_slippage = backend_slippage(a, &o->account);
    rotate_feedback(a);
    host_record_bus_lock(&a->bus);
    size_t n_recent =
        host_trade_book_recent(a->book, a->recent, HOST_RECENT_TRADES);
    host_metrics_from_book(a->book, &a->eq_stats, o->account.starting_equity,
                           &metrics);
    host_obs_inputs in = {
        .ts = ts,
        .cycle = a->cycles,
        .version = a->set.version,
        .ctx_interval_ms = a->set.ctx_ms,
        .markets = a->markets,
        .rules = a->rules,
        .n_markets = a->n_markets,
        .account = &o->account,
        .recent = a->recent,
        .n_recent = n_recent,
        .metrics = &metrics,
        .limits = &a->set.limits,
        .feedback = (const char *const *)a->shown,
        .n_feedback = a->n_shown,
        .stale_after_ms = a->set.stale_after_ms,
        .slippage = has_slippage ? a->slip : NULL,
        .stale_before = a->stale_before,
    };
    const perp_observation *obs = host_obs_view_update(&a->view, &in);
    host_record_bus_unlock(&a->bus);
    /* The planner sees every observation; a long replay may keep only
     * every Nth as a record (each is tens of kilobytes), rendered only
     * then. */
    if ((a->cycles - 1) % a->set.observation_every == 0)
        emit_observation(a, obs);
    return obs;
}

static void reject(host_agent *a, const char *symbol, const char *why,
                   const perp_coin_decision *d)
{
    char *dj = d ? host_coin_decision_to_json(d) : NULL;
    perp_record rec = {.type = PERP_REC_REJECTION};
    snprintf(rec.u.rejection.symbol, sizeof rec.u.rejection.symbol, "%s",
             symbol);
    snprintf(rec.u.rejection.reason, sizeof rec.u.rejection.reason, "%s", why);
    rec.u.rejection.decision_json = dj;
    host_agent_emit(a, &rec);
    free(dj);
    feedback_add(a, "%s: rejected: %s", symbol, why);
    host_log(PERP_LOG_INFO, "agent", "rejected symbol=%s reason=\"%s\"", symbol,
             why);
}

static const perp_position *position_of(const perp_account *acc,
                                        const char *symbol)
{
    for (size_t i = 0; i < acc->n_positions && i < PERP_MAX_SYMBOLS; i++)
        if (strcmp(acc->positions[i].symbol, symbol) == 0 &&
            acc->positions[i].qty != 0)
            return &acc->positions[i];
    return NULL;
}

static int has_exit_plan(const perp_exit_plan *p)
{
    return p->profit_target != 0 || p->stop_loss != 0 || p->invalidation[0];
}

static void set_exit_plan(host_agent *a, const char *symbol,
                          const perp_exit_plan *plan)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    a->acc_now = NULL;
    if (vt->set_exit_plan &&
        vt->set_exit_plan(a->backend.self, symbol, plan) != PERP_OK)
        feedback_add(a, "%s: the backend refused the exit plan", symbol);
}

static void submit(host_agent *a, const perp_coin_decision *d,
                   const perp_order *o)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    perp_fill fill;
    char why[PERP_ERROR_MAX - 16] = "";
    memset(&fill, 0, sizeof fill);
    a->acc_now = NULL;
    int rc = vt->submit(a->backend.self, o, &fill, why, sizeof why);
    if (rc != PERP_OK) {
        char msg[PERP_ERROR_MAX];
        snprintf(msg, sizeof msg, "backend: %s",
                 why[0] ? why : "order refused");
        reject(a, o->symbol, msg, d);
        return;
    }
    if (has_exit_plan(&d->exit_plan) && fill.position_after != 0)
        set_exit_plan(a, o->symbol, &d->exit_plan);
}

static void apply_coin(host_agent *a, const perp_observation *obs,
                       const perp_coin_decision *d)
{
    const perp_market_view *mv = NULL;
    char why[PERP_ERROR_MAX] = "";
    if (!host_validate_decision(obs, d, &mv, why, sizeof why) || !mv) {
        reject(a, mv ? mv->symbol : d->coin, why[0] ? why : "invalid", d);
        return;
    }
    if (d->signal == PERP_SIGNAL_HOLD && !has_exit_plan(&d->exit_plan))
        return; /* nothing to send, nothing to change */
    const perp_position *cur = position_of(current_account(a), mv->symbol);
    perp_order o;
    perp_fill_cause cause;
    memset(&o, 0, sizeof o);
    int64_t now = host_clock_now(&a->clock);
    if (!host_pm_order_for(d, mv->symbol, cur, now, &o, &cause)) {
        if (cur && d->signal != PERP_SIGNAL_CLOSE &&
            has_exit_plan(&d->exit_plan))
            set_exit_plan(a, mv->symbol, &d->exit_plan);
        return;
    }
    if (a->set.dry_run) {
        host_log(PERP_LOG_INFO, "agent",
                 "dry run: would send symbol=%s qty=%.10g leverage=%g",
                 o.symbol, o.qty, o.leverage);
        return;
    }
    submit(a, d, &o);
}

/* The buy-and-hold book at the markets' prices now (benchmark.h). */
static double benchmark_now(host_agent *a, double equity0)
{
    double px[PERP_MAX_SYMBOLS];
    size_t n =
        a->n_markets < PERP_MAX_SYMBOLS ? a->n_markets : PERP_MAX_SYMBOLS;
    for (size_t i = 0; i < n; i++)
        px[i] = host_market_mid(&a->markets[i]);
    return host_bench_book_value(&a->bench_book, px, n, equity0);
}

void host_agent_record_account(host_agent *a)
{
    const perp_account *acc = current_account(a);
    int64_t now = host_clock_now(&a->clock);
    /* Before the record goes out, so a tap reading bench_value pairs it
     * with this snapshot. */
    a->bench_value = benchmark_now(a, acc->starting_equity);
    host_bench_stats_add(&a->bench_stats, now, acc->equity, a->bench_value);
    perp_record rec = {.type = PERP_REC_EQUITY};
    perp_equity_record *e = &rec.u.equity;
    e->equity = acc->equity;
    e->cash = acc->cash;
    e->available = acc->available;
    e->unrealized_pnl = acc->unrealized_pnl;
    e->margin_used = acc->margin_used;
    e->realized_pnl = acc->realized_pnl;
    e->fees_paid = acc->fees_paid;
    e->funding_net = acc->funding_net;
    host_agent_emit(a, &rec);
    for (size_t i = 0; i < acc->n_positions; i++) {
        perp_record p = {.type = PERP_REC_POSITION};
        p.u.position = acc->positions[i];
        host_agent_emit(a, &p);
    }
    host_equity_stats_add(&a->eq_stats, now, acc->equity);
}

static void emit_decision_json(host_agent *a, const char *json, int64_t ts)
{
    perp_record rec = {.type = PERP_REC_DECISION};
    rec.ts = ts;
    rec.u.json.json = json;
    host_record_bus_emit(&a->bus, &rec);
}

void host_agent_holds_flush(host_agent *a)
{
    int64_t ts = 0;
    char *json = host_hold_run_take(&a->holds, &ts);
    if (json)
        emit_decision_json(a, json, ts);
    free(json);
}

/* Unchanged holds are kept back and written as one record when their
 * run ends; any other decision, and every decision that cost an LLM call,
 * is written whole at once. */
static void record_decision(host_agent *a, const perp_decision *d, int llm)
{
    int64_t now = host_clock_now(&a->clock);
    if (!llm && host_decision_is_hold(d)) {
        if (host_hold_run_add(&a->holds, d, now))
            host_agent_holds_flush(a);
        return;
    }
    host_agent_holds_flush(a);
    char *json = host_decision_to_json(d);
    if (json)
        emit_decision_json(a, json, now);
    free(json);
}

void host_agent_cycle_apply(host_agent *a, const perp_observation *obs,
                            const perp_decision *d, int plan_rc, int llm)
{
    if (plan_rc != PERP_OK) {
        host_log(PERP_LOG_ERROR, "agent",
                 "planner %s failed (status %d); holding everything",
                 a->planner.name, plan_rc);
        feedback_add(a, "planner error: the planner failed (status %d)",
                     plan_rc);
    } else {
        if (d->error[0])
            feedback_add(a, "planner error: %s", d->error);
        record_decision(a, d, llm);
        for (size_t i = 0; i < d->n_coins && i < PERP_MAX_SYMBOLS; i++) {
            char why[PERP_ERROR_MAX];
            if (host_decision_names_twice(obs, d, i, why, sizeof why))
                reject(a, d->coins[i].coin, why, &d->coins[i]);
            else
                apply_coin(a, obs, &d->coins[i]);
        }
    }
    host_agent_record_account(a);
    host_agent_cycle_end(a, obs->ts, plan_rc == PERP_OK);
}

void host_agent_cycle_sync(host_agent *a, int64_t ts)
{
    a->cycles++;
    const perp_observation *obs = host_agent_cycle_observe(a, ts);
    uint64_t calls = host_record_bus_llm_calls(&a->bus);
    int rc = host_planner_call_reuse(a->planner.vtable, a->planner.self, obs,
                                     &a->decision, &a->decision_used);
    int llm = host_record_bus_llm_calls(&a->bus) != calls;
    host_agent_cycle_apply(a, obs, &a->decision, rc, llm);
}
