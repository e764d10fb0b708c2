/*
 * candles_server.h — a local stand-in for Coinbase Exchange's REST
 * candles endpoint (libmicrohttpd, 127.0.0.1, ephemeral port):
 * GET /products/{id}/candles?granularity=G&start=ISO&end=ISO answers rows
 * [time, low, high, open, close, volume] newest first for buckets in
 * [start, end] (both ends inclusive, as Coinbase does), omits no-trade
 * buckets, refuses a range of more than 300 buckets with 400, refuses a
 * request without User-Agent with 400, and can fail chosen requests
 * with 429 (Retry-After: 1) or 500.
 *
 * Its market is a formula (candles_server_row), the definition tests
 * compare downloads against.
 */
#ifndef TESTS_CANDLES_SERVER_H
#define TESTS_CANDLES_SERVER_H

#include <stdint.h>

typedef struct candles_server candles_server;

typedef struct candles_server_opts {
    const char *products;    /* "BTC-USD,ETH-USD": the ones that exist;
                                others answer 404 */
    int fail_429_at;         /* 1-based request number answered 429; 0: none */
    int fail_500_at;         /* ... answered 500; 0: none */
    int off_grid_s;          /* non-zero: every answer also carries one row
                                this many seconds after its oldest bucket,
                                off the granularity grid (a misbehaving
                                server) */
    const char *retry_after; /* Retry-After of the 429s; NULL: "1" */
    int always_429;          /* every request answers 429 */
    int bad_rows;            /* non-zero: each no-trade bucket of an
                                answer carries a row the replay feed
                                refuses instead (candles_server_bad_row) */
} candles_server_opts;

candles_server *candles_server_start(const candles_server_opts *o);
void candles_server_stop(candles_server *s);
/* "http://127.0.0.1:PORT" into buf. */
void candles_server_base_url(const candles_server *s, char *buf, unsigned len);

int candles_server_requests(candles_server *s);   /* all requests */
int candles_server_max_rows(candles_server *s);   /* largest answer */
int candles_server_missing_ua(candles_server *s); /* without UA */
int candles_server_over_limit(candles_server *s); /* > 300 buckets */
/* Buckets asked for in all (the sum of (end - start) / g + 1 over the
 * answered requests) at granularity g, every product. */
long candles_server_buckets(candles_server *s, int g);

/* The market: 1 with out = {open, high, low, close, volume} if bucket t
 * (Unix s) of granularity g traded for product, 0 for a no-trade
 * bucket. Each product has its own price level. */
int candles_server_row(const char *product, int64_t t, int g, double out[5]);
/* With bad_rows: the row a no-trade bucket t carries, {open, high, low,
 * close, volume}, and the fault it has (a perp_candle_fault: by bucket,
 * a zero price, high below low, or a negative volume). */
int candles_server_bad_row(int64_t t, int g, double out[5]);

#endif
