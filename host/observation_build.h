/*
 * observation_build.h — the perp_observation a cycle hands its planner.
 *
 * Two forms (DESIGN.md, "Backtests and the arena"):
 *   - the view (host_obs_view): built in place every cycle, it borrows the
 *     candle and indicator series where the markets keep them (mirrored
 *     rings give contiguous runs) and allocates nothing after init. Valid
 *     until the next market event changes what it points to, so it is
 *     only read on the host thread (replay, backtests, the arena).
 *   - the snapshot (host_obs_snapshot): a deep copy of a view that owns
 *     everything it points to, for a planner thread that reads it while
 *     ticks keep arriving (live).
 */
#ifndef HOST_OBSERVATION_BUILD_H
#define HOST_OBSERVATION_BUILD_H

#include <perp/sdk.h>

#include "arena.h"
#include "market_state.h"

typedef struct host_obs_inputs {
    int64_t ts, cycle;
    const char *version;
    int64_t ctx_interval_ms;
    const host_market *markets;     /* n_markets */
    const perp_symbol_rules *rules; /* one per market */
    size_t n_markets;
    const perp_account *account;   /* may be the view's own obs.account */
    const perp_round_trip *recent; /* newest first */
    size_t n_recent;
    const perp_metrics *metrics;
    const perp_limits *limits;
    const char *const *feedback;
    size_t n_feedback;
    int64_t stale_after_ms; /* 0: only a market never priced is stale */
    const perp_market_slippage *slippage; /* n_markets, or NULL */
    int64_t stale_before; /* a market last priced before this is stale
                             (priced before a replay's skipped gap) */
} host_obs_inputs;

/* Which chain a view's outputs were last filled from, and at how many
 * candles: until its next candle they are still right (a context chain
 * moves once every few hundred cycles). */
typedef struct host_obs_filled {
    const void *chain;
    uint64_t candles;
} host_obs_filled;

typedef struct host_obs_view {
    perp_observation obs;
    perp_market_view *markets;    /* owned, n_markets */
    perp_indicator_value *values; /* owned: every market's outputs */
    perp_market_warmup *warmup;   /* owned, n_markets */
    perp_warmup *warm;            /* owned: parallel to values */
    host_obs_filled *filled;      /* owned: 2 per market (1m, context) */
    size_t n_markets, n_values;
} host_obs_view;

/* Sizes the view for these markets (their indicator chains complete).
 * PERP_OK or PERP_ENOMEM. */
int host_obs_view_init(host_obs_view *v, const host_market *markets,
                       size_t n_markets);
void host_obs_view_free(host_obs_view *v);
/* Fills v->obs for this cycle: no allocation, no copy of a series. Every
 * pointer inside borrows from in (markets, strings, arrays). */
const perp_observation *host_obs_view_update(host_obs_view *v,
                                             const host_obs_inputs *in);

typedef struct host_obs_snapshot {
    perp_observation obs; /* every pointer inside points into arena */
    host_arena arena;
} host_obs_snapshot;

/* A deep copy of obs. NULL on allocation failure. */
host_obs_snapshot *host_obs_snapshot_copy(const perp_observation *obs);
/* View then copy, in one call (tests, the live loop). */
host_obs_snapshot *host_obs_build(const host_obs_inputs *in);
void host_obs_free(host_obs_snapshot *s);

/* 1 if a market last priced at last_update is stale at now. */
int host_market_is_stale(int64_t last_update, int64_t now,
                         int64_t stale_after_ms);

#endif
