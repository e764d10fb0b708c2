/*
 * agent_internal.h — the state of one running agent, shared by agent.c
 * (assembly from YAML), agent_run.c (the event loop) and agent_cycle.c
 * (one decision cycle). Not for other modules.
 */
#ifndef HOST_AGENT_INTERNAL_H
#define HOST_AGENT_INTERNAL_H

#include <signal.h>
#include <stdatomic.h>

#include "agent.h"
#include "agent_holds.h"
#include "json_writer.h"
#include "observation_build.h"
#include "agent_settings.h"
#include "benchmark.h"
#include "clock.h"
#include "config.h"
#include "plugin_loader.h"
#include "market_state.h"
#include "metrics.h"
#include "planner_worker.h"
#include "plugin_instance.h"
#include "plugin_record_bus.h"

#define HOST_RECENT_TRADES 10

/* Checkpoints and resume (agent_recovery.h). */
typedef struct host_agent_persist {
    int checkpoints;       /* some sink takes checkpoints */
    int64_t last_cycle_ts; /* time of the newest cycle run */
    int64_t metrics_cycle; /* cycle of the newest METRICS record */
    int resuming;          /* replay: events up to resume_ts only warm up */
    int64_t resume_ts, resume_cycle_ts;
    int64_t absorbed;           /* events used for warm-up only */
    int64_t checkpoint_wall_ms; /* monotonic time of the newest checkpoint,
                                   0: none yet in this run */
} host_agent_persist;

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
    host_market *markets; /* owned, one per symbol (borrowed when shared) */
    int markets_shared;   /* a backtest version reading another's markets */
    size_t n_markets;
    int live;     /* any live feed: wall clock */
    int backtest; /* driven by a backtest: no feeds, no services */
    int64_t max_cycles;

    /* run state */
    int64_t cycles; /* cycles started */
    host_planner_worker worker;
    char **feedback; /* owned: shown to the planner next cycle */
    size_t n_feedback;
    char **shown; /* owned: the feedback this cycle's observation shows */
    size_t n_shown;
    host_equity_stats eq_stats;   /* the equity curve, folded per snapshot */
    host_bench_book bench_book;   /* buy-and-hold of agent.symbols */
    host_bench_stats bench_stats; /* paired with the equity curve */
    double bench_value; /* the book at the last snapshot, NAN before */
    uint64_t unknown_symbol_events;
    int version_emitted;

    /* The cycle's reusable state: nothing below is allocated per cycle. */
    host_obs_view view; /* borrows the markets; host thread only */
    perp_symbol_rules rules[PERP_MAX_SYMBOLS];
    perp_market_slippage slip[PERP_MAX_SYMBOLS]; /* what orders pay */
    perp_round_trip recent[HOST_RECENT_TRADES];  /* newest first */
    /* The backend's account as last read, or NULL once anything may have
     * changed it (an event, an order): an account is 13 KB, read once a
     * cycle instead of once per coin. */
    const perp_account *acc_now;
    perp_account acc_buf;
    host_jw obs_text;            /* observation records, rendered when due */
    host_hold_run holds;         /* unchanged holds not yet recorded */
    perp_decision decision;      /* the replay cycle's answer */
    size_t decision_used;        /* coin slots to clear before the next */
    uint64_t llm_calls_at_start; /* live: bus count when the plan began */
    int64_t next_cycle;          /* replay: the next cycle boundary */
    /* replay gaps (agent_gap.c) */
    int64_t last_event_ts; /* the latest event so far */
    int64_t stale_before;  /* markets priced before this are stale */
    uint64_t gaps_skipped; /* stretches over agent.max_gap */
    int64_t gap_cycles_skipped;

    host_agent_persist persist; /* agent_recovery.h */
};

/* agent_cycle.c */
/* Fills a->view for the cycle at ts (borrowing the markets) and emits the
 * OBSERVATION record when one is due. */
const perp_observation *host_agent_cycle_observe(host_agent *a, int64_t ts);
/* Applies a planner's answer to the observation it was made from:
 * DECISION record (unchanged holds collapsed), validation, orders, EQUITY
 * and POSITION records. llm: the decision cost a model call (kept whole). */
