/*
 * market_backfill.h — closed candles from a feed's backfill (ABI 1.2), for
 * the live warm-up and `perpd history download`. The host knows no venue:
 * it asks the configured feed, range by range, checks every candle it gets
 * with the replay feed's own rules (perp/candle_check.h: a bad one is
 * dropped and counted, never used or written), and for the warm-up fills
 * the buckets a venue leaves out (no trade) with the previous close, as
 * the live candle builder does.
 */
#ifndef HOST_MARKET_BACKFILL_H
#define HOST_MARKET_BACKFILL_H

#include <stddef.h>
#include <stdint.h>

#include <perp/candle_check.h>
#include <perp/sdk.h>

/* Candles dropped, per fault, with the open time (Unix s) of the first. */
typedef struct host_backfill_drops {
    size_t count[PERP_CANDLE_FAULTS];
    int64_t first_ts_s[PERP_CANDLE_FAULTS];
    size_t outside; /* open time outside the range asked for */
    int64_t first_outside_s;
    size_t total; /* all of the above */
} host_backfill_drops;

/* 1 if the feed's vtable has a backfill call (ABI 1.2, set). */
int host_feed_has_backfill(const perp_feed_vtable *vt);

/* Every candle of symbol with open time in [from_ms, to_ms) (multiples of
 * interval_ms), asked in ranges of at most `chunk` buckets, checked, and
 * appended to *out (malloc'd or grown; the caller frees it) and *n.
 * Between ranges `stop` (may be NULL) is polled. Returns the feed's
 * status: PERP_OK, PERP_EUNSUPPORTED (interval not served), PERP_ERR
 * (logged by the feed, or stopped), PERP_ENOMEM. */
int host_backfill_range(const perp_feed_vtable *vt, void *self,
                        const char *symbol, int64_t interval_ms,
                        int64_t from_ms, int64_t to_ms, size_t chunk,
                        int (*stop)(void *ud), void *stop_ud, perp_candle **out,
                        size_t *n, host_backfill_drops *drops);

/* The newest `count` candles closed by now_ms (open times in
 * [end - count * interval, end), end = now aligned down), ascending, one
 * per bucket from the first the venue has: a missing bucket is the
 * previous close with zero volume. *out malloc'd (caller frees); status
 * as host_backfill_range. */
int host_backfill_recent(const perp_feed_vtable *vt, void *self,
                         const char *symbol, int64_t interval_ms, size_t count,
                         int64_t now_ms, perp_candle **out, size_t *n,
                         host_backfill_drops *drops);

/* "3 rows the replay feed refuses were dropped: 2 prices must be positive
 * (first ts 1704067800), 1 ..." into buf, or "" when none were. */
void host_backfill_drops_text(const host_backfill_drops *d, char *buf,
                              size_t len);

#endif
