/*
 * market_candles.h — builds OHLCV candles of one symbol and one interval,
 * aligned to UTC boundaries, from ticks or from finer closed candles. A bucket
 * with no trades repeats the last close with zero volume; a tick older
 * than the open bucket is counted as late and not folded in.
 */
#ifndef HOST_MARKET_CANDLES_H
#define HOST_MARKET_CANDLES_H

#include <perp/sdk.h>

typedef struct host_candle_builder host_candle_builder;

/* symbol is copied. interval_ms > 0 and divides a day or is a day. */
host_candle_builder *host_candles_new(const char *symbol, int64_t interval_ms);
void host_candles_free(host_candle_builder *b);

/* Each call writes the candles it closed (oldest first, gap-filled) to out
 * and returns how many; at most `max` (the rest are kept for the next
 * call). */
size_t host_candles_on_tick(host_candle_builder *b, int64_t ts, double price,
                            double size, perp_candle *out, size_t max);
/* Fold a closed finer candle (e.g. 1m into 6h). */
size_t host_candles_on_candle(host_candle_builder *b, const perp_candle *c,
                              perp_candle *out, size_t max);
/* Close every bucket that ended at or before now (no tick needed). */
size_t host_candles_advance(host_candle_builder *b, int64_t now,
                            perp_candle *out, size_t max);
/* The bucket being built (not closed), if any: 1 and *out, else 0. */
int host_candles_partial(const host_candle_builder *b, perp_candle *out);
uint64_t host_candles_late(const host_candle_builder *b);

#endif
