/*
 * bar_cache.h — parsed CSV rows kept as a binary file, read back with
 * pread a window at a time, so a replay after the first reads no text at
 * all and never holds more than a window of rows per symbol. A cache
 * entry is keyed on the CSV's real path and is valid only while the CSV's
 * size and mtime (ns) and the interval match, and while its rows sum to
 * the checksum it was written with and pass the CSV's row rules (read
 * once at open); otherwise it is rebuilt: a cache is never trusted.
 * Never written next to the CSV. The same file format, unnamed in the
 * temporary folder, holds the rows of a replay without a cache.
 */
#ifndef RP_BAR_CACHE_H
#define RP_BAR_CACHE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "bars.h"

/* Byte offset of row 0 in a rows file (after the header). */
#define RP_ROWS_AT 4096

/* Reads n bytes at offset at, through short reads and EINTR; 0, or -1
 * on an error or end of file (a rows file cut short under a replay). */
int rp_read_at(int fd, void *buf, size_t n, off_t at);

/* The rows' checksum: start from RP_CHECKSUM_SEED, feed rows in order
 * (in any batches). */
#define RP_CHECKSUM_SEED 0x27D4EB2F165667C5ull
uint64_t rp_rows_checksum(uint64_t sum, const rp_bar *rows, size_t n);

/* Cache file path for csv_real (a realpath) under dir; 0 or -1. */
int rp_cache_path(const char *dir, const char *csv_real, char *out, size_t len);
/* Opens a valid entry: 0 with *fd (owned, read-only) and *count, or -1
 * when absent, stale, damaged or of another format version (every row
 * is read and checked first). */
int rp_cache_open(const char *cache_path, const char *csv_real,
                  const struct stat *csv_st, int64_t interval_s, int *fd,
                  size_t *count);

/* A rows file being written: a temporary beside the cache path, renamed
 * into place by rp_rows_commit; or, without a cache path, an unnamed
 * file in $TMPDIR (or /tmp) that goes when its fd is closed. */
typedef struct rp_rows_writer {
    int fd;
    size_t count;
    uint64_t sum; /* rp_rows_checksum of the rows put so far */
    int named;
    char tmp[PATH_MAX + 300], final[PATH_MAX + 300];
} rp_rows_writer;

/* 0, or -1 with err (the caller then keeps the rows in memory). */
int rp_rows_begin(rp_rows_writer *w, const char *dir, const char *cache_path,
                  char *err, size_t err_len);
/* An rp_rows_fn: appends rows (ud is the writer). */
int rp_rows_put(void *ud, const rp_bar *rows, size_t n, char *err,
                size_t err_len);
/* Writes the header and renames a named file into place: 0 with *fd (the
 * writer's, now owned by the caller) and *count, or -1 with err (the
 * writer is closed and its file removed). */
int rp_rows_commit(rp_rows_writer *w, const char *csv_real,
                   const struct stat *csv_st, int64_t interval_s, int *fd,
                   size_t *count, char *err, size_t err_len);
/* Closes the writer and removes its file (after a failed parse). */
void rp_rows_abort(rp_rows_writer *w);

#endif
