/*
 * ws_conn.h — one WebSocket client connection that keeps itself alive:
 * libwebsockets on its own service thread, TLS through OpenSSL, the
 * subscribe messages sent on every connect, an optional periodic ping,
 * reconnect on close, error or silence with exponential backoff and
 * jitter. feed-coinbase's; feed-hyperliquid-market builds it in too.
 *
 * Complete text frames are handed to on_message on the service thread;
 * the callback must not block for long.
 */
#ifndef CB_WS_CONN_H
#define CB_WS_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <perp/sdk.h>

typedef struct cb_ws cb_ws;

typedef struct cb_ws_opts {
    const perp_host *host;  /* logging; borrowed, outlives the conn */
    const char *url;        /* ws:// or wss://host[:port][/path] */
    const char *ca_file;    /* PEM CA bundle, or NULL: system store */
    const char *subscribe;  /* sent after every connect; copied. Several
                               frames are separated by '\n' (compact JSON
                               has none of its own). */
    int64_t stale_after_ms; /* silence longer than this reconnects */
    int64_t backoff_min_ms, backoff_max_ms;
    size_t max_message; /* larger frames are dropped whole */
    /* Called on the service thread. len excludes the NUL that follows. */
    void (*on_message)(void *ud, const char *buf, size_t len);
    /* A frame over max_message was dropped (size so far in bytes). */
    void (*on_oversize)(void *ud, size_t bytes);
    void *ud;
    /* Sent every ping_every_ms while connected, for a venue that wants
     * client pings (Hyperliquid); NULL: none. */
    const char *ping;
    int64_t ping_every_ms;
} cb_ws_opts;

typedef struct cb_ws_state {
    int connected;       /* established and subscribe sent */
    uint64_t reconnects; /* connection attempts after the first */
    char detail[128];    /* last connection error, "" if none */
} cb_ws_state;

/* Checks the options and prepares the connection without connecting:
 * NULL with err set if the URL is unusable or lws cannot start. */
cb_ws *cb_ws_new(const cb_ws_opts *o, char *err, size_t err_len);
/* Starts the service thread, which connects and keeps the connection
 * up. 0, or -1 with err set. A second call does nothing. */
int cb_ws_run(cb_ws *w, char *err, size_t err_len);
/* Stops the thread, closes the connection, frees. NULL is a no-op. */
void cb_ws_stop(cb_ws *w);
void cb_ws_state_get(cb_ws *w, cb_ws_state *out);
/* The connection's part of a feed's status: connected, reconnects, and
 * the detail (the last connection error while down, else how many
 * `what` a full queue dropped, else ""). The feed fills its counters. */
void cb_ws_status_fill(cb_ws *w, uint64_t dropped, const char *what,
                       perp_feed_status *out);

#endif
