/*
 * plugin_record_bus.h — hands every record to every sink, stamped with the
 * agent version (and the clock when a plugin left ts at 0). Backends emit TRADE
 * records from the main thread and planners emit LLM_CALL records from the
 * planner thread, so writes are serialised by a mutex. Every TRADE also feeds
 * the version's trade book (round trips, metrics), and each round trip it
 * closes goes out as a ROUND_TRIP record; LLM calls and decisions are
 * tallied for the version's metrics. Record types of ABI 1.2 reach only
 * sinks built for 1.2 or later.
 */
#ifndef HOST_PLUGIN_RECORD_BUS_H
#define HOST_PLUGIN_RECORD_BUS_H

#include <pthread.h>

#include <perp/sdk.h>

#include "clock.h"
#include "metrics.h"
#include "plugin_instance.h"

/* What the version spent on its planner, all time (restored at start). */
typedef struct host_record_tally {
    int64_t llm_calls, prompt_tokens, completion_tokens, cached_tokens;
    double llm_cost_usd;
    int64_t decisions; /* cycles the planner decided (the agent counts) */
} host_record_tally;

typedef struct host_record_bus {
    pthread_mutex_t mu;
    const char *version;     /* borrowed */
    const host_clock *clock; /* borrowed */
    host_instance *sinks;    /* borrowed array of sink instances */
    size_t n_sinks;
    host_trade_book *book; /* borrowed */
    host_record_tally tally;
    uint64_t write_errors;
    uint64_t llm_calls; /* LLM_CALL records seen: a decision made while
                           this grew cost a model call */
    /* In-process observer of every record after the sinks (backtest
     * totals, hash, report; the bench's in-memory sink); NULL: none.
     * Called under the bus mutex with the stamped record. */
    void (*tap)(void *ud, const perp_record *rec);
    void *tap_ud;
} host_record_bus;

void host_record_bus_init(host_record_bus *b, const char *version,
                          const host_clock *clock, host_trade_book *book);
void host_record_bus_destroy(host_record_bus *b);
void host_record_bus_set_sinks(host_record_bus *b, host_instance *sinks,
                               size_t n);
void host_record_bus_set_tap(host_record_bus *b,
                             void (*tap)(void *ud, const perp_record *rec),
                             void *ud);
/* LLM_CALL records emitted so far. */
uint64_t host_record_bus_llm_calls(host_record_bus *b);
/* Signature of host_context.emit; ud is the bus. */
void host_record_bus_emit(void *ud, const perp_record *rec);
void host_record_bus_flush(host_record_bus *b);
/* Hands cp to every sink that takes checkpoints (ABI 1.2), in order with
 * the records. */
void host_record_bus_checkpoint(host_record_bus *b, const perp_checkpoint *cp);
/* Hold while reading the trade book or the tally outside the bus. */
void host_record_bus_lock(host_record_bus *b);
void host_record_bus_unlock(host_record_bus *b);

#endif
