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
CELL(c_fees, "%.2f", s->fees)
CELL(c_funding, "%+.2f", s->funding_net)
CELL(c_fills, "%.0f", (double)s->fills)
CELL(c_liq, "%.0f", (double)s->liquidations)
CELL(c_rej, "%.0f", (double)s->rejections)
CELL(c_dec, "%.0f", (double)s->decisions)
CELL(c_llm, "%.0f", (double)s->llm_calls)
CELL(c_tokens, "%.0f", (double)s->llm_tokens)
CELL(c_cost, "%.4f", s->llm_cost_usd)
CELL(c_cpd, "%.6f", s->cost_per_decision)

static const struct {
    const char *label;
    cell_fn cell;
} rows[] = {
    {"starting equity", c_start},
    {"final equity", c_final},
    {"total return %", c_return},
    {"annualised return %", c_annual},
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
    {"fees", c_fees},
    {"funding (net)", c_funding},
    {"fills", c_fills},
    {"liquidations", c_liq},
    {"rejections", c_rej},
    {"decisions (cycles)", c_dec},
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

void host_bt_print_leaderboard(FILE *f, const host_bt_summary *s, size_t n)
{
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    g_sort_base = s;
    qsort(order, n, sizeof *order, by_sharpe);
    fprintf(f, "%-4s %-20s %10s %8s %8s %8s %7s %8s %10s\n", "rank", "version",
            "return %", "Sharpe", "Sortino", "max DD %", "trips", "win %",
            "fees");
    for (size_t i = 0; i < n; i++) {
        const host_bt_summary *v = &s[order[i]];
        fprintf(f,
                "%-4zu %-20.20s %+10.2f %8.3f %8.3f %8.2f %7zu %8.1f %10.2f\n",
                i + 1, v->version, v->m.total_return_pct, v->m.sharpe,
                isinf(v->m.sortino) ? 0.0 : v->m.sortino, v->m.max_drawdown_pct,
                v->m.trades, v->m.win_rate * 100, v->fees);
    }
    free(order);
}
