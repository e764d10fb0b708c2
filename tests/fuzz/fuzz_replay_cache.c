/*
 * fuzz_replay_cache.c — libFuzzer target for the replay's binary cache
 * loader (feed-replay's bar_cache.c through series.c): the cache file of
 * a fixed, valid CSV is replaced by bytes made from the input, then the
 * CSV is loaded with the cache as a replay does.
 *
 * The input's first byte picks how: even, the rest is a list of patches
 * applied to the good cache file (3 bytes each: a 16-bit offset scaled
 * over the file, a byte to xor in), and the byte's bit 1 cuts the file
 * after the patches at an offset taken from the last two bytes; odd, the
 * rest is the whole file.
 *
 * Oracles: the load always succeeds (the CSV is valid, so a cache that is
 * not served is rebuilt); the rows read are the CSV's, bit for bit,
 * unless the input re-signed its own rows (then every row is still a
 * valid candle after the one before); a cache not served is rebuilt in
 * place, byte for byte the good file.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <perp/candle_check.h>

#include "bar_cache.h"
#include "series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define ROWS        300
#define AT_CHECKSUM 56 /* bar_cache.c's header layout */

static char base[64], csv[PATH_MAX], cache_dir[PATH_MAX], cache[PATH_MAX + 256];
static rp_bar want[ROWS];
static unsigned char *good;
static size_t good_len;

static unsigned char *slurp(const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    *n = (size_t)st.st_size;
    unsigned char *b = malloc(*n ? *n : 1);
    if (!b || (*n && pread(fd, b, *n, 0) != (ssize_t)*n)) {
        free(b);
        b = NULL;
    }
    close(fd);
    return b;
}

static void put(const unsigned char *b, size_t n)
{
    unlink(cache);
    int fd = open(cache, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || (n && write(fd, b, n) != (ssize_t)n))
        abort();
    close(fd);
}

/* Loads the CSV with the cache; the rows read into out (ROWS of them). */
static int load(rp_bar *out, int *cached)
{
    rp_load_opts o = {.interval_s = 60,
                      .cache_dir = cache_dir,
                      .from_s = 0,
                      .to_s = INT64_MAX};
    rp_series s;
    char err[512];
    if (rp_series_load(&s, csv, "BTC-USD", &o, cached, err, sizeof err) != 0)
        return -1;
    int rc = s.end - s.pos == ROWS ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < ROWS; i++, s.pos++) {
        const rp_bar *b = rp_series_row(&s, err, sizeof err);
        if (!b)
            rc = -1;
        else
            out[i] = *b;
    }
    rp_series_free(&s);
    return rc;
}

/* The files a run made (a rebuild leaves no temporary behind). */
static void clean_up(void)
{
    unlink(cache);
    rmdir(cache_dir);
    unlink(csv);
    rmdir(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* In memory when it can be: every input writes the cache file. */
    snprintf(base, sizeof base, "/dev/shm/perpd-fuzz-cache-XXXXXX");
    if (!mkdtemp(base)) {
        snprintf(base, sizeof base, "/tmp/perpd-fuzz-cache-XXXXXX");
        if (!mkdtemp(base))
            abort();
    }
    atexit(clean_up);
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%s/BTC-USD_1m.csv", base);
    FILE *f = fopen(rel, "w");
    if (!f)
        abort();
    fputs("ts,open,high,low,close,volume\n", f);
    for (int i = 0; i < ROWS; i++) {
        rp_bar *b = &want[i];
        b->ts = 1700000040 + 60 * i;
        b->open = 100 + i * 0.25;
        b->close = 100.125 + i * 0.25;
        b->high = 101 + i * 0.25;
        b->low = 99.5 + i * 0.25;
        b->volume = 1.5 * i;
        fprintf(f, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g\n", (long long)b->ts,
                b->open, b->high, b->low, b->close, b->volume);
    }
    if (fclose(f) != 0 || !realpath(rel, csv))
        abort();
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", base);
    if (rp_cache_path(cache_dir, csv, cache, sizeof cache) != 0)
        abort();
    rp_bar rows[ROWS];
    int cached;
    if (load(rows, &cached) != 0 || cached ||
        memcmp(rows, want, sizeof want) != 0)
        abort();
    good = slurp(cache, &good_len);
    if (!good || good_len != RP_ROWS_AT + ROWS * sizeof(rp_bar))
        abort();
    return 0;
}

/* The cache file the input makes (malloc'd), its length in *n. */
static unsigned char *make_file(const uint8_t *data, size_t size, size_t *n)
{
    if (size >= 1 && (data[0] & 1)) {
        *n = size - 1;
        unsigned char *b = malloc(*n ? *n : 1);
        memcpy(b, data + 1, *n);
        return b;
    }
    unsigned char *b = malloc(good_len);
    memcpy(b, good, good_len);
    *n = good_len;
    size_t k = 1;
    for (; k + 3 <= size; k += 3) {
        size_t at = (size_t)((data[k] | data[k + 1] << 8) * good_len / 65536);
        b[at] ^= data[k + 2];
    }
    if (size >= 1 && (data[0] & 2) && size >= 3)
        *n =
            (size_t)((data[size - 2] | data[size - 1] << 8) * good_len / 65536);
    return b;
}

/* Whether the file's rows sum to the checksum its header holds (a file
 * the input re-signed, which only the row rules can judge). */
static int self_signed(const unsigned char *b, size_t n)
{
    if (n < RP_ROWS_AT || (n - RP_ROWS_AT) % sizeof(rp_bar) != 0)
        return 0;
    size_t count = (n - RP_ROWS_AT) / sizeof(rp_bar);
    rp_bar *rows = malloc(count ? count * sizeof *rows : 1);
    memcpy(rows, b + RP_ROWS_AT, count * sizeof *rows);
    uint64_t sum = rp_rows_checksum(RP_CHECKSUM_SEED, rows, count), had;
    free(rows);
    memcpy(&had, b + AT_CHECKSUM, 8);
    return sum == had;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n;
    unsigned char *file = make_file(data, size, &n);
    put(file, n);
    rp_bar rows[ROWS];
    int cached = -1;
    if (load(rows, &cached) != 0)
        abort(); /* the CSV is valid: the load must not fail */
    if (memcmp(rows, want, sizeof want) != 0) {
        if (!cached || !self_signed(file, n))
            abort(); /* damaged rows served */
        int64_t prev = -1;
        for (int i = 0; i < ROWS; i++) {
            if (perp_candle_check(rows[i].ts, 60, prev, rows[i].open,
                                  rows[i].high, rows[i].low, rows[i].close,
                                  rows[i].volume) != PERP_CANDLE_OK)
                abort(); /* a re-signed file served a row the CSV refuses */
            prev = rows[i].ts;
        }
    }
    if (!cached) {
        size_t m = 0;
        unsigned char *now = slurp(cache, &m);
        if (!now || m != good_len || memcmp(now, good, m) != 0)
            abort(); /* not rebuilt */
        free(now);
    }
    free(file);
    return 0;
}
