/*
 * http_reply.h — building and queueing the dashboard's answers, each with
 * the same safety headers: an exact Content-Type, X-Content-Type-Options:
 * nosniff, no framing, no referrer, a same-origin content policy, and
 * Cache-Control: no-cache (clients revalidate with the ETag).
 */
#ifndef DASH_HTTP_REPLY_H
#define DASH_HTTP_REPLY_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#define CT_JSON "application/json; charset=utf-8"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"

/* The headers every answer carries; content_type may be NULL (304). */
void reply_headers(struct MHD_Response *r, const char *content_type);

/* A response holding body (taken: freed by MHD), with the headers, an
 * ETag computed from the body into etag_out (48 bytes) when it is not
 * NULL, and Last-Modified when last_modified_ms > 0. NULL on ENOMEM. */
struct MHD_Response *reply_make(char *body, size_t len,
                                const char *content_type,
                                int64_t last_modified_ms, char *etag_out);

/* {"error": msg} with status; msg is escaped, never SQL. */
enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
                            const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum MHD_Result reply_not_modified(struct MHD_Connection *c, const char *etag);
/* 405 with Allow: GET, HEAD */
enum MHD_Result reply_method_not_allowed(struct MHD_Connection *c);

/* "Sun, 06 Nov 1994 08:49:37 GMT" into out (40 bytes). */
void http_date(int64_t ms, char *out, size_t len);

#endif
