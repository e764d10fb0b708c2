/*
 * fuzz_replay_csv.c — libFuzzer target for the replay's history CSV
 * reader (feed-replay's csv_parse.c): any bytes as the file, read from a
 * memory file descriptor as the replay reads a file, on a one-minute grid
 * (or, when the input starts with "#1h\n", an hour's: the bytes after it).
 *
 * Oracles: a refused file says "fuzz.csv:LINE: what" with LINE at most
 * the file's line count plus one; an accepted one hands on rows whose
 * count is the reader's, each a valid candle after the one before
 * (perp/candle_check.h: on the grid, ascending, finite positive prices
 * inside high and low, volume >= 0), and the rows written back as the
 * history format (%.17g) read again to the very same rows, bit for bit.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <perp/candle_check.h>

#include "bars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rows {
    rp_bar *b;
    size_t n, cap;
} rows;

static int collect(void *ud, const rp_bar *r, size_t n, char *err,
                   size_t err_len)
{
    (void)err;
    (void)err_len;
    rows *s = ud;
    if (s->n + n > s->cap) {
        s->cap = (s->n + n) * 2;
        s->b = realloc(s->b, s->cap * sizeof *s->b);
        if (!s->b)
            abort();
    }
    memcpy(s->b + s->n, r, n * sizeof *r);
    s->n += n;
    return 0;
}

/* A memory file holding exactly the bytes given, read from its start
 * (one file for the whole run, emptied for each input). */
static int mem_file(const void *p, size_t n)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("fuzz.csv", MFD_CLOEXEC)) < 0)
        abort();
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            abort();
        c += w;
        n -= (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) != 0)
        abort();
    return fd;
}

static int read_csv(const void *p, size_t n, int64_t interval, rows *out,
                    size_t *count, char *err, size_t err_len)
{
    int fd = mem_file(p, n);
    return rp_csv_read(fd, "fuzz.csv", interval, collect, out, count, err,
                       err_len);
}

static void check_error(const char *err, const uint8_t *data, size_t size)
{
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    char *end;
    if (strncmp(err, "fuzz.csv:", 9) != 0)
        abort();
    unsigned long line = strtoul(err + 9, &end, 10);
    if (end == err + 9 || *end != ':' || line < 1 || line > lines + 1)
        abort();
}

static void check_rows(const rows *r, size_t count, int64_t interval)
{
    if (r->n != count)
        abort();
    int64_t prev = -1;
    for (size_t i = 0; i < r->n; i++) {
        const rp_bar *b = &r->b[i];
        if (perp_candle_check(b->ts, interval, prev, b->open, b->high, b->low,
                              b->close, b->volume) != PERP_CANDLE_OK)
            abort();
        prev = b->ts;
    }
}

/* The rows in the history format, read again: the same rows. */
static void round_trip(const rows *r, int64_t interval)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort();
    fputs("ts,open,high,low,close,volume\n", f);
    for (size_t i = 0; i < r->n; i++) {
        const rp_bar *b = &r->b[i];
        fprintf(f, "%" PRId64 ",%.17g,%.17g,%.17g,%.17g,%.17g\n", b->ts,
                b->open, b->high, b->low, b->close, b->volume);
    }
    fclose(f);
    rows again = {0};
    size_t count = 0;
    char err[512] = "";
    if (read_csv(text, len, interval, &again, &count, err, sizeof err) != 0 ||
        again.n != r->n ||
        (r->n && memcmp(again.b, r->b, r->n * sizeof *r->b) != 0))
        abort();
    free(again.b);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t interval = 60;
    if (size >= 4 && memcmp(data, "#1h\n", 4) == 0) {
        interval = 3600;
        data += 4;
        size -= 4;
    }
    rows r = {0};
    size_t count = 0;
    char err[512] = "";
    if (read_csv(data, size, interval, &r, &count, err, sizeof err) != 0)
        check_error(err, data, size);
    else {
        check_rows(&r, count, interval);
        round_trip(&r, interval);
    }
    free(r.b);
    return 0;
}
