/*
 * test_replay_cache.c — the replay cache is never trusted: a cache file
 * damaged in any of the ways a disk, a crash or a hand can damage it
 * (a flipped bit, a changed row that still looks like a candle, a cut,
 * a cut with its header made to agree, a zeroed checksum, the older
 * format, a re-signed file holding a NaN, garbage, a directory in its
 * place) is not served: the rows read are the CSV's, row for row, and
 * the file is rebuilt, so the next load is served from the cache again.
 *
 * The header offsets below follow the layout written in bar_cache.c:
 * magic 0, version 8, row size 12, CSV size 16, mtime 24 and 32,
 * interval 40, row count 48, checksum 56, then the CSV's path; rows from
 * RP_ROWS_AT (4096), 48 bytes each.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bar_cache.h"
#include "series.h"
#include "temp_dir.h"

#define AT_VERSION  8
#define AT_COUNT    48
#define AT_CHECKSUM 56
#define ROWS        50

typedef struct fixture {
    char *dir;
    char csv[512], cache_dir[512], cache[PATH_MAX + 256];
    rp_bar want[ROWS];
} fixture;

/* ROWS one-minute candles, each a valid row (high and low contain open
 * and close), written as the history format. */
static void fixture_new(fixture *f)
{
    f->dir = temp_dir_new();
    snprintf(f->csv, sizeof f->csv, "%s/BTC-USD_1m.csv", f->dir);
    snprintf(f->cache_dir, sizeof f->cache_dir, "%s/cache", f->dir);
    FILE *fp = fopen(f->csv, "w");
    cr_assert_not_null(fp);
    fprintf(fp, "ts,open,high,low,close,volume\n");
    for (int i = 0; i < ROWS; i++) {
        rp_bar *b = &f->want[i];
        b->ts = 1700000040 + 60 * i;
        b->open = 100 + i;
        b->close = 100.5 + i;
        b->high = 101.25 + i;
        b->low = 99.75 + i;
        b->volume = 3 + i;
        fprintf(fp, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g\n", (long long)b->ts,
                b->open, b->high, b->low, b->close, b->volume);
    }
    cr_assert_eq(fclose(fp), 0);
    char real[PATH_MAX];
    cr_assert_not_null(realpath(f->csv, real));
    cr_assert_eq(rp_cache_path(f->cache_dir, real, f->cache, sizeof f->cache),
                 0);
}

static void fixture_free(fixture *f)
{
    temp_dir_remove(f->dir);
    free(f->dir);
}

/* Loads the CSV with the cache and checks every row against the CSV's;
 * returns whether the cache served it. */
static int load_and_compare(const fixture *f)
{
    rp_load_opts o = {.interval_s = 60,
                      .cache_dir = f->cache_dir,
                      .from_s = 0,
                      .to_s = INT64_MAX};
    rp_series s;
    int cached = -1;
    char err[512] = "";
    cr_assert_eq(
        rp_series_load(&s, f->csv, "BTC-USD", &o, &cached, err, sizeof err), 0,
        "load: %s", err);
    cr_assert_eq(s.end - s.pos, ROWS);
    for (size_t i = 0; i < ROWS; i++, s.pos++) {
        const rp_bar *b = rp_series_row(&s, err, sizeof err);
        cr_assert_not_null(b, "row %zu: %s", i, err);
        cr_assert(memcmp(b, &f->want[i], sizeof *b) == 0,
                  "row %zu differs from the CSV's (ts %lld close %g)", i,
                  (long long)b->ts, b->close);
    }
    rp_series_free(&s);
    return cached;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "%s", path);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    rewind(fp);
    unsigned char *b = malloc(*n ? *n : 1);
    cr_assert_eq(fread(b, 1, *n, fp), *n);
    fclose(fp);
    return b;
}

/* Writes bytes over the cache file, keeping no link to the old one. */
static void put(const char *path, const unsigned char *b, size_t n)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, b, n), (ssize_t)n);
    close(fd);
}

static rp_bar *row(unsigned char *file, size_t i)
{
    return (rp_bar *)(file + RP_ROWS_AT + i * sizeof(rp_bar));
}

/* The checksum written for the rows as they now are (a forger's). */
static void resign(unsigned char *file, size_t count)
{
    uint64_t sum = rp_rows_checksum(RP_CHECKSUM_SEED,
                                    (rp_bar *)(file + RP_ROWS_AT), count);
    memcpy(file + AT_CHECKSUM, &sum, 8);
}

typedef struct damage {
    const char *what;
    /* Changes the good file's bytes (a copy); returns the new length. */
    size_t (*apply)(unsigned char *file, size_t n);
} damage;

