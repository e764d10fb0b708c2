/*
 * config.h — perpsim's YAML node, read through the host's config services.
 *
 *   starting_equity: 10000     max_leverage: 5 (1..100)
 *   default_leverage: 1        (used when an order gives none)
 *   mm_rate: 0.03              (mm_rate x max_leverage must stay < 1, else a
 *                               position at max leverage opens liquidatable)
 *   fee_bps: 2   slippage_bps: 1   liq_penalty_bps: 5   min_notional: 5
 *   funding: {model: heuristic | none | external, cap: 0.0001 (per 8 h),
 *             interval: 1h | continuous, ema: 8h, file: rates.csv}
 *   symbols: {BTC-USD: {tick_size: 0.01, size_step: 0.00001}, ...}
 *   dry_run: false
 *
 * Built-in rules (price tick as Coinbase's USD books quote, size step as
 * Hyperliquid's szDecimals): BTC-USD 0.01 / 0.00001, ETH-USD 0.01 / 0.0001,
 * SOL-USD 0.01 / 0.01, DOGE-USD 0.00001 / 1, XRP-USD 0.0001 / 1. The traded
 * symbols are these plus the agent's; an agent symbol without built-in
 * rules needs a symbols: entry.
 */
#ifndef PSIM_CONFIG_H
#define PSIM_CONFIG_H

#include <perp/sdk.h>

#include "engine.h"

typedef struct psim_config {
    psim_params params;
    psim_symbol_cfg symbols[PSIM_MAX_SYMBOLS];
    size_t n_symbols;
    const char *funding_file; /* borrowed from the config tree, or NULL */
} psim_config;

/* PERP_OK, or PERP_EINVAL after the host logged file:line:col and why. */
int psim_config_read(const perp_host *h, const perp_config_node *node,
                     psim_config *out);

#endif
