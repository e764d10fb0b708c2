/*
 * feed_faults.h — the local Coinbase WebSocket server (ws_server) with a
 * ticker thread and the faults a venue's feed shows, on demand: garbage
 * messages, a duplicated ticker, two tickers out of order, a sequence
 * gap, a dropped connection and a stall (nothing at all, heartbeats
 * included, for a while). Tickers go out every 50 ms for one product at
 * a price that walks around `price`. For end-to-end fault tests through
 * the perpd binary.
 */
#ifndef TESTS_FEED_FAULTS_H
#define TESTS_FEED_FAULTS_H

typedef struct feed_faults feed_faults;

typedef enum feed_fault {
    FEED_GARBAGE,   /* FEED_GARBAGE_COUNT malformed messages, in a row */
    FEED_DUPLICATE, /* the last ticker again, sequence and all */
    FEED_REORDER,   /* tickers n+2 then n+1 */
    FEED_GAP,       /* 5 sequence numbers skipped */
    FEED_DROP,      /* the connection closed by the server */
    FEED_STALL,     /* nothing for arg ms, then tickers again */
} feed_fault;

#define FEED_GARBAGE_COUNT 12

/* NULL if the server cannot start. */
feed_faults *feed_faults_start(const char *product, double price);
void feed_faults_stop(feed_faults *f);
int feed_faults_port(const feed_faults *f);
/* Done at once from the caller's thread (a stall returns when it ends). */
void feed_faults_inject(feed_faults *f, feed_fault k, int arg);
/* Valid subscribes so far (one a connection); waits up to timeout_ms
 * for at least n. 1 if reached. */
int feed_faults_wait_subscribes(feed_faults *f, int n, int timeout_ms);
int feed_faults_subscribes(feed_faults *f);

#endif
