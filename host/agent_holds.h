/*
 * agent_holds.h — collapses a planner's repeated holds into one decision
 * record. A rules backtest decides "hold" on every coin in almost every
 * cycle, with a justification that changes only in its numbers; writing
 * each one (66,000 records of the same five sentences over 46 days) cost
 * more than the trading. A run of consecutive hold decisions is kept here
 * and written once, when it ends, as the last decision of the run with
 * "held": {"cycles": N, "from": first ts, "to": last ts}, stamped with the
 * last held cycle. A run of one is written as it was. Decisions that cost
 * an LLM call are never collapsed (the caller decides).
 */
#ifndef HOST_AGENT_HOLDS_H
#define HOST_AGENT_HOLDS_H

#include <stdint.h>

#include <perp/sdk.h>

typedef struct host_hold_run {
    perp_decision *last; /* owned: the newest hold of the run */
    int64_t count, first_ts, last_ts;
    int64_t max_cycles; /* a run this long is written (0: no limit) */
} host_hold_run;

/* PERP_OK or PERP_ENOMEM. max_cycles: bound on a run's length, so a live
 * dashboard sees holds within that many cycles (0: unbounded). */
int host_hold_run_init(host_hold_run *r, int64_t max_cycles);
void host_hold_run_free(host_hold_run *r);

/* 1 if d changes nothing: every coin held, no exit plan given, no error. */
int host_decision_is_hold(const perp_decision *d);
/* Adds a hold decided at ts. Returns 1 when the run has reached
 * max_cycles and should be written now. */
int host_hold_run_add(host_hold_run *r, const perp_decision *d, int64_t ts);
/* The run as one decision record's JSON (malloc'd, caller frees) and its
 * time in *ts, and empties the run; NULL when the run is empty. */
char *host_hold_run_take(host_hold_run *r, int64_t *ts);

#endif
