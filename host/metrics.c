/*
 * metrics.c — round trips from fills by average cost, and the version's
 * performance (DESIGN.md, Metrics).
 *
 * Round trips: per symbol the book keeps the open quantity, its average
 * entry price and the entry fees not yet charged to a trip. A fill on the
 * side of the position (or from flat) adds at average cost; a fill against
 * it closes min(|fill|, |position|) as one round trip, charged the closed
 * share of the entry fees plus the closing share of the fill's own fee.
 * The rest of a larger opposite fill opens the other side at the fill
 * price (a flip), carrying the rest of that fill's fee.
 *
 * Performance fixes two bugs of the Python twin: profit factor is gross
 * profit / gross loss (not a ratio of averages), and Sharpe/Sortino are
 * annualised with the real mean spacing of the equity snapshots, not with
 * an assumed one-minute spacing.
 */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECONDS_PER_YEAR (365.0 * 86400.0) /* crypto trades every day */

typedef struct open_pos {
    char symbol[PERP_SYMBOL_MAX];
    double qty; /* signed */
    double avg_price;
    double fees; /* entry fees not yet charged to a round trip */
    int64_t entry_ts;
    char *entry_reason; /* owned */
} open_pos;

struct host_trade_book {
    open_pos *pos; /* one per symbol seen */
    size_t n_pos, cap_pos;
    perp_round_trip *trips;
    size_t n_trips, cap_trips;
    char **strings; /* every reason a trip points at; owned */
    size_t n_strings, cap_strings;
    /* Trade figures folded in as trips close, so a cycle's metrics cost
     * O(1) however many trips the run has made. */
    double gross_profit, gross_loss;
    size_t wins, losses;
};

host_trade_book *host_trade_book_new(void)
{
    return calloc(1, sizeof(host_trade_book));
}

void host_trade_book_free(host_trade_book *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_pos; i++)
        free(b->pos[i].entry_reason);
    for (size_t i = 0; i < b->n_strings; i++)
        free(b->strings[i]);
    free(b->pos);
    free(b->trips);
    free(b->strings);
    free(b);
}

/* Doubles *cap (from 8) when n reaches it. 0 on allocation failure. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 1;
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return 0;
    *arr = p;
    *cap = nc;
    return 1;
}

/* A reason string the book owns for as long as it lives. */
static const char *keep_string(host_trade_book *b, const char *s)
{
    if (!s)
        return "";
    if (!grow((void **)&b->strings, &b->cap_strings, b->n_strings,
              sizeof(char *)))
        return "";
    char *copy = strdup(s);
    if (!copy)
        return "";
    b->strings[b->n_strings++] = copy;
    return copy;
}

static open_pos *pos_for(host_trade_book *b, const char *symbol)
{
    for (size_t i = 0; i < b->n_pos; i++)
        if (strncmp(b->pos[i].symbol, symbol, PERP_SYMBOL_MAX) == 0)
            return &b->pos[i];
    if (!grow((void **)&b->pos, &b->cap_pos, b->n_pos, sizeof(open_pos)))
        return NULL;
    open_pos *p = &b->pos[b->n_pos++];
    memset(p, 0, sizeof *p);
    snprintf(p->symbol, sizeof p->symbol, "%s", symbol);
    return p;
}

static void open_at(open_pos *p, double qty, double price, double fee,
                    const perp_fill *f)
{
    p->qty = qty;
    p->avg_price = price;
    p->fees = fee;
    p->entry_ts = f->ts;
    free(p->entry_reason);
    p->entry_reason = strdup(f->reason);
}

static void add_to(open_pos *p, const perp_fill *f)
{
    double old = fabs(p->qty), add = fabs(f->qty);
    p->avg_price = (old * p->avg_price + add * f->price) / (old + add);
    p->qty += f->qty;
    p->fees += f->fee;
}

