/*
 * observation_build.h — takes a snapshot of the agent's state as a
 * perp_observation that owns everything it points to, so a planner may
 * read it on another thread while ticks keep arriving.
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
    const perp_account *account;
    const perp_round_trip *recent; /* newest first */
    size_t n_recent;
    const perp_metrics *metrics;
    const perp_limits *limits;
    const char *const *feedback;
    size_t n_feedback;
    int64_t stale_after_ms; /* 0: only a market never priced is stale */
} host_obs_inputs;

typedef struct host_obs_snapshot {
    perp_observation obs; /* every pointer inside points into arena */
    host_arena arena;
} host_obs_snapshot;

/* Everything is copied. NULL on allocation failure. */
host_obs_snapshot *host_obs_build(const host_obs_inputs *in);
void host_obs_free(host_obs_snapshot *s);

/* 1 if a market last priced at last_update is stale at now. */
int host_market_is_stale(int64_t last_update, int64_t now,
                         int64_t stale_after_ms);

#endif
