/*
 * http_server.c — the libmicrohttpd daemon: epoll with a pool of
 * `threads` threads, each with its own epoll set; every request goes to
 * the API (/api/..., /metrics) or the web UI's files. Only GET and HEAD
 * are answered (405 otherwise; HEAD gets the headers alone).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dash.h"
#include "http_reply.h"
#include "http_static.h"

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    (void)upload_size;
    (void)con_cls;
    dash *d = cls;
    d->requests++;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply_method_not_allowed(c);
    if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0 ||
        strcmp(url, "/metrics") == 0)
        return api_answer(d, c, url);
    return static_serve(d->webui_real, c, url);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    dash *d = cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    d->host->log(d->host, PERP_LOG_WARN, "http: %s", line);
}

/* The listening address of cfg.bind and cfg.port; 0 or -1. */
static int address(const dash *d, struct sockaddr_storage *ss, int *v6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    const char *b =
        strcmp(d->cfg.bind, "localhost") == 0 ? "127.0.0.1" : d->cfg.bind;
    if (inet_pton(AF_INET, b, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)d->cfg.port);
        *v6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, b, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)d->cfg.port);
        *v6 = 1;
        return 0;
    }
    return -1;
}

int http_server_start(dash *d)
{
    struct sockaddr_storage ss;
    int v6 = 0;
    if (address(d, &ss, &v6) != 0)
        return -1; /* checked at create */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (v6)
        flags |= MHD_USE_IPv6;
    d->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, d, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, d,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)d->cfg.threads,
        MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!d->mhd) {
        d->host->log(d->host, PERP_LOG_ERROR,
                     "cannot listen on %s port %lld (in use, or not an "
                     "address of this machine)",
                     d->cfg.bind, (long long)d->cfg.port);
        return -1;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info ? info->port : (uint16_t)d->cfg.port;
    d->host->log(d->host, PERP_LOG_INFO,
                 "listening on http://%s%s%s:%u/ (web UI from %s)",
                 v6 ? "[" : "", d->cfg.bind, v6 ? "]" : "", d->port,
                 d->webui_real);
    return 0;
}

void http_server_stop(dash *d)
{
    if (d->mhd)
        MHD_stop_daemon(d->mhd);
    d->mhd = NULL;
}
