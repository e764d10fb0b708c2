/*
 * backtest_metrics.c — end-of-run figures and their table.
 */
#include "backtest_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define YEAR_MS (365.0 * 86400000.0)

static void trip_figures(const perp_round_trip *t, size_t n,
                         host_bt_summary *out)
{
    double hold = 0;
    out->largest_win = out->largest_loss = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].net_pnl > out->largest_win)
            out->largest_win = t[i].net_pnl;
        if (t[i].net_pnl < out->largest_loss)
            out->largest_loss = t[i].net_pnl;
        hold += (double)(t[i].exit_ts - t[i].entry_ts) / 60000.0;
    }
    out->avg_hold_min = n ? hold / (double)n : 0;
}

static void against_benchmark(const host_bt_record *r, host_bt_summary *out)
{
    host_bench_figures_compute(r->eq_ts, r->eq, r->bench, r->n_eq, &out->bench);
    host_bt_verdict_of(r->eq_ts, r->eq, r->bench, r->n_eq, HOST_BT_RESAMPLES,
                       &out->verdict);
}

void host_bt_summarize(const perp_round_trip *trips, size_t n_trips,
                       const host_bt_record *r, double starting_equity,
                       host_bt_summary *out)
{
    memset(out, 0, sizeof *out);
    host_metrics_compute(trips, n_trips, r->eq_ts, r->eq, r->n_eq,
                         starting_equity, &out->m);
    out->starting_equity = starting_equity;
    out->final_equity = r->n_eq ? r->eq[r->n_eq - 1] : starting_equity;
    out->equity_points = r->n_eq;
    out->first_ts = r->n_eq ? r->eq_ts[0] : 0;
    out->last_ts = r->n_eq ? r->eq_ts[r->n_eq - 1] : 0;
    double span = (double)(out->last_ts - out->first_ts);
    double growth =
        starting_equity > 0 ? out->final_equity / starting_equity : NAN;
    out->annual_return_pct = span > 0 && growth > 0
                                 ? (pow(growth, YEAR_MS / span) - 1) * 100.0
                                 : NAN;
    out->calmar = out->m.max_drawdown_pct > 0
                      ? out->annual_return_pct / out->m.max_drawdown_pct
                      : NAN;
    trip_figures(trips, n_trips, out);
    for (size_t i = 0; i < r->n_fills; i++)
        out->fees += r->fills[i].fee;
    out->funding_net = r->funding_received - r->funding_paid;
    out->fills = r->n_fills;
    out->liquidations = r->n_liquidations;
    out->rejections = r->n_rejections;
    out->decisions = r->decisions;
    out->llm_calls = r->llm_calls;
    out->llm_tokens = r->prompt_tokens + r->completion_tokens;
    out->llm_cost_usd = r->llm_cost_usd;
    out->cost_per_decision =
        r->decisions ? r->llm_cost_usd / (double)r->decisions : 0;
    host_bt_record_hash(r, out->hash);
    against_benchmark(r, out);
    out->net_pnl = out->final_equity - starting_equity;
    out->gross_pnl = out->net_pnl + out->fees - out->funding_net;
    out->decisions_per_day =
        span > 0 ? (double)r->decisions / (span / 86400000.0) : NAN;
}

/* ------------------------------------------------------------ table */

typedef void (*cell_fn)(const host_bt_summary *s, char *buf, size_t len);

#define CELL(name, fmt, expr)                                                  \
    static void name(const host_bt_summary *s, char *buf, size_t len)          \
    {                                                                          \
        double v = (expr);                                                     \
        if (isnan(v))                                                          \
            snprintf(buf, len, "-");                                           \
        else                                                                   \
            snprintf(buf, len, fmt, v);                                        \
    }

CELL(c_start, "%.2f", s->starting_equity)
CELL(c_final, "%.2f", s->final_equity)
CELL(c_return, "%+.2f", s->m.total_return_pct)
CELL(c_annual, "%+.2f", s->annual_return_pct)
CELL(c_bh, "%+.2f", s->bench.return_pct)
CELL(c_excess, "%+.2f", s->bench.excess_return_pct)
CELL(c_beta, "%.3f", s->bench.beta)
CELL(c_alpha, "%+.2f", s->bench.alpha_pct)
CELL(c_te, "%.2f", s->bench.tracking_error_pct)
CELL(c_paired, "%.0f", (double)s->bench.periods)
CELL(c_ir, "%.3f", s->bench.info_ratio)
CELL(c_sharpe, "%.3f", s->m.sharpe)
CELL(c_sortino, "%.3f", isinf(s->m.sortino) ? NAN : s->m.sortino)
CELL(c_dd, "%.2f", s->m.max_drawdown_pct)
CELL(c_calmar, "%.3f", s->calmar)
CELL(c_trips, "%.0f", (double)s->m.trades)
CELL(c_win, "%.1f", s->m.trades ? s->m.win_rate * 100 : NAN)
CELL(c_pf, "%.3f", isinf(s->m.profit_factor) ? NAN : s->m.profit_factor)
CELL(c_avg_win, "%.2f", s->m.avg_win)
CELL(c_avg_loss, "%.2f", s->m.avg_loss)
CELL(c_big_win, "%.2f", s->largest_win)
CELL(c_big_loss, "%.2f", s->largest_loss)
CELL(c_hold, "%.1f", s->m.trades ? s->avg_hold_min : NAN)
CELL(c_gross, "%+.2f", s->gross_pnl)
CELL(c_fees, "%.2f", s->fees)
CELL(c_funding, "%+.2f", s->funding_net)
CELL(c_net, "%+.2f", s->net_pnl)
CELL(c_fills, "%.0f", (double)s->fills)
CELL(c_liq, "%.0f", (double)s->liquidations)
CELL(c_rej, "%.0f", (double)s->rejections)
CELL(c_dec, "%.0f", (double)s->decisions)
CELL(c_dpd, "%.1f", s->decisions_per_day)
CELL(c_llm, "%.0f", (double)s->llm_calls)
CELL(c_tokens, "%.0f", (double)s->llm_tokens)
CELL(c_cost, "%.4f", s->llm_cost_usd)
CELL(c_cpd, "%.6f", s->cost_per_decision)

