/*
 * trend_sizing.h — volatility, exit levels and position size for the
 * trend rule: arithmetic only, no policy.
 */
#ifndef RULES_TREND_SIZING_H
#define RULES_TREND_SIZING_H

#include "trend_rule.h"

/* Population standard deviation of the window - 1 log returns between the
 * last `window` closes (window >= 3); NAN when there are fewer candles or
 * a close is not positive. */
double trend_realized_vol(const perp_candle *c, size_t n, int window);

/* Round-trip cost per coin at price: two sides of fee plus slippage. */
double trend_round_trip_cost(const trend_params *p, double price);

/* Stop and target for side (+1 long, -1 short) at price: the stop is
 * floored (long) or ceiled (short) to the tick grid, the target the
 * opposite way, so rounding never brings either nearer than asked; each
 * is at least one tick from price on the correct side. */
void trend_exit_levels(double price, int side, double stop_dist,
                       double target_dist, double tick, double *stop,
                       double *target);

/* Leverage used: the wanted one capped by the limits and the market. */
double trend_leverage(const trend_params *p, const perp_observation *obs,
                      const perp_market_view *m);

/* Quantity for a new position at price with a loss per coin at the stop
 * of loss_per_coin (stop distance plus round-trip cost): risk_pct of
 * equity / loss_per_coin, capped by exposure, the per-symbol notional
 * limit and margin; floored to the size step; 0 below min notional. */
double trend_size(const trend_params *p, const perp_observation *obs,
                  const perp_market_view *m, double price, double loss_per_coin,
                  double lev);

#endif
