/*
 * bar_cache.c — see bar_cache.h. Layout: a 4096-byte header (magic,
 * format version, row size, key fields, the rows' checksum, the CSV's
 * real path), then the rows as rp_bar in host byte order.
 *
 * A cache file is never trusted: before it serves a replay its rows are
 * read once, summed and checked by the rules the CSV's rows passed
 * (perp/candle_check.h); a damaged, truncated or foreign file is rebuilt
 * from the CSV. Version 1 files (no checksum) are rebuilt too.
 */
#include "bar_cache.h"

#include <perp/candle_check.h>
#include <perp/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC       "PERPBAR1"
#define HEADER_SIZE RP_ROWS_AT
#define PATH_ROOM   (HEADER_SIZE - 64)
#define VERSION     2

typedef struct cache_header {
    char magic[8];
    uint32_t version, row_size;
    int64_t csv_size, mtime_sec, mtime_nsec, interval_s;
    uint64_t count;
    uint64_t checksum; /* rp_rows_checksum of the rows */
    char csv_path[PATH_ROOM];
} cache_header;

_Static_assert(sizeof(cache_header) == HEADER_SIZE, "cache header size");
_Static_assert(sizeof(rp_bar) == 48, "rp_bar is six 8-byte fields");

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* A round of xxHash64 per 8-byte word (rows are six words): fast enough
 * to sum a year of rows in milliseconds, and any flipped bit, cut or
 * shifted row changes it. */
static inline uint64_t mix(uint64_t h, uint64_t w)
{
    w *= 0xC2B2AE3D27D4EB4Full;
    w = (w << 31) | (w >> 33);
    h ^= w * 0x9E3779B185EBCA87ull;
    return ((h << 27) | (h >> 37)) * 0x9E3779B185EBCA87ull +
           0x85EBCA77C2B2AE63ull;
}

uint64_t rp_rows_checksum(uint64_t sum, const rp_bar *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t w[6];
        memcpy(w, &rows[i], sizeof w);
        for (int k = 0; k < 6; k++)
            sum = mix(sum, w[k]);
    }
    return sum;
}

int rp_cache_path(const char *dir, const char *csv_real, char *out, size_t len)
{
    const char *base = strrchr(csv_real, '/');
    base = base ? base + 1 : csv_real;
    int n = snprintf(out, len, "%s/%.200s.%016llx.perpcache", dir, base,
                     (unsigned long long)fnv1a(csv_real));
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static void fill_header(cache_header *h, const char *csv_real,
                        const struct stat *st, int64_t interval_s, size_t n,
                        uint64_t checksum)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, MAGIC, 8);
    h->version = VERSION;
    h->row_size = sizeof(rp_bar);
    h->csv_size = (int64_t)st->st_size;
    h->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    h->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
    h->interval_s = interval_s;
    h->count = n;
    h->checksum = checksum;
    snprintf(h->csv_path, sizeof h->csv_path, "%s", csv_real);
}

int rp_read_at(int fd, void *buf, size_t n, off_t at)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        at += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Reads every row once, a window at a time: 0 when they sum to checksum
 * and each is a valid candle after the one before (the CSV's rules), -1
 * otherwise or on a read error. */
static int rows_sound(int fd, size_t count, int64_t interval_s,
                      uint64_t checksum)
{
    enum { WINDOW = 4096 };
    rp_bar *win =
        malloc((count && count < WINDOW ? count : WINDOW) * sizeof *win);
    if (!win)
        return -1;
    uint64_t sum = RP_CHECKSUM_SEED;
    int64_t prev = -1;
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < count; at += WINDOW) {
        size_t n = count - at < WINDOW ? count - at : WINDOW;
        if (rp_read_at(fd, win, n * sizeof *win,
                       HEADER_SIZE + (off_t)(at * sizeof *win)) != 0) {
            rc = -1;
            break;
        }
        sum = rp_rows_checksum(sum, win, n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const rp_bar *b = &win[i];
            if (perp_candle_check(b->ts, interval_s, prev, b->open, b->high,
                                  b->low, b->close,
                                  b->volume) != PERP_CANDLE_OK)
                rc = -1;
            prev = b->ts;
        }
    }
    free(win);
    return rc == 0 && sum == checksum ? 0 : -1;
}

