/*
 * market_candle_store.c — fixed-size ring of closed candles.
 */
#include "market_candle_store.h"

#include <stdlib.h>
#include <string.h>

int host_candle_store_init(host_candle_store *s, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->buf = calloc(cap ? cap : 1, sizeof *s->buf);
    if (!s->buf)
        return PERP_ENOMEM;
    s->cap = cap ? cap : 1;
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
    return &s->buf[(s->head + s->n - 1) % s->cap];
}

int host_candle_store_push(host_candle_store *s, const perp_candle *c)
{
    const perp_candle *newest = host_candle_store_newest(s);
    if (newest && c->ts <= newest->ts)
        return 0;
    if (s->n < s->cap) {
        s->buf[(s->head + s->n) % s->cap] = *c;
        s->n++;
    } else {
        s->buf[s->head] = *c;
        s->head = (s->head + 1) % s->cap;
    }
    return 1;
}

size_t host_candle_store_copy(const host_candle_store *s, perp_candle *out)
{
    for (size_t i = 0; i < s->n; i++)
        out[i] = s->buf[(s->head + i) % s->cap];
    return s->n;
}
