/*
 * http_client.c — see http_client.h.
 */
#include "http_client.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t take(char *data, size_t size, size_t nmemb, void *ud)
{
    buf *b = ud;
    size_t add = size * nmemb;
    char *p = realloc(b->p, b->n + add + 1);
    if (!p)
        return 0;
    memcpy(p + b->n, data, add);
    b->p = p;
    b->n += add;
    p[b->n] = '\0';
    return add;
}

int http_request(const char *method, const char *url, const char *extra_header,
                 http_result *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    buf body = {NULL, 0}, hdr = {NULL, 0};
    struct curl_slist *h = NULL;
    if (extra_header)
        h = curl_slist_append(h, extra_header);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, take);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (h)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (method && strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (method && strcmp(method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (method && (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0))
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"x\":1}");
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    out->body = body.p ? body.p : strdup("");
    out->len = body.n;
    out->headers = hdr.p ? hdr.p : strdup("");
    return rc == CURLE_OK ? 0 : -1;
}

void http_result_free(http_result *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

char *http_header(const http_result *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *end = strstr(p, "\r\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            return strndup(v, len - (size_t)(v - p));
        }
        p = end ? end + 2 : p + len;
    }
    return NULL;
}
