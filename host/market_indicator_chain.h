/*
 * market_indicator_chain.h — the indicators of one symbol and one timeframe, in
 * YAML order. Each closed candle runs through them in order; an indicator
 * sees the current outputs of the ones before it (bind() names them).
 * The chain keeps each output's current value and recent series.
 */
#ifndef HOST_MARKET_INDICATOR_CHAIN_H
#define HOST_MARKET_INDICATOR_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <perp/sdk.h>

#include "plugin_instance.h"
#include "market_series.h"

typedef struct host_chain_entry {
    host_instance inst;              /* owned */
    char *yaml_name;                 /* owned: `name:` from the YAML */
    const perp_indicator_vtable *vt; /* borrowed from inst */
    size_t n_out;
    size_t first; /* index of its first output in the chain */
    /* vt->update and inst.self, read once: the update call is made for
     * every candle of every symbol, and the pointers never change. */
    int (*update)(void *self, const perp_candle *c, const double *prior,
                  double *out);
    void *self;
    /* Candles until every output is defined: the plugin's lookback + 1,
     * plus the largest warm-up before it when it reads earlier outputs
     * (bind); 0 when the plugin reports no lookback (built for 1.1). */
    size_t warmup;
} host_chain_entry;

typedef struct host_indicator_chain {
    host_chain_entry *e; /* owned, n entries */
    size_t n;
    /* Every output of the chain, in order: full names ("macd.hist"),
     * current values (NAN until defined) and recent series. */
    char **names;              /* owned strings */
    double *values;            /* owned */
    host_value_series *series; /* owned */
    size_t *entry_of;          /* owned: output index -> entry index */
    size_t n_out;
    size_t series_len;
    uint64_t candles;  /* candles folded in since init */
    size_t warmup_max; /* the largest entry warm-up (0 for none) */
} host_indicator_chain;

void host_indicator_chain_init(host_indicator_chain *c, size_t series_len);
/* Takes ownership of *inst (an opened indicator instance): asks its
 * outputs and binds it to the chain's outputs so far. PERP_OK, or an
 * error after logging (inst is closed then). */
int host_indicator_chain_add(host_indicator_chain *c, host_instance *inst,
                             const char *yaml_name);
void host_indicator_chain_free(host_indicator_chain *c);

/* Folds one closed candle through every indicator, in order. */
void host_indicator_chain_update(host_indicator_chain *c,
                                 const perp_candle *candle);
/* The categorical label of output i (borrowed from the plugin until its
 * next update) or NULL. */
const char *host_indicator_chain_label(const host_indicator_chain *c,
                                       size_t out_index);
/* Candles the chain needs before every indicator that reports a
 * lookback is defined: the largest entry warm-up (0 for none). */
size_t host_indicator_chain_warmup(const host_indicator_chain *c);
/* Warm-up of output out_index: candles needed (0 if unknown) and
 * candles folded in so far, counted up to needed. */
perp_warmup host_indicator_chain_output_warmup(const host_indicator_chain *c,
                                               size_t out_index);
/* Entry whose plugin short name is `plugin`, or NULL. */
const host_chain_entry *host_indicator_chain_find(const host_indicator_chain *c,
                                                  const char *plugin);

#endif
