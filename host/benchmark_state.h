/*
 * benchmark_state.h — the buy-and-hold book and its paired-return sums
 * (benchmark.h) as JSON, for the checkpoint's agent state: a restarted
 * agent values the same book (bought when the first run started it) and
 * goes on folding into the same sums, so its benchmark figures equal an
 * uninterrupted run's. Doubles are written with 17 significant digits
 * (jansson's default), so they read back bit for bit.
 */
#ifndef HOST_BENCHMARK_STATE_H
#define HOST_BENCHMARK_STATE_H

#include <jansson.h>

#include "benchmark.h"

/* {"book": {"units": [...]} or null, "stats": {...}} (a new reference),
 * or NULL when out of memory. */
json_t *host_bench_state_to_json(const host_bench_book *book,
                                 const host_bench_stats *stats);

/* The reverse: book and stats are zeroed, then filled from o when it has
 * them (a checkpoint written before the benchmark existed has not: the
 * figures then start over at the restart). */
void host_bench_state_from_json(const json_t *o, host_bench_book *book,
                                host_bench_stats *stats);

#endif