static size_t flip_bit(unsigned char *file, size_t n)
{
    file[RP_ROWS_AT + 7 * sizeof(rp_bar) + 33] ^= 0x01; /* row 7's close */
    return n;
}

static size_t plausible_row(unsigned char *file, size_t n)
{
    row(file, 12)->close = row(file, 12)->open; /* still a valid candle */
    return n;
}

static size_t cut_one_row(unsigned char *file, size_t n)
{
    (void)file;
    return n - sizeof(rp_bar);
}

static size_t cut_with_agreeing_count(unsigned char *file, size_t n)
{
    uint64_t count = ROWS - 1;
    memcpy(file + AT_COUNT, &count, 8);
    return n - sizeof(rp_bar);
}

static size_t zero_checksum(unsigned char *file, size_t n)
{
    memset(file + AT_CHECKSUM, 0, 8);
    return n;
}

static size_t older_format(unsigned char *file, size_t n)
{
    uint32_t v = 1;
    memcpy(file + AT_VERSION, &v, 4);
    return n;
}

static size_t resigned_nan(unsigned char *file, size_t n)
{
    row(file, 20)->close = NAN;
    resign(file, ROWS);
    return n;
}

static size_t resigned_out_of_order(unsigned char *file, size_t n)
{
    rp_bar t = *row(file, 30);
    *row(file, 30) = *row(file, 31);
    *row(file, 31) = t;
    resign(file, ROWS);
    return n;
}

static size_t resigned_high_below_low(unsigned char *file, size_t n)
{
    row(file, 40)->high = row(file, 40)->low - 1;
    resign(file, ROWS);
    return n;
}

static size_t garbage(unsigned char *file, size_t n)
{
    for (size_t i = 0; i < n; i++)
        file[i] = (unsigned char)(i * 131 + 7);
    return n;
}

static size_t header_only(unsigned char *file, size_t n)
{
    (void)file;
    (void)n;
    return RP_ROWS_AT;
}

static const damage DAMAGES[] = {
    {"a flipped bit in a row", flip_bit},
    {"a changed row that is still a candle", plausible_row},
    {"the last row cut off", cut_one_row},
    {"a cut with the row count made to agree", cut_with_agreeing_count},
    {"a zeroed checksum", zero_checksum},
    {"the older format (version 1)", older_format},
    {"a NaN close, re-signed", resigned_nan},
    {"two rows swapped, re-signed", resigned_out_of_order},
    {"high below low, re-signed", resigned_high_below_low},
    {"garbage", garbage},
    {"the header alone", header_only},
};

Test(replay_cache, a_damaged_cache_is_rebuilt_never_trusted)
{
    fixture f;
    fixture_new(&f);
    cr_assert_eq(load_and_compare(&f), 0, "first load parses the CSV");
    cr_assert_eq(load_and_compare(&f), 1, "second load is served the cache");
    size_t n;
    unsigned char *good = slurp(f.cache, &n);
    cr_assert_eq(n, RP_ROWS_AT + ROWS * sizeof(rp_bar));
    for (size_t d = 0; d < sizeof DAMAGES / sizeof *DAMAGES; d++) {
        unsigned char *bad = malloc(n);
        memcpy(bad, good, n);
        size_t len = DAMAGES[d].apply(bad, n);
        put(f.cache, bad, len);
        free(bad);
        cr_expect_eq(load_and_compare(&f), 0, "%s: served from the cache",
                     DAMAGES[d].what);
        size_t m;
        unsigned char *now = slurp(f.cache, &m);
        cr_expect(m == n && memcmp(now, good, n) == 0,
                  "%s: the cache file was not rebuilt", DAMAGES[d].what);
        free(now);
        cr_expect_eq(load_and_compare(&f), 1, "%s: rebuilt cache not served",
                     DAMAGES[d].what);
    }
    free(good);
    fixture_free(&f);
}

/* Something that is not a file where the cache goes: the replay reads
 * the CSV as if there were no cache, and says nothing is wrong with it. */
Test(replay_cache, a_directory_in_the_cache_place_costs_speed_not_the_run)
{
    fixture f;
    fixture_new(&f);
    cr_assert_eq(mkdir(f.cache_dir, 0755), 0);
    cr_assert_eq(mkdir(f.cache, 0755), 0);
    cr_expect_eq(load_and_compare(&f), 0);
    cr_expect_eq(load_and_compare(&f), 0);
    struct stat st;
    cr_expect(stat(f.cache, &st) == 0 && S_ISDIR(st.st_mode));
    fixture_free(&f);
}
