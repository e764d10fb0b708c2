/*
 * series.h — one symbol's candles for the replay: loaded from the CSV
 * (or its cache), bounded to [from, to) and walked by a cursor.
 */
#ifndef RP_SERIES_H
#define RP_SERIES_H

#include <perp/sdk.h>

#include "bar_cache.h"
#include "bars.h"

typedef struct rp_series {
    char symbol[PERP_SYMBOL_MAX];
    const rp_bar *bars; /* into map.map or owned */
    size_t pos, end;    /* next row to emit; one past the last */
    rp_bar *owned;      /* malloc'd rows when not mapped */
    rp_mapped map;
    size_t released;    /* rows before this are dropped from memory */
} rp_series;

typedef struct rp_load_opts {
    int64_t interval_s;
    const char *cache_dir; /* NULL: no cache */
    int64_t from_s, to_s;  /* open time bounds [from, to) */
} rp_load_opts;

/* 0, or -1 with err: "path:line: what" for content, or why the file
 * could not be read. *cached says whether the cache served it. */
int rp_series_load(rp_series *s, const char *path, const char *symbol,
                   const rp_load_opts *o, int *cached, char *err,
                   size_t err_len);
void rp_series_free(rp_series *s);
/* Gives the pages of mapped rows already replayed back to the kernel, so
 * a year of candles does not stay resident behind the cursor (they are
 * read again from the cache file if ever touched). Cheap to call often:
 * it acts once per 64 K rows. */
void rp_series_release_behind(rp_series *s);

#endif
