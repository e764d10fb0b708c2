/*
 * candles_server.c — see candles_server.h.
 */
#include "candles_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <perp/candle_check.h>

#define MAX_ROWS 300

struct candles_server {
    candles_server_opts o;
    char products[256]; /* ",A,B," for whole-name matching */
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu; /* counters */
    int requests, max_rows, missing_ua, over_limit;
    long buckets[6]; /* by granularity, in GRANS order */
};

static const int GRANS[6] = {60, 300, 900, 3600, 21600, 86400};

int candles_server_row(const char *product, int64_t t, int g, double out[5])
{
    int64_t k = t / g;
    double level = 0;
    for (const char *p = product; *p; p++)
        level += (unsigned char)*p;
    if (k % 97 == 13) /* roughly one bucket in a hundred has no trade */
        return 0;
    double open = level * 100 + (double)(k % 5000) * 0.37;
    double close = open + (double)(k % 7 - 3) * 0.11;
    out[0] = open;
    out[1] = (open > close ? open : close) + 0.05;
    out[2] = (open < close ? open : close) - 0.05;
    out[3] = close;
    out[4] = (double)(k % 13) * 0.125 + 0.001;
    return 1;
}

int candles_server_bad_row(int64_t t, int g, double out[5])
{
    int64_t k = t / g;
    out[0] = out[3] = 100.0;
    out[1] = 101.0;
    out[2] = 99.0;
    out[4] = 1.0;
    switch (k % 3) {
    case 0:
        out[0] = 0.0; /* a zero open */
        return PERP_CANDLE_PRICE;
    case 1:
        out[1] = 98.0; /* high below low */
        return PERP_CANDLE_HIGH_LOW;
    default:
        out[4] = -1.0;
        return PERP_CANDLE_VOLUME;
    }
}

static int parse_iso(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, int status,
                             const char *body, const char *retry_after)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (retry_after)
        MHD_add_response_header(r, "Retry-After", retry_after);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Rows for [start, end], newest first, as JSON. malloc'd. */
static char *rows_json(const char *product, int64_t start, int64_t end, int g,
                       int off_grid_s, int bad_rows, int *n_rows)
{
    size_t cap = 64 + (size_t)((end - start) / g + 1) * 120, len = 0;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf, cap, "[");
    *n_rows = 0;
    int64_t first = (start + g - 1) / g * g;
    if (off_grid_s && end / g * g >= first) { /* beside the oldest bucket */
        double v[5] = {1, 1, 1, 1, 1};
        len += (size_t)snprintf(
            buf + len, cap - len, "[%lld,%.17g,%.17g,%.17g,%.17g,%.17g]",
            (long long)(first + off_grid_s), v[2], v[1], v[0], v[3], v[4]);
        (*n_rows)++;
    }
    for (int64_t t = end / g * g; t >= first; t -= g) {
        double v[5];
        if (!candles_server_row(product, t, g, v)) {
            if (!bad_rows)
                continue;
            candles_server_bad_row(t, g, v);
        }
        len += (size_t)snprintf(
            buf + len, cap - len, "%s[%lld,%.17g,%.17g,%.17g,%.17g,%.17g]",
            *n_rows ? "," : "", (long long)t, v[2], v[1], v[0], v[3], v[4]);
        (*n_rows)++;
    }
    snprintf(buf + len, cap - len, "]");
    return buf;
}

static int known(const candles_server *s, const char *product, char *key,
                 size_t len)
{
    snprintf(key, len, ",%s,", product);
    return strstr(s->products, key) != NULL;
}

static int count_request(candles_server *s, int has_ua)
{
    pthread_mutex_lock(&s->mu);
    int n = ++s->requests;
    s->missing_ua += !has_ua;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_len, void **con_cls)
{
    (void)version, (void)data, (void)data_len, (void)con_cls;
    candles_server *s = cls;
    const char *ua =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    int n = count_request(s, ua && *ua);
    if (!ua || !*ua)
        return reply(c, 400, "{\"message\":\"User-Agent header is required\"}",
                     NULL);
    if (n == s->o.fail_429_at || s->o.always_429)
        return reply(c, 429, "{\"message\":\"Public rate limit exceeded\"}",
                     s->o.retry_after ? s->o.retry_after : "1");
    if (n == s->o.fail_500_at)
        return reply(c, 500, "{\"message\":\"Internal server error\"}", NULL);
    char product[64], key[70];
    int used = 0;
    if (strcmp(method, "GET") != 0 ||
        sscanf(url, "/products/%63[^/]/candles%n", product, &used) != 1 ||
        url[used] != '\0' || !known(s, product, key, sizeof key))
        return reply(c, 404, "{\"message\":\"NotFound\"}", NULL);
    const char *gs =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "granularity");
    int g = gs ? atoi(gs) : 0;
    int64_t start, end;
    if (g != 60 && g != 300 && g != 900 && g != 3600 && g != 21600 &&
        g != 86400)
        return reply(c, 400, "{\"message\":\"Unsupported granularity\"}", NULL);
    if (parse_iso(
            MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "start"),
            &start) ||
        parse_iso(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "end"),
                  &end) ||
        end < start)
        return reply(c, 400, "{\"message\":\"invalid start/end\"}", NULL);
    if ((end - start) / g + 1 > MAX_ROWS) {
        pthread_mutex_lock(&s->mu);
        s->over_limit++;
        pthread_mutex_unlock(&s->mu);
        return reply(c, 400,
                     "{\"message\":\"granularity too small for the requested "
                     "time range. Count of aggregations requested exceeds "
                     "300\"}",
                     NULL);
    }
    int rows;
    char *body = rows_json(product, start, end, g, s->o.off_grid_s,
                           s->o.bad_rows, &rows);
    pthread_mutex_lock(&s->mu);
    if (rows > s->max_rows)
        s->max_rows = rows;
    for (int i = 0; i < 6; i++)
        if (GRANS[i] == g)
            s->buckets[i] += (long)((end - start) / g + 1);
    pthread_mutex_unlock(&s->mu);
    enum MHD_Result ret = reply(c, 200, body, NULL);
    free(body);
    return ret;
}

candles_server *candles_server_start(const candles_server_opts *o)
{
    candles_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->o = *o;
    snprintf(s->products, sizeof s->products, ",%s,", o->products);
    pthread_mutex_init(&s->mu, NULL);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                            on_request, s, MHD_OPTION_SOCK_ADDR, &a,
                            MHD_OPTION_END);
    if (!s->d) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return s;
}

void candles_server_stop(candles_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void candles_server_base_url(const candles_server *s, char *buf, unsigned len)
{
    snprintf(buf, len, "http://127.0.0.1:%d", s->port);
}

static int read_locked(candles_server *s, const int *p)
{
    pthread_mutex_lock(&s->mu);
    int v = *p;
    pthread_mutex_unlock(&s->mu);
    return v;
}

int candles_server_requests(candles_server *s)
{
    return read_locked(s, &s->requests);
}

int candles_server_max_rows(candles_server *s)
{
    return read_locked(s, &s->max_rows);
}

int candles_server_missing_ua(candles_server *s)
{
    return read_locked(s, &s->missing_ua);
}

int candles_server_over_limit(candles_server *s)
{
    return read_locked(s, &s->over_limit);
}

long candles_server_buckets(candles_server *s, int g)
{
    long v = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < 6; i++)
        if (GRANS[i] == g)
            v = s->buckets[i];
    pthread_mutex_unlock(&s->mu);
    return v;
}
