/*
 * event_queue.c — a mutex/condvar ring; see event_queue.h.
 */
#include "event_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int ev_queue_init(ev_queue *q, size_t cap)
{
    q->buf = calloc(cap ? cap : 1, sizeof *q->buf);
    if (!q->buf)
        return -1;
    q->cap = cap ? cap : 1;
    q->head = q->len = 0;
    q->dropped = 0;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&q->mu, NULL);
    return 0;
}

void ev_queue_destroy(ev_queue *q)
{
    if (!q->buf)
        return;
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q->buf);
    q->buf = NULL;
}

int ev_queue_push(ev_queue *q, const perp_event *ev)
{
    int dropped = 0;
    pthread_mutex_lock(&q->mu);
    if (q->len == q->cap) {
        q->head = (q->head + 1) % q->cap;
        q->len--;
        q->dropped++;
        dropped = 1;
    }
    q->buf[(q->head + q->len) % q->cap] = *ev;
    q->len++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return dropped;
}

int ev_queue_pop(ev_queue *q, perp_event *ev, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && timeout_ms > 0)
        if (pthread_cond_timedwait(&q->cv, &q->mu, &until) == ETIMEDOUT)
            break;
    int got = q->len > 0;
    if (got) {
        *ev = q->buf[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

uint64_t ev_queue_dropped(ev_queue *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t d = q->dropped;
    pthread_mutex_unlock(&q->mu);
    return d;
}