static int close_part(host_trade_book *b, open_pos *p, const perp_fill *f)
{
    double held = fabs(p->qty), sz = fabs(f->qty);
    double closed = fmin(held, sz);
    int side = p->qty > 0 ? 1 : -1;
    if (!grow((void **)&b->trips, &b->cap_trips, b->n_trips,
              sizeof(perp_round_trip)))
        return PERP_ENOMEM;
    perp_round_trip *t = &b->trips[b->n_trips];
    memset(t, 0, sizeof *t);
    snprintf(t->symbol, sizeof t->symbol, "%s", p->symbol);
    t->side = side;
    t->qty = closed;
    t->entry_price = p->avg_price;
    t->exit_price = f->price;
    t->entry_ts = p->entry_ts;
    t->exit_ts = f->ts;
    double entry_fee = p->fees * closed / held;
    t->fees = entry_fee + f->fee * closed / sz;
    t->net_pnl = side * closed * (f->price - p->avg_price) - t->fees;
    t->entry_reason = keep_string(b, p->entry_reason);
    t->exit_reason = keep_string(b, f->reason);
    b->n_trips++;
    if (t->net_pnl > 0) {
        b->gross_profit += t->net_pnl;
        b->wins++;
    } else if (t->net_pnl < 0) {
        b->gross_loss -= t->net_pnl;
        b->losses++;
    }

    double rest = sz - closed;
    /* Float dust from partial closes must not leave a phantom position. */
    if (rest > 1e-12 * sz) {
        open_at(p, (f->qty > 0 ? 1 : -1) * rest, f->price, f->fee * rest / sz,
                f);
    } else if (held - closed <= 1e-9 * held) {
        p->qty = 0;
        p->fees = 0;
    } else {
        p->qty -= side * closed;
        p->fees -= entry_fee;
    }
    return PERP_OK;
}

int host_trade_book_add(host_trade_book *b, const perp_fill *f)
{
    if (!b || !f || !isfinite(f->qty) || !isfinite(f->price) ||
        !isfinite(f->fee) || f->qty == 0.0)
        return PERP_EINVAL;
    open_pos *p = pos_for(b, f->symbol);
    if (!p)
        return PERP_ENOMEM;
    if (p->qty == 0.0) {
        open_at(p, f->qty, f->price, f->fee, f);
        return PERP_OK;
    }
    if ((p->qty > 0) == (f->qty > 0)) {
        add_to(p, f);
        return PERP_OK;
    }
    return close_part(b, p, f);
}

size_t host_trade_book_count(const host_trade_book *b)
{
    return b ? b->n_trips : 0;
}

const perp_round_trip *host_trade_book_at(const host_trade_book *b, size_t i)
{
    return b && i < b->n_trips ? &b->trips[i] : NULL;
}

const perp_round_trip *host_trade_book_all(const host_trade_book *b)
{
    return b && b->n_trips ? b->trips : NULL;
}

size_t host_trade_book_recent(const host_trade_book *b, perp_round_trip *out,
                              size_t max)
{
    size_t n = 0;
    for (; b && n < max && n < b->n_trips; n++)
        out[n] = b->trips[b->n_trips - 1 - n];
    return n;
}

/* ------------------------------------------------------------ figures */

static void figures_of(size_t n, double gross_profit, double gross_loss,
                       size_t wins, size_t losses, perp_metrics *out)
{
    out->trades = n;
    out->win_rate = n ? (double)wins / (double)n : 0.0;
    out->avg_win = wins ? gross_profit / (double)wins : 0.0;
    out->avg_loss = losses ? -gross_loss / (double)losses : 0.0;
    if (gross_loss > 0)
        out->profit_factor = gross_profit / gross_loss;
    else
        out->profit_factor = gross_profit > 0 ? INFINITY : 0.0;
}

