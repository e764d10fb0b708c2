/*
 * hl_http.h — one JSON POST to Hyperliquid's /info or /exchange through
 * libcurl, with timeouts, a stop check, and the one fact an order needs
 * after a failure: could the request have reached the exchange?
 */
#ifndef HL_HTTP_H
#define HL_HTTP_H

#include <stddef.h>

typedef struct hl_http {
    const char *base_url; /* "https://api.hyperliquid-testnet.xyz"; borrowed */
    long connect_timeout_ms, timeout_ms;
    size_t max_body;
    int (*stop)(void *ud); /* non-zero aborts a transfer; NULL: never */
    void *stop_ud;
} hl_http;

typedef struct hl_http_result {
    long status; /* HTTP status, 0 when no response */
    char *body;  /* malloc'd, NUL-terminated, never NULL */
    size_t len;
    /* Transport failure after the request may have been sent (timeout,
     * reset, empty reply): the exchange may have acted on it. */
    int maybe_sent;
    char error[160]; /* transport error, "" if none */
} hl_http_result;

/* POSTs body to base_url + path. Always fills *r (free with
 * hl_http_result_free). 0 when an HTTP response arrived (any status). */
int hl_http_post(const hl_http *h, const char *path, const char *body,
                 hl_http_result *r);
void hl_http_result_free(hl_http_result *r);

#endif
