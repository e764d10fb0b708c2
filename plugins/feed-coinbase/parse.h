/*
 * parse.h — Coinbase Exchange WebSocket messages to plain C values.
 *
 * A pure function of its input (no I/O, no globals) so the plugin, the
 * fuzz target and the benchmark all run exactly the same code.
 */
#ifndef CB_PARSE_H
#define CB_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <perp/sdk.h>

typedef enum cb_msg_kind {
    CB_MSG_TICKER = 0,        /* msg.tick filled */
    CB_MSG_HEARTBEAT = 1,     /* msg.product, msg.sequence, msg.ts */
    CB_MSG_SUBSCRIPTIONS = 2, /* the server's subscribe confirmation */
    CB_MSG_ERROR = 3,         /* msg.text: "message: reason" */
    CB_MSG_OTHER = 4,         /* a valid message of a type we ignore */
    CB_MSG_MALFORMED = 5      /* msg.text says what was wrong */
} cb_msg_kind;

typedef struct cb_message {
    cb_msg_kind kind;
    perp_tick tick;                /* CB_MSG_TICKER */
    char product[PERP_SYMBOL_MAX]; /* ticker and heartbeat */
    int64_t sequence;              /* ticker and heartbeat; 0 if absent */
    int64_t ts;                    /* ms UTC; ticker and heartbeat */
    char text[192];                /* error text or why malformed */
} cb_message;

/* The set of products a message may name; NULL/0 accepts any. Borrowed. */
typedef struct cb_products {
    const char *const *ids;
    size_t n;
} cb_products;

/* Parses one complete text frame of len bytes (need not be NUL
 * terminated). Never fails harder than CB_MSG_MALFORMED. */
cb_msg_kind cb_parse_message(const char *buf, size_t len,
                             const cb_products *products, cb_message *out);

/* RFC 3339 "2022-10-19T23:28:22.061769Z" (or an offset "+01:00") to ms
 * since the epoch, fraction truncated to the millisecond; 't'/'z' in either
 * case (perp/time.h, PERP_TIME_RFC3339). 0 or -1. */
int cb_parse_time(const char *s, int64_t *out_ms);

#endif
