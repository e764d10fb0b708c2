/*
 * json_writer.c — JSON text straight into a growable buffer.
 *
 * Reals: glibc's "%.10g" costs ~150 ns a value, which alone would spend
 * most of the observation's budget on its 3,000 candle numbers. The fast
 * path scales |x| to ten integer digits with one correctly rounded long
 * double (64-bit mantissa) multiply or divide by an exact power of ten, so
 * the scaled value is off by at most 2^-64 relative (< 1e-9 absolute);
 * rounding to an integer is then exact unless the fraction lies within
 * 1e-6 of one half, where (as for exponents beyond exact powers of ten)
 * snprintf decides. Both paths then get jansson's touches.
 */
#include "json_writer.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REAL_DIGITS 10

void host_jw_init(host_jw *w, size_t cap_hint)
{
    w->len = 0;
    w->failed = 0;
    w->cap = cap_hint ? cap_hint : 256;
    w->buf = malloc(w->cap);
    if (!w->buf) {
        w->cap = 0;
        w->failed = 1;
    }
}

void host_jw_free(host_jw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

void host_jw_reset(host_jw *w)
{
    w->len = 0;
    if (w->buf)
        w->failed = 0;
}

const char *host_jw_text(host_jw *w)
{
    if (w->failed || !w->buf)
        return NULL;
    w->buf[w->len] = '\0';
    return w->buf;
}

char *host_jw_finish(host_jw *w)
{
    char *s = w->failed ? NULL : w->buf;
    if (s)
        s[w->len] = '\0';
    else
        free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
    return s;
}

/* Room for extra more bytes plus the final NUL; 0 if there is none. */
static int reserve(host_jw *w, size_t extra)
{
    if (w->failed)
        return 0;
    if (w->len + extra + 1 <= w->cap)
        return 1;
    size_t cap = w->cap * 2;
    if (cap < w->len + extra + 1)
        cap = w->len + extra + 1;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = 1;
        return 0;
    }
    w->buf = b;
    w->cap = cap;
    return 1;
}

void host_jw_raw(host_jw *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void host_jw_sep(host_jw *w)
{
    if (w->len == 0 || w->failed)
        return;
    char last = w->buf[w->len - 1];
    if (last != '{' && last != '[')
        host_jw_raw(w, ",", 1);
}

void host_jw_null(host_jw *w)
{
    host_jw_raw(w, "null", 4);
}

void host_jw_bool(host_jw *w, int b)
{
    if (b)
        host_jw_raw(w, "true", 4);
    else
        host_jw_raw(w, "false", 5);
}

/* ------------------------------------------------------------ strings */

/* Length of the UTF-8 sequence at p (avail bytes readable), well-formed
 * per Unicode Table 3-7; *ok says whether it is. When it is not, the
 * length is that of the maximal subpart to replace (at least 1). */
static size_t utf8_seq(const unsigned char *p, size_t avail, int *ok)
{
    unsigned c = p[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
    *ok = 0;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
    } else
        return 1;
    size_t k = 1;
    for (; k < need; k++) {
        if (k >= avail || p[k] < lo || p[k] > hi)
            return k;
        lo = 0x80;
        hi = 0xBF;
    }
    *ok = 1;
    return need;
}

int host_jw_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        int ok;
        i += utf8_seq(p + i, n - i, &ok);
        if (!ok)
            return 0;
    }
    return 1;
}

static void put_escape(host_jw *w, unsigned c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[6] = {'\\', 0};
    switch (c) {
    case '"':
    case '\\':
        e[1] = (char)c;
        break;
    case '\b':
        e[1] = 'b';
        break;
    case '\f':
        e[1] = 'f';
        break;
    case '\n':
        e[1] = 'n';
        break;
    case '\r':
        e[1] = 'r';
        break;
    case '\t':
        e[1] = 't';
        break;
    default:
        memcpy(e + 1, "u00", 3);
        e[4] = hex[c >> 4];
        e[5] = hex[c & 15];
        host_jw_raw(w, e, 6);
        return;
    }
    host_jw_raw(w, e, 2);
}

static void put_escaped(host_jw *w, const unsigned char *s, size_t n)
{
    size_t run = 0, i = 0; /* s[run..i) is pending verbatim text */
    while (i < n) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        int ok = 0;
        size_t k = c >= 0x80 ? utf8_seq(s + i, n - i, &ok) : 1;
        if (ok) {
            i += k;
            continue;
        }
        host_jw_raw(w, (const char *)s + run, i - run);
        if (c >= 0x80)
            host_jw_raw(w, "\xEF\xBF\xBD", 3); /* U+FFFD */
        else
            put_escape(w, c);
        i += k;
        run = i;
    }
    host_jw_raw(w, (const char *)s + run, i - run);
}

void host_jw_stringn(host_jw *w, const char *s, size_t n)
{
    if (!s) {
        host_jw_null(w);
        return;
    }
    host_jw_raw(w, "\"", 1);
    put_escaped(w, (const unsigned char *)s, strnlen(s, n));
    host_jw_raw(w, "\"", 1);
}

