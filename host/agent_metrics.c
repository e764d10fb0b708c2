/*
 * agent_metrics.c — the version's METRICS record: the trade and equity
 * figures (metrics_version.c) with the account's money totals and the
 * planner's spending.
 */
#include "agent_recovery.h"

#include <math.h>
#include <string.h>

#include "log.h"
#include "metrics_version.h"

/* Issue 16's figures (docs/benchmark.md): the version against its
 * buy-and-hold book, from the paired returns folded in at every equity
 * snapshot; the P&L before and after fees and funding; the cadence. */
static void against_benchmark(const host_agent *a, const perp_account *acc,
                              perp_metrics_record *m)
{
    host_bench_figures f;
    host_bench_figures_of(&a->bench_stats, &f);
    m->bench_return_pct = f.return_pct;
    m->excess_return_pct = f.excess_return_pct;
    m->beta = f.beta;
    m->alpha_pct = f.alpha_pct;
    m->tracking_error_pct = f.tracking_error_pct;
    m->info_ratio = f.info_ratio;
    m->bench_periods = (int64_t)f.periods;
    /* The equity curve's last point, as the stored snapshots say (the
     * account's own before the first snapshot). */
    double equity = a->eq_stats.n ? m->equity : acc->equity;
    m->net_pnl = equity - acc->starting_equity;
    m->gross_pnl = m->net_pnl + acc->fees_paid - acc->funding_net;
    double days = (double)(m->last_ts - m->first_ts) / 86400000.0;
    m->decisions_per_day = days > 0 ? (double)m->decisions / days : NAN;
}

void host_agent_emit_metrics(host_agent *a)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    perp_account acc;
    memset(&acc, 0, sizeof acc);
    if (vt->account(a->backend.self, &acc) != PERP_OK)
        host_log(PERP_LOG_WARN, "agent", "backend %s: account unavailable",
                 a->backend.name);
    perp_record rec = {.type = PERP_REC_METRICS};
    perp_metrics_record *m = &rec.u.metrics;
    host_record_bus_lock(&a->bus);
    host_metrics_version(host_trade_book_all(a->book),
                         host_trade_book_count(a->book), &a->eq_stats,
                         acc.starting_equity, m);
    host_record_tally t = a->bus.tally;
    host_record_bus_unlock(&a->bus);
    m->cycles = a->cycles;
    m->realized_pnl = acc.realized_pnl;
    m->total_fees = acc.fees_paid;
    m->total_funding = acc.funding_net;
    m->llm_calls = t.llm_calls;
    m->prompt_tokens = t.prompt_tokens;
    m->completion_tokens = t.completion_tokens;
    m->cached_tokens = t.cached_tokens;
    m->llm_cost_usd = t.llm_cost_usd;
    m->decisions = t.decisions;
    m->cost_per_decision =
        t.decisions > 0 ? t.llm_cost_usd / (double)t.decisions : 0.0;
    against_benchmark(a, &acc, m);
    a->persist.metrics_cycle = a->cycles;
    host_agent_emit(a, &rec);
}
