/*
 * ticker_stream.h — the local Coinbase WebSocket server (ws_server.h)
 * with a thread sending a BTC-USD ticker every 50 ms, stamped with the
 * wall clock and moving through 37 prices, for the live runs of the
 * signal tests.
 */
#ifndef TESTS_TICKER_STREAM_H
#define TESTS_TICKER_STREAM_H

#include <pthread.h>
#include <stdatomic.h>

#include "ws_server.h"

typedef struct ticker {
    ws_server *ws; /* owned; its port goes into the run's YAML */
    atomic_int stop;
    pthread_t thread;
} ticker;

/* Starts the server and the sender (fails the test if it cannot). */
void ticker_start(ticker *t);
/* Stops the sender, then the server. */
void ticker_stop(ticker *t);

#endif
