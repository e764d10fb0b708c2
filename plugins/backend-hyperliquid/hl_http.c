/*
 * hl_http.c — see hl_http.h. Bodies are never logged: an /exchange body
 * carries a signature, which is harmless, but nothing here needs it.
 */
#include "hl_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sink {
    hl_http_result *r;
    size_t cap, max;
    int too_large;
} sink;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t len = size * n;
    if (s->r->len + len > s->max) {
        s->too_large = 1;
        return 0;
    }
    if (s->r->len + len + 1 > s->cap) {
        size_t cap = s->cap < 4096 ? 4096 : s->cap;
        while (cap < s->r->len + len + 1)
            cap *= 2;
        char *p = realloc(s->r->body, cap);
        if (!p)
            return 0;
        s->r->body = p;
        s->cap = cap;
    }
    memcpy(s->r->body + s->r->len, data, len);
    s->r->len += len;
    s->r->body[s->r->len] = '\0';
    return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
    const hl_http *h = ud;
    (void)dt, (void)dn, (void)ut, (void)un;
    return h->stop(h->stop_ud);
}

/* Failures where the request cannot have left: nothing to resolve. */
static int surely_unsent(CURLcode rc)
{
    return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
           rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ||
           rc == CURLE_SSL_CONNECT_ERROR ||
           rc == CURLE_PEER_FAILED_VERIFICATION;
}

int hl_http_post(const hl_http *h, const char *path, const char *body,
                 hl_http_result *r)
{
    memset(r, 0, sizeof *r);
    r->body = calloc(1, 1);
    sink s = {r, 1, h->max_body, 0};
    char url[1024], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(url, sizeof url, "%s%s", h->base_url, path);
    CURL *c = curl_easy_init();
    if (!c || !r->body) {
        snprintf(r->error, sizeof r->error, "cannot initialise libcurl");
        curl_easy_cleanup(c);
        return -1;
    }
    struct curl_slist *hd =
        curl_slist_append(NULL, "Content-Type: application/json");
    hd = curl_slist_append(hd, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "perpd-hyperliquid/1.0");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (h->stop) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)h);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc != CURLE_OK) {
        r->maybe_sent = !surely_unsent(rc);
        snprintf(r->error, sizeof r->error, "%.150s",
                 s.too_large                       ? "answer too large"
                 : rc == CURLE_ABORTED_BY_CALLBACK ? "stopped"
                 : errbuf[0]                       ? errbuf
                                                   : curl_easy_strerror(rc));
        r->status = 0;
    }
    curl_slist_free_all(hd);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

void hl_http_result_free(hl_http_result *r)
{
    free(r->body);
    r->body = NULL;
}
