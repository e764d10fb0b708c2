/*
 * bar_cache.c — see bar_cache.h. Layout: a 4096-byte header (magic,
 * format version, row size, key fields, the CSV's real path), then the
 * rows as rp_bar in host byte order, page aligned for mmap.
 */
#include "bar_cache.h"

#include <perp/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAGIC       "PERPBAR1"
#define HEADER_SIZE 4096
#define PATH_ROOM   (HEADER_SIZE - 56)

typedef struct cache_header {
    char magic[8];
    uint32_t version, row_size;
    int64_t csv_size, mtime_sec, mtime_nsec, interval_s;
    uint64_t count;
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

int rp_cache_path(const char *dir, const char *csv_real, char *out, size_t len)
{
    const char *base = strrchr(csv_real, '/');
    base = base ? base + 1 : csv_real;
    int n = snprintf(out, len, "%s/%.200s.%016llx.perpcache", dir, base,
                     (unsigned long long)fnv1a(csv_real));
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static void fill_header(cache_header *h, const char *csv_real,
                        const struct stat *st, int64_t interval_s, size_t n)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, MAGIC, 8);
    h->version = 1;
    h->row_size = sizeof(rp_bar);
    h->csv_size = (int64_t)st->st_size;
    h->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    h->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
    h->interval_s = interval_s;
    h->count = n;
    snprintf(h->csv_path, sizeof h->csv_path, "%s", csv_real);
}

int rp_cache_open(const char *cache_path, const char *csv_real,
                  const struct stat *csv_st, int64_t interval_s, rp_mapped *out)
{
    memset(out, 0, sizeof *out);
    if (strlen(csv_real) >= PATH_ROOM)
        return -1;
    /* Whatever sits at the cache path, only a regular file is read. */
    char why[160];
    int fd = perp_file_open_why(cache_path, why, sizeof why);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < HEADER_SIZE) {
        close(fd);
        return -1;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    const cache_header *h = map;
    cache_header want;
    fill_header(&want, csv_real, csv_st, interval_s, (size_t)h->count);
    int ok =
        memcmp(h, &want, offsetof(cache_header, csv_path)) == 0 &&
        strcmp(h->csv_path, want.csv_path) == 0 &&
        h->count <= ((uint64_t)st.st_size - HEADER_SIZE) / sizeof(rp_bar) &&
        (uint64_t)st.st_size ==
            HEADER_SIZE + h->count * (uint64_t)sizeof(rp_bar);
    if (!ok) {
        munmap(map, (size_t)st.st_size);
        return -1;
    }
    madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
    out->bars = (const rp_bar *)((const char *)map + HEADER_SIZE);
    out->n = (size_t)h->count;
    out->map = map;
    out->map_len = (size_t)st.st_size;
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

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int rp_cache_write(const char *dir, const char *cache_path,
                   const char *csv_real, const struct stat *csv_st,
                   int64_t interval_s, const rp_bar *bars, size_t n, char *err,
                   size_t err_len)
{
    if (strlen(csv_real) >= PATH_ROOM) {
        snprintf(err, err_len, "path too long to cache");
        return -1;
    }
    if (mkdir_p(dir) != 0) {
        snprintf(err, err_len, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", cache_path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, err_len, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    cache_header *h = malloc(sizeof *h);
    int rc = -1;
    if (h) {
        fill_header(h, csv_real, csv_st, interval_s, n);
        rc =
            write_all(fd, h, sizeof *h) || write_all(fd, bars, n * sizeof *bars)
                ? -1
                : 0;
        free(h);
    }
    if (close(fd) != 0 || rc != 0 || rename(tmp, cache_path) != 0) {
        snprintf(err, err_len, "cannot write %s: %s", cache_path,
                 strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

void rp_mapped_release(rp_mapped *m)
{
    if (m->map)
        munmap(m->map, m->map_len);
    memset(m, 0, sizeof *m);
}
