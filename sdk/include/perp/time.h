/*
 * perp/time.h — ISO 8601 / RFC 3339 timestamps to Unix time, header only.
 *
 * Plugins cannot link host code, so the one parser the host and plugins
 * share lives here, as static inline functions with no dependency beyond
 * <stdint.h> and <stddef.h> (no libc time functions, no locale).
 *
 * Always UTC: a string's offset is subtracted, a string without one (where
 * allowed) is taken as UTC, and the process's TZ is never consulted.
 * Dates are proleptic Gregorian, years 0000-9999 (four digits).
 *
 * Accepted forms. The base form (flags 0) is RFC 3339's date-time:
 *     YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
 * e.g. "2024-01-02T03:04:05.678Z". Each PERP_TIME_* flag admits more:
 *     PERP_TIME_LOWERCASE   't' and 'z' as well as 'T' and 'Z'
 *     PERP_TIME_SPACE       ' ' instead of 'T' between date and time
 *     PERP_TIME_NO_SECONDS  "HH:MM" without ":SS" (then no fraction)
 *     PERP_TIME_DATE_ONLY   a bare "YYYY-MM-DD": that day's midnight
 *     PERP_TIME_ZONE_OPTIONAL  no zone means UTC; a bare date may then
 *                           carry a zone too ("2024-01-02+05:30")
 * Without PERP_TIME_ZONE_OPTIONAL a time needs a zone and a bare date
 * takes none.
 *
 * Checked: month 1-12, day 1-31 (not against the month's length, so
 * "2023-02-30" is 2023-03-02), hour 0-23, minute 0-59, second 0-60 (a
 * leap second counts as the next minute's :00), offset hours 0-23 and
 * minutes 0-59. The fraction needs at least one digit; it is truncated to
 * the millisecond. Nothing may follow the zone.
 */
#ifndef PERP_TIME_H
#define PERP_TIME_H

#include <stddef.h>
#include <stdint.h>

enum {
    PERP_TIME_LOWERCASE = 1u << 0,
    PERP_TIME_SPACE = 1u << 1,
    PERP_TIME_NO_SECONDS = 1u << 2,
    PERP_TIME_DATE_ONLY = 1u << 3,
    PERP_TIME_ZONE_OPTIONAL = 1u << 4,
};

/* RFC 3339 proper: the base form, either case. */
#define PERP_TIME_RFC3339 PERP_TIME_LOWERCASE
/* Everything above: what a person types in a config file. */
#define PERP_TIME_LENIENT                                                      \
    (PERP_TIME_LOWERCASE | PERP_TIME_SPACE | PERP_TIME_NO_SECONDS |            \
     PERP_TIME_DATE_ONLY | PERP_TIME_ZONE_OPTIONAL)

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative
 * before it). H. Hinnant's days_from_civil: integer arithmetic only, exact
 * for every m in 1..12 and d in 1..31 (a day past the month's end rolls
 * into the next month). */
static inline int64_t perp_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Exactly n decimal digits at s; stops at the first non-digit (so at a
 * NUL), which keeps every read within the string. */
static inline int perp_time_digits_(const char *s, int n, int *out)
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

/* ".frac" at *p (past the '.'): milliseconds, extra digits dropped. */
static inline int perp_time_fraction_(const char **p, int *ms)
{
    const char *q = *p;
    int n = 0, v = 0;
    for (; *q >= '0' && *q <= '9'; q++, n++)
        if (n < 3)
            v = v * 10 + (*q - '0');
    if (n == 0)
        return -1;
    for (; n < 3; n++)
        v *= 10;
    *p = q;
    *ms = v;
    return 0;
}

/* "Z" or "+HH:MM"/"-HH:MM" at *p: seconds east of UTC. 1 when there is
 * no zone at *p (nothing consumed), 0 when parsed, -1 when malformed. */
