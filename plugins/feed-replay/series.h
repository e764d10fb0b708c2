/*
 * series.h — one symbol's candles for the replay: parsed from the CSV
 * into a rows file (the cache, or an unnamed temporary file), bounded to
 * [from, to) and walked by a cursor that reads the file a window at a
 * time. Memory per symbol is one window, whatever the file's length.
 */
#ifndef RP_SERIES_H
#define RP_SERIES_H

#include <perp/sdk.h>

#include "bar_cache.h"
#include "bars.h"

/* Rows read per pread: 192 KB. */
#define RP_WINDOW 4096

typedef struct rp_series {
    char symbol[PERP_SYMBOL_MAX];
    size_t pos, end; /* next row to emit; one past the last */
    size_t n;        /* rows in the file (or in owned) */
    int fd;          /* the rows file, owned; -1 when rows are owned */
    rp_bar *owned;   /* every row, when no rows file could be written */
    rp_bar *win;     /* owned: rows [win_lo, win_lo + win_n) of the file */
    size_t win_lo, win_n;
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
/* rp_series_row past the window: reads the next one. */
const rp_bar *rp_series_row_read(rp_series *s, char *err, size_t err_len);

/* The row at s->pos (pos < end), borrowed until the next call; NULL
 * with err set when the rows file cannot be read. Inline: the replay
 * asks it for every symbol at every candle. */
static inline const rp_bar *rp_series_row(rp_series *s, char *err,
                                          size_t err_len)
{
    if (s->owned)
        return &s->owned[s->pos];
    if (s->pos - s->win_lo < s->win_n) /* wraps when pos < win_lo */
        return &s->win[s->pos - s->win_lo];
    return rp_series_row_read(s, err, err_len);
}

#endif
