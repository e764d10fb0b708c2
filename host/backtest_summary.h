/*
 * backtest_summary.h — a backtest's results as one JSON file
 * (`--summary FILE.json`): per version its figures, trade hash and equity
 * curve. -j worker processes hand their results to the parent this way,
 * and tests read it to check the figures against the records.
 */
#ifndef HOST_BACKTEST_SUMMARY_H
#define HOST_BACKTEST_SUMMARY_H

#include "backtest_compare.h"
#include "backtest_metrics.h"

/* PERP_OK, or PERP_ERR after logging. */
int host_bt_summary_write(const char *path, const host_bt_summary *s,
                          const host_bt_curve *curves, size_t n);

/* Read back: *s, *curves and the strings and arrays they point to are
 * owned by *store (free with host_bt_summary_store_free). Appends to
 * the arrays (n_out in/out). */
typedef struct host_bt_summary_store {
    void *json[256]; /* owned jansson documents */
    size_t n_json;
    void *blocks[1024]; /* owned arrays */
    size_t n_blocks;
} host_bt_summary_store;

int host_bt_summary_read(const char *path, host_bt_summary *s,
                         host_bt_curve *curves, size_t cap, size_t *n_out,
                         host_bt_summary_store *store);
void host_bt_summary_store_free(host_bt_summary_store *store);

#endif
