/*
 * or_http.c — the libcurl POST. No CURLOPT_VERBOSE, no header logging:
 * the Authorization header exists only inside the curl_slist for the
 * duration of the call, and is wiped before it is freed.
 */
#include "or_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct sink {
    or_http_result *r;
    size_t cap, max;
} sink;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t len = size * n;
    if (s->r->body_len + len > s->max) {
        s->r->too_large = 1;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (s->r->body_len + len + 1 > s->cap) {
        size_t nc = s->cap ? s->cap : 16384;
        while (nc < s->r->body_len + len + 1)
            nc *= 2;
        char *p = realloc(s->r->body, nc);
        if (!p)
            return 0;
        s->r->body = p;
        s->cap = nc;
    }
    memcpy(s->r->body + s->r->body_len, data, len);
    s->r->body_len += len;
    s->r->body[s->r->body_len] = '\0';
    return len;
}

/* Retry-After: delta-seconds or an HTTP date. */
static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    or_http_result *r = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name && strncasecmp(data, name, sizeof name - 1) == 0) {
        char val[64];
        size_t vl = len - (sizeof name - 1);
        if (vl >= sizeof val)
            vl = sizeof val - 1;
        memcpy(val, data + sizeof name - 1, vl);
        val[vl] = '\0';
        char *end;
        long secs = strtol(val, &end, 10);
        if (end != val && secs >= 0) {
            r->retry_after_ms = (int64_t)secs * 1000;
        } else {
            time_t when = curl_getdate(val, NULL);
            time_t now = time(NULL);
            if (when > 0)
                r->retry_after_ms =
                    when > now ? (int64_t)(when - now) * 1000 : 0;
        }
    }
    return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
    const or_http_opts *o = ud;
    (void)dt, (void)dn, (void)ut, (void)un;
    return o->stop(o->stop_ud);
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static struct curl_slist *headers_for(const or_http_opts *o, char *auth,
                                      size_t auth_len)
{
    struct curl_slist *h = NULL;
    char line[512];
    snprintf(auth, auth_len, "Authorization: Bearer %s",
             o->api_key ? o->api_key : "");
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    if (o->title && *o->title) {
        snprintf(line, sizeof line, "X-Title: %s", o->title);
        h = curl_slist_append(h, line);
    }
    if (o->referer && *o->referer) {
        snprintf(line, sizeof line, "HTTP-Referer: %s", o->referer);
        h = curl_slist_append(h, line);
    }
    return h;
}

void or_http_post(const or_http_opts *o, const char *body, or_http_result *r)
{
    memset(r, 0, sizeof *r);
    r->retry_after_ms = -1;
    r->body = calloc(1, 1);
    sink s = {r, 1, o->max_body};
    char auth[1024];
    CURL *c = curl_easy_init();
    if (!c || !r->body) {
        snprintf(r->error, sizeof r->error, "cannot initialise libcurl");
        curl_easy_cleanup(c);
        return;
    }
    struct curl_slist *h = headers_for(o, auth, sizeof auth);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, o->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (o->stop) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)o);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(c, CURLOPT_USERAGENT, "perpd-planner-openrouter/1.0");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    double t0 = mono_ms();
    CURLcode rc = curl_easy_perform(c);
    r->latency_ms = mono_ms() - t0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && r->too_large)) {
        r->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        snprintf(r->error, sizeof r->error, "%s",
                 rc == CURLE_ABORTED_BY_CALLBACK ? "stopped"
                 : errbuf[0]                     ? errbuf
                                                 : curl_easy_strerror(rc));
    }
    curl_slist_free_all(h);
    /* The key must not linger in freed stack memory either. */
    explicit_bzero(auth, sizeof auth);
    curl_easy_cleanup(c);
}

void or_http_result_free(or_http_result *r)
{
    free(r->body);
    r->body = NULL;
}
