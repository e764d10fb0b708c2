/*
 * backtest_metrics.h — a version's figures at the end of a backtest
 * (issue 10's list: total return, Sharpe, Sortino, max drawdown, Calmar,
 * win rate, profit factor, average and largest win and loss, round
 * trips, average hold, fees, funding, LLM tokens and cost, cost per
 * decision), computed with host/metrics.c's definitions from the round
 * trips and the equity curve the run recorded; and the table that prints
 * them, one column per version.
 *
 * The table is a list of rows (label and formatter), so a new figure is
 * one row in backtest_metrics.c.
 */
#ifndef HOST_BACKTEST_METRICS_H
#define HOST_BACKTEST_METRICS_H

#include <stdio.h>

#include "backtest_record.h"
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
} host_bt_summary;

/* trips: the version's round trips (its trade book), oldest first. */
void host_bt_summarize(const perp_round_trip *trips, size_t n_trips,
                       const host_bt_record *r, double starting_equity,
                       host_bt_summary *out);

/* The metrics table: a row per figure, a column per version. */
void host_bt_print_table(FILE *f, const host_bt_summary *s, size_t n);
/* Versions ranked by Sharpe (ties: total return, then input order). */
void host_bt_print_leaderboard(FILE *f, const host_bt_summary *s, size_t n);

#endif
