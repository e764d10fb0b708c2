/*
 * hlm_queue.h — a bounded queue of perp_events between the feed's
 * threads (WebSocket service, funding poller) and next() on the host's
 * thread. When full, the oldest event is dropped and counted: a stalled
 * host should see the newest prices. (feed-coinbase's tick queue is the
 * same idea for ticks alone.)
 */
#ifndef HLM_QUEUE_H
#define HLM_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <perp/sdk.h>

typedef struct hlm_queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    perp_event *ev;
    size_t cap, head, n;
    uint64_t dropped;
} hlm_queue;

int hlm_queue_init(hlm_queue *q, size_t cap); /* 0 or -1 */
void hlm_queue_destroy(hlm_queue *q);
/* Copies ev in; 1 if the oldest was dropped to make room. */
int hlm_queue_push(hlm_queue *q, const perp_event *ev);
/* Waits up to timeout_ms for an event; 1 with *ev filled, 0 if none. */
int hlm_queue_pop(hlm_queue *q, perp_event *ev, int timeout_ms);
uint64_t hlm_queue_dropped(hlm_queue *q);

#endif
