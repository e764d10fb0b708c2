/*
 * api_params.c — see api_params.h.
 */
#include "api_params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct param_def {
    const char *name;
    unsigned bit;
} param_def;

static const param_def defs[] = {
    {"version", P_VERSION},     {"from", P_RANGE},  {"to", P_RANGE},
    {"limit", P_PAGE},          {"offset", P_PAGE}, {"points", P_POINTS},
    {"min_hours", P_MIN_HOURS}, {"id", P_ID},       {"symbol", P_SYMBOL},
};
#define N_DEFS (sizeof defs / sizeof defs[0])

/* A value shown in an error: at most 40 bytes, so a huge value does not
 * come back whole. */
static const char *shown(const char *v, char *buf, size_t len)
{
    snprintf(buf, len, "%.40s%s", v ? v : "", v && strlen(v) > 40 ? "..." : "");
    return buf;
}

static int fail(char *why, size_t len, const char *name, const char *expect,
                const char *v)
{
    char b[64];
    snprintf(why, len, "%s: expected %s, got '%s'", name, expect,
             shown(v, b, sizeof b));
    return -1;
}

static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (!s || !*s || strlen(s) > 19)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int api_parse_time(const char *s, int64_t *out)
{
    if (parse_int(s, 0, TS_MAX, out) == 0)
        return 0;
    if (!s)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    int ms = 0;
    if (end && *end == '.') {
        int digits = 0;
        for (end++; *end >= '0' && *end <= '9'; end++, digits++)
            if (digits < 3)
                ms = ms * 10 + (*end - '0');
        for (; digits < 3 && digits > 0; digits++)
            ms *= 10;
    } else if (!end) {
        end = strptime(s, "%Y-%m-%d", &tm);
        if (!end || *end)
            return -1;
    }
    if (*end == 'Z')
        end++;
    if (*end)
        return -1;
    time_t t = timegm(&tm);
    if (t < 0)
        return -1;
    int64_t v = (int64_t)t * 1000 + ms;
    if (v > TS_MAX)
        return -1;
    *out = v;
    return 0;
}

typedef struct scan {
    unsigned allowed;
    char *why;
    size_t len;
    int bad;
    unsigned seen[N_DEFS];
} scan;

static enum MHD_Result check_name(void *ud, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    (void)kind;
    (void)value;
    scan *s = ud;
    if (s->bad)
        return MHD_NO;
    for (size_t i = 0; i < N_DEFS; i++) {
        if (strcmp(defs[i].name, key) != 0 || !(defs[i].bit & s->allowed))
            continue;
        if (s->seen[i]++) {
            snprintf(s->why, s->len, "%s: given twice", key);
            s->bad = 1;
            return MHD_NO;
        }
        return MHD_YES;
    }
    char b[64], list[200] = "";
    for (size_t i = 0; i < N_DEFS; i++) {
        if (!(defs[i].bit & s->allowed))
            continue;
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
                 defs[i].name);
    }
    snprintf(s->why, s->len, "unknown parameter '%s' (this endpoint takes: %s)",
             shown(key, b, sizeof b), *list ? list : "none");
    s->bad = 1;
    return MHD_NO;
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static int tag_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= 128)
        return 0;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int symbol_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= 24)
        return 0;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return 0;
    return 1;
}

static int read_range(struct MHD_Connection *c, api_query *q, char *why,
                      size_t len)
{
    const char *f = arg(c, "from"), *t = arg(c, "to");
    if (f && api_parse_time(f, &q->from) != 0)
        return fail(why, len, "from",
                    "a time (ms since the epoch or 2021-04-01T00:00:00Z)", f);
    if (t && api_parse_time(t, &q->to) != 0)
        return fail(why, len, "to",
                    "a time (ms since the epoch or 2021-04-01T00:00:00Z)", t);
    q->from_set = f != NULL;
    q->to_set = t != NULL;
    if (q->from >= q->to) {
        snprintf(why, len, "from must be before to");
        return -1;
    }
    return 0;
}

int api_params_read(struct MHD_Connection *c, unsigned allowed,
                    int64_t def_limit, api_query *q, char *why, size_t len)
{
    memset(q, 0, sizeof *q);
    q->to = TS_MAX;
    q->limit = def_limit;
    q->points = 500;
    scan s = {.allowed = allowed, .why = why, .len = len};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_name, &s);
    if (s.bad)
        return -1;
    const char *v;
    if ((v = arg(c, "version")) != NULL) {
        if (!tag_ok(v))
            return fail(why, len, "version",
                        "a version tag (1 to 127 printable characters)", v);
        q->version = v;
    }
    if ((allowed & P_RANGE) && read_range(c, q, why, len) != 0)
        return -1;
    if ((v = arg(c, "limit")) && parse_int(v, 1, LIMIT_MAX, &q->limit) != 0)
        return fail(why, len, "limit", "an integer from 1 to 1000", v);
    if ((v = arg(c, "offset")) && parse_int(v, 0, OFFSET_MAX, &q->offset) != 0)
        return fail(why, len, "offset", "an integer from 0 to 1000000", v);
    if ((v = arg(c, "points")) &&
        parse_int(v, POINTS_MIN, POINTS_MAX, &q->points) != 0)
        return fail(why, len, "points", "an integer from 10 to 5000", v);
    if ((v = arg(c, "id")) && parse_int(v, 1, INT64_MAX, &q->id) != 0)
        return fail(why, len, "id", "a positive integer", v);
    if ((allowed & P_ID) && !v) {
        snprintf(why, len, "id: required");
        return -1;
    }
    if ((v = arg(c, "min_hours")) != NULL) {
        char *end = NULL;
        errno = 0;
        q->min_hours = strtod(v, &end);
        if (!*v || *end || errno || !isfinite(q->min_hours) ||
            q->min_hours < 0 || q->min_hours > 100000)
            return fail(why, len, "min_hours", "a number from 0 to 100000", v);
    }
    if ((v = arg(c, "symbol")) != NULL) {
        if (!symbol_ok(v))
            return fail(why, len, "symbol", "a symbol such as BTC-USD", v);
        q->symbol = v;
    } else if (allowed & P_SYMBOL) {
        snprintf(why, len, "symbol: required");
        return -1;
    }
    return 0;
}
