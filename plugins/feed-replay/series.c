/*
 * series.c — CSV or cache into an rp_series; see series.h.
 */
#include "series.h"

#include <perp/file.h>
#include <perp/quote.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_rows(int fd, rp_bar *out, size_t first, size_t n)
{
    return rp_read_at(fd, out, n * sizeof *out,
                      RP_ROWS_AT + (off_t)(first * sizeof *out));
}

/* Makes row i (< s->n) readable in the window or owned rows. */
static const rp_bar *row_at(rp_series *s, size_t i)
{
    if (s->owned)
        return &s->owned[i];
    if (i >= s->win_lo && i - s->win_lo < s->win_n)
        return &s->win[i - s->win_lo];
    size_t n = s->n - i < RP_WINDOW ? s->n - i : RP_WINDOW;
    if (read_rows(s->fd, s->win, i, n) != 0) {
        s->win_n = 0;
        return NULL;
    }
    s->win_lo = i;
    s->win_n = n;
    return &s->win[0];
}

/* The open time of row i, one row read (the window is left alone). */
static int ts_at(const rp_series *s, size_t i, int64_t *ts)
{
    if (s->owned) {
        *ts = s->owned[i].ts;
        return 0;
    }
    rp_bar b;
    if (read_rows(s->fd, &b, i, 1) != 0)
        return -1;
    *ts = b.ts;
    return 0;
}

/* First row with ts >= t; -1 on a read error. */
static int lower_bound(const rp_series *s, int64_t t, size_t *out)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t ts;
        if (ts_at(s, mid, &ts) != 0)
            return -1;
        if (ts < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return 0;
}

/* An rp_rows_fn keeping every row in memory (no file could be made). */
static int keep_rows(void *ud, const rp_bar *rows, size_t n, char *err,
                     size_t err_len)
{
    rp_series *s = ud;
    rp_bar *grown = realloc(s->owned, (s->n + n) * sizeof *grown);
    if (!grown) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    memcpy(grown + s->n, rows, n * sizeof *rows);
    s->owned = grown;
    s->n += n;
    return 0;
}

/* Parses the CSV into a rows file: the cache when there is one (a cache
 * that cannot be written costs speed, not correctness: then an unnamed
 * temporary file), else memory. */
static int parse_into(rp_series *s, int csv_fd, const char *path,
                      const char *real, const struct stat *st,
                      const rp_load_opts *o, const char *cache_path, char *err,
                      size_t err_len)
{
    /* The file's name in "name:line: what", shortened when long so the
     * line number and the reason always follow it. */
    char shown[PERP_QUOTE_LEN];
    path = perp_shorten(path, shown, sizeof shown);
    rp_rows_writer w;
    char why[256];
    int have_file = (cache_path && rp_rows_begin(&w, o->cache_dir, cache_path,
                                                 why, sizeof why) == 0) ||
                    rp_rows_begin(&w, NULL, NULL, why, sizeof why) == 0;
    size_t n = 0;
    if (!have_file)
        return rp_csv_read(csv_fd, path, o->interval_s, keep_rows, s, &n, err,
                           err_len);
    if (rp_csv_read(csv_fd, path, o->interval_s, rp_rows_put, &w, &n, err,
                    err_len) != 0) {
        rp_rows_abort(&w);
        return -1;
    }
    if (rp_rows_commit(&w, real, st, o->interval_s, &s->fd, &s->n, why,
                       sizeof why) == 0)
        return 0;
    /* The cache file could not take its place (a directory or a
     * read-only folder there): read the CSV again into an unnamed file. */
    if (!cache_path || lseek(csv_fd, 0, SEEK_SET) != 0) {
        snprintf(err, err_len, "%s", why);
        return -1;
    }
    return parse_into(s, csv_fd, path, real, st, o, NULL, err, err_len);
}

int rp_series_load(rp_series *s, const char *path, const char *symbol,
                   const rp_load_opts *o, int *cached, char *err,
                   size_t err_len)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    snprintf(s->symbol, sizeof s->symbol, "%s", symbol);
    *cached = 0;
    char real[PATH_MAX], cache_path[PATH_MAX + 256];
    struct stat st;
    /* A regular file only: a FIFO would block, /dev/zero never end,
     * /dev/urandom and /proc files read as "empty" (perp/file.h). */
    int csv = perp_file_open(path, err, err_len);
    if (csv < 0)
        return -1;
    if (fstat(csv, &st) != 0 || !realpath(path, real)) {
        char q[PERP_QUOTE_LEN];
        snprintf(err, err_len, "%s: %s", perp_quote(path, q, sizeof q),
                 strerror(errno));
        close(csv);
        return -1;
    }
    int use_cache =
        o->cache_dir &&
        rp_cache_path(o->cache_dir, real, cache_path, sizeof cache_path) == 0;
    int rc = 0;
    if (use_cache &&
        rp_cache_open(cache_path, real, &st, o->interval_s, &s->fd, &s->n) == 0)
        *cached = 1;
    else
        rc = parse_into(s, csv, path, real, &st, o,
                        use_cache ? cache_path : NULL, err, err_len);
    close(csv);
    /* A window of RP_WINDOW rows, or of all of them when fewer. */
    size_t win = s->n && s->n < RP_WINDOW ? s->n : RP_WINDOW;
    if (rc == 0 && s->fd >= 0 && !(s->win = malloc(win * sizeof *s->win)))
        rc = -1, snprintf(err, err_len, "out of memory");
    if (rc == 0 && (lower_bound(s, o->from_s, &s->pos) != 0 ||
                    lower_bound(s, o->to_s, &s->end) != 0)) {
        char q[PERP_QUOTE_LEN];
        snprintf(err, err_len, "%s: cannot read its rows: %s",
                 perp_quote(path, q, sizeof q), strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        rp_series_free(s);
        return -1;
    }
    if (s->end < s->pos)
        s->end = s->pos;
    return 0;
}

void rp_series_free(rp_series *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->owned);
    free(s->win);
    s->owned = s->win = NULL;
    s->n = s->pos = s->end = s->win_lo = s->win_n = 0;
}

const rp_bar *rp_series_row_read(rp_series *s, char *err, size_t err_len)
{
    const rp_bar *b = row_at(s, s->pos);
    if (!b)
        snprintf(err, err_len, "%s: cannot read the cached rows: %s", s->symbol,
                 strerror(errno));
    return b;
}
