/*
 * funding.h — funding rates and payments for perpsim's engine.
 *
 * Rates are kept as fractions per hour; positive: longs pay shorts.
 *   none:      0.
 *   heuristic: rate_8h = clamp((mark - EMA) / EMA, -cap, +cap) and
 *              rate_1h = rate_8h / 8, where EMA is an exponential moving
 *              average of the mark over time, not ticks: sampled once per
 *              minute (the first update in each UTC minute) with
 *              alpha = 2 / (N + 1), N = ema horizon in minutes; k minutes
 *              without an update count as k samples of the mark they held
 *              (the previous one): ema += (1 - (1 - alpha)^k)(prev - ema),
 *              then the new mark is one sample. The first mark seeds it.
 *   external:  a step function: each rate published (CSV table or
 *              on_funding) holds until the next; 0 before the first. A
 *              payment spanning a rate change is paid in two parts, each at
 *              its own rate (one record each).
 * Payment for a position settled at time t:
 *   payment = -q x mark x rate_1h x (t - funding_clock) / 1 h
 * credited to cash (negative = paid), then funding_clock = t. The mark at
 * t applies to the whole span; so does the heuristic rate at t.
 */
#ifndef PSIM_FUNDING_H
#define PSIM_FUNDING_H

#include "engine.h"

/* Current rate for s (external: the last one applied). */
double psim_funding_rate_1h(const psim_symbol *s, psim_funding_model model,
                            double cap_8h);
/* A new external rate from ts: an open position first pays up to ts at
 * the old rate. Rates older than the current one are ignored. */
void psim_funding_set_rate(psim_engine *e, psim_symbol *s, int64_t ts,
                           double rate_1h);
/* Pays s's funding up to t (external: through every rate change up to t)
 * and restarts its clock at t. */
void psim_funding_settle(psim_engine *e, psim_symbol *s, int64_t t);
/* An interval boundary was reached at ts: settle every open position at the
 * last boundary <= ts and schedule the next. First call only schedules. */
void psim_funding_boundary(psim_engine *e, int64_t ts);
/* Folds the minutes up to ts into s's EMA: held minutes at s->mark (the
 * previous mark; call before marking), then one sample of m. */
void psim_funding_ema(psim_engine *e, psim_symbol *s, int64_t ts, double m);

#endif
