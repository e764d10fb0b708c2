/*
 * backtest_report.h — `--report FILE.html`: one self-contained page
 * (lightweight-charts inlined, no network when opened) with each
 * version's equity and drawdown, every symbol's price with the trades
 * marked, the metrics table, per-symbol results and the configs.
 */
#ifndef HOST_BACKTEST_REPORT_H
#define HOST_BACKTEST_REPORT_H

#include "backtest_metrics.h"
#include "backtest_run.h"

/* PERP_OK, or PERP_ERR after logging. */
int host_bt_report_write(const char *path, const host_backtest *b,
                         const host_bt_summary *s);

#endif
