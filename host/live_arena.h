/*
 * live_arena.h — several agent versions live, side by side, on one feed
 * connection: `perpd run A.yaml B.yaml ...` (DESIGN.md, "Backtests and
 * the arena"; `perpd backtest` is the same over history).
 *
 * The first version's feeds are opened once, with the symbols of every
 * version; the others' `feeds:` sections are not opened. Every event
 * goes to every version in turn, and every version whose cycle falls on a
 * boundary starts it from the same market state before the next event is
 * read: every version sees the same prices at the same moments. Each
 * version has its own markets (warmed up from one shared fetch, so they
 * start from the same candles), backend account, planner on its own
 * thread, sinks and records; services whose definitions are identical to
 * an earlier version's are not started again (one dashboard, not two on
 * one port).
 */
#ifndef HOST_LIVE_ARENA_H
#define HOST_LIVE_ARENA_H

#include <stddef.h>

#include "agent.h"

/* Opens every config (n >= 2), runs them until SIGINT/SIGTERM, every
 * version's --max-cycles, or the feeds end; returns the exit code. A
 * pipeline whose feeds are all replays is refused (perpd backtest runs
 * versions over history). */
int host_live_arena_run(const char *const *configs, size_t n,
                        const host_run_options *opt);

#endif
