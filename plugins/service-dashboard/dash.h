/*
 * dash.h — one dashboard instance: its configuration, the HTTP daemon,
 * the connection pool, what it knows of the versions and its answer
 * cache. Created by dashboard.c (the plugin), served by http_server.c,
 * answered by api_routes.c.
 */
#ifndef DASH_H
#define DASH_H

#include <limits.h>
#include <microhttpd.h>
#include <perp/sdk.h>
#include <stdatomic.h>
#include <stdint.h>

#include "db_pool.h"
#include "db_versions.h"
#include "resp_cache.h"

typedef struct dash_cfg {
    const char *bind; /* borrowed from the config tree */
    int64_t port;     /* 0: any free port (logged) */
    int allow_remote;
    const char *webui; /* the resolved folder */
    const char *url;   /* secret: never logged nor answered */
    int64_t pool, threads, refresh_ms, statement_timeout_ms;
} dash_cfg;

typedef struct dash {
    const perp_host *host; /* borrowed */
    dash_cfg cfg;
    char webui_real[PATH_MAX];
    struct MHD_Daemon *mhd; /* owned while started */
    uint16_t port;          /* the bound port */
    db_pool *pool;          /* owned */
    db_versions versions;
    resp_cache *cache; /* owned */
    atomic_ullong requests;
} dash;

/* The API: answers url (under /api/, or /metrics) on c. */
enum MHD_Result api_answer(dash *d, struct MHD_Connection *c, const char *url);

/* /metrics in Prometheus text format. */
enum MHD_Result prom_answer(dash *d, struct MHD_Connection *c);

/* The daemon (http_server.c): 0, or -1 after logging why. */
int http_server_start(dash *d);
void http_server_stop(dash *d);

/* The OpenAPI document (openapi_doc.c): the bytes of openapi.json. */
extern const char dash_openapi_json[];
extern const unsigned dash_openapi_json_len;

#endif
