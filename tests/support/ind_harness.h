/*
 * ind_harness.h — drives an indicator plugin through its vtable the way
 * the host does: a YAML node parsed by the host's config module, a
 * perp_host table from host_services_new, create/update/destroy; plus the
 * real 1-minute history from $PERP_SHARED/history and the relative
 * comparison the indicator tests use.
 */
#ifndef TESTS_IND_HARNESS_H
#define TESTS_IND_HARNESS_H

#include <stddef.h>
#include <perp/sdk.h>

/* The entry point of the plugin compiled into the test binary (ind_open
 * finds the plugin's config map through it; a weak reference, so test
 * binaries without a plugin link too). */
const perp_plugin_descriptor *perp_plugin_entry(void);

typedef struct ind_instance {
    void *cfg;                       /* host_config *, owned */
    perp_host *host;                 /* owned */
    const perp_indicator_vtable *vt; /* borrowed */
    void *self;                      /* owned through vt->destroy */
    size_t n_out;
} ind_instance;

/* Parses yaml (one flow or block mapping: the plugin's node) and creates
 * the indicator as the host does: checked against the plugin's config
 * map (when vt is the plugin under test), defaults filled, then create.
 * Returns PERP_EINVAL for a configuration refused by the map or by
 * create, else create's status; on failure *inst holds nothing to close
 * (ind_close is still safe). */
int ind_open(ind_instance *inst, const perp_indicator_vtable *vt,
             const char *yaml);
void ind_close(ind_instance *inst);
/* update() with no prior outputs; out must hold n_out values. */
int ind_feed(ind_instance *inst, const perp_candle *c, double *out);

/* Candles of $PERP_SHARED/history/<file> (default ../shared), oldest
 * first, interval 60 s. malloc'd; aborts the test if unreadable. */
perp_candle *ind_history(const char *file, size_t *n);
/* A candle with o = h = l = c = price. */
perp_candle ind_flat_candle(double price, int64_t ts);

/* 1 if a and b are both NAN, or |a - b| <= rel * max(|a|, |b|). */
int ind_close_rel(double a, double b, double rel);

/* Feeds candles[0..n) and returns the n x n_out outputs, row-major
 * (malloc'd, caller frees); aborts the test on an update error. */
double *ind_run(ind_instance *inst, const perp_candle *candles, size_t n);

/* Compares column col of got (stride n_out) with want[0..n): NAN before
 * `first`, finite and within rel from `first` on. Returns n when all
 * agree, else the first index that does not (and prints both values). */
size_t ind_first_mismatch(const double *got, size_t n_out, size_t col,
                          const double *want, size_t n, size_t first,
                          double rel);

/* A batch definition of a one-output indicator: out[0..len) from the
 * candles, or from their closes (close[i] = c[i].close) for the many
 * definitions that read only those. */
typedef void (*ind_batch_fn)(const perp_candle *c, const double *close,
                             size_t len, size_t period, double *out);

/* Runs the indicator yaml configures (one output) over
 * $PERP_SHARED/history/<file> and compares it with batch(period) as
 * ind_first_mismatch does from `first` on. *n gets the candle count; the
 * result is *n when all agree, else the first index that does not, or
 * SIZE_MAX when the plugin refuses yaml. */
size_t ind_history_mismatch(const perp_indicator_vtable *vt, const char *yaml,
                            const char *file, ind_batch_fn batch, size_t period,
                            size_t first, double rel, size_t *n);

/* The warm-up of the indicator yaml configures (no prior inputs), as the
 * host reads it: *lookback from vt->lookback (SIZE_MAX when the plugin
 * has none), *first the index of the first candle of
 * $PERP_SHARED/history/BTC-USD_1m.csv after which every output is
 * defined (SIZE_MAX if never within 100,000 candles). Returns create's
 * status. */
int ind_warmup(const perp_indicator_vtable *vt, const char *yaml,
               size_t *lookback, size_t *first);
#endif