int rp_cache_open(const char *cache_path, const char *csv_real,
                  const struct stat *csv_st, int64_t interval_s, int *fd_out,
                  size_t *count)
{
    if (strlen(csv_real) >= PATH_ROOM)
        return -1;
    /* Whatever sits at the cache path, only a regular file is read. */
    char why[160];
    int fd = perp_file_open_why(cache_path, why, sizeof why);
    if (fd < 0)
        return -1;
    struct stat st;
    cache_header *h = malloc(sizeof *h), *want = malloc(sizeof *want);
    int ok = h && want && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
             st.st_size >= HEADER_SIZE && rp_read_at(fd, h, sizeof *h, 0) == 0;
    if (ok) {
        fill_header(want, csv_real, csv_st, interval_s, (size_t)h->count,
                    h->checksum);
        h->csv_path[PATH_ROOM - 1] = '\0';
        ok =
            memcmp(h, want, offsetof(cache_header, csv_path)) == 0 &&
            strcmp(h->csv_path, want->csv_path) == 0 &&
            h->count <= ((uint64_t)st.st_size - HEADER_SIZE) / sizeof(rp_bar) &&
            (uint64_t)st.st_size ==
                HEADER_SIZE + h->count * (uint64_t)sizeof(rp_bar);
    }
    if (ok)
        ok = rows_sound(fd, (size_t)h->count, interval_s, h->checksum) == 0;
    if (ok)
        *count = (size_t)h->count;
    free(h);
    free(want);
    if (!ok) {
        close(fd);
        return -1;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    *fd_out = fd;
    return 0;
}

static int mkdir_p(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int write_at(int fd, const void *p, size_t n, off_t at)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = pwrite(fd, c, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        at += w;
        n -= (size_t)w;
    }
    return 0;
}

/* An unnamed file in the temporary folder (gone at close). */
static int anonymous_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = -1;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/perpd-rows-XXXXXX", dir) >=
        (int)sizeof path)
        return -1;
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

int rp_rows_begin(rp_rows_writer *w, const char *dir, const char *cache_path,
                  char *err, size_t err_len)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    w->sum = RP_CHECKSUM_SEED;
    if (!cache_path) {
        w->fd = anonymous_file();
        if (w->fd < 0) {
            snprintf(err, err_len, "cannot create a temporary file: %s",
                     strerror(errno));
            return -1;
        }
        return 0;
    }
    if (mkdir_p(dir) != 0) {
        snprintf(err, err_len, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(w->final, sizeof w->final, "%s", cache_path);
    snprintf(w->tmp, sizeof w->tmp, "%s.%ld.tmp", cache_path, (long)getpid());
    w->fd = open(w->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        snprintf(err, err_len, "cannot write %s: %s", w->tmp, strerror(errno));
        return -1;
    }
    w->named = 1;
    return 0;
}

int rp_rows_put(void *ud, const rp_bar *rows, size_t n, char *err,
                size_t err_len)
{
    rp_rows_writer *w = ud;
    off_t at = HEADER_SIZE + (off_t)(w->count * sizeof *rows);
    if (write_at(w->fd, rows, n * sizeof *rows, at) != 0) {
        snprintf(err, err_len, "cannot write %s: %s",
                 w->named ? w->tmp : "a temporary file", strerror(errno));
        return -1;
    }
    w->count += n;
    w->sum = rp_rows_checksum(w->sum, rows, n);
    return 0;
}

void rp_rows_abort(rp_rows_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    if (w->named)
        unlink(w->tmp);
    w->fd = -1;
    w->named = 0;
}

int rp_rows_commit(rp_rows_writer *w, const char *csv_real,
                   const struct stat *csv_st, int64_t interval_s, int *fd,
                   size_t *count, char *err, size_t err_len)
{
    if (strlen(csv_real) >= PATH_ROOM) {
        snprintf(err, err_len, "path too long to cache");
        rp_rows_abort(w);
        return -1;
    }
    cache_header *h = malloc(sizeof *h);
    int rc = -1;
    if (h) {
        fill_header(h, csv_real, csv_st, interval_s, w->count, w->sum);
        rc = write_at(w->fd, h, sizeof *h, 0);
        free(h);
    }
    if (rc == 0 && w->named && rename(w->tmp, w->final) != 0)
        rc = -1;
    if (rc != 0) {
        snprintf(err, err_len, "cannot write %s: %s",
                 w->named ? w->final : "a temporary file", strerror(errno));
        rp_rows_abort(w);
        return -1;
    }
    posix_fadvise(w->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    *fd = w->fd;
    *count = w->count;
    w->fd = -1;
    w->named = 0;
    return 0;
}
