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
 *   external:  the latest rate published at or before the payment time, from
 *              the CSV table or from on_funding; 0 before the first.
 * Payment for a position settled at time t:
 *   payment = -q x mark x rate_1h x (t - funding_clock) / 1 h
 * credited to cash (negative = paid), then funding_clock = t. The rate and
 * mark at t apply to the whole elapsed span.
 */
#ifndef PSIM_FUNDING_H
#define PSIM_FUNDING_H

#include "engine.h"

/* Current rate for s at time t (advances the external cursor). */
double psim_funding_rate_1h(psim_symbol *s, psim_funding_model model,
                            double cap_8h, int64_t t);
/* Pays s's funding up to t and restarts its clock at t. */
void psim_funding_settle(psim_engine *e, psim_symbol *s, int64_t t);
/* An interval boundary was reached at ts: settle every open position at the
 * last boundary <= ts and schedule the next. First call only schedules. */
void psim_funding_boundary(psim_engine *e, int64_t ts);
/* Folds the minutes up to ts into s's EMA: held minutes at s->mark (the
 * previous mark; call before marking), then one sample of m. */
void psim_funding_ema(psim_engine *e, psim_symbol *s, int64_t ts, double m);

#endif
