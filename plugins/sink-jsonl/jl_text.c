/*
 * jl_text.c — see jl_text.h.
 *
 * Reals: 17 significant digits come from one correctly rounded long
 * double (64-bit mantissa) multiply or divide by an exact power of ten
 * (10^k is exact in a long double for k <= 27): the scaled value is off
 * by at most 2^-64 relative, under 0.006 of the last digit, so rounding
 * it to an integer is exact unless its fraction lies within 0.01 of one
 * half. Those values, and exponents beyond exact powers, go to snprintf.
 * Where long double is no wider than double, snprintf does it all.
 */
#include "jl_text.h"

#include <perp/utf8.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS 17

void jl_free(jl_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void jl_reset(jl_buf *b)
{
    b->len = 0;
}

int jl_ok(const jl_buf *b)
{
    return !b->failed;
}

static int reserve(jl_buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap < b->len + extra + 1)
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

void jl_raw(jl_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void jl_int(jl_buf *b, int64_t v)
{
    char t[24];
    char *end = t + sizeof t, *q = end;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        *--q = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--q = '-';
    jl_raw(b, q, (size_t)(end - q));
}

/* ------------------------------------------------------------ reals */

/* jansson's touches on printf's "%.17g" text in t (len n). */
static size_t touch(char *t, size_t n)
{
    char *e = strchr(t, 'e');
    if (!e) {
        if (!strchr(t, '.')) {
            memcpy(t + n, ".0", 3);
            n += 2;
        }
        return n;
    }
    char *q = e + 1, *w = e + 1;
    if (*q == '+')
        q++;
    else if (*q == '-')
        *w++ = *q++;
    while (*q == '0' && q[1])
        q++;
    while (*q)
        *w++ = *q++;
    *w = '\0';
    return (size_t)(w - t);
}

static size_t format_slow(double x, char *out)
{
    int n = snprintf(out, 28, "%.17g", x);
    return touch(out, n > 0 ? (size_t)n : 0);
}

#if LDBL_MANT_DIG >= 64
/* 17 digits of ax > 0 as an integer in [1e16, 1e17) and the decimal
 * exponent of its first digit; 0 when the fast path cannot be sure. */
static int digits17(double ax, uint64_t *d, int *e10)
{
    static long double p10[28];
    if (p10[0] == 0) {
        long double v = 1;
        for (int i = 0; i < 28; i++, v *= 10)
            p10[i] = v;
    }
    int e = (int)floor(log10(ax));
    for (int tries = 0; tries < 2; tries++) {
        int k = DIGITS - 1 - e;
        if (k > 27 || k < -27)
            return 0;
        long double s =
            k >= 0 ? (long double)ax * p10[k] : (long double)ax / p10[-k];
        if (s < 1e16L) {
            e--;
            continue;
        }
        if (s >= 1e17L) {
            e++;
            continue;
        }
        long double fl = floorl(s), frac = s - fl;
        if (fabsl(frac - 0.5L) < 0.01L)
            return 0;
        uint64_t v = (uint64_t)fl + (frac > 0.5L);
        if (v == 100000000000000000ULL) {
            v = 10000000000000000ULL;
            e++;
        }
        *d = v;
        *e10 = e;
        return 1;
    }
    return 0;
}

/* "%.17g" layout of n significant digits (no trailing zeros) with
 * exponent e, with jansson's touches. */
static size_t layout(const char *dg, int n, int e, char *p)
{
    char *start = p;
    if (e >= -4 && e < DIGITS) {
        if (e < 0) {
            memcpy(p, "0.", 2);
            p += 2;
            for (int i = -1; i > e; i--)
                *p++ = '0';
            memcpy(p, dg, (size_t)n);
            p += n;
        } else {
            int ip = e + 1;
            for (int i = 0; i < ip; i++)
                *p++ = i < n ? dg[i] : '0';
            *p++ = '.';
            if (n > ip) {
                memcpy(p, dg + ip, (size_t)(n - ip));
                p += n - ip;
            } else
                *p++ = '0';
        }
    } else {
        *p++ = dg[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, dg + 1, (size_t)(n - 1));
            p += n - 1;
        }
        p += sprintf(p, "e%d", e);
    }
    *p = '\0';
    return (size_t)(p - start);
}
#endif

size_t jl_format_real(double x, char *out)
{
    if (x == 0) { /* the commonest value of a flat account: no sprintf */
        const char *z = signbit(x) ? "-0.0" : "0.0";
        size_t n = strlen(z);
        memcpy(out, z, n + 1);
        return n;
    }
#if LDBL_MANT_DIG >= 64
    uint64_t d;
    int e;
    if (isfinite(x) && digits17(fabs(x), &d, &e)) {
        char dg[DIGITS];
        for (int i = DIGITS - 1; i >= 0; i--, d /= 10)
            dg[i] = (char)('0' + d % 10);
        int n = DIGITS;
        while (n > 1 && dg[n - 1] == '0')
            n--;
        char *p = out;
        if (x < 0)
            *p++ = '-';
        return (size_t)(p - out) + layout(dg, n, e, p);
    }
#endif
    return format_slow(x, out);
}

void jl_real(jl_buf *b, double x)
{
    if (!isfinite(x)) {
        jl_lit(b, "null");
        return;
    }
    char t[40];
    jl_raw(b, t, jl_format_real(x, t));
}

/* ---------------------------------------------------------- strings */

void jl_str(jl_buf *b, const char *s, size_t max)
{
    if (!s) {
        jl_lit(b, "null");
        return;
    }
    size_t len = strnlen(s, max);
    if (!reserve(b, len * 6 + 2))
        return;
    char *w = b->p + b->len;
    *w++ = '"';
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *w++ = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = perp_utf8_len(u + i, len - i);
            if (n == 0) {
                *w++ = '?';
                i++;
            } else {
                memcpy(w, u + i, n);
                w += n;
                i += n;
            }
            continue;
        }
        *w++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *w++ = (char)c;
            break;
        case '\b':
            *w++ = 'b';
            break;
        case '\f':
            *w++ = 'f';
            break;
        case '\n':
            *w++ = 'n';
            break;
        case '\r':
            *w++ = 'r';
            break;
        case '\t':
            *w++ = 't';
            break;
        default:
            w += sprintf(w, "u%04X", c);
        }
        i++;
    }
    *w++ = '"';
    b->len = (size_t)(w - b->p);
    b->p[b->len] = '\0';
}

