/*
 * metrics_version.h — the version's full performance record (what the
 * database keeps and `perpd metrics` prints): the figures of metrics.c
 * (one definition, DESIGN.md "Metrics") plus the ones the observation
 * does not carry. Pure computation.
 *
 *   wins, losses        round trips with net P&L > 0, < 0
 *   largest win / loss  the largest net P&L > 0, the smallest < 0 (0: none)
 *   avg hold            mean of exit_ts - entry_ts over round trips
 *   annual return %     ((equity / starting) ^ (365 d / span) - 1) x 100,
 *                       span = last - first equity snapshot (0 if none)
 *   Calmar              annual return % / max drawdown % (0 if no drawdown)
 *   snapshot interval   span / (snapshots - 1)
 */
#ifndef HOST_METRICS_VERSION_H
#define HOST_METRICS_VERSION_H

#include <perp/sdk.h>

#include "metrics.h"

/* Fills the trade and equity figures of out (cycles, money totals and
 * planner costs are the caller's). */
void host_metrics_version(const perp_round_trip *trips, size_t n_trips,
                          const host_equity_stats *s, double starting_equity,
                          perp_metrics_record *out);

#endif
