/*
 * ws_server.h — a loopback WebSocket server speaking the Coinbase
 * Exchange feed protocol, for feed-coinbase's tests (or, through
 * on_frame, another venue's: feed-hyperliquid-market's tests). libwebsockets on
 * its own thread, ephemeral port on 127.0.0.1, optional TLS.
 *
 * It checks every client's subscribe message (type "subscribe", exactly
 * the expected product ids, channels ticker and heartbeat), answers with
 * a "subscriptions" message, sends heartbeats while not silenced, and
 * sends whatever the test queues. One client at a time.
 */
#ifndef TESTS_WS_SERVER_H
#define TESTS_WS_SERVER_H

#include <stddef.h>

typedef struct ws_server ws_server;

typedef struct ws_server_opts {
    const char *cert_file, *key_file; /* PEM; both NULL: plain ws:// */
    const char *const *products;      /* the subscribe must name these */
    size_t n_products;
    int heartbeat_ms; /* 0: no heartbeats */
    /* Another venue's protocol (NULL: Coinbase's subscribe check): called
     * on the service thread for every text frame; *reply (malloc'd, or
     * left NULL) goes out before anything queued. Returns 1 for a valid
     * subscribe, 0 for another valid frame (a ping), -1 for a bad one. */
    int (*on_frame)(void *ud, const char *text, size_t len, char **reply);
    void *frame_ud;
} ws_server_opts;

/* NULL if the server cannot start (the reason is printed). */
ws_server *ws_server_start(const ws_server_opts *o);
void ws_server_stop(ws_server *s);
int ws_server_port(const ws_server *s);

/* Queues one text frame for the current (or next) client; copied. */
void ws_server_send(ws_server *s, const char *text, size_t len);
/* Closes the current connection once everything queued has been sent. */
void ws_server_drop(ws_server *s);
/* Stops heartbeats on the current connection (a new one gets them). */
void ws_server_silence(ws_server *s);

/* Counters since start. */
int ws_server_connections(ws_server *s); /* WebSocket handshakes */
int ws_server_subscribes(ws_server *s);  /* valid subscribe messages */
int ws_server_bad_subscribes(ws_server *s);
/* Blocks until subscribes >= n or timeout; 1 if reached. */
int ws_server_wait_subscribes(ws_server *s, int n, int timeout_ms);
/* Blocks until the send queue is empty and no drop is pending; 1 if so. */
int ws_server_wait_flushed(ws_server *s, int timeout_ms);

#endif
