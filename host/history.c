/*
 * history.c — Coinbase Exchange REST candles over libcurl.
 *
 * GET {base}/products/{id}/candles?granularity=G&start=ISO&end=ISO answers
 * at most 300 rows [time, low, high, open, close, volume], newest first,
 * with no-trade buckets absent. A range is walked in windows of 300
 * buckets, one request at a time, spaced for ~8 requests a second; 429
 * waits for Retry-After, 5xx and transport errors back off, both a
 * bounded number of times. Rows are kept when their open time lies in
 * [from, to), sorted ascending and deduplicated.
 */
#include "history.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <perp/time.h>

#include "log.h"

#ifndef PERP_VERSION
#define PERP_VERSION "0.0.0"
#endif

#define DEFAULT_BASE      "https://api.exchange.coinbase.com"
#define ROWS_PER_REQUEST  300
#define MIN_SPACING_MS    125 /* ~8 requests/s, under Coinbase's 10/s */
#define MAX_ATTEMPTS      6
#define MAX_BODY          (8u << 20)
#define MAX_RETRY_AFTER_S 60

typedef struct hist_row {
    int64_t ts; /* open time, Unix seconds */
    double open, high, low, close, volume;
} hist_row;

typedef struct row_vec {
    hist_row *v;
    size_t n, cap;
} row_vec;

/* One download session: a reused curl handle and the rate limiter. */
typedef struct hist_client {
    CURL *curl;
    char base[1024]; /* without trailing '/' */
    struct timespec last_request;
    int has_last;
    char *err;
    size_t err_len;
} hist_client;

typedef struct body_buf {
    char *p;
    size_t n;
    int overflow;
} body_buf;

/* Set by the live loop, so a stop request (SIGINT) cuts a bootstrap's
 * requests, retries and waits short instead of outlasting them. */
static const atomic_int *stop_flag;

void host_history_set_stop_flag(const atomic_int *flag)
{
    stop_flag = flag;
}

static int stopping(void)
{
    return stop_flag && atomic_load(stop_flag);
}

const char *host_history_base_url(void)
{
    const char *e = getenv("PERP_COINBASE_REST_URL");
    return e && *e ? e : DEFAULT_BASE;
}

static const char *granularity_label(int g)
{
    switch (g) {
    case 60:
        return "1m";
    case 300:
        return "5m";
    case 900:
        return "15m";
    case 3600:
        return "1h";
    case 21600:
        return "6h";
    case 86400:
        return "1d";
    default:
        return NULL;
    }
}

/* ---------------------------------------------------------------- time */

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

/* --from/--to: "YYYY-MM-DD" or "YYYY-MM-DD[T ]HH:MM[:SS[.frac]]" with "Z"
 * or "+HH:MM" (perp/time.h). */
#define HIST_TIME_FORMS                                                        \
    (PERP_TIME_SPACE | PERP_TIME_NO_SECONDS | PERP_TIME_DATE_ONLY)

/* ------------------------------------------------------------- helpers */

static void set_err(hist_client *c, const char *fmt, ...) PERP_PRINTF(2, 3);
static void set_err(hist_client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->err && c->err_len)
        vsnprintf(c->err, c->err_len, fmt, ap);
    va_end(ap);
}

