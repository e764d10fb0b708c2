/*
 * market_feed_merge.c — k-way merge of replay feeds by event timestamp.
 */
#include "market_feed_merge.h"

#include <stdlib.h>

typedef struct merge_slot {
    perp_event ev;
    int pending; /* ev holds an event not yet delivered */
    int ended;   /* the feed returned PERP_EOF */
} merge_slot;

struct host_feed_merge {
    size_t n;
    merge_slot *slots;
    host_merge_pull_fn pull;
    void *ud;
    int64_t last_ts;
    int started;
    uint64_t disorder;
};

host_feed_merge *host_feed_merge_new(size_t n_feeds, host_merge_pull_fn pull,
                                     void *ud)
{
    host_feed_merge *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->slots = calloc(n_feeds ? n_feeds : 1, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->n = n_feeds;
    m->pull = pull;
    m->ud = ud;
    return m;
}

void host_feed_merge_free(host_feed_merge *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

/* Makes sure every live slot holds a pending event. */
static int refill(host_feed_merge *m)
{
    for (size_t i = 0; i < m->n; i++) {
        merge_slot *s = &m->slots[i];
        if (s->pending || s->ended)
            continue;
        int rc = m->pull(m->ud, i, &s->ev);
        if (rc == PERP_EOF)
            s->ended = 1;
        else if (rc == PERP_OK)
            s->pending = 1;
        else
            return rc;
    }
    return PERP_OK;
}

int host_feed_merge_next(host_feed_merge *m, perp_event *ev, size_t *feed)
{
    int rc = refill(m);
    if (rc != PERP_OK)
        return rc;
    size_t best = m->n;
    for (size_t i = 0; i < m->n; i++) {
        if (m->slots[i].pending &&
            (best == m->n || m->slots[i].ev.ts < m->slots[best].ev.ts))
            best = i;
    }
    if (best == m->n)
        return PERP_EOF;
    *ev = m->slots[best].ev;
    m->slots[best].pending = 0;
    if (feed)
        *feed = best;
    if (m->started && ev->ts < m->last_ts)
        m->disorder++;
    else
        m->last_ts = ev->ts;
    m->started = 1;
    return PERP_OK;
}

uint64_t host_feed_merge_disorder(const host_feed_merge *m)
{
    return m->disorder;
}
