/*
 * impact.h — perpsim's size-aware slippage (docs/slippage.md): the
 * square-root impact law,
 *
 *   bps = k x sigma x sqrt(order notional / V) x 10^4,
 *
 * where, over the closed candles of the last `window` (by close time,
 * up to the newest one):
 *   sigma = sqrt(sum r_i^2 / sum m_i)   per-minute volatility: r_i the
 *           simple return from the previous close to candle i's close,
 *           m_i the minutes between those closes (zero-mean realised
 *           variance, so a gap's return is spread over its minutes)
 *   V     = sum close_i x volume_i / sum d_i   traded notional per minute
 *           (d_i the candle's own length in minutes; a gap in the data
 *           is not counted as a quiet minute)
 * Per-minute sigma and per-minute volume make the law independent of the
 * unit of time: sigma_T = sigma sqrt(T) and V_T = V T give the same bps.
 *
 * The slippage an order pays is then
 *   fixed model: slippage_bps;
 *   sqrt model:  min(cap_bps, max(slippage_bps, impact)), slippage_bps the
 *                floor (0: none), and cap_bps when the window cannot say
 *                (no return or no volume yet): an unknown market is
 *                assumed thin, not deep.
 * It moves the fill price against the taker: buys at ask (1 + bps/10^4),
 * sells at bid (1 - bps/10^4), then rounded to the tick against the
 * taker (engine.h).
 *
 * A window keeps at most window / 1 minute candles in a ring (older ones
 * are dropped first if shorter candles come); its sums are updated as
 * candles come and go and recomputed from the ring each time it wraps,
 * so float drift cannot build up. O(1) amortised per candle and per quote.
 */
#ifndef PSIM_IMPACT_H
#define PSIM_IMPACT_H

#include <stddef.h>
#include <stdint.h>

#include <perp/sdk.h>

typedef enum psim_slippage_model {
    PSIM_SLIPPAGE_FIXED = 0,
    PSIM_SLIPPAGE_SQRT = 1
} psim_slippage_model;

typedef struct psim_bar_stat {
    int64_t close_ts;
    double minutes;   /* the candle's own length */
    double notional;  /* close x volume */
    double r2;        /* squared return from the previous close, 0 if none */
    double r_minutes; /* minutes that return spans, 0 if none */
} psim_bar_stat;

typedef struct psim_impact_window {
    psim_bar_stat *ring; /* owned, cap entries */
    size_t cap, head, n; /* head: the oldest */
    int64_t window_ms;
    double sum_minutes, sum_notional, sum_r2, sum_r_minutes;
    double prev_close; /* 0 before the first candle */
    int64_t prev_close_ts;
    size_t since_resum;
} psim_impact_window;

/* PERP_OK or PERP_ENOMEM. window_ms >= 1 minute. */
int psim_impact_init(psim_impact_window *w, int64_t window_ms);
void psim_impact_free(psim_impact_window *w);

/* A closed candle (any length). Candles that do not close after the
 * newest one, or with a close or volume that is not a number >= 0, are
 * ignored (returns 0; 1 when taken). */
int psim_impact_add(psim_impact_window *w, const perp_candle *c);

/* Per-minute volatility and traded notional of the window; NAN when it
 * holds no return (sigma) or no candle (V). */
double psim_impact_sigma(const psim_impact_window *w);
double psim_impact_volume(const psim_impact_window *w);

/* The slippage of an order of `notional` USD (>= 0), in bps, by the rule
 * above; w may be NULL for the fixed model. */
double psim_slippage_bps(psim_slippage_model model, double fixed_bps, double k,
                         double cap_bps, const psim_impact_window *w,
                         double notional);

#endif
