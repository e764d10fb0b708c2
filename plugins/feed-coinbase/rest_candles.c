/*
 * rest_candles.c — Coinbase Exchange REST candles over libcurl.
 *
 * GET {base}/products/{id}/candles?granularity=G&start=ISO&end=ISO answers
 * at most 300 rows [time, low, high, open, close, volume], newest first,
 * with no-trade buckets absent; both ends are inclusive. A range is walked
 * in windows of 300 buckets, one request at a time, spaced for ~8
 * requests a second (Coinbase allows 10 a second per IP); 429 waits for
 * Retry-After (at most 60 s a time), 5xx and transport errors back off
 * 0.5, 1, 2, 4, 8 s; at most 6 attempts a window. The first failure of a
 * window says up front how long the retries can wait in all. Rows are
 * kept when their open time lies in [from, to), sorted ascending and
 * deduplicated; their values are checked by the host (perp/candle_check.h).
 */
#include "rest_candles.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ROWS_PER_REQUEST  300
#define MIN_SPACING_MS    125 /* ~8 requests/s, under Coinbase's 10/s */
#define MAX_ATTEMPTS      6
#define MAX_BODY          (8u << 20)
#define MAX_RETRY_AFTER_S 60
#define FIRST_BACKOFF_MS  500
#define MAX_BACKOFF_MS    8000

typedef struct cb_row {
    int64_t ts; /* open time, Unix seconds */
    double open, high, low, close, volume;
} cb_row;

typedef struct row_vec {
    cb_row *v;
    size_t n, cap;
} row_vec;

struct cb_rest {
    const perp_host *host; /* borrowed */
    CURL *curl;
    char base[1024]; /* without trailing '/' */
    int64_t last_request_ms;
    int has_last;
};

typedef struct body_buf {
    char *p;
    size_t n;
    int overflow;
} body_buf;

/* ------------------------------------------------------------- helpers */

static int stopping(const cb_rest *r)
{
    return PERP_HOST_HAS(r->host, stopping) && r->host->stopping(r->host);
}

int cb_rest_interval_ok(int64_t interval_ms)
{
    switch (interval_ms) {
    case 60000:
    case 300000:
    case 900000:
    case 3600000:
    case 21600000:
    case 86400000:
        return 1;
    default:
        return 0;
    }
}

