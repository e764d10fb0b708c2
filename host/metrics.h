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
const perp_round_trip *host_trade_book_at(const host_trade_book *b,
                                          size_t i);

/* Fill `out` with up to `max` newest round trips, newest first. Returns
 * how many. Borrowed pointers inside stay valid until the next add. */
size_t host_trade_book_recent(const host_trade_book *b, perp_round_trip *out,
                              size_t max);

/* Performance from round trips and an equity series (ts ascending, ms).
 * Sharpe/Sortino annualised with the mean real snapshot interval. */
void host_metrics_compute(const perp_round_trip *trips, size_t n_trips,
                          const int64_t *eq_ts, const double *eq, size_t n_eq,
                          double starting_equity, perp_metrics *out);

#endif
