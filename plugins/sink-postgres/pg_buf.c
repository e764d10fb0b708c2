/*
 * pg_buf.c — byte buffer and COPY text fields.
 */
#include "pg_buf.h"

#include <perp/utf8.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sink-jsonl/jl_text.h"

void pg_buf_free(pg_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int reserve(pg_buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void pg_buf_put(pg_buf *b, const void *s, size_t n)
{
    if (n && reserve(b, n)) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

void pg_buf_put_u32(pg_buf *b, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    pg_buf_put(b, x, 4);
}

void pg_buf_put_i64(pg_buf *b, int64_t v)
{
    unsigned char x[8];
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(u >> (8 * i));
    pg_buf_put(b, x, 8);
}

void pg_copy_int(pg_buf *b, int64_t v)
{
    char t[24];
    char *end = t + sizeof t, *q = end;
    *--q = '\t';
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        *--q = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--q = '-';
    pg_buf_put(b, q, (size_t)(end - q));
}

/* Finite values as the JSONL sink writes them (jl_text.h: "%.17g", with
 * ".0" on integral values and a short exponent, which float8 reads back
 * as the same double) without printf: a replay writes a million of them,
 * and printf's were a quarter of the agent thread's time. */
void pg_copy_num(pg_buf *b, double v)
{
    char s[48];
    size_t n;
    if (isnan(v))
        n = (size_t)snprintf(s, sizeof s, "NaN\t");
    else if (isinf(v))
        n = (size_t)snprintf(s, sizeof s, "%sInfinity\t", v < 0 ? "-" : "");
    else {
        n = jl_format_real(v, s);
        s[n++] = '\t';
    }
    pg_buf_put(b, s, n);
}

void pg_copy_num_or_null_if_zero(pg_buf *b, double v)
{
    if (v == 0.0)
        pg_copy_null(b);
    else
        pg_copy_num(b, v);
}

void pg_copy_num_or_null(pg_buf *b, double v)
{
    if (isnan(v))
        pg_copy_null(b);
    else
        pg_copy_num(b, v);
}

void pg_copy_null(pg_buf *b)
{
    pg_buf_put(b, "\\N\t", 3);
}

void pg_copy_text(pg_buf *b, const char *s, size_t max)
{
    if (!s) {
        pg_copy_null(b);
        return;
    }
    size_t len = strnlen(s, max);
    /* Worst case every byte doubles. */
    if (!reserve(b, 2 * len + 1))
        return;
    const unsigned char *u = (const unsigned char *)s;
    char *o = b->p + b->len;
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        if (c >= 0x80) {
            size_t n = perp_utf8_len(u + i, len - i);
            if (n == 0) {
                *o++ = '?';
                i++;
            } else {
                memcpy(o, u + i, n);
                o += n;
                i += n;
            }
            continue;
        }
        switch (c) {
        case '\\':
            *o++ = '\\';
            *o++ = '\\';
            break;
        case '\t':
            *o++ = '\\';
            *o++ = 't';
            break;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            break;
        case '\r':
            *o++ = '\\';
            *o++ = 'r';
            break;
        default:
            *o++ = (char)c;
        }
        i++;
    }
    *o++ = '\t';
    b->len = (size_t)(o - b->p);
}

void pg_copy_end_row(pg_buf *b)
{
    if (!b->failed && b->len > 0 && b->p[b->len - 1] == '\t')
        b->p[b->len - 1] = '\n';
}
