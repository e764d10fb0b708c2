/*
 * dashboard.c — service plugin "dashboard": a read-only JSON API and the
 * web UI (webui/) over the PostgreSQL database that sink-postgres writes,
 * served by libmicrohttpd. It runs inside an agent (`services:` of a
 * pipeline) or alone (`perpd serve config/dashboard.yaml`). It only ever
 * reads: every statement runs in a read-only transaction on its own
 * connections (db_pool.h). Listens on 127.0.0.1:8000 by default; an
 * address that is not loopback is refused unless allow_remote is true.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dash.h"

static const perp_config_key dash_config[] = {
    PERP_CFG_STR("bind", "127.0.0.1",
                 "address to listen on (IPv4 or IPv6); one that is not "
                 "loopback needs allow_remote: true"),
    PERP_CFG_INT("port", "8000", 0, 65535,
                 "TCP port; 0 takes any free port (the log says which)"),
    PERP_CFG_BOOLEAN("allow_remote", "false",
                     "listen on an address other machines can reach (the "
                     "dashboard has no login: put it behind one)"),
    PERP_CFG_FILE("webui", "webui",
                  "folder of the web UI's files (relative default: the "
                  "data folder's webui/)"),
    {.name = "url",
     .type = PERP_CFG_STRING,
     .flags = PERP_CFG_SECRET | PERP_CFG_REQUIRED,
     .description = "PostgreSQL URL of the database sink-postgres writes, "
                    "from the environment: \"${DATABASE_URL}\""},
    PERP_CFG_INT("pool", "4", 1, 64, "database connections kept open"),
    PERP_CFG_INT(
        "threads", "4", 1, 64,
        "HTTP threads, each with its own epoll set (a slow query holds one)"),
    PERP_CFG_DUR("refresh", "1s", 100, 60000,
                 "how often new commits are looked for (answers are cached "
                 "until a version's data changes)"),
    PERP_CFG_DUR("statement_timeout", "5s", 100, 60000,
                 "longest a query may run before the request gets 503"),
    PERP_CFG_LAST};

static int is_loopback(const char *bind)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcmp(bind, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, bind, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, bind, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return -1; /* not an address */
}

static perp_status read_config(const perp_host *h, const perp_config_node *n,
                               dash_cfg *c)
{
    if (h->cfg_str(h, n, "bind", "127.0.0.1", &c->bind) != PERP_OK ||
        h->cfg_int(h, n, "port", 8000, &c->port) != PERP_OK ||
        h->cfg_bool(h, n, "allow_remote", 0, &c->allow_remote) != PERP_OK ||
        h->cfg_str(h, n, "webui", "webui", &c->webui) != PERP_OK ||
        h->cfg_str(h, n, "url", NULL, &c->url) != PERP_OK ||
        h->cfg_int(h, n, "pool", 4, &c->pool) != PERP_OK ||
        h->cfg_int(h, n, "threads", 4, &c->threads) != PERP_OK ||
        h->cfg_duration_ms(h, n, "refresh", 1000, &c->refresh_ms) != PERP_OK ||
        h->cfg_duration_ms(h, n, "statement_timeout", 5000,
                           &c->statement_timeout_ms) != PERP_OK)
        return PERP_EINVAL;
    int lo = is_loopback(c->bind);
    if (lo < 0)
        return h->cfg_error(h, h->cfg_child(n, "bind"),
                            "bind: expected an IP address such as 127.0.0.1 "
                            "or ::1, found '%.60s'",
                            c->bind);
    if (!lo && !c->allow_remote)
        return h->cfg_error(h, h->cfg_child(n, "bind"),
                            "bind: %.60s is reachable from other machines "
                            "and the dashboard has no login; set "
                            "allow_remote: true to listen there anyway",
                            c->bind);
    if (!c->url)
        return h->cfg_error(h, n, "url: required (\"${DATABASE_URL}\")");
    return PERP_OK;
}

static void dash_destroy(void *self)
{
    dash *d = self;
    if (!d)
        return;
    http_server_stop(d);
    db_versions_destroy(&d->versions);
    db_pool_free(d->pool);
    resp_cache_free(d->cache);
    free(d);
}

static perp_status dash_create(const perp_host *h, const perp_config_node *cfg,
                               void **self)
{
    dash_cfg c;
    memset(&c, 0, sizeof c);
    perp_status rc = read_config(h, cfg, &c);
    if (rc != PERP_OK)
        return rc;
    dash *d = calloc(1, sizeof *d);
    if (!d)
        return PERP_ENOMEM;
    d->host = h;
    d->cfg = c;
    struct stat st;
    if (!realpath(c.webui, d->webui_real) || stat(d->webui_real, &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
        int e = errno;
        free(d);
        return h->cfg_error(
            h, h->cfg_child(cfg, "webui") ? h->cfg_child(cfg, "webui") : cfg,
            "webui: %s: %s", c.webui, e ? strerror(e) : "not a folder");
    }
    d->pool = db_pool_new(h, c.url, (int)c.pool, c.statement_timeout_ms);
    d->cache = resp_cache_new();
    if (!d->pool || !d->cache) {
        db_pool_free(d->pool);
        resp_cache_free(d->cache);
        free(d);
        return PERP_ENOMEM;
    }
    db_versions_init(&d->versions, d->pool, c.refresh_ms);
    *self = d;
    return PERP_OK;
}

static perp_status dash_start(void *self)
{
    dash *d = self;
    return http_server_start(d) == 0 ? PERP_OK : PERP_ERR;
}

static perp_status dash_stop(void *self)
{
    http_server_stop(self);
    return PERP_OK;
}

static const perp_service_vtable dash_vt = {
    .struct_size = sizeof dash_vt,
    .create = dash_create,
    .destroy = dash_destroy,
    .start = dash_start,
    .stop = dash_stop,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_SERVICE, "dashboard", "1.0.0",
                        "read-only JSON API and web UI over the PostgreSQL "
                        "records (libmicrohttpd)",
                        dash_vt, dash_config)
