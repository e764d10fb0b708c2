/*
 * csv_parse.c — the history CSV to rp_bar rows, validating every line;
 * see bars.h. Hand-rolled field splitting (the format has no quoting)
 * keeps a first parse fast enough that the cache is an optimisation,
 * not a necessity.
 */
#include "bars.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/candle_check.h>

#define HEADER "ts,open,high,low,close,volume"

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

int rp_csv_parse(const char *path, const char *text, size_t len,
                 int64_t interval_s, rp_bar **out, size_t *n, char *err,
                 size_t err_len)
{
    cursor c = {path, 1, err, err_len};
    const char *end = text + len;
    const char *nl = memchr(text, '\n', len);
    size_t hl = trim_cr(text, (size_t)((nl ? nl : end) - text));
    *out = NULL;
    *n = 0;
    if (hl != strlen(HEADER) || memcmp(text, HEADER, hl) != 0)
        return fail(&c, "expected the header " HEADER ", found", text, hl);
    size_t cap = len / 32 + 16, count = 0;
    rp_bar *bars = malloc(cap * sizeof *bars);
    if (!bars)
        return fail(&c, "out of memory", NULL, 0);
    const char *p = nl ? nl + 1 : end;
    int64_t prev = -1;
    while (p < end) {
        c.line++;
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *le = p + trim_cr(p, (size_t)((e ? e : end) - p));
        if (le == p) {
            free(bars);
            return fail(&c, "empty line", NULL, 0);
        }
        if (count == cap) {
            cap *= 2;
            rp_bar *nb = realloc(bars, cap * sizeof *bars);
            if (!nb) {
                free(bars);
                return fail(&c, "out of memory", NULL, 0);
            }
            bars = nb;
        }
        if (parse_line(&c, p, le, interval_s, prev, &bars[count]) != 0) {
            free(bars);
            return -1;
        }
        prev = bars[count++].ts;
        p = e ? e + 1 : end;
    }
    *out = bars;
    *n = count;
    return 0;
}
