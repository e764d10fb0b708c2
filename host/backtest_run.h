/*
 * backtest_run.h — one or more agent versions over one tape in one pass
 * (DESIGN.md, "Backtests and the arena"). One replay feed is read; each
 * event goes to every version in turn; versions whose symbols, context,
 * history, series and indicator definitions are identical share one set
 * of markets (candle stores and indicator chains, updated once), and
 * every version keeps its own backend account, planner, sinks and
 * records. A version's cycles read only state the events before them
 * made, so each gets exactly the trades and equity it gets alone.
 */
#ifndef HOST_BACKTEST_RUN_H
#define HOST_BACKTEST_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "backtest_record.h"
#include "config.h"
#include "plugin_instance.h"

typedef struct host_bt_series {
    char symbol[PERP_SYMBOL_MAX];
    int64_t *ts; /* owned: hourly closes for the report */
    double *close;
    size_t n, cap;
} host_bt_series;

typedef struct host_bt_version {
    host_agent *agent;   /* owned */
    const char *path;    /* borrowed: its YAML */
    host_bt_record rec;  /* owned */
    size_t market_owner; /* index of the version whose markets it reads */
} host_bt_version;

typedef struct host_backtest {
    host_bt_version *v; /* owned, n */
    size_t n;
    host_config *feed_cfg; /* owned: the replay feed's generated YAML */
    host_instance feed;    /* owned */
    host_context feed_ctx;
    const char *symbols[PERP_MAX_SYMBOLS]; /* union, borrowed */
    size_t n_symbols;
    uint64_t total;  /* candles the feed holds (0: unknown) */
    uint64_t events; /* candles replayed */
    int64_t first_ts, last_ts;
    int progress_tty;       /* stderr is a terminal: redraw a bar */
    host_bt_series *series; /* owned, n_symbols */
} host_backtest;

typedef struct host_bt_feed_options {
    const char *data;      /* history folder */
    const char *from, *to; /* ISO 8601 or NULL */
} host_bt_feed_options;

/* Opens every config as an agent in backtest mode and shares markets
 * where it can. PERP_OK or an error (logged); close it either way. */
int host_backtest_open(host_backtest *b, const char *const *configs, size_t n,
                       const host_run_options *opt);
/* Then the one replay feed over the symbols of every version. */
int host_backtest_open_feed(host_backtest *b, const host_bt_feed_options *feed);
void host_backtest_close(host_backtest *b);

/* Candles in the feed and the cycles a version would run, estimated
 * before the run (for the LLM check). */
int64_t host_backtest_cycles_estimate(const host_backtest *b, size_t version);

/* Runs the tape to its end (or SIGINT). 0, or 1 if a feed failed. */
int host_backtest_run(host_backtest *b);

#endif
