/*
 * validator.h — the guard rails between a planner and the backend. Pure:
 * checks one coin decision against the observation it was made from and
 * the configured limits, and says why it is refused.
 */
#ifndef HOST_VALIDATOR_H
#define HOST_VALIDATOR_H

#include <perp/sdk.h>

/* Returns 1 and leaves why untouched if `d` may be executed; returns 0
 * with a one-line reason in why (never longer than why_len - 1) if not.
 * Checks: coin is one of obs->markets, fields finite, quantity > 0 for
 * buy/sell, leverage within 1..limits.max_leverage, notional >=
 * min_notional, margin available, total exposure, per-symbol notional,
 * stop loss/take profit on the right side of the price, market not stale.
 * `hold` and `close` of an existing position always pass the price
 * checks. *market_out is set to the matching market (or NULL). */
int host_validate_decision(const perp_observation *obs,
                           const perp_coin_decision *d,
                           const perp_market_view **market_out, char *why,
                           size_t why_len);

/* 1 if another coin decision of d than d->coins[i] names the same market
 * (as a coin or a symbol, in any case: "BTC", "btc", "BTC-USD"), with a
 * reason in why; else 0. Whatever a parser let through, two instructions
 * for one market are refused, never applied one after the other. */
int host_decision_names_twice(const perp_observation *obs,
                              const perp_decision *d, size_t i, char *why,
                              size_t why_len);

#endif
