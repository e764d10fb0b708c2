/*
 * market_candle_store.c — fixed-size mirrored ring of closed candles.
 */
#include "market_candle_store.h"

#include <stdlib.h>
#include <string.h>

int host_candle_store_init(host_candle_store *s, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->cap = cap ? cap : 1;
    s->buf = calloc(2 * s->cap, sizeof *s->buf);
    if (!s->buf) {
        s->cap = 0;
        return PERP_ENOMEM;
    }
    return PERP_OK;
}

void host_candle_store_free(host_candle_store *s)
{
    free(s->buf);
    memset(s, 0, sizeof *s);
}

const perp_candle *host_candle_store_newest(const host_candle_store *s)
{
    if (s->n == 0)
        return NULL;
    return &s->buf[s->head + s->n - 1];
}

int host_candle_store_push(host_candle_store *s, const perp_candle *c)
{
    const perp_candle *newest = host_candle_store_newest(s);
    if (newest && c->ts <= newest->ts)
        return 0;
    size_t slot;
    if (s->n < s->cap) {
        slot = (s->head + s->n) % s->cap;
        s->n++;
    } else {
        slot = s->head;
        s->head = (s->head + 1) % s->cap;
    }
    s->buf[slot] = *c;
    s->buf[slot + s->cap] = *c;
    return 1;
}

const perp_candle *host_candle_store_view(const host_candle_store *s)
{
    return s->buf + s->head;
}

size_t host_candle_store_copy(const host_candle_store *s, perp_candle *out)
{
    if (s->n)
        memcpy(out, s->buf + s->head, s->n * sizeof *out);
    return s->n;
}
