/*
 * tick_queue.h — bounded FIFO of ticks between the feed's service thread
 * (producer) and the host's next() (consumer). When full the oldest tick
 * is dropped and counted: a trading agent wants the newest price.
 */
#ifndef CB_TICK_QUEUE_H
#define CB_TICK_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <perp/sdk.h>

typedef struct cb_tick_queue {
    perp_tick *buf; /* owned, cap entries */
    size_t cap, head, len;
    uint64_t dropped;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled on push; CLOCK_MONOTONIC */
} cb_tick_queue;

int cb_queue_init(cb_tick_queue *q, size_t cap); /* 0 or -1 (no memory) */
void cb_queue_destroy(cb_tick_queue *q);
/* 0, or 1 when the oldest tick was dropped to make room. */
int cb_queue_push(cb_tick_queue *q, const perp_tick *t);
/* 1 with *t filled, or 0 when nothing arrived within timeout_ms. */
int cb_queue_pop(cb_tick_queue *q, perp_tick *t, int timeout_ms);
uint64_t cb_queue_dropped(cb_tick_queue *q);

#endif
