/*
 * http_client.h — one HTTP request with libcurl for tests of perpd's own
 * servers (the dashboard): status, body and the response headers as
 * written. --path-as-is, so "/../" reaches the server unchanged.
 */
#ifndef TESTS_HTTP_CLIENT_H
#define TESTS_HTTP_CLIENT_H

#include <stddef.h>

typedef struct http_result {
    long status;
    char *body; /* malloc'd, NUL-terminated */
    size_t len;
    char *headers; /* malloc'd: every header line of the response */
} http_result;

/* method NULL: GET. extra_header: one "Name: value" line or NULL.
 * Returns 0, or -1 when no HTTP answer came (connection refused...). */
int http_request(const char *method, const char *url, const char *extra_header,
                 http_result *out);
void http_result_free(http_result *r);

/* The value of response header name (case-insensitive), malloc'd, or
 * NULL. */
char *http_header(const http_result *r, const char *name);

#endif
