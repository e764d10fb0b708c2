/*
 * agent_settings.h — the `agent:` and `limits:` sections of a pipeline
 * file, checked and defaulted, and the list of allowed top-level keys.
 */
#ifndef HOST_AGENT_SETTINGS_H
#define HOST_AGENT_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include <perp/sdk.h>

/* agent.checkpoint_every: a replay's cycles between two checkpoints
 * (agent_recovery.h). A day of one-minute cycles: a checkpoint costs
 * tens of microseconds and a commit, a replay runs about 100,000 cycles a
 * second, so a crash loses at most a few milliseconds of work, and
 * `make replay` writes 46 checkpoints instead of 66,000. */
#define HOST_CHECKPOINT_EVERY_DEFAULT 1440
#define HOST_CHECKPOINT_EVERY_MAX     1000000
/* and at the first cycle end this long (wall time) after the last one. */
#define HOST_CHECKPOINT_WALL_MS 1000

/* Real data pauses for exchange halts of an hour or two (80 minutes in
 * ../shared/history); a longer stretch is missing data, not a market. */
#define HOST_MAX_GAP_DEFAULT_MS (4 * 3600000LL)

typedef struct host_agent_settings {
    const char *version;     /* borrowed from the config tree */
    const char *description; /* borrowed, "" if absent */
    int64_t cycle_ms;        /* default 60 s */
    int64_t ctx_ms;          /* context timeframe, default 6 h */
    int64_t stale_after_ms;  /* default 2 min */
    int64_t max_gap_ms;      /* replay: a stretch without any event longer
                                than this is skipped, not cycled through
                                (default HOST_MAX_GAP_DEFAULT_MS) */
    const char *symbols[PERP_MAX_SYMBOLS]; /* borrowed or static */
    size_t n_symbols;
    int dry_run;
    int bootstrap;                /* live: fetch recent candles at start */
    size_t history;               /* candles kept per timeframe, default 60 */
    size_t warmup_override;       /* agent.warmup: 1m candles fetched at a
                                     live start; 0: sized from the lookbacks */
    size_t warmup_1m, warmup_ctx; /* live: candles fetched at start per
                                     timeframe (set by the agent once its
                                     indicators are open) */
    size_t series;                /* indicator values kept, default 3 */
    int64_t observation_every;    /* OBSERVATION record every Nth cycle (1) */
    int64_t metrics_every;        /* METRICS record every Nth cycle (10) */
    int64_t checkpoint_every;     /* replay: a checkpoint every Nth cycle
                                     (HOST_CHECKPOINT_EVERY_DEFAULT); live
                                     every cycle */
    perp_limits limits;
    int max_leverage_set; /* 0: take the backend's rules */
} host_agent_settings;

/* Reads root's `agent` and `limits`. PERP_OK, or PERP_EINVAL after
 * logging each problem with file:line:col. */
int host_agent_settings_read(const perp_config_node *root,
                             host_agent_settings *out);
/* Unknown top-level keys are errors (logged with file:line:col). */
int host_agent_check_top_level(const perp_config_node *root);

#endif