static void civil_from_unix(int64_t s, char *out, size_t len)
{
    int64_t z = (s >= 0 ? s : s - 86399) / 86400;
    int64_t sod = s - z * 86400;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(out, len, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
             (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}

static int row_push(row_vec *rv, const cb_row *r)
{
    if (rv->n == rv->cap) {
        size_t cap = rv->cap ? rv->cap * 2 : 512;
        cb_row *p = realloc(rv->v, cap * sizeof *p);
        if (!p)
            return -1;
        rv->v = p;
        rv->cap = cap;
    }
    rv->v[rv->n++] = *r;
    return 0;
}

static int row_cmp(const void *a, const void *b)
{
    int64_t x = ((const cb_row *)a)->ts, y = ((const cb_row *)b)->ts;
    return (x > y) - (x < y);
}

/* Ascending, one row per open time (the later-received row wins, which
 * for overlapping windows is the same data). */
static void rows_sort_dedup(row_vec *rv)
{
    if (rv->n < 2)
        return;
    qsort(rv->v, rv->n, sizeof *rv->v, row_cmp);
    size_t w = 0;
    for (size_t i = 0; i < rv->n; i++) {
        if (w > 0 && rv->v[w - 1].ts == rv->v[i].ts)
            rv->v[w - 1] = rv->v[i];
        else
            rv->v[w++] = rv->v[i];
    }
    rv->n = w;
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* In slices, so a stop request ends the wait within 100 ms. */
static void sleep_ms(const cb_rest *r, int64_t ms)
{
    while (ms > 0 && !stopping(r)) {
        int64_t slice = ms < 100 ? ms : 100;
        struct timespec t = {0, (long)slice * 1000000L};
        while (nanosleep(&t, &t) != 0 && errno == EINTR) {
        }
        ms -= slice;
    }
}

static void rate_limit(cb_rest *r)
{
    if (r->has_last)
        sleep_ms(r, r->last_request_ms + MIN_SPACING_MS - mono_ms());
    r->last_request_ms = mono_ms();
    r->has_last = 1;
}

/* ---------------------------------------------------------------- HTTP */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    body_buf *b = ud;
    size_t n = size * nmemb;
    if (b->n + n > MAX_BODY) {
        b->overflow = 1;
        return 0;
    }
    char *p = realloc(b->p, b->n + n + 1);
    if (!p)
        return 0;
    memcpy(p + b->n, data, n);
    b->p = p;
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

/* Non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    return stopping(ud);
}

/* Retry-After in seconds (the HTTP-date form is not used by Coinbase);
 * values beyond a long saturate. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    long *retry_after = ud;
    size_t n = size * nmemb;
    static const char key[] = "retry-after:";
    if (n > sizeof key - 1 && strncasecmp(data, key, sizeof key - 1) == 0) {
        errno = 0;
        long v = strtol(data + sizeof key - 1, NULL, 10);
        if (v >= 0)
            *retry_after = v;
    }
    return n;
}

/* One response body into rows; -1 with why set if malformed. */
static int parse_rows(const char *body, row_vec *rv, char *why, size_t len)
{
    json_error_t je;
    json_t *root = json_loads(body, 0, &je);
    if (!json_is_array(root)) {
        snprintf(why, len, "candles response is not a JSON array (%s)",
                 root ? "other JSON" : je.text);
        json_decref(root);
        return -1;
    }
    size_t i;
    json_t *row;
    json_array_foreach(root, i, row)
    {
        double f[6];
        if (!json_is_array(row) || json_array_size(row) < 6) {
            snprintf(why, len,
                     "candles row %zu is not [time,low,high,open,close,"
                     "volume]",
                     i);
            json_decref(root);
            return -1;
        }
        for (size_t k = 0; k < 6; k++) {
            json_t *x = json_array_get(row, k);
            if (!json_is_number(x) || !isfinite(json_number_value(x))) {
                snprintf(why, len, "candles row %zu field %zu is not a number",
                         i, k);
                json_decref(root);
                return -1;
            }
            f[k] = json_number_value(x);
        }
        /* A time must be a whole second before year 10000: anything else
         * cannot be converted to int64 without undefined behaviour. */
        if (f[0] < 0 || f[0] >= 253402300800.0 || f[0] != floor(f[0])) {
            snprintf(why, len, "candles row %zu time %.17g is not a Unix time",
                     i, f[0]);
            json_decref(root);
            return -1;
        }
        cb_row r = {(int64_t)f[0], f[3], f[2], f[1], f[4], f[5]};
        if (row_push(rv, &r) != 0) {
            snprintf(why, len, "out of memory");
            json_decref(root);
            return -1;
        }
    }
    json_decref(root);
    return 0;
}

static void error_message(const char *body, char *out, size_t len)
{
    json_t *root = body ? json_loads(body, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(root, "message"));
    snprintf(out, len, "%s", m ? m : "no message");
    json_decref(root);
}

/* The most the retries left can wait in all if the server keeps giving
 * this answer: `wait` each for a 429, the doubling backoff for others. */
static int64_t total_wait_ms(int is_429, int64_t wait, int64_t backoff,
                             int retries_left)
{
    int64_t total = 0;
    for (int k = 0; k < retries_left; k++) {
        total += is_429 ? wait : backoff;
        backoff = backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff * 2;
    }
    return total;
}

/* One attempt's outcome. */
typedef struct attempt {
    CURLcode rc;
    long status, retry_after;
    body_buf body;
} attempt;

static void perform(cb_rest *r, const char *url, attempt *a)
{
    memset(a, 0, sizeof *a);
    a->retry_after = -1;
    rate_limit(r);
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &a->body);
    curl_easy_setopt(r->curl, CURLOPT_HEADERDATA, &a->retry_after);
    a->rc = curl_easy_perform(r->curl);
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &a->status);
}

/* Says why an attempt failed into why; returns 1 if it may be retried,
 * with *wait the pause before it (ms). */
static int classify(const attempt *a, int64_t backoff, char *why, size_t len,
                    int64_t *wait)
{
    *wait = backoff;
    if (a->rc != CURLE_OK) {
        snprintf(why, len, "%s",
                 a->body.overflow ? "response too large"
                                  : curl_easy_strerror(a->rc));
        return !a->body.overflow;
    }
    if (a->status == 429) {
        if (a->retry_after < 0) {
            snprintf(why, len, "HTTP 429 rate limited");
        } else {
            long ra = a->retry_after;
            int capped = ra > MAX_RETRY_AFTER_S;
            *wait = (int64_t)(capped ? MAX_RETRY_AFTER_S : ra) * 1000;
            snprintf(why, len, "HTTP 429 rate limited (Retry-After: %ld s%s)",
                     ra, capped ? ", waiting at most 60 s a time" : "");
        }
        return 1;
    }
    char msg[120];
    error_message(a->body.p, msg, sizeof msg);
    snprintf(why, len, "HTTP %ld: %s", a->status, msg);
    return a->status >= 500;
}

/* GET one window; rows appended to rv. PERP_OK or PERP_ERR (logged). */
static perp_status fetch_window(cb_rest *r, const char *product, int gran,
                                int64_t start, int64_t end, row_vec *rv)
{
    char s_iso[32], e_iso[32], url[1200], why[200];
    civil_from_unix(start, s_iso, sizeof s_iso);
    civil_from_unix(end, e_iso, sizeof e_iso);
    if (snprintf(url, sizeof url,
                 "%s/products/%s/candles?granularity=%d&start=%s&end=%s",
                 r->base, product, gran, s_iso, e_iso) >= (int)sizeof url) {
        r->host->log(r->host, PERP_LOG_ERROR, "%s: URL too long", product);
        return PERP_ERR;
    }
    int64_t backoff = FIRST_BACKOFF_MS;
    for (int attempt_no = 1;; attempt_no++) {
        attempt a;
        perform(r, url, &a);
        if (a.rc == CURLE_OK && a.status == 200) {
            int bad = parse_rows(a.body.p ? a.body.p : "", rv, why, sizeof why);
            free(a.body.p);
            if (bad)
                r->host->log(r->host, PERP_LOG_ERROR, "%s %s..%s: %s", product,
                             s_iso, e_iso, why);
            return bad ? PERP_ERR : PERP_OK;
        }
        int64_t wait;
        int retry = classify(&a, backoff, why, sizeof why, &wait);
        free(a.body.p);
        if (stopping(r)) {
            r->host->log(r->host, PERP_LOG_ERROR, "%s %s..%s: stopped", product,
                         s_iso, e_iso);
            return PERP_ERR;
        }
        if (!retry || attempt_no == MAX_ATTEMPTS) {
            r->host->log(r->host, PERP_LOG_ERROR, "%s %s..%s: %s%s", product,
                         s_iso, e_iso, why, retry ? " (giving up)" : "");
            return PERP_ERR;
        }
        int left = MAX_ATTEMPTS - attempt_no;
        if (attempt_no == 1)
            r->host->log(
                r->host, PERP_LOG_WARN,
                "%s %s: %s, retry 1 of %d in %.1fs; if the server "
                "keeps answering so, %.1fs of waiting in all before "
                "giving up (SIGINT stops at once)",
                product, s_iso, why, left, (double)wait / 1000.0,
                (double)total_wait_ms(a.status == 429, wait, backoff, left) /
                    1000.0);
        else
            r->host->log(r->host, PERP_LOG_WARN,
                         "%s %s: %s, retry %d of %d in %.1fs", product, s_iso,
                         why, attempt_no, MAX_ATTEMPTS - 1,
                         (double)wait / 1000.0);
        sleep_ms(r, wait);
        if (a.status != 429)
            backoff =
                backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff * 2;
    }
}

/* ------------------------------------------------------------- client */

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

cb_rest *cb_rest_new(const perp_host *host, const char *base)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
    cb_rest *r = calloc(1, sizeof *r);
    if (!r) {
        host->log(host, PERP_LOG_ERROR, "out of memory");
        return NULL;
    }
    r->host = host;
    snprintf(r->base, sizeof r->base, "%s", base);
    for (size_t n = strlen(r->base); n > 0 && r->base[n - 1] == '/'; n--)
        r->base[n - 1] = '\0';
    r->curl = curl_easy_init();
    if (!r->curl) {
        host->log(host, PERP_LOG_ERROR, "cannot initialise libcurl");
        free(r);
        return NULL;
    }
    curl_easy_setopt(r->curl, CURLOPT_USERAGENT,
                     "perpd-feed-coinbase/" CB_FEED_VERSION);
    curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(r->curl, CURLOPT_XFERINFODATA, r);
    curl_easy_setopt(r->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    return r;
}

void cb_rest_free(cb_rest *r)
{
    if (!r)
        return;
    curl_easy_cleanup(r->curl);
    free(r);
}

perp_status cb_rest_candles(cb_rest *r, const char *product,
                            int64_t interval_ms, int64_t from_ms, int64_t to_ms,
                            perp_candle *out, size_t cap, size_t *n)
{
    *n = 0;
    int gran = (int)(interval_ms / 1000);
    int64_t from = from_ms / 1000, to = to_ms / 1000;
    int64_t span = (int64_t)ROWS_PER_REQUEST * gran;
    row_vec raw = {0};
    for (int64_t t = from; t < to; t += span) {
        /* Both ends are inclusive on the server, so a window of 300
         * buckets ends at its 300th bucket's open time. */
        int64_t end = t + span - gran;
        if (end > to - gran)
            end = to - gran;
        if (end < t)
            end = t;
        if (fetch_window(r, product, gran, t, end, &raw) != PERP_OK) {
            free(raw.v);
            return PERP_ERR;
        }
    }
    rows_sort_dedup(&raw);
    perp_status rc = PERP_OK;
    for (size_t i = 0; i < raw.n && rc == PERP_OK; i++) {
        const cb_row *w = &raw.v[i];
        if (w->ts < from || w->ts >= to)
            continue;
        if (*n == cap) {
            r->host->log(r->host, PERP_LOG_ERROR,
                         "%s: more candles than the %zu asked for", product,
                         cap);
            rc = PERP_ERR;
            break;
        }
        perp_candle *c = &out[(*n)++];
        memset(c, 0, sizeof *c);
        c->ts = w->ts * 1000;
        c->interval_ms = interval_ms;
        snprintf(c->symbol, sizeof c->symbol, "%s", product);
        c->open = w->open;
        c->high = w->high;
        c->low = w->low;
        c->close = w->close;
        c->volume = w->volume;
    }
    free(raw.v);
    return rc;
}
