/*
 * hlm_parse.h — one Hyperliquid WebSocket message, parsed:
 *   {"channel":"bbo","data":{"coin","time","bbo":[bid|null, ask|null]}}
 *     levels {"px","sz","n"}: a tick with bid/ask and their sizes (no
 *     trade price: the feed's bars come from the candle channel);
 *   {"channel":"candle","data":{"t","T","s","i","o","c","h","l","v","n"}}:
 *     the candle open at t as it stands now (it changes until it closes);
 *   {"channel":"pong"}, {"channel":"subscriptionResponse",...},
 *   {"channel":"error","data":"..."}.
 * Numbers are decimal strings. Anything else is OTHER; a message that
 * is not JSON or lacks a field is MALFORMED, with why in text.
 */
#ifndef HLM_PARSE_H
#define HLM_PARSE_H

#include <stddef.h>

#include <perp/sdk.h>

typedef enum hlm_msg_kind {
    HLM_MSG_OTHER = 0,
    HLM_MSG_BBO,
    HLM_MSG_CANDLE,
    HLM_MSG_PONG,
    HLM_MSG_SUBSCRIBED,
    HLM_MSG_ERROR,
    HLM_MSG_MALFORMED
} hlm_msg_kind;

typedef struct hlm_message {
    char coin[PERP_COIN_MAX];
    perp_tick tick;     /* BBO: symbol left empty for the caller */
    perp_candle candle; /* CANDLE: symbol left empty */
    char text[128];     /* ERROR, MALFORMED */
} hlm_message;

hlm_msg_kind hlm_parse(const char *buf, size_t len, hlm_message *m);

/* One candle object as both the candle channel's data and
 * candleSnapshot's rows carry it ({"t","s","i","o","c","h","l","v"}):
 * CANDLE or MALFORMED. `data` is a jansson json_t (kept out of this
 * header's types). */
hlm_msg_kind hlm_parse_candle(const void *data, hlm_message *m);

/* "1m" -> 60000, ..., "1d" -> 86400000 (the intervals the exchange
 * serves, "1M" excepted); 0 for another text. And back: NULL for an
 * interval it does not serve. */
int64_t hlm_interval_ms(const char *text);
const char *hlm_interval_text(int64_t ms);

#endif
