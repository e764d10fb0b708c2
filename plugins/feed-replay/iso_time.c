/*
 * iso_time.c — see iso_time.h.
 */
#include "iso_time.h"

#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_zone(const char *p, int *offset_s)
{
    int oh, om;
    *offset_s = 0;
    if (*p == '\0' || ((*p == 'Z' || *p == 'z') && p[1] == '\0'))
        return 0;
    if ((*p != '+' && *p != '-') || digits(p + 1, 2, &oh) || p[3] != ':' ||
        digits(p + 4, 2, &om) || p[6] != '\0' || oh > 23 || om > 59)
        return -1;
    *offset_s = (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    return 0;
}

int rp_parse_iso8601(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, off;
    if (strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' ||
        digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
        mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    const char *p = s + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi) ||
            h > 23 || mi > 59)
            return -1;
        p += 6;
        if (*p == ':') {
            if (digits(p + 1, 2, &se) || se > 60)
                return -1;
            p += 3;
            if (*p == '.') {
                const char *q = ++p;
                while (*p >= '0' && *p <= '9')
                    p++;
                if (p == q)
                    return -1;
            }
        }
    }
    if (parse_zone(p, &off) != 0)
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    return 0;
}
