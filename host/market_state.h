/*
 * market_state.h — everything the host knows about one symbol: the last
 * price (from ticks or closed candles), funding, the 1-minute and context
 * candle builders and stores, and the indicators of both timeframes.
 * Routing to the backend is the caller's job; this module only keeps
 * state, so it runs the same live and in replay.
 */
#ifndef HOST_MARKET_STATE_H
#define HOST_MARKET_STATE_H

#include <perp/sdk.h>

#include "market_candle_store.h"
#include "market_candles.h"
#include "market_indicator_chain.h"

#define HOST_MINUTE_MS     60000
#define HOST_VOLUME_WINDOW 1440 /* one-minute bars in 24 h */

typedef struct host_market {
    char symbol[PERP_SYMBOL_MAX];
    char coin[PERP_COIN_MAX];
    double last, bid, ask;  /* NAN until known */
    double tick_volume_24h; /* from the feed's ticks, NAN if never given */
    int64_t last_update;    /* ts of the last price, 0 if none */
    int ticked;             /* prices come from ticks: bars the builder
                               closes (gap fills too) are not news */
    double funding_rate_1h;
    int64_t ctx_ms;
    host_candle_builder *b1m, *bctx;    /* owned */
    host_candle_store s1m, sctx;        /* owned */
    host_indicator_chain ind1m, indctx; /* owned */
    /* Rolling 24 h volume from 1m candles, for feeds without tickers. */
    double vol_ring[HOST_VOLUME_WINDOW];
    size_t vol_n, vol_head;
    double vol_sum;
    uint64_t ctx_skipped; /* non-1m feed candles the context can't use */
} host_market;

/* PERP_OK or PERP_ENOMEM. history: candles kept per timeframe;
 * series_len: indicator values kept per output. */
int host_market_init(host_market *m, const char *symbol, int64_t ctx_ms,
                     size_t history, size_t series_len);
void host_market_free(host_market *m);

/* A tick: updates prices and the 1m builder; writes the 1m candles it
 * closed to out (max slots) and returns how many. The caller passes each
 * to host_market_on_candle. */
size_t host_market_on_tick(host_market *m, const perp_tick *t, perp_candle *out,
                           size_t max);
/* Closes 1m buckets that ended at or before now (live, quiet markets). */
size_t host_market_advance(host_market *m, int64_t now, perp_candle *out,
                           size_t max);
/* A closed candle (1m from the builder or a feed, or a coarser feed
 * candle): stored, run through the indicators and folded into the
 * context timeframe. Returns 0 if it was a duplicate and ignored. When no
 * newer tick is known, its close becomes the last price. */
int host_market_on_candle(host_market *m, const perp_candle *c);
/* Bootstrap: closed context candles, oldest first, before any 1m. */
void host_market_seed_ctx(host_market *m, const perp_candle *c, size_t n);
void host_market_on_funding(host_market *m, const perp_funding_rate *r);

/* 24 h volume: the feed's figure if it gives one, else the sum of the
 * last 1440 one-minute candles. */
double host_market_volume_24h(const host_market *m);
/* Mid from bid/ask when both are known, else the last price. */
double host_market_mid(const host_market *m);

#endif
