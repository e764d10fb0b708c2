/*
 * backtest_metrics.h — a version's figures at the end of a backtest
 * (issue 10's list: total return, Sharpe, Sortino, max drawdown, Calmar,
 * win rate, profit factor, average and largest win and loss, round
 * trips, average hold, fees, funding, LLM tokens and cost, cost per
 * decision), computed with host/metrics.c's definitions from the round
 * trips and the equity curve the run recorded; the figures against
 * buy-and-hold (benchmark.h) and whether the version beats it
 * (backtest_compare.h); the P&L before and after fees and funding; and
 * the table that prints them, one column per version.
 *
 *   gross P&L = net P&L + fees - funding (net), net P&L = final - start:
 *   what the trades made before what trading cost (fees include
 *   liquidation penalties; slippage is in the fill prices, so in gross).
 *   decisions per day = decisions / (span of the equity curve in days).
 *
 * The table is a list of rows (label and formatter), so a new figure is
 * one row in backtest_metrics.c.
 */
#ifndef HOST_BACKTEST_METRICS_H
#define HOST_BACKTEST_METRICS_H

#include <stdio.h>

#include "backtest_compare.h"
#include "backtest_record.h"
#include "benchmark.h"
#include "metrics.h"

typedef struct host_bt_summary {
    const char *version;     /* borrowed */
    const char *config_path; /* borrowed */
    perp_metrics m;
    double starting_equity, final_equity;
    double annual_return_pct, calmar;
    double largest_win, largest_loss; /* net, USD; largest_loss <= 0 */
    double avg_hold_min;
    double fees, funding_net;
    size_t fills, liquidations, rejections, decisions, equity_points;
    int64_t first_ts, last_ts;
    int64_t cycle_ms; /* the version's agent.cycle */
    int64_t llm_calls, llm_tokens;
    double llm_cost_usd, cost_per_decision;
    char hash[65];
    host_bench_figures bench; /* against buy-and-hold */
    host_bt_verdict verdict;  /* alpha and its interval */
    double gross_pnl, net_pnl;
    double decisions_per_day;
} host_bt_summary;

/* Resamples of the buy-and-hold verdict. */
#define HOST_BT_RESAMPLES 1000

/* trips: the version's round trips (its trade book), oldest first. */
void host_bt_summarize(const perp_round_trip *trips, size_t n_trips,
                       const host_bt_record *r, double starting_equity,
                       host_bt_summary *out);

/* The metrics table: a row per figure, a column per version. */
void host_bt_print_table(FILE *f, const host_bt_summary *s, size_t n);
/* Versions ranked by Sharpe (ties: total return, then input order). */
void host_bt_print_leaderboard(FILE *f, const host_bt_summary *s, size_t n);
/* Each version against buy-and-hold: one line each (the verdict). */
void host_bt_print_verdicts(FILE *f, const host_bt_summary *s, size_t n);

#endif
