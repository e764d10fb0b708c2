/*
 * csv_parse.c — the history CSV to rp_bar rows, validating every line,
 * read in chunks and handed on in batches; see bars.h. Hand-rolled field
 * splitting (the format has no quoting) keeps a first parse fast enough that
 * the cache is an optimisation, not a necessity.
 */
#include "bars.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <perp/candle_check.h>

#define HEADER "ts,open,high,low,close,volume"
/* Read 64 KiB at a time, the buffer doubled while a line does not fit,
 * up to a megabyte (the longest line taken): a short file costs 64 KiB,
 * not a megabyte. Rows go to the sink 1024 at a time. */
#define CHUNK      (1 << 20)
#define CHUNK_TEXT "1 MiB"
#define FIRST_ROOM (64 << 10)
#define BATCH      1024

typedef struct cursor {
    const char *path;
    size_t line;
    char *err;
    size_t err_len;
} cursor;

static int fail(const cursor *c, const char *what, const char *field,
                size_t flen)
{
    if (field)
        snprintf(c->err, c->err_len, "%s:%zu: %s '%.*s'", c->path, c->line,
                 what, (int)(flen > 40 ? 40 : flen), field);
    else
        snprintf(c->err, c->err_len, "%s:%zu: %s", c->path, c->line, what);
    return -1;
}

static int parse_ts(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_num(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static const char *const NAMES[6] = {"ts",  "open",  "high",
                                     "low", "close", "volume"};

/* One data line [s, e) into *b; checks the row on its own and against
 * the previous row's ts (prev < 0: first row). */
static int parse_line(const cursor *c, const char *s, const char *e,
                      int64_t interval_s, int64_t prev, rp_bar *b)
{
    const char *f[6];
    size_t fl[6];
    int nf = 0;
    const char *p = s;
    while (nf < 6) {
        const char *q = memchr(p, ',', (size_t)(e - p));
        f[nf] = p;
        fl[nf] = (size_t)((q ? q : e) - p);
        nf++;
        if (!q)
            break;
        p = q + 1;
        if (nf == 6)
            return fail(c, "more than 6 fields", NULL, 0);
    }
    if (nf < 6)
        return fail(c,
                    "expected 6 fields ts,open,high,low,close,volume, "
                    "found",
                    s, (size_t)(e - s));
    if (parse_ts(f[0], fl[0], &b->ts) != 0)
        return fail(c, "ts: expected Unix seconds, found", f[0], fl[0]);
    if (b->ts > PERP_CANDLE_TS_MAX_S)
        return fail(c, "ts after the year 9999:", f[0], fl[0]);
    double *v[5] = {&b->open, &b->high, &b->low, &b->close, &b->volume};
    for (int i = 0; i < 5; i++)
        if (parse_num(f[i + 1], fl[i + 1], v[i]) != 0) {
            char what[48];
            snprintf(what, sizeof what, "%s: expected a number, found",
                     NAMES[i + 1]);
            return fail(c, what, f[i + 1], fl[i + 1]);
        }
    /* The rules `perpd history download` applies to what it writes. */
    perp_candle_fault bad = perp_candle_check(
        b->ts, interval_s, prev, b->open, b->high, b->low, b->close, b->volume);
    if (bad == PERP_CANDLE_OK)
        return 0;
    char what[80];
    int on_ts = bad == PERP_CANDLE_TS_NEGATIVE || bad == PERP_CANDLE_TS_RANGE ||
                bad == PERP_CANDLE_OFF_GRID || bad == PERP_CANDLE_NOT_AFTER;
    snprintf(what, sizeof what, "%s%s", perp_candle_fault_text(bad),
             on_ts ? ":" : "");
    return fail(c, what, on_ts ? f[0] : NULL, on_ts ? fl[0] : 0);
}

static size_t trim_cr(const char *s, size_t n)
{
    return n && s[n - 1] == '\r' ? n - 1 : n;
}

/* A batch of parsed rows on its way to the sink. */
typedef struct batch {
    rp_bar rows[BATCH];
    size_t k, total;
    rp_rows_fn put;
    void *ud;
} batch;

static int flush(batch *b, cursor *c)
{
    if (b->k && b->put(b->ud, b->rows, b->k, c->err, c->err_len) != 0)
        return -1;
    b->total += b->k;
    b->k = 0;
    return 0;
}

/* One line [p, le) of the file: the header first, then rows. */
static int take_line(cursor *c, batch *b, const char *p, const char *le,
                     int64_t interval_s, int64_t *prev)
{
    c->line++;
    if (c->line == 1) {
        size_t hl = (size_t)(le - p);
        if (hl != strlen(HEADER) || memcmp(p, HEADER, hl) != 0)
            return fail(c, "expected the header " HEADER ", found", p, hl);
        return 0;
    }
    if (le == p)
        return fail(c, "empty line", NULL, 0);
    rp_bar *r = &b->rows[b->k];
    if (parse_line(c, p, le, interval_s, *prev, r) != 0)
        return -1;
    *prev = r->ts;
    return ++b->k == BATCH ? flush(b, c) : 0;
}

/* The complete lines of buf[0..len) (and, at eof, the unterminated last
 * one); returns how many bytes were used, or -1. */
static long take_lines(cursor *c, batch *b, const char *buf, size_t len,
                       int eof, int64_t interval_s, int64_t *prev)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl && !eof)
            break;
        const char *le = p + trim_cr(p, (size_t)((nl ? nl : end) - p));
        if (take_line(c, b, p, le, interval_s, prev) != 0)
            return -1;
        p = nl ? nl + 1 : end;
    }
    return (long)(p - buf);
}

