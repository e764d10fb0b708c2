/*
 * rest_candles.h — Coinbase Exchange's REST candles endpoint, the feed's
 * backfill (and so `perpd history download --feed coinbase` and the live
 * warm-up). libcurl; at most 300 buckets a request, paginated, spaced for
 * ~8 requests a second, retried on 429 (after Retry-After) and on 5xx and
 * transport errors (with backoff), each a bounded number of times; every
 * wait ends within 100 ms of the host's stop request (SIGINT).
 */
#ifndef CB_REST_CANDLES_H
#define CB_REST_CANDLES_H

#include <stddef.h>
#include <stdint.h>
#include <perp/sdk.h>

#define CB_REST_DEFAULT_URL "https://api.exchange.coinbase.com"
/* The plugin's version: its descriptor and the REST User-Agent. */
#define CB_FEED_VERSION "1.1.0"

typedef struct cb_rest cb_rest;

/* base: "https://host[:port]" (trailing '/' ignored); host: logging and
 * the stop flag (borrowed, outlives the client). NULL when out of memory
 * or libcurl cannot start (logged). */
cb_rest *cb_rest_new(const perp_host *host, const char *base);
void cb_rest_free(cb_rest *r);

/* 1 if Coinbase serves candles of interval_ms (60 s, 5 m, 15 m, 1 h, 6 h,
 * 1 d). */
int cb_rest_interval_ok(int64_t interval_ms);

/* The candles of product whose open times lie in [from_ms, to_ms) (both
 * multiples of interval_ms), oldest first, one per open time, as the
 * venue has them: a bucket without trades is absent. Writes at most cap
 * to out and the count to *n. PERP_OK; PERP_ERR after one ERROR line
 * (HTTP, network, malformed answer, stopped, more rows than cap). */
perp_status cb_rest_candles(cb_rest *r, const char *product,
                            int64_t interval_ms, int64_t from_ms, int64_t to_ms,
                            perp_candle *out, size_t cap, size_t *n);

#endif
