/*
 * market_series.h — the newest N values of one indicator output, in a
 * mirrored ring (each value written at slot i and i + cap), so the values
 * are one contiguous run, oldest first, that an observation borrows in
 * place for the "recent series" a planner sees.
 */
#ifndef HOST_MARKET_SERIES_H
#define HOST_MARKET_SERIES_H

#include <stddef.h>

typedef struct host_value_series {
    double *buf; /* owned, 2 * cap slots */
    size_t cap, head, n;
} host_value_series;

/* 0 or -1 on allocation failure; cap > 0. */
int host_value_series_init(host_value_series *s, size_t cap);
void host_value_series_free(host_value_series *s);
void host_value_series_push(host_value_series *s, double v);
/* The s->n values, oldest first, contiguous; borrowed until the next
 * push. */
const double *host_value_series_view(const host_value_series *s);
/* Copies oldest first into out (room for s->n); returns n. */
size_t host_value_series_copy(const host_value_series *s, double *out);

#endif
