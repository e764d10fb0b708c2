/*
 * api_params.h — the query parameters of the API, read and checked: each
 * endpoint says which it takes (a bit set); an unknown, repeated or
 * malformed parameter, or one out of its range, is a 400 with a one-line
 * reason naming it. Times are ms since the epoch or ISO 8601 UTC
 * ("2021-04-01T00:00:00Z").
 */
#ifndef DASH_API_PARAMS_H
#define DASH_API_PARAMS_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#define P_VERSION   0x01u
#define P_RANGE     0x02u /* from, to */
#define P_PAGE      0x04u /* limit, offset */
#define P_POINTS    0x08u
#define P_MIN_HOURS 0x10u
#define P_ID        0x20u
#define P_SYMBOL    0x40u

#define LIMIT_MAX  1000
#define OFFSET_MAX 1000000
#define POINTS_MIN 10
#define POINTS_MAX 5000
#define TS_MAX     4102444800000LL /* 2100-01-01 */

typedef struct api_query {
    const char *version; /* borrowed from MHD; NULL: the default */
    int64_t from, to;    /* [from, to); defaults 0 and TS_MAX */
    int from_set, to_set;
    int64_t limit, offset;
    int64_t points;
    double min_hours;
    int64_t id;
    const char *symbol; /* borrowed */
} api_query;

/* Reads the parameters of c allowed by `allowed`, with limit's default
 * def_limit. 0, or -1 after writing the reason into why. */
int api_params_read(struct MHD_Connection *c, unsigned allowed,
                    int64_t def_limit, api_query *q, char *why, size_t len);

/* Parses an ISO 8601 UTC time or a number of ms; 0 or -1. */
int api_parse_time(const char *s, int64_t *out);

#endif
