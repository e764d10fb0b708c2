/*
 * event_queue.h — bounded FIFO of perp_events between a live feed's
 * threads (WebSocket service, pollers: producers) and the host's next()
 * (consumer). When full the oldest event is dropped and counted: a
 * trading agent wants the newest price. Shared by feed-coinbase and
 * feed-hyperliquid-market (its srcs file).
 */
#ifndef EVENT_QUEUE_H
#define EVENT_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <perp/sdk.h>

typedef struct ev_queue {
    perp_event *buf; /* owned, cap entries */
    size_t cap, head, len;
    uint64_t dropped;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled on push; CLOCK_MONOTONIC */
} ev_queue;

int ev_queue_init(ev_queue *q, size_t cap); /* 0 or -1 (no memory) */
void ev_queue_destroy(ev_queue *q);
/* Copies ev in: 0, or 1 when the oldest event was dropped to make room. */
int ev_queue_push(ev_queue *q, const perp_event *ev);
/* 1 with *ev filled, or 0 when nothing arrived within timeout_ms. */
int ev_queue_pop(ev_queue *q, perp_event *ev, int timeout_ms);
uint64_t ev_queue_dropped(ev_queue *q);

#endif
