/*
 * market_series.h — the newest N values of one indicator output, in a
 * ring, for the "recent series" a planner sees.
 */
#ifndef HOST_MARKET_SERIES_H
#define HOST_MARKET_SERIES_H

#include <stddef.h>

typedef struct host_value_series {
    double *buf; /* owned, cap slots */
    size_t cap, head, n;
} host_value_series;

/* 0 or -1 on allocation failure; cap > 0. */
int host_value_series_init(host_value_series *s, size_t cap);
void host_value_series_free(host_value_series *s);
void host_value_series_push(host_value_series *s, double v);
/* Copies oldest first into out (room for s->n); returns n. */
size_t host_value_series_copy(const host_value_series *s, double *out);

#endif
