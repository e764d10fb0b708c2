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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* First row with ts >= t. */
static size_t lower_bound(const rp_bar *b, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid].ts < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* 35 years of one-minute rows: a bigger file is a mistake, not history. */
#define CSV_MAX_BYTES (1024u * 1024u * 1024u)

static int parse_into(rp_series *s, int fd, const char *path, const char *real,
                      const struct stat *st, const rp_load_opts *o,
                      const char *cache_path, size_t *n, char *err,
                      size_t err_len)
{
    char *text;
    size_t len;
    if (perp_file_read_fd(fd, path, CSV_MAX_BYTES, &text, &len, err, err_len) !=
        0)
        return -1;
    /* The file's name in "name:line: what", shortened when long so the
     * line number and the reason always follow it. */
    char shown[PERP_QUOTE_LEN];
    int rc = rp_csv_parse(perp_shorten(path, shown, sizeof shown), text, len,
                          o->interval_s, &s->owned, n, err, err_len);
    free(text);
    if (rc != 0 || !cache_path)
        return rc;
    /* A cache that cannot be written costs speed, not correctness. */
    char why[256];
    if (rp_cache_write(o->cache_dir, cache_path, real, st, o->interval_s,
                       s->owned, *n, why, sizeof why) == 0 &&
        rp_cache_open(cache_path, real, st, o->interval_s, &s->map) == 0) {
        free(s->owned);
        s->owned = NULL;
    }
    return 0;
}

int rp_series_load(rp_series *s, const char *path, const char *symbol,
                   const rp_load_opts *o, int *cached, char *err,
                   size_t err_len)
{
    memset(s, 0, sizeof *s);
    snprintf(s->symbol, sizeof s->symbol, "%s", symbol);
    *cached = 0;
    char real[PATH_MAX], cache_path[PATH_MAX + 256];
    struct stat st;
    /* A regular file only: a FIFO would block, /dev/zero never end,
     * /dev/urandom and /proc files read as "empty" (perp/file.h). */
    int fd = perp_file_open(path, err, err_len);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !realpath(path, real)) {
        char q[PERP_QUOTE_LEN];
        snprintf(err, err_len, "%s: %s", perp_quote(path, q, sizeof q),
                 strerror(errno));
        close(fd);
        return -1;
    }
    int use_cache =
        o->cache_dir &&
        rp_cache_path(o->cache_dir, real, cache_path, sizeof cache_path) == 0;
    size_t n = 0;
    int rc = 0;
    if (use_cache &&
        rp_cache_open(cache_path, real, &st, o->interval_s, &s->map) == 0)
        *cached = 1;
    else
        rc = parse_into(s, fd, path, real, &st, o,
                        use_cache ? cache_path : NULL, &n, err, err_len);
    close(fd);
    if (rc != 0)
        return -1;
    s->bars = s->map.map ? s->map.bars : s->owned;
    n = s->map.map ? s->map.n : n;
    s->pos = lower_bound(s->bars, n, o->from_s);
    s->end = lower_bound(s->bars, n, o->to_s);
    if (s->end < s->pos)
        s->end = s->pos;
    return 0;
}

void rp_series_free(rp_series *s)
{
    rp_mapped_release(&s->map);
    free(s->owned);
    s->owned = NULL;
    s->bars = NULL;
}

void rp_series_release_behind(rp_series *s)
{
    if (!s->map.map || s->pos - s->released < 65536)
        return;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t from = (uintptr_t)(s->bars + s->released);
    uintptr_t to = (uintptr_t)(s->bars + s->pos);
    from = (from + (uintptr_t)page - 1) / (uintptr_t)page * (uintptr_t)page;
    to = to / (uintptr_t)page * (uintptr_t)page;
    if (to > from)
        madvise((void *)from, to - from, MADV_DONTNEED);
    s->released = s->pos;
}
