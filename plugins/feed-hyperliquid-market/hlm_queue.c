/*
 * hlm_queue.c — see hlm_queue.h.
 */
#include "hlm_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int hlm_queue_init(hlm_queue *q, size_t cap)
{
    q->ev = calloc(cap, sizeof *q->ev);
    if (!q->ev)
        return -1;
    q->cap = cap;
    q->head = q->n = 0;
    q->dropped = 0;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    return 0;
}

void hlm_queue_destroy(hlm_queue *q)
{
    if (!q->ev)
        return;
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q->ev);
    q->ev = NULL;
}

int hlm_queue_push(hlm_queue *q, const perp_event *ev)
{
    int dropped = 0;
    pthread_mutex_lock(&q->mu);
    if (q->n == q->cap) {
        q->head = (q->head + 1) % q->cap;
        q->n--;
        q->dropped++;
        dropped = 1;
    }
    q->ev[(q->head + q->n) % q->cap] = *ev;
    q->n++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return dropped;
}

int hlm_queue_pop(hlm_queue *q, perp_event *ev, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->mu);
    while (q->n == 0 && timeout_ms > 0)
        if (pthread_cond_timedwait(&q->cv, &q->mu, &until) == ETIMEDOUT)
            break;
    int got = q->n > 0;
    if (got) {
        *ev = q->ev[q->head];
        q->head = (q->head + 1) % q->cap;
        q->n--;
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

uint64_t hlm_queue_dropped(hlm_queue *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t d = q->dropped;
    pthread_mutex_unlock(&q->mu);
    return d;
}