static void c_alpha_ci(const host_bt_summary *s, char *buf, size_t len)
{
    const host_bt_verdict *v = &s->verdict;
    if (isnan(v->lo) || isnan(v->hi))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "[%+.1f, %+.1f]", v->lo, v->hi);
}

static const struct {
    const char *label;
    cell_fn cell;
} rows[] = {
    {"starting equity", c_start},
    {"final equity", c_final},
    {"total return %", c_return},
    {"annualised return %", c_annual},
    {"buy-and-hold return %", c_bh},
    {"excess return %", c_excess},
    {"beta", c_beta},
    {"alpha %/yr", c_alpha},
    {"alpha 95% CI", c_alpha_ci},
    {"tracking error %/yr", c_te},
    {"information ratio", c_ir},
    {"paired periods", c_paired},
    {"Sharpe", c_sharpe},
    {"Sortino", c_sortino},
    {"max drawdown %", c_dd},
    {"Calmar", c_calmar},
    {"round trips", c_trips},
    {"win rate %", c_win},
    {"profit factor", c_pf},
    {"average win", c_avg_win},
    {"average loss", c_avg_loss},
    {"largest win", c_big_win},
    {"largest loss", c_big_loss},
    {"average hold (min)", c_hold},
    {"gross P&L", c_gross},
    {"fees", c_fees},
    {"funding (net)", c_funding},
    {"net P&L", c_net},
    {"fills", c_fills},
    {"liquidations", c_liq},
    {"rejections", c_rej},
    {"decisions (cycles)", c_dec},
    {"decisions per day", c_dpd},
    {"LLM calls", c_llm},
    {"LLM tokens", c_tokens},
    {"LLM cost USD", c_cost},
    {"cost per decision USD", c_cpd},
};

void host_bt_print_table(FILE *f, const host_bt_summary *s, size_t n)
{
    fprintf(f, "%-22s", "metric");
    for (size_t k = 0; k < n; k++)
        fprintf(f, "  %18.18s", s[k].version);
    fputc('\n', f);
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        fprintf(f, "%-22s", rows[r].label);
        for (size_t k = 0; k < n; k++) {
            char cell[64];
            rows[r].cell(&s[k], cell, sizeof cell);
            fprintf(f, "  %18s", cell);
        }
        fputc('\n', f);
    }
}

static const host_bt_summary *g_sort_base;

static int by_sharpe(const void *pa, const void *pb)
{
    const host_bt_summary *a = &g_sort_base[*(const size_t *)pa];
    const host_bt_summary *b = &g_sort_base[*(const size_t *)pb];
    if (a->m.sharpe != b->m.sharpe)
        return a->m.sharpe > b->m.sharpe ? -1 : 1;
    if (a->m.total_return_pct != b->m.total_return_pct)
        return a->m.total_return_pct > b->m.total_return_pct ? -1 : 1;
    return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

/* A figure in a fixed width, "-" when undefined. */
static void put(FILE *f, const char *fmt, int width, double v)
{
    if (isnan(v) || isinf(v))
        fprintf(f, " %*s", width, "-");
    else
        fprintf(f, fmt, width, v);
}

void host_bt_print_leaderboard(FILE *f, const host_bt_summary *s, size_t n)
{
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    g_sort_base = s;
    qsort(order, n, sizeof *order, by_sharpe);
    fprintf(f,
            "%-4s %-18s %9s %9s %8s %6s %6s %7s %7s %6s %9s %9s %9s %8s "
            "%6s\n",
            "rank", "version", "return %", "B&H %", "alpha %", "beta", "IR",
            "Sharpe", "max DD%", "trips", "fees", "funding", "net P&L", "$/dec",
            "dec/d");
    for (size_t i = 0; i < n; i++) {
        const host_bt_summary *v = &s[order[i]];
        fprintf(f, "%-4zu %-18.18s", i + 1, v->version);
        put(f, " %+*.2f", 9, v->m.total_return_pct);
        put(f, " %+*.2f", 9, v->bench.return_pct);
        put(f, " %+*.2f", 8, v->bench.alpha_pct);
        put(f, " %*.2f", 6, v->bench.beta);
        put(f, " %*.2f", 6, v->bench.info_ratio);
        put(f, " %*.3f", 7, v->m.sharpe);
        put(f, " %*.2f", 7, v->m.max_drawdown_pct);
        put(f, " %*.0f", 6, (double)v->m.trades);
        put(f, " %*.2f", 9, v->fees);
        put(f, " %+*.2f", 9, v->funding_net);
        put(f, " %+*.2f", 9, v->net_pnl);
        put(f, " %*.4f", 8, v->cost_per_decision);
        put(f, " %*.1f", 6, v->decisions_per_day);
        fputc('\n', f);
    }
    free(order);
}

void host_bt_print_verdicts(FILE *f, const host_bt_summary *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char line[768];
        host_bt_verdict_text(&s[i].verdict, s[i].version, line, sizeof line);
        fprintf(f, "  %s\n", line);
    }
}