void host_agent_cycle_apply(host_agent *a, const perp_observation *obs,
                            const perp_decision *d, int plan_rc, int llm);
/* Writes the collapsed holds still pending (end of run). */
void host_agent_holds_flush(host_agent *a);
/* An event may have changed the account. */
static inline void host_agent_account_moved(host_agent *a)
{
    a->acc_now = NULL;
}
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
/* The same for several agents from one feed (NULL: none can backfill):
 * one fetch per symbol and interval, each agent its own tail of it. */
void host_agents_warmup(host_agent *const *agents, size_t n,
                        const host_instance *feed, int64_t now);

/* agent_run.c: one agent's part of a live run, driven by its own loop or
 * by the live arena (live_arena.c), which feeds every version the same
 * events and starts their cycles at the same boundaries. */
/* Closes the candles whose minute has ended by now. */
void host_agent_live_advance(host_agent *a, int64_t now);
/* A cycle at boundary: the observation copied for the planner thread. */
void host_agent_live_start_cycle(host_agent *a, int64_t boundary);
/* Applies the planner's answer if it has come. */
void host_agent_live_collect(host_agent *a);
int host_agent_live_busy(const host_agent *a);
/* max_cycles reached. */
int host_agent_cycles_done(const host_agent *a);
void host_agent_services_start(host_agent *a);
void host_agent_services_stop(host_agent *a);
/* The stop flag SIGINT/SIGTERM set, for plugins outside any agent. */
const atomic_int *host_agent_stop_flag(void);

/* agent_run.c: one agent's part of a replay, driven by its own loop or
 * by a backtest over several agents on one tape (backtest_run.c). */
/* Clock at the first event, version registered, first boundary set. */
void host_agent_replay_start(host_agent *a, int64_t first_ts);
/* Runs every cycle due before ts (events at a boundary come first). */
void host_agent_replay_cycles_before(host_agent *a, int64_t ts);
/* One event. markets_done: the markets (shared with another agent) have
 * already taken it, and *accepted says whether they did; else this agent
 * updates its markets and sets *accepted. */
void host_agent_replay_event(host_agent *a, const perp_event *ev,
                             int markets_done, int *accepted);
/* The data ended at last_ts: the cycles due up to it, then a closing
 * mark if last_ts is off the cycle grid. */
void host_agent_replay_finish(host_agent *a, int64_t last_ts);
/* Stop requested (signal) or max_cycles reached. */
int host_agent_replay_done(const host_agent *a);
int host_agent_handle_event(host_agent *a, const perp_event *ev,
                            int markets_done, int accepted);
void host_agent_emit_version(host_agent *a);
/* The process-wide stop flag SIGINT/SIGTERM set. */
void host_agent_request_stop(void);
int host_agent_stop_requested(void);
void host_agent_bind_stop(host_agent *a);
/* 1 if a sink could not take some of a's records (writes, flushes or
 * checkpoints failed), after saying how many for its version: those are
 * lost for good, so the run did not do all it was asked (exit status 1,
 * in `perpd run`, the live arena and `perpd backtest` alike). */
int host_agent_writes_failed(const host_agent *a);

/* agent_run.c: a closed candle the markets took, to the backend's
 * statistics (perp_backend_vtable.market_candle, when it has one). */
void host_agent_market_candle(host_agent *a, const perp_candle *c);

/* agent_gap.c */
/* Replay: if no event came from last_ts (the latest so far) to ev_ts for
 * longer than agent.max_gap, runs the cycles due up to last_ts, moves
 * next_cycle to the first boundary at or after ev_ts (the empty cycles
 * are not run), marks every market stale until its next price and logs
 * the gap's start and end. 1 if it skipped, else 0. */
int host_agent_replay_gap(host_agent *a, int64_t last_ts, int64_t ev_ts);
/* One line at the end of a replay that skipped gaps. */
void host_agent_replay_gap_summary(const host_agent *a);

/* Emits a record at the agent's clock. */
void host_agent_emit(host_agent *a, perp_record *rec);

#endif
