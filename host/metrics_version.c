/*
 * metrics_version.c — see metrics_version.h.
 */
#include "metrics_version.h"

#include <math.h>
#include <string.h>

#define MS_PER_YEAR (365.0 * 86400.0 * 1000.0)

static void trip_extremes(const perp_round_trip *t, size_t n,
                          perp_metrics_record *out)
{
    double hold = 0;
    for (size_t i = 0; i < n; i++) {
        double net = t[i].net_pnl;
        if (net > 0) {
            out->wins++;
            if (net > out->largest_win)
                out->largest_win = net;
        } else if (net < 0) {
            out->losses++;
            if (net < out->largest_loss)
                out->largest_loss = net;
        }
        hold += (double)(t[i].exit_ts - t[i].entry_ts);
    }
    out->avg_hold_ms = n ? hold / (double)n : 0.0;
}

static void curve_figures(const host_equity_stats *s, double start,
                          perp_metrics_record *out)
{
    if (!s || s->n == 0)
        return;
    out->first_ts = s->first_ts;
    out->last_ts = s->last_ts;
    out->equity = s->last;
    double span = (double)(s->last_ts - s->first_ts);
    if (s->n > 1)
        out->snapshot_interval_s = span / 1000.0 / (double)(s->n - 1);
    if (span > 0 && start > 0 && s->last > 0)
        out->annual_return_pct =
            (pow(s->last / start, MS_PER_YEAR / span) - 1.0) * 100.0;
    if (out->max_drawdown_pct > 0)
        out->calmar = out->annual_return_pct / out->max_drawdown_pct;
}

void host_metrics_version(const perp_round_trip *trips, size_t n_trips,
                          const host_equity_stats *s, double starting_equity,
                          perp_metrics_record *out)
{
    perp_metrics m;
    host_metrics_from_stats(trips, n_trips, s, starting_equity, &m);
    memset(out, 0, sizeof *out);
    out->round_trips = (int64_t)m.trades;
    out->win_rate = m.win_rate;
    out->profit_factor = m.profit_factor;
    out->sharpe = m.sharpe;
    out->sortino = m.sortino;
    out->max_drawdown_pct = m.max_drawdown_pct;
    out->total_return_pct = m.total_return_pct;
    out->avg_win = m.avg_win;
    out->avg_loss = m.avg_loss;
    double start = starting_equity > 0 ? starting_equity
                   : s && s->n         ? s->first
                                       : 0.0;
    out->starting_equity = start;
    trip_extremes(trips, trips ? n_trips : 0, out);
    curve_figures(s, start, out);
}
