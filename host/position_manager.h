/*
 * position_manager.h — turns one validated coin decision into at most one
 * order: buy/sell set the target position (+/- quantity), close flattens,
 * hold keeps; the order is target - current (no pyramiding on repeats).
 */
#ifndef HOST_POSITION_MANAGER_H
#define HOST_POSITION_MANAGER_H

#include <perp/sdk.h>

/* current: the symbol's open position or NULL if flat. Returns 1 and fills
 * *order (market order, reason = justification, exit plan attached,
 * cause chosen: entry/exit/flip) when there is something to send; 0 when
 * nothing is to be done (hold, or already at target). */
int host_pm_order_for(const perp_coin_decision *d, const char *symbol,
                      const perp_position *current, int64_t now_ms,
                      perp_order *order, perp_fill_cause *cause);

#endif
