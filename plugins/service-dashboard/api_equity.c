/*
 * api_equity.c — see api_equity.h.
 */
#include "api_equity.h"

#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_sql.h"

typedef struct snap {
    int64_t ts;
    double equity, peak;
} snap;

typedef struct rows {
    snap *s;
    size_t n;
    int oom;
} rows;

static int64_t be_i64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return (int64_t)be64toh(v);
}

static double be_f64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    v = be64toh(v);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static void take(void *ud, const PGresult *r)
{
    rows *o = ud;
    int n = PQntuples(r);
    o->s = malloc((n > 0 ? (size_t)n : 1) * sizeof *o->s);
    if (!o->s) {
        o->oom = 1;
        return;
    }
    double peak = 0;
    for (int i = 0; i < n; i++) {
        snap *x = &o->s[o->n++];
        x->ts = be_i64(PQgetvalue(r, i, 0));
        x->equity = be_f64(PQgetvalue(r, i, 1));
        peak = i == 0 || x->equity > peak ? x->equity : peak;
        x->peak = peak;
    }
}

/* The shortest of %.15g..%.17g that reads back as x. */
static int put_num(char *out, size_t len, double x)
{
    for (int prec = 15; prec <= 17; prec++) {
        int w = snprintf(out, len, "%.*g", prec, x);
        if (prec == 17 || strtod(out, NULL) == x)
            return w;
    }
    return 0;
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + len;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void put_str(sbuf *b, const char *s)
{
    put(b, "\"", 1);
    for (; *s; s++) {
        char esc[8];
        if (*s == '"' || *s == '\\') {
            esc[0] = '\\';
            esc[1] = *s;
            put(b, esc, 2);
        } else if ((unsigned char)*s < 0x20) {
            put(b, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", *s));
        } else {
            put(b, s, 1);
        }
    }
    put(b, "\"", 1);
}

static void put_point(sbuf *b, const snap *x, int first)
{
    char t[128];
    int w = snprintf(t, sizeof t, "%s[%" PRId64 ",", first ? "" : ",", x->ts);
    w += put_num(t + w, sizeof t - (size_t)w, x->equity);
    t[w++] = ',';
    double dd = x->peak > 0 ? (x->peak - x->equity) / x->peak * 100 : 0;
    w += put_num(t + w, sizeof t - (size_t)w, dd);
    t[w++] = ']';
    put(b, t, (size_t)w);
}

/* Marks the snapshots kept of s[0..m) (keep[] zeroed by the caller). */
static void pick(const snap *s, size_t m, int64_t points, unsigned char *keep)
{
    if ((int64_t)m <= points) {
        memset(keep, 1, m);
        return;
    }
    int64_t buckets = (points - 2) / 2;
    int64_t t0 = s[0].ts, span = s[m - 1].ts - t0 + 1;
    keep[0] = keep[m - 1] = 1;
    int64_t cur = -1;
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i <= m; i++) {
        int64_t b = i < m ? (s[i].ts - t0) * buckets / span : -2;
        if (b != cur) {
            if (cur >= 0)
                keep[lo] = keep[hi] = 1;
            cur = b;
            lo = hi = i;
            continue;
        }
        if (s[i].equity < s[lo].equity)
            lo = i;
        if (s[i].equity > s[hi].equity)
            hi = i;
    }
}

db_status api_equity_json(db_pool *pool, int version_id, const char *tag,
                          int64_t from, int64_t to, int64_t points, char **out)
{
    char id[32], upto[32];
    snprintf(id, sizeof id, "%d", version_id);
    snprintf(upto, sizeof upto, "%" PRId64, to);
    const char *vals[2] = {id, upto};
    rows r = {0};
    *out = NULL;
    db_status st =
        db_pool_rows_binary(pool, SQL_EQUITY_ROWS, 2, vals, take, &r);
    if (st != DB_OK || r.oom) {
        free(r.s);
        return st != DB_OK ? st : DB_FAILED;
    }
    size_t w0 = 0;
    while (w0 < r.n && r.s[w0].ts < from)
        w0++;
    const snap *s = r.s + w0;
    size_t m = r.n - w0;
    unsigned char *keep = calloc(m ? m : 1, 1);
    sbuf b = {0};
    if (!keep) {
        free(r.s);
        return DB_FAILED;
    }
    pick(s, m, points, keep);
    char head[64];
    put(&b, "{\"version\":", 11);
    put_str(&b, tag);
    put(&b, head,
        (size_t)snprintf(head, sizeof head, ",\"count\":%zu,\"points\":[", m));
    int first = 1;
    for (size_t i = 0; i < m; i++) {
        if (!keep[i])
            continue;
        put_point(&b, &s[i], first);
        first = 0;
    }
    put(&b, "]}", 2);
    free(keep);
    free(r.s);
    if (b.oom) {
        free(b.p);
        return DB_FAILED;
    }
    *out = b.p;
    return DB_OK;
}
