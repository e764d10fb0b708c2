/*
 * series.c — CSV or cache into an rp_series; see series.h.
 */
#include "series.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_file(const char *path, char **out, size_t *len, char *err,
                     size_t err_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        snprintf(err, err_len, "%s: cannot read (%s)", path,
                 buf ? "short read" : "out of memory");
        free(buf);
        return -1;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

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

static int parse_into(rp_series *s, const char *path, const char *real,
                      const struct stat *st, const rp_load_opts *o,
                      const char *cache_path, size_t *n, char *err,
                      size_t err_len)
{
    char *text;
    size_t len;
    if (read_file(path, &text, &len, err, err_len) != 0)
        return -1;
    int rc = rp_csv_parse(path, text, len, o->interval_s, &s->owned, n, err,
                          err_len);
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
    if (!realpath(path, real) || stat(real, &st) != 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    int use_cache =
        o->cache_dir &&
        rp_cache_path(o->cache_dir, real, cache_path, sizeof cache_path) == 0;
    size_t n = 0;
    if (use_cache &&
        rp_cache_open(cache_path, real, &st, o->interval_s, &s->map) == 0) {
        *cached = 1;
    } else if (parse_into(s, path, real, &st, o, use_cache ? cache_path : NULL,
                          &n, err, err_len) != 0) {
        return -1;
    }
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
