/*
 * hl_wire.c — see hl_wire.h. Rounding goes through printf's decimal
 * conversion: glibc prints the exact binary value correctly rounded
 * (ties to even), which is what Python's "%.8f", "%.5g" and round(x, n)
 * do, so the strings match the SDK's digit for digit.
 */
#include "hl_wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Drops trailing zeros after a '.', then the '.' itself. */
static void strip_zeros(char *s)
{
    if (!strchr(s, '.'))
        return;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
}

int hl_float_to_wire(double x, char out[HL_WIRE_MAX])
{
    char buf[HL_WIRE_MAX];
    if (!isfinite(x) || fabs(x) >= 1e30)
        return -1;
    int n = snprintf(buf, sizeof buf, "%.8f", x);
    if (n < 0 || n >= (int)sizeof buf || fabs(strtod(buf, NULL) - x) >= 1e-12)
        return -1;
    strip_zeros(buf);
    if (strcmp(buf, "-0") == 0) /* the SDK means to send "0" */
        memcpy(buf, "0", 2);
    memcpy(out, buf, strlen(buf) + 1);
    return 0;
}

int hl_float_to_int(double x, int decimals, char *out, size_t len)
{
    double scaled = x * pow(10.0, decimals);
    if (!isfinite(scaled) || fabs(scaled) >= 1.8e19 ||
        fabs(nearbyint(scaled) - scaled) >= 1e-3)
        return -1;
    /* The digits of x rounded to `decimals` places, without the point:
     * exact for any x the check above let through. */
    char buf[64], digits[64];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%.*f", decimals, x);
    int neg = buf[0] == '-';
    for (const char *p = buf + neg; *p; p++)
        if (*p != '.')
            digits[n++] = *p;
    digits[n] = '\0';
    const char *d = digits;
    while (d[0] == '0' && d[1])
        d++;
    neg &= strcmp(d, "0") != 0;
    int w = snprintf(out, len, "%s%s", neg ? "-" : "", d);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

/* x rounded to d decimals through printf (d may be 0). */
static double round_decimals(double x, int d)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", d < 0 ? 0 : d, x);
    return strtod(buf, NULL);
}

double hl_round_price(double px, int sz_decimals)
{
    if (!isfinite(px) || px <= 0)
        return NAN;
    if (px > 100000)
        return round_decimals(px, 0);
    char buf[64];
    snprintf(buf, sizeof buf, "%.5g", px);
    return round_decimals(strtod(buf, NULL), 6 - sz_decimals);
}

double hl_round_size(double sz, int sz_decimals)
{
    return round_decimals(sz, sz_decimals);
}

int hl_price_valid(const char *px, int max_decimals)
{
    const char *dot = strchr(px, '.');
    size_t decimals = dot ? strlen(dot + 1) : 0;
    int integer = !dot || strspn(dot + 1, "0") == decimals;
    if (integer)
        return 1;
    if ((int)decimals > max_decimals)
        return 0;
    /* Significant figures: digits from the first non-zero one. */
    int sig = 0, started = 0;
    for (const char *p = px; *p; p++) {
        if (*p < '0' || *p > '9')
            continue;
        started |= *p != '0';
        sig += started;
    }
    return sig <= 5;
}
