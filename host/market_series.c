/*
 * market_series.c — fixed-size mirrored ring of doubles.
 */
#include "market_series.h"

#include <stdlib.h>
#include <string.h>

int host_value_series_init(host_value_series *s, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->cap = cap ? cap : 1;
    s->buf = calloc(2 * s->cap, sizeof *s->buf);
    if (!s->buf) {
        s->cap = 0;
        return -1;
    }
    return 0;
}

void host_value_series_free(host_value_series *s)
{
    free(s->buf);
    memset(s, 0, sizeof *s);
}

void host_value_series_push(host_value_series *s, double v)
{
    size_t slot;
    if (s->n < s->cap) {
        slot = s->head + s->n;
        if (slot >= s->cap)
            slot -= s->cap;
        s->n++;
    } else {
        slot = s->head;
        if (++s->head == s->cap)
            s->head = 0;
    }
    s->buf[slot] = v;
    s->buf[slot + s->cap] = v;
}

const double *host_value_series_view(const host_value_series *s)
{
    return s->buf + s->head;
}

size_t host_value_series_copy(const host_value_series *s, double *out)
{
    if (s->n)
        memcpy(out, s->buf + s->head, s->n * sizeof *out);
    return s->n;
}