static void trade_figures(const perp_round_trip *t, size_t n, perp_metrics *out)
{
    double gross_profit = 0, gross_loss = 0;
    size_t wins = 0, losses = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].net_pnl > 0) {
            gross_profit += t[i].net_pnl;
            wins++;
        } else if (t[i].net_pnl < 0) {
            gross_loss -= t[i].net_pnl;
            losses++;
        }
    }
    figures_of(n, gross_profit, gross_loss, wins, losses, out);
}

void host_equity_stats_add(host_equity_stats *s, int64_t ts, double equity)
{
    if (s->n == 0) {
        s->first_ts = ts;
        s->first = equity;
        s->peak = -INFINITY;
    } else if (s->last > 0 && isfinite(equity)) {
        double r = equity / s->last - 1.0;
        s->sum += r;
        s->sum_sq += r * r;
        if (r < 0)
            s->down_sq += r * r;
        s->k++;
    }
    if (isfinite(equity)) {
        if (equity > s->peak)
            s->peak = equity;
        double dd = s->peak > 0 ? (s->peak - equity) / s->peak * 100.0 : 0.0;
        if (dd > s->worst_dd_pct)
            s->worst_dd_pct = dd;
    }
    s->last_ts = ts;
    s->last = equity;
    s->n++;
}

/* Sharpe and Sortino of the simple returns between consecutive snapshots
 * (population standard deviation, as the twin), each scaled by
 * sqrt(seconds per year / mean snapshot interval). */
static void return_figures(const host_equity_stats *s, perp_metrics *out)
{
    out->sharpe = out->sortino = 0.0;
    if (s->k < 2 || s->last_ts <= s->first_ts)
        return;
    double interval_s =
        (double)(s->last_ts - s->first_ts) / 1000.0 / (double)(s->n - 1);
    double scale = sqrt(SECONDS_PER_YEAR / interval_s);
    double mean = s->sum / (double)s->k;
    double var = s->sum_sq / (double)s->k - mean * mean;
    double sd = var > 0 ? sqrt(var) : 0.0;
    double dd = sqrt(s->down_sq / (double)s->k);
    /* A curve without variation (up to rounding) has no risk to reward:
     * 0, not a division by a rounding residue. */
    if (sd > 1e-9 * fabs(mean) && sd > 0)
        out->sharpe = mean / sd * scale;
    if (dd > 0)
        out->sortino = mean / dd * scale;
    else if (mean > 0)
        out->sortino = INFINITY;
}

void host_metrics_from_stats(const perp_round_trip *trips, size_t n_trips,
                             const host_equity_stats *s, double starting_equity,
                             perp_metrics *out)
{
    memset(out, 0, sizeof *out);
    trade_figures(trips, trips ? n_trips : 0, out);
    if (!s || s->n == 0)
        return;
    return_figures(s, out);
    out->max_drawdown_pct = s->worst_dd_pct;
    double base = starting_equity > 0 ? starting_equity : s->first;
    if (base > 0 && isfinite(s->last))
        out->total_return_pct = (s->last - base) / base * 100.0;
}

void host_metrics_from_book(const host_trade_book *b,
                            const host_equity_stats *s, double starting_equity,
                            perp_metrics *out)
{
    memset(out, 0, sizeof *out);
    if (b)
        figures_of(b->n_trips, b->gross_profit, b->gross_loss, b->wins,
                   b->losses, out);
    if (!s || s->n == 0)
        return;
    return_figures(s, out);
    out->max_drawdown_pct = s->worst_dd_pct;
    double base = starting_equity > 0 ? starting_equity : s->first;
    if (base > 0 && isfinite(s->last))
        out->total_return_pct = (s->last - base) / base * 100.0;
}

void host_metrics_compute(const perp_round_trip *trips, size_t n_trips,
                          const int64_t *eq_ts, const double *eq, size_t n_eq,
                          double starting_equity, perp_metrics *out)
{
    host_equity_stats s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; eq && eq_ts && i < n_eq; i++)
        host_equity_stats_add(&s, eq_ts[i], eq[i]);
    host_metrics_from_stats(trips, n_trips, &s, starting_equity, out);
}
