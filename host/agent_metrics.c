/*
 * agent_metrics.c — the version's METRICS record: the trade and equity
 * figures (metrics_version.c) with the account's money totals and the
 * planner's spending.
 */
#include "agent_recovery.h"

#include <string.h>

#include "log.h"
#include "metrics_version.h"

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
    a->persist.metrics_cycle = a->cycles;
    host_agent_emit(a, &rec);
}
