/*
 * config.h — perpsim's YAML node (psim_config_map; `perpd plugins
 * --describe perpsim`), read through the host's config services.
 * mm_rate x max_leverage must stay < 1, else a position at max leverage
 * opens liquidatable.
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

/* The YAML keys, checked by the host before create(); the defaults are
 * psim_params_default's. */
extern const perp_config_key psim_config_map[];

/* PERP_OK, or PERP_EINVAL after the host logged file:line:col and why. */
perp_status psim_config_read(const perp_host *h, const perp_config_node *node,
                             psim_config *out);

#endif