static int row_push(row_vec *rv, const hist_row *r)
{
    if (rv->n == rv->cap) {
        size_t cap = rv->cap ? rv->cap * 2 : 512;
        hist_row *p = realloc(rv->v, cap * sizeof *p);
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
    int64_t x = ((const hist_row *)a)->ts, y = ((const hist_row *)b)->ts;
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

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    /* In slices, so a stop request ends the wait within 100 ms. */
    while (ms > 0 && !stopping()) {
        int64_t slice = ms < 100 ? ms : 100;
        struct timespec t = {0, (long)slice * 1000000L};
        while (nanosleep(&t, &t) != 0 && errno == EINTR) {
        }
        ms -= slice;
    }
}

static void rate_limit(hist_client *c)
{
    int64_t now = mono_ms();
    if (c->has_last) {
        int64_t last = (int64_t)c->last_request.tv_sec * 1000 +
                       c->last_request.tv_nsec / 1000000;
        sleep_ms(last + MIN_SPACING_MS - now);
    }
    clock_gettime(CLOCK_MONOTONIC, &c->last_request);
    c->has_last = 1;
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
    (void)ud, (void)dt, (void)dn, (void)ut, (void)un;
    return stopping();
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    long *retry_after = ud;
    size_t n = size * nmemb;
    static const char key[] = "retry-after:";
    if (n > sizeof key - 1 && strncasecmp(data, key, sizeof key - 1) == 0) {
        long v = strtol(data + sizeof key - 1, NULL, 10);
        if (v >= 0)
            *retry_after = v;
    }
    return n;
}

/* Parses one response body into rows; -1 with err set if malformed. */
static int parse_rows(hist_client *c, const char *body, row_vec *rv)
{
    json_error_t je;
    json_t *root = json_loads(body, 0, &je);
    if (!json_is_array(root)) {
        set_err(c, "candles response is not a JSON array (%s)",
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
            set_err(c,
                    "candles row %zu is not [time,low,high,open,close,"
                    "volume]",
                    i);
            json_decref(root);
            return -1;
        }
        for (size_t k = 0; k < 6; k++) {
            json_t *x = json_array_get(row, k);
            if (!json_is_number(x) || !isfinite(json_number_value(x))) {
                set_err(c, "candles row %zu field %zu is not a number", i, k);
                json_decref(root);
                return -1;
            }
            f[k] = json_number_value(x);
        }
        /* A time must be a whole second before year 10000: anything else
         * cannot be converted to int64 without undefined behaviour. */
        if (f[0] < 0 || f[0] >= 253402300800.0 || f[0] != floor(f[0])) {
            set_err(c, "candles row %zu time %.17g is not a Unix time", i,
                    f[0]);
            json_decref(root);
            return -1;
        }
        hist_row r = {(int64_t)f[0], f[3], f[2], f[1], f[4], f[5]};
        if (row_push(rv, &r) != 0) {
            set_err(c, "out of memory");
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

/* GET one window; rows appended to rv. Retries 429 (after Retry-After),
 * 5xx and transport errors with exponential backoff. */
static int fetch_window(hist_client *c, const char *product, int gran,
                        int64_t start, int64_t end, row_vec *rv)
{
    char s_iso[32], e_iso[32], url[1200];
    civil_from_unix(start, s_iso, sizeof s_iso);
    civil_from_unix(end, e_iso, sizeof e_iso);
    if (snprintf(url, sizeof url,
                 "%s/products/%s/candles?granularity=%d&start=%s&end=%s",
                 c->base, product, gran, s_iso, e_iso) >= (int)sizeof url) {
        set_err(c, "URL too long");
        return -1;
    }
    int64_t backoff_ms = 500;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        body_buf body = {0};
        long retry_after = -1, status = 0;
        rate_limit(c);
        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &retry_after);
        CURLcode rc = curl_easy_perform(c->curl);
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        if (rc == CURLE_OK && status == 200) {
            int r = parse_rows(c, body.p ? body.p : "", rv);
            free(body.p);
            return r;
        }
        char why[200];
        int retry = 1;
        int64_t wait = backoff_ms;
        if (rc != CURLE_OK) {
            snprintf(why, sizeof why, "%s",
                     body.overflow ? "response too large"
                                   : curl_easy_strerror(rc));
            retry = !body.overflow;
        } else if (status == 429) {
            snprintf(why, sizeof why, "HTTP 429 rate limited");
            if (retry_after >= 0)
                wait = (retry_after > MAX_RETRY_AFTER_S ? MAX_RETRY_AFTER_S
                                                        : retry_after) *
                       1000;
        } else {
            char msg[120];
            error_message(body.p, msg, sizeof msg);
            snprintf(why, sizeof why, "HTTP %ld: %s", status, msg);
            retry = status >= 500;
        }
        free(body.p);
        if (stopping()) {
            set_err(c, "%s %s..%s: stopped", product, s_iso, e_iso);
            return -1;
        }
        if (!retry || attempt == MAX_ATTEMPTS) {
            set_err(c, "%s %s..%s: %s%s", product, s_iso, e_iso, why,
                    retry ? " (giving up)" : "");
            return -1;
        }
        host_log(PERP_LOG_WARN, "history", "%s %s: %s, retry %d in %.1fs",
                 product, s_iso, why, attempt, (double)wait / 1000.0);
        sleep_ms(wait);
        if (status != 429)
            backoff_ms = backoff_ms * 2 > 8000 ? 8000 : backoff_ms * 2;
    }
    return -1;
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int client_open(hist_client *c, const char *base, char *err,
                       size_t err_len)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
    memset(c, 0, sizeof *c);
    snprintf(c->base, sizeof c->base, "%s", base);
    for (size_t n = strlen(c->base); n > 0 && c->base[n - 1] == '/'; n--)
        c->base[n - 1] = '\0';
    c->err = err;
    c->err_len = err_len;
    c->curl = curl_easy_init();
    if (!c->curl) {
        set_err(c, "cannot initialise libcurl");
        return -1;
    }
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "perpd/" PERP_VERSION);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    return 0;
}

static void client_close(hist_client *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    c->curl = NULL;
}

/* Every candle with open time in [from, to), ascending, no duplicates. */
static int fetch_range(hist_client *c, const char *product, int gran,
                       int64_t from, int64_t to, row_vec *out)
{
    row_vec raw = {0};
    int64_t span = (int64_t)ROWS_PER_REQUEST * gran;
    for (int64_t t = from; t < to; t += span) {
        /* Both ends are inclusive on the server, so a window of 300
         * buckets ends at its 300th bucket's open time. */
        int64_t end = t + span - gran;
        if (end > to - gran)
            end = to - gran;
        if (end < t)
            end = t;
        if (fetch_window(c, product, gran, t, end, &raw) != 0) {
            free(raw.v);
            return -1;
        }
    }
    rows_sort_dedup(&raw);
    out->n = 0;
    for (size_t i = 0; i < raw.n; i++)
        if (raw.v[i].ts >= from && raw.v[i].ts < to &&
            row_push(out, &raw.v[i]) != 0) {
            free(raw.v);
            set_err(c, "out of memory");
            return -1;
        }
    free(raw.v);
    return 0;
}

/* ----------------------------------------------------------- CSV output */

/* Shortest text that reads back as the same double. */
static void fmt_num(char *out, size_t len, double v)
{
    for (int prec = 10; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static int mkdir_p(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Written to a temporary name and renamed, so a reader never sees half a
 * file and an interrupted download leaves the previous file intact. */
static int write_csv(hist_client *c, const char *path, const row_vec *rv)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        set_err(c, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    fputs("ts,open,high,low,close,volume\n", f);
    for (size_t i = 0; i < rv->n; i++) {
        const hist_row *r = &rv->v[i];
        char o[32], h[32], l[32], cl[32], v[32];
        fmt_num(o, sizeof o, r->open);
        fmt_num(h, sizeof h, r->high);
        fmt_num(l, sizeof l, r->low);
        fmt_num(cl, sizeof cl, r->close);
        fmt_num(v, sizeof v, r->volume);
        fprintf(f, "%lld,%s,%s,%s,%s,%s\n", (long long)r->ts, o, h, l, cl, v);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        set_err(c, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ CLI */

typedef struct dl_args {
    char *symbols; /* owned copy, split in place */
    int granularity;
    int64_t from, to;
    const char *out, *url;
} dl_args;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: perpd history download --symbols BTC-USD[,ETH-USD...] "
            "--granularity 60|300|900|3600|21600|86400\n"
            "       --from ISO8601 --to ISO8601 --out DIR [--url BASE]\n"
            "  writes DIR/SYMBOL_<1m|5m|15m|1h|6h|1d>.csv "
            "(ts,open,high,low,close,volume; candles with from <= ts < to)\n");
}

static int bad_arg(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "perpd history: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}

static int valid_symbol(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= PERP_SYMBOL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return 0;
    return 1;
}

/* 0 with *a filled, the usage exit code after saying why, or -1 once
 * --help has been answered on stdout. */
static int parse_args(int argc, char **argv, dl_args *a)
{
    const char *syms = NULL, *gran = NULL, *from = NULL, *to = NULL;
    memset(a, 0, sizeof *a);
    a->url = host_history_base_url();
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
            usage(stdout);
            return -1;
        }
        const char **slot = !strcmp(k, "--symbols")       ? &syms
                            : !strcmp(k, "--granularity") ? &gran
                            : !strcmp(k, "--from")        ? &from
                            : !strcmp(k, "--to")          ? &to
                            : !strcmp(k, "--out")         ? &a->out
                            : !strcmp(k, "--url")         ? &a->url
                                                          : NULL;
        if (!slot)
            return bad_arg("unknown argument '%s'%s", k, "");
        if (i + 1 >= argc)
            return bad_arg("%s needs a value%s", k, "");
        *slot = argv[++i];
    }
    if (!syms || !gran || !from || !to || !a->out)
        return bad_arg("missing %s%s",
                       !syms   ? "--symbols"
                       : !gran ? "--granularity"
                       : !from ? "--from"
                       : !to   ? "--to"
                               : "--out",
                       "");
    char *end;
    long g = strtol(gran, &end, 10);
    if (*end || !granularity_label((int)g))
        return bad_arg("--granularity '%s': expected one of 60, 300, 900, "
                       "3600, 21600, 86400 (seconds)%s",
                       gran, "");
    a->granularity = (int)g;
    if (perp_time_parse_s(from, HIST_TIME_FORMS, &a->from) != 0)
        return bad_arg("--from '%s': expected ISO 8601 such as "
                       "2024-01-01T00:00:00Z%s",
                       from, "");
    if (perp_time_parse_s(to, HIST_TIME_FORMS, &a->to) != 0)
        return bad_arg("--to '%s': expected ISO 8601 such as "
                       "2024-01-02T00:00:00Z%s",
                       to, "");
    if (a->to <= a->from)
        return bad_arg("--to %s is not after --from %s", to, from);
    char *check = strdup(syms);
    a->symbols = strdup(syms);
    if (!check || !a->symbols) {
        free(check);
        free(a->symbols);
        return 1;
    }
    char *save = NULL;
    for (char *s = strtok_r(check, ",", &save); s;
         s = strtok_r(NULL, ",", &save))
        if (!valid_symbol(s)) {
            int rc = bad_arg("--symbols: '%s' is not a product id such as "
                             "BTC-USD%s",
                             s, "");
            free(check);
            free(a->symbols);
            return rc;
        }
    free(check);
    return 0;
}

static int download_symbol(hist_client *c, const dl_args *a, const char *sym)
{
    row_vec rv = {0};
    char path[4096];
    if (fetch_range(c, sym, a->granularity, a->from, a->to, &rv) != 0) {
        free(rv.v);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s_%s.csv", a->out, sym,
             granularity_label(a->granularity));
    int rc = write_csv(c, path, &rv);
    if (rc == 0)
        host_log(PERP_LOG_INFO, "history", "%s: %zu candles -> %s", sym, rv.n,
                 path);
    free(rv.v);
    return rc;
}

int host_history_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "download") != 0) {
        if (argc >= 2 &&
            (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            usage(stdout);
            return 0;
        }
        fprintf(stderr, "perpd history: expected the subcommand 'download'\n");
        usage(stderr);
        return 2;
    }
    dl_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? 0 : rc; /* -1: --help answered */
    char err[512] = "";
    hist_client c;
    if (mkdir_p(a.out) != 0) {
        fprintf(stderr, "perpd history: cannot create %s: %s\n", a.out,
                strerror(errno));
        free(a.symbols);
        return 1;
    }
    if (client_open(&c, a.url, err, sizeof err) != 0) {
        fprintf(stderr, "perpd history: %s\n", err);
        free(a.symbols);
        return 1;
    }
    char *save = NULL;
    for (char *s = strtok_r(a.symbols, ",", &save); s && rc == 0;
         s = strtok_r(NULL, ",", &save))
        if (download_symbol(&c, &a, s) != 0) {
            fprintf(stderr, "perpd history: %s\n", err);
            rc = 1;
        }
    client_close(&c);
    free(a.symbols);
    return rc;
}

/* ------------------------------------------------------------ bootstrap */

static perp_candle to_candle(const hist_row *r, const char *symbol, int gran)
{
    perp_candle k = {0};
    k.ts = r->ts * 1000;
    k.interval_ms = (int64_t)gran * 1000;
    snprintf(k.symbol, sizeof k.symbol, "%s", symbol);
    k.open = r->open;
    k.high = r->high;
    k.low = r->low;
    k.close = r->close;
    k.volume = r->volume;
    return k;
}

/* Rows -> candles over [first row, end), buckets without trades filled
 * with the last close and zero volume, as the live candle builder does;
 * then the newest `count` are kept. */
static int rows_to_candles(const row_vec *rv, const char *symbol, int gran,
                           int64_t end, size_t count, perp_candle **out,
                           size_t *n)
{
    *out = NULL;
    *n = 0;
    /* The grid starts at the first row on it; rows off the grid (a
     * misbehaving server) are dropped and said, never allowed to stall
     * the walk and turn every later real candle into a gap fill. */
    size_t j = 0, dropped = 0;
    while (j < rv->n && rv->v[j].ts % gran != 0) {
        j++;
        dropped++;
    }
    size_t total = j < rv->n && rv->v[j].ts < end
                       ? (size_t)((end - rv->v[j].ts) / gran)
                       : 0;
    perp_candle *all = total ? calloc(total, sizeof *all) : NULL;
    if (total && !all)
        return -1;
    size_t k = 0;
    for (int64_t t = total ? rv->v[j].ts : end; t < end && k < total;
         t += gran) {
        while (j < rv->n && rv->v[j].ts < t) {
            j++;
            dropped++;
        }
        if (j < rv->n && rv->v[j].ts == t) {
            all[k++] = to_candle(&rv->v[j++], symbol, gran);
        } else {
            hist_row fill = {t, 0, 0, 0, 0, 0};
            fill.open = fill.high = fill.low = fill.close = all[k - 1].close;
            all[k++] = to_candle(&fill, symbol, gran);
        }
    }
    if (dropped)
        host_log(PERP_LOG_WARN, "history",
                 "%s: %zu candles off the %d s grid ignored", symbol, dropped,
                 gran);
    if (!all)
        return 0;
    size_t skip = k > count ? k - count : 0;
    memmove(all, all + skip, (k - skip) * sizeof *all);
    *out = all;
    *n = k - skip;
    return 0;
}

int host_history_fetch_recent(const char *base_url, const char *symbol,
                              int granularity_s, size_t count, int64_t now_ms,
                              perp_candle **out, size_t *n, char *err,
                              size_t err_len)
{
    *out = NULL;
    *n = 0;
    if (!granularity_label(granularity_s) || count == 0 || !symbol ||
        !valid_symbol(symbol)) {
        snprintf(err, err_len,
                 "bad request: symbol '%s', granularity %d, "
                 "count %zu",
                 symbol ? symbol : "(null)", granularity_s, count);
        return PERP_ERR;
    }
    /* Buckets starting before `end` have closed by now_ms. */
    int64_t now_s = now_ms / 1000;
    int64_t end = now_s - now_s % granularity_s;
    int64_t start = end - (int64_t)count * granularity_s;
    hist_client c;
    if (client_open(&c, base_url ? base_url : host_history_base_url(), err,
                    err_len) != 0)
        return PERP_ERR;
    row_vec rv = {0};
    int rc = fetch_range(&c, symbol, granularity_s, start, end, &rv);
    client_close(&c);
    if (rc == 0 &&
        rows_to_candles(&rv, symbol, granularity_s, end, count, out, n) != 0) {
        snprintf(err, err_len, "out of memory");
        rc = -1;
    }
    free(rv.v);
    return rc == 0 ? PERP_OK : PERP_ERR;
}
