/*
 * market_candle_store.h — the newest N closed candles of one symbol and one
 * timeframe, in a ring. A candle no newer than the newest stored one is
 * refused, so a bootstrap overlapping the first live candles cannot
 * duplicate or reorder bars.
 *
 * The ring is mirrored: every candle is written at its slot i and at
 * i + cap, so the stored candles are always one contiguous run, oldest
 * first, and an observation borrows them in place (host_candle_store_view)
 * instead of copying them each cycle.
 */
#ifndef HOST_MARKET_CANDLE_STORE_H
#define HOST_MARKET_CANDLE_STORE_H

#include <stddef.h>
#include <perp/sdk.h>

typedef struct host_candle_store {
    perp_candle *buf;    /* owned, 2 * cap slots (mirrored) */
    size_t cap, head, n; /* head: slot of the oldest candle */
} host_candle_store;

/* PERP_OK or PERP_ENOMEM; cap > 0. */
int host_candle_store_init(host_candle_store *s, size_t cap);
void host_candle_store_free(host_candle_store *s);

/* 1 if stored; 0 if refused (not newer than the newest). */
int host_candle_store_push(host_candle_store *s, const perp_candle *c);
/* The s->n stored candles, oldest first, contiguous; borrowed: valid
 * until the next push (which may overwrite the oldest). */
const perp_candle *host_candle_store_view(const host_candle_store *s);
/* Copies the candles oldest first into out (room for s->n); returns n. */
size_t host_candle_store_copy(const host_candle_store *s, perp_candle *out);
/* The newest candle or NULL when empty (borrowed until the next push). */
const perp_candle *host_candle_store_newest(const host_candle_store *s);

#endif
