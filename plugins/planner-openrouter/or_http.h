/*
 * or_http.h — one POST to an OpenAI-compatible endpoint through libcurl.
 * Request headers (which carry the API key) are never logged or kept.
 */
#ifndef OR_HTTP_H
#define OR_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct or_http_opts {
    const char *url;
    const char *api_key; /* borrowed; sent only as the Bearer header */
    const char *title;   /* X-Title, or NULL */
    const char *referer; /* HTTP-Referer, or NULL */
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_body; /* bigger answers are cut and flagged */
    /* Polled during the transfer (about once a second when idle); non-zero
     * aborts it with error "stopped". NULL: never. */
    int (*stop)(void *ud);
    void *stop_ud;
} or_http_opts;

typedef struct or_http_result {
    long status; /* HTTP status, 0 when no response */
    char *body;  /* malloc'd, NUL-terminated, never NULL */
    size_t body_len;
    int too_large; /* body exceeded max_body and was cut */
    int timed_out;
    int64_t retry_after_ms; /* from Retry-After, -1 if absent */
    double latency_ms;
    char error[256]; /* transport error, "" if none */
} or_http_result;

/* Always fills *r (free with or_http_result_free). */
void or_http_post(const or_http_opts *o, const char *body, or_http_result *r);
void or_http_result_free(or_http_result *r);

#endif