void host_jw_string(host_jw *w, const char *s)
{
    host_jw_stringn(w, s, s ? strlen(s) : 0);
}

/* ------------------------------------------------------------ numbers */

/* Decimal digits of v at the end of end[-20..0); returns the first. */
static char *utoa_rev(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void host_jw_int(host_jw *w, int64_t v)
{
    char b[24], *end = b + sizeof b;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = utoa_rev(u, end);
    if (v < 0)
        *--p = '-';
    host_jw_raw(w, p, (size_t)(end - p));
}

/* jansson's jsonp_dtostr touches on printf output: ".0" when neither a
 * point nor an exponent shows, no '+' and no leading zeros in exponents. */
static size_t jansson_touch(char *s, size_t n)
{
    if (!strchr(s, '.') && !strchr(s, 'e')) {
        memcpy(s + n, ".0", 3);
        return n + 2;
    }
    char *start = strchr(s, 'e');
    if (!start)
        return n;
    start++;
    char *end = start + 1;
    if (*start == '-')
        start++;
    while (*end == '0')
        end++;
    if (end != start) {
        memmove(start, end, n - (size_t)(end - s) + 1);
        n -= (size_t)(end - start);
    }
    return n;
}

static size_t format_slow(double x, char out[32])
{
    int n = snprintf(out, 29, "%.*g", REAL_DIGITS, x);
    return jansson_touch(out, (size_t)n);
}

#if LDBL_MANT_DIG >= 64
#define EXACT_POW10_MAX 27 /* 5^27 < 2^64: 10^k exact in long double */

static const long double pow10_exact[EXACT_POW10_MAX + 1] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/* a * 10^k with one rounding, or -1 when 10^|k| is not exact. */
static long double scale10(double a, int k)
{
    if (k > EXACT_POW10_MAX || k < -EXACT_POW10_MAX)
        return -1;
    return k >= 0 ? (long double)a * pow10_exact[k]
                  : (long double)a / pow10_exact[-k];
}

/* The ten significant digits of a > 0 and its decimal exponent, as
 * "%.10e" would round them; 0 when only snprintf can tell. */
static int ten_digits(double a, uint64_t *digits, int *exp10)
{
    int e2;
    frexp(a, &e2); /* 2^(e2-1) <= a < 2^e2 */
    int e = (int)floor((e2 - 1) * 0.30102999566398120);
    long double m = scale10(a, 9 - e);
    if (m >= 0 && m < 1e9L)
        m = scale10(a, 9 - --e);
    else if (m >= 1e10L)
        m = scale10(a, 9 - ++e);
    if (m < 1e9L || m >= 1e10L)
        return 0;
    long double whole = floorl(m), frac = m - whole;
    if (fabsl(frac - 0.5L) < 1e-6L)
        return 0;
    uint64_t d = (uint64_t)whole + (frac > 0.5L);
    if (d == 10000000000u) {
        d = 1000000000u;
        e++;
    }
    *digits = d;
    *exp10 = e;
    return 1;
}
#else
static int ten_digits(double a, uint64_t *digits, int *exp10)
{
    (void)a;
    (void)digits;
    (void)exp10;
    return 0;
}
#endif

/* "%.10g" layout of digits (n significant, no trailing zeros) with
 * exponent e, plus jansson's touches. */
static size_t layout(const char *dg, int n, int e, char *p)
{
    char *start = p;
    if (e >= -4 && e < REAL_DIGITS) {
        if (e < 0) {
            memcpy(p, "0.", 2);
            p += 2;
            for (int i = -1; i > e; i--)
                *p++ = '0';
            memcpy(p, dg, (size_t)n);
            p += n;
        } else {
            int ip = e + 1; /* integer digits */
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
        *p++ = 'e';
        if (e < 0)
            *p++ = '-';
        char b[8], *end = b + sizeof b;
        char *q = utoa_rev((uint64_t)(e < 0 ? -e : e), end);
        memcpy(p, q, (size_t)(end - q));
        p += end - q;
    }
    *p = '\0';
    return (size_t)(p - start);
}

size_t host_jw_format_real(double x, char out[32])
{
    if (x == 0) {
        strcpy(out, signbit(x) ? "-0.0" : "0.0");
        return strlen(out);
    }
    uint64_t d;
    int e;
    if (!isfinite(x) || !ten_digits(fabs(x), &d, &e))
        return format_slow(x, out);
    char dg[REAL_DIGITS];
    for (int i = REAL_DIGITS - 1; i >= 0; i--, d /= 10)
        dg[i] = (char)('0' + d % 10);
    int n = REAL_DIGITS;
    while (n > 1 && dg[n - 1] == '0')
        n--;
    char *p = out;
    if (x < 0)
        *p++ = '-';
    return (size_t)(p - out) + layout(dg, n, e, p);
}

void host_jw_real(host_jw *w, double x)
{
    if (!isfinite(x)) {
        host_jw_null(w);
        return;
    }
    char b[32];
    host_jw_raw(w, b, host_jw_format_real(x, b));
}
