/*
 * text_build.c — see text_build.h.
 */
#include "text_build.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Beyond this |x * 100| the ulp of the product nears the tolerance. */
#define FIXED2_LIMIT 1e9
/* Distance from a rounding boundary, in hundredths, that the product's
 * own rounding (<= |x * 100| * 2^-53 < 1.2e-7 here) cannot cross. */
#define FIXED2_TOL 1e-6

int text_fixed2(char *out, double x, double err, int plus)
{
    double t = fabs(x) * 100.0;
    if (!(t < FIXED2_LIMIT) || !(err >= 0))
        return -1;
    double tol = FIXED2_TOL + err * 100.0 * 1.01;
    double k = floor(t + 0.5);
    if (fabs(t - (k - 0.5)) <= tol || fabs(t - (k + 0.5)) <= tol)
        return -1; /* a neighbour could round the other way */
    if (err > 0 && fabs(x) <= err)
        return -1;            /* "+0.00" or "-0.00": the sign is not certain */
    uint64_t h = (uint64_t)k; /* hundredths, < 1e9 */
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + h % 10);
        h /= 10;
    } while (h > 0 || nd < 3); /* at least "0.dd" */
    int len = 0;
    if (signbit(x))
        out[len++] = '-';
    else if (plus)
        out[len++] = '+';
    while (nd > 2)
        out[len++] = digits[--nd];
    out[len++] = '.';
    out[len++] = digits[1];
    out[len++] = digits[0];
    out[len] = '\0';
    return len;
}

void text_start(text_build *t, char *buf, size_t cap)
{
    t->s = buf;
    t->len = 0;
    t->cap = cap;
    if (cap > 0)
        buf[0] = '\0';
}

void text_put(text_build *t, const char *s)
{
    if (t->cap == 0)
        return;
    size_t n = strlen(s), room = t->cap - 1 - t->len;
    if (n > room)
        n = room;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void text_put_fixed2(text_build *t, double x, int plus)
{
    char num[330]; /* "%.2f" of DBL_MAX is 313 characters */
    if (text_fixed2(num, x, 0, plus) < 0)
        snprintf(num, sizeof num, plus ? "%+.2f" : "%.2f", x);
    text_put(t, num);
}
