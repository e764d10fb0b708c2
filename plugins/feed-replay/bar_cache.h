/*
 * bar_cache.h — parsed CSV rows saved as a binary file in a cache
 * directory and mapped back read-only, so a replay after the first reads
 * no text at all. A cache entry is keyed on the CSV's real path and is
 * valid only while the CSV's size and mtime (ns) and the interval match;
 * otherwise it is rebuilt. Never written next to the CSV.
 */
#ifndef RP_BAR_CACHE_H
#define RP_BAR_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "bars.h"

typedef struct rp_mapped {
    const rp_bar *bars; /* into map */
    size_t n;
    void *map; /* owned; munmap(map, map_len) */
    size_t map_len;
} rp_mapped;

/* Cache file path for csv_real (a realpath) under dir; 0 or -1. */
int rp_cache_path(const char *dir, const char *csv_real, char *out, size_t len);
/* Maps a valid entry: 0, or -1 when absent, stale or damaged. */
int rp_cache_open(const char *cache_path, const char *csv_real,
                  const struct stat *csv_st, int64_t interval_s,
                  rp_mapped *out);
/* Writes an entry atomically (temporary file + rename), creating dir.
 * 0, or -1 with err set (the caller replays without a cache). */
int rp_cache_write(const char *dir, const char *cache_path,
                   const char *csv_real, const struct stat *csv_st,
                   int64_t interval_s, const rp_bar *bars, size_t n, char *err,
                   size_t err_len);
void rp_mapped_release(rp_mapped *m);

#endif
