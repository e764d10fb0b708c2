/*
 * market_series.c — fixed-size ring of doubles.
 */
#include "market_series.h"

#include <stdlib.h>
#include <string.h>

int host_value_series_init(host_value_series *s, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->buf = calloc(cap ? cap : 1, sizeof *s->buf);
    if (!s->buf)
        return -1;
    s->cap = cap ? cap : 1;
    return 0;
}

void host_value_series_free(host_value_series *s)
{
    free(s->buf);
    memset(s, 0, sizeof *s);
}

void host_value_series_push(host_value_series *s, double v)
{
    if (s->n < s->cap) {
        s->buf[(s->head + s->n) % s->cap] = v;
        s->n++;
    } else {
        s->buf[s->head] = v;
        s->head = (s->head + 1) % s->cap;
    }
}

size_t host_value_series_copy(const host_value_series *s, double *out)
{
    for (size_t i = 0; i < s->n; i++)
        out[i] = s->buf[(s->head + i) % s->cap];
    return s->n;
}
