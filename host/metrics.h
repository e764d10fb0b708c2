/*
 * metrics.h — round trips rebuilt from fills by average cost, and the
 * version's performance figures (DESIGN.md, Metrics). Pure computation:
 * no I/O, no globals. One definition used by the observation, the
 * database and the dashboard.
 */
#ifndef HOST_METRICS_H
#define HOST_METRICS_H

#include <perp/sdk.h>

typedef struct host_trade_book host_trade_book;

/* Owned by the caller; free with host_trade_book_free. */
host_trade_book *host_trade_book_new(void);
void host_trade_book_free(host_trade_book *b);

/* Fold one fill in. Each fill that reduces a position closes one round
 * trip (fees pro-rated by quantity); reasons are copied. */
int host_trade_book_add(host_trade_book *b, const perp_fill *f);

/* Completed round trips, oldest first; pointers stay valid until the next
 * add or free. */
size_t host_trade_book_count(const host_trade_book *b);
const perp_round_trip *host_trade_book_at(const host_trade_book *b, size_t i);

/* All host_trade_book_count() round trips as one array, oldest first
 * (NULL when there are none); valid until the next add or free. */
const perp_round_trip *host_trade_book_all(const host_trade_book *b);

/* Fill `out` with up to `max` newest round trips, newest first. Returns
 * how many. Borrowed pointers inside stay valid until the next add. */
size_t host_trade_book_recent(const host_trade_book *b, perp_round_trip *out,
                              size_t max);

/* The equity curve folded in one snapshot at a time, so a cycle's
 * metrics cost O(1) in the length of the run instead of O(n). Zero it to
 * start (`host_equity_stats s = {0};`). */
typedef struct host_equity_stats {
    size_t n; /* snapshots folded in */
    int64_t first_ts, last_ts;
    double first, last;          /* first and last equity, as given */
    size_t k;                    /* returns counted */
    double sum, sum_sq, down_sq; /* of the simple returns */
    double peak, worst_dd_pct;
} host_equity_stats;

void host_equity_stats_add(host_equity_stats *s, int64_t ts, double equity);

/* Performance from round trips and the folded equity curve. */
void host_metrics_from_stats(const perp_round_trip *trips, size_t n_trips,
                             const host_equity_stats *s, double starting_equity,
                             perp_metrics *out);

/* The same figures in O(1): the book's trade figures are folded in as
 * its round trips close (equal to host_metrics_from_stats over all of
 * them, summed in the same order). */
void host_metrics_from_book(const host_trade_book *b,
                            const host_equity_stats *s, double starting_equity,
                            perp_metrics *out);

/* Performance from round trips and an equity series (ts ascending, ms).
 * Sharpe/Sortino annualised with the mean real snapshot interval. */
void host_metrics_compute(const perp_round_trip *trips, size_t n_trips,
                          const int64_t *eq_ts, const double *eq, size_t n_eq,
                          double starting_equity, perp_metrics *out);

#endif