static ssize_t read_some(int fd, char *buf, size_t room)
{
    for (;;) {
        ssize_t r = read(fd, buf, room);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

int rp_csv_read(int fd, const char *path, int64_t interval_s, rp_rows_fn put,
                void *ud, size_t *n, char *err, size_t err_len)
{
    cursor c = {path, 0, err, err_len};
    size_t room = FIRST_ROOM;
    char *buf = malloc(room);
    batch *b = malloc(sizeof *b);
    int rc = buf && b ? 0 : fail(&c, "out of memory", NULL, 0);
    size_t have = 0;
    int64_t prev = -1;
    *n = 0;
    if (b) {
        b->k = b->total = 0;
        b->put = put;
        b->ud = ud;
    }
    while (rc == 0) {
        ssize_t r = read_some(fd, buf + have, room - have);
        if (r < 0) {
            rc = fail(&c, strerror(errno), NULL, 0);
            break;
        }
        have += (size_t)r;
        long used = take_lines(&c, b, buf, have, r == 0, interval_s, &prev);
        if (used < 0) {
            rc = -1;
            break;
        }
        memmove(buf, buf + used, have - (size_t)used);
        have -= (size_t)used;
        if (r == 0)
            break;
        if (have == room && room < CHUNK) {
            /* A line longer than the buffer so far: room for it, up
             * to CHUNK. */
            size_t more = room * 2 < CHUNK ? room * 2 : CHUNK;
            char *grown = realloc(buf, more);
            if (!grown) {
                rc = fail(&c, "out of memory", NULL, 0);
                break;
            }
            buf = grown;
            room = more;
        } else if (have == CHUNK) {
            c.line++;
            rc = fail(&c, "line longer than " CHUNK_TEXT, NULL, 0);
        }
    }
    if (rc == 0 && c.line == 0) /* an empty file */
        rc = fail(&(cursor){path, 1, err, err_len},
                  "expected the header " HEADER ", found", "", 0);
    if (rc == 0)
        rc = flush(b, &c);
    if (rc == 0)
        *n = b->total;
    free(buf);
    free(b);
    return rc;
}
