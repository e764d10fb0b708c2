/*
 * agent_internal.h — the state of one running agent, shared by agent.c
 * (assembly from YAML), agent_run.c (the event loop) and agent_cycle.c
 * (one decision cycle). Not for other modules.
 */
#ifndef HOST_AGENT_INTERNAL_H
#define HOST_AGENT_INTERNAL_H

#include <signal.h>

#include "agent.h"
#include "agent_settings.h"
#include "clock.h"
#include "config.h"
#include "plugin_loader.h"
#include "market_state.h"
#include "metrics.h"
#include "planner_worker.h"
#include "plugin_instance.h"
#include "plugin_record_bus.h"

struct host_agent {
    host_config *cfg; /* owned; every node and string below
                         borrowed from it lives until close */
    host_agent_settings set;
    host_plugin_path path; /* owned */
    host_clock clock;
    host_context ctx; /* shared by every plugin's host table */
    host_record_bus bus;
    host_trade_book *book; /* owned */
    host_instance *feeds;  /* owned, n_feeds */
    size_t n_feeds;
    host_instance planner, backend; /* owned */
    host_instance *sinks;           /* owned, n_sinks */
    size_t n_sinks;
    host_instance *services; /* owned, n_services */
    size_t n_services;
    int services_started;
    host_market *markets; /* owned, one per symbol */
    size_t n_markets;
    int live; /* any live feed: wall clock */
    int64_t max_cycles;

    /* run state */
    int64_t cycles; /* cycles started */
    host_planner_worker worker;
    char **feedback; /* owned: shown to the planner next cycle */
    size_t n_feedback;
    host_equity_stats eq_stats; /* the equity curve, folded per snapshot */
    uint64_t unknown_symbol_events;
    int version_emitted;
};

/* agent_cycle.c */
/* Builds the observation at ts and emits it; NULL on failure (logged). */
host_obs_snapshot *host_agent_cycle_observe(host_agent *a, int64_t ts);
/* Applies a planner's answer: DECISION record, validation, orders,
 * EQUITY and POSITION records. Takes ownership of snap. */
void host_agent_cycle_apply(host_agent *a, host_obs_snapshot *snap,
                            const perp_decision *d, int plan_rc);
/* The replay cycle: observe, plan synchronously, apply. */
void host_agent_cycle_sync(host_agent *a, int64_t ts);
void host_agent_feedback_clear(host_agent *a);
/* EQUITY and POSITION records of the backend's account at the clock's
 * time, folded into the equity curve. */
void host_agent_record_account(host_agent *a);

/* agent_warmup.c */
/* Live start: recent candles of every market from the first feed that
 * can backfill, as many as the indicators need (agent.c sizes them). */
void host_agent_warmup(host_agent *a, int64_t now);

/* Emits a record at the agent's clock. */
void host_agent_emit(host_agent *a, perp_record *rec);

#endif