/* ------------------------------------------------------- validation */

typedef struct scan {
    const unsigned char *s;
    int depth;
} scan;

static void ws(scan *k)
{
    while (*k->s == ' ' || *k->s == '\t' || *k->s == '\n' || *k->s == '\r')
        k->s++;
}

static int value(scan *k);

static int string(scan *k)
{
    if (*k->s != '"')
        return 0;
    k->s++;
    for (;;) {
        unsigned char c = *k->s;
        if (c == '"') {
            k->s++;
            return 1;
        }
        if (c < 0x20)
            return 0; /* control or the end of the text */
        if (c == '\\') {
            c = *++k->s;
            if (c == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", k->s[i]) || !k->s[i])
                        return 0;
                k->s += 5;
            } else if (c && strchr("\"\\/bfnrt", c)) {
                k->s++;
            } else {
                return 0;
            }
            continue;
        }
        if (c >= 0x80) {
            size_t n = perp_utf8_len(k->s, 4);
            if (n == 0)
                return 0;
            k->s += n;
            continue;
        }
        k->s++;
    }
}

static int digits(scan *k)
{
    if (*k->s < '0' || *k->s > '9')
        return 0;
    while (*k->s >= '0' && *k->s <= '9')
        k->s++;
    return 1;
}

static int number(scan *k)
{
    if (*k->s == '-')
        k->s++;
    if (*k->s == '0')
        k->s++;
    else if (!digits(k))
        return 0;
    if (*k->s == '.') {
        k->s++;
        if (!digits(k))
            return 0;
    }
    if (*k->s == 'e' || *k->s == 'E') {
        k->s++;
        if (*k->s == '+' || *k->s == '-')
            k->s++;
        if (!digits(k))
            return 0;
    }
    return 1;
}

static int word(scan *k, const char *w, size_t n)
{
    if (strncmp((const char *)k->s, w, n) != 0)
        return 0;
    k->s += n;
    return 1;
}

static int members(scan *k, char close)
{
    k->s++;
    ws(k);
    if (*k->s == close) {
        k->s++;
        return 1;
    }
    for (;;) {
        if (close == '}') {
            if (!string(k))
                return 0;
            ws(k);
            if (*k->s++ != ':')
                return 0;
            ws(k);
        }
        if (!value(k))
            return 0;
        ws(k);
        if (*k->s == ',') {
            k->s++;
            ws(k);
            continue;
        }
        if (*k->s != close)
            return 0;
        k->s++;
        return 1;
    }
}

static int value(scan *k)
{
    switch (*k->s) {
    case '{':
    case '[': {
        if (++k->depth > 512)
            return 0;
        int ok = members(k, *k->s == '{' ? '}' : ']');
        k->depth--;
        return ok;
    }
    case '"':
        return string(k);
    case 't':
        return word(k, "true", 4);
    case 'f':
        return word(k, "false", 5);
    case 'n':
        return word(k, "null", 4);
    default:
        return number(k);
    }
}

int jl_json_valid(const char *text)
{
    if (!text)
        return 0;
    scan k = {(const unsigned char *)text, 0};
    ws(&k);
    if (!value(&k))
        return 0;
    ws(&k);
    return *k.s == '\0';
}