static inline int perp_time_zone_(const char **p, unsigned forms, int *east)
{
    const char *z = *p;
    int oh, om;
    *east = 0;
    if (*z == 'Z' || (*z == 'z' && (forms & PERP_TIME_LOWERCASE))) {
        *p = z + 1;
        return 0;
    }
    if (*z != '+' && *z != '-')
        return 1;
    if (perp_time_digits_(z + 1, 2, &oh) || z[3] != ':' ||
        perp_time_digits_(z + 4, 2, &om) || oh > 23 || om > 59)
        return -1;
    *east = (*z == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    *p = z + 6;
    return 0;
}

/* The clock "HH:MM[:SS[.frac]]" at *p (past the separator). */
static inline int perp_time_clock_(const char **p, unsigned forms, int *sod,
                                   int *ms)
{
    const char *c = *p;
    int h, mi, se = 0;
    *ms = 0;
    if (perp_time_digits_(c, 2, &h) || c[2] != ':' ||
        perp_time_digits_(c + 3, 2, &mi) || h > 23 || mi > 59)
        return -1;
    c += 5;
    if (*c == ':') {
        if (perp_time_digits_(c + 1, 2, &se) || se > 60)
            return -1;
        c += 3;
        if (*c == '.') {
            c++;
            if (perp_time_fraction_(&c, ms))
                return -1;
        }
    } else if (!(forms & PERP_TIME_NO_SECONDS)) {
        return -1;
    }
    *sod = h * 3600 + mi * 60 + se;
    *p = c;
    return 0;
}

static inline int perp_time_is_sep_(char c, unsigned forms)
{
    return c == 'T' || (c == 't' && (forms & PERP_TIME_LOWERCASE)) ||
           (c == ' ' && (forms & PERP_TIME_SPACE));
}

/* s in one of the forms `forms` admits (PERP_TIME_* flags, see above) to
 * whole Unix seconds (floored) and the millisecond remainder 0..999. */
static inline int perp_time_split_(const char *s, unsigned forms, int64_t *secs,
                                   int *ms)
{
    int y, mo, d, sod = 0, east = 0, zone;
    *ms = 0;
    if (!s || perp_time_digits_(s, 4, &y) || s[4] != '-' ||
        perp_time_digits_(s + 5, 2, &mo) || s[7] != '-' ||
        perp_time_digits_(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    const char *p = s + 10;
    int has_time = perp_time_is_sep_(*p, forms);
    if (has_time) {
        p++;
        if (perp_time_clock_(&p, forms, &sod, ms))
            return -1;
    } else if (!(forms & PERP_TIME_DATE_ONLY)) {
        return -1;
    }
    if (has_time || (forms & PERP_TIME_ZONE_OPTIONAL)) {
        zone = perp_time_zone_(&p, forms, &east);
        if (zone < 0 ||
            (zone > 0 && has_time && !(forms & PERP_TIME_ZONE_OPTIONAL)))
            return -1;
    }
    if (*p)
        return -1;
    *secs = perp_days_from_civil(y, mo, d) * 86400 + sod - east;
    return 0;
}

/* Milliseconds since the Unix epoch into *out_ms. 0, or -1 when s is NULL
 * or not in a form `forms` admits (then *out_ms is left alone). */
static inline int perp_time_parse_ms(const char *s, unsigned forms,
                                     int64_t *out_ms)
{
    int64_t secs;
    int ms;
    if (perp_time_split_(s, forms, &secs, &ms))
        return -1;
    *out_ms = secs * 1000 + ms;
    return 0;
}

/* Whole seconds since the Unix epoch, the fraction dropped (floored:
 * "1969-12-31T23:59:59.5Z" is -1). 0, or -1 as perp_time_parse_ms. */
static inline int perp_time_parse_s(const char *s, unsigned forms,
                                    int64_t *out_s)
{
    int64_t secs;
    int ms;
    if (perp_time_split_(s, forms, &secs, &ms))
        return -1;
    *out_s = secs;
    return 0;
}

#endif
