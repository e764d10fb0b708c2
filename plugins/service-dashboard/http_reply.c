/*
 * http_reply.c — see http_reply.h.
 */
#include "http_reply.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void reply_headers(struct MHD_Response *r, const char *content_type)
{
    if (content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    /* the page's scripts, styles, images and fetches: this origin only */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; "
                            "style-src 'self' 'unsafe-inline'; "
                            "frame-ancestors 'none'; base-uri 'none'; "
                            "form-action 'none'");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
}

void http_date(int64_t ms, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* A strong ETag: FNV-1a 64 of the body. */
static void etag_of(const char *body, size_t len, char *out)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)body[i]) * 1099511628211ULL;
    snprintf(out, 48, "\"%016llx-%zx\"", (unsigned long long)h, len);
}

struct MHD_Response *reply_make(char *body, size_t len,
                                const char *content_type,
                                int64_t last_modified_ms, char *etag_out)
{
    char etag[48];
    etag_of(body, len, etag);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return NULL;
    }
    reply_headers(r, content_type);
    if (etag_out) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        memcpy(etag_out, etag, sizeof etag);
    }
    if (last_modified_ms > 0) {
        char date[64];
        http_date(last_modified_ms, date, sizeof date);
        MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
    }
    return r;
}

enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
                            const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{s:s}", "error", msg);
    char *body = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (!body)
        return MHD_NO;
    struct MHD_Response *r = reply_make(body, strlen(body), CT_JSON, 0, NULL);
    if (!r)
        return MHD_NO;
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result reply_not_modified(struct MHD_Connection *c, const char *etag)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    reply_headers(r, NULL);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result reply_method_not_allowed(struct MHD_Connection *c)
{
    return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                       "method not allowed: the dashboard is read-only "
                       "(GET and HEAD)");
}
