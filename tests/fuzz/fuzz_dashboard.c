/*
 * fuzz_dashboard.c — libFuzzer target for the dashboard's HTTP surface
 * (service-dashboard): libmicrohttpd parses the request, then the
 * plugin's own code routes the path, reads and checks the query
 * parameters (api_params.c: times, ranges, pages, ids, symbols, repeated
 * and unknown names), resolves web UI paths (http_static.c: traversal,
 * encodings, symlinks, types) and answers, with no database behind it
 * (a URL to a socket folder that does not exist: every API answer that
 * gets past its parameters is a 503).
 *
 * The plugin is created and started once, through its vtable, on
 * 127.0.0.1 and a free port. Each input is one request on a new
 * connection: by default its first line is the request target of a GET
 * (the rest, header lines); an input starting with "RAW\n" is sent as it
 * is, then the connection is half-closed.
 *
 * Oracles: every answer is an HTTP status line; the database password,
 * the file outside the web folder (reachable only through a symlink) and
 * hidden files never appear in an answer; an API error answer is JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dash.h"
#include "log.h"
#include "plugin_instance.h"
#include "plugin_services.h"

/* Whether the input makes a whole request that must be answered: a GET
 * built here (not RAW) whose target and header lines hold no control
 * bytes and no blank line (which would end the header early and leave
 * the rest as a second, unfinished request) and announce no body. A
 * client that half-closes before finishing its request may get no answer
 * at all: libmicrohttpd 0.9.75 sometimes misses that end of stream and
 * keeps the connection until its 30 s timeout (bounded by the dashboard's
 * connection limit), which is not a fault of the dashboard; a whole
 * request left unanswered is. */
static int whole_request(const uint8_t *data, size_t size)
{
    if (size >= 4 && memcmp(data, "RAW\n", 4) == 0)
        return 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') {
            if (i == 0 || i + 1 == size || data[i + 1] == '\n')
                return 0;
            const char *h = (const char *)data + i + 1;
            size_t left = size - i - 1;
            if ((left >= 15 && strncasecmp(h, "content-length:", 15) == 0) ||
                (left >= 18 && strncasecmp(h, "transfer-encoding:", 18) == 0) ||
                (left >= 7 && strncasecmp(h, "expect:", 7) == 0))
                return 0;
        } else if (data[i] < 0x20 || data[i] == 0x7f) {
            return 0;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
const perp_plugin_descriptor *perp_plugin_entry(void);

#define PASSWORD "pw-FUZZ-dash-5b1e"
#define OUTSIDE  "OUTSIDE-the-web-folder-9d2c"
#define HIDDEN   "HIDDEN-dotfile-41aa"

static uint16_t port;

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static char dir[] = "/tmp/perpd-fuzz-dash-XXXXXX";

/* The folder made at start, removed at exit (the daemon serves nothing
 * after the last input). */
static void clean_up(void)
{
    static const char *const names[] = {
        "webui/index.html", "webui/app.js", "webui/style.css", "webui/.env",
        "webui/escape.txt", "webui",        "outside.txt"};
    char path[700];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    host_log_set_level((perp_log_level)(PERP_LOG_ERROR + 1));
    if (!mkdtemp(dir))
        abort();
    atexit(clean_up);
    char web[600], link[700], target[700];
    snprintf(web, sizeof web, "%s/webui", dir);
    mkdir(web, 0755);
    write_file(web, "index.html", "<!doctype html><title>t</title>");
    write_file(web, "app.js", "export const x = 1;\n");
    write_file(web, "style.css", "body{}\n");
    write_file(web, ".env", HIDDEN "\n");
    write_file(dir, "outside.txt", OUTSIDE "\n");
    snprintf(link, sizeof link, "%s/escape.txt", web);
    snprintf(target, sizeof target, "%s/outside.txt", dir);
    if (symlink(target, link) != 0)
        abort();
    setenv("FUZZ_DASH_URL",
           "postgresql://perp:" PASSWORD
           "@/perpd?host=/nonexistent-perpd-fuzz&connect_timeout=1",
           1);
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "plugin: dashboard\nport: 0\nthreads: 1\nwebui: %s\n"
             "url: \"${FUZZ_DASH_URL}\"\nrefresh: 100ms\n",
             web);
    char err[256];
    /* Kept for the process's life (static, so no leak is reported). */
    static host_context ctx;
    static host_config *cfg;
    static perp_host *h;
    static void *self;
    cfg = host_config_parse(yaml, "dash.yaml", err, sizeof err);
    h = host_services_new(&ctx, "dashboard");
    const perp_plugin_descriptor *desc = perp_plugin_entry();
    if (!cfg || !h ||
        host_plugin_create(desc, h, host_config_root(cfg), &self) != PERP_OK)
        abort();
    const perp_service_vtable *vt = desc->vtable;
    if (vt->start(self) != PERP_OK)
        abort();
    port = ((dash *)self)->port;
    /* The daemon serves until the process ends. */
    return 0;
}

/* A new connection to the dashboard. libFuzzer's own timer (SIGALRM,
 * for -timeout) can interrupt connect (EINTR): a campaign's run ended
 * there once after 1.6 million inputs, and the next run said so 5 times.
 * A failed connect is said with its reason and tried again for 5 s; a
 * listener gone for good still ends the run. */
static int connect_local(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int tries = 0; tries < 50; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        fprintf(stderr, "fuzz_dashboard: connect to 127.0.0.1:%d: %s\n",
                (int)port, strerror(errno));
        close(fd);
        usleep(100000);
    }
    abort(); /* no connection to the dashboard for 5 s */
}

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the server may close early: that is an answer */
        c += w;
        n -= (size_t)w;
    }
}

/* The request as sent: raw, or a GET of the input's first line. */
static char *request_of(const uint8_t *data, size_t size, size_t *len)
{
    if (size >= 4 && memcmp(data, "RAW\n", 4) == 0) {
        char *r = malloc(size - 4 + 1);
        memcpy(r, data + 4, size - 4);
        *len = size - 4;
        return r;
    }
    const uint8_t *nl = memchr(data, '\n', size);
    size_t tlen = nl ? (size_t)(nl - data) : size;
    size_t hlen = nl ? size - tlen - 1 : 0;
    char *r = malloc(tlen + hlen + 64);
    size_t n = 0;
    memcpy(r + n, "GET ", 4);
    n += 4;
    memcpy(r + n, data, tlen);
    n += tlen;
    memcpy(r + n, " HTTP/1.1\r\nHost: x\r\n", 20);
    n += 20;
    if (hlen) {
        memcpy(r + n, nl + 1, hlen);
        n += hlen;
        memcpy(r + n, "\r\n", 2);
        n += 2;
    }
    memcpy(r + n, "Connection: close\r\n\r\n", 21);
    n += 21;
    *len = n;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    size_t len;
    char *req = request_of(data, size, &len);
    int fd = connect_local();
    send_all(fd, req, len);
    shutdown(fd, SHUT_WR);
    int whole = whole_request(data, size);

    size_t cap = 1 << 16, got = 0;
    char *ans = malloc(cap + 1);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, whole ? 2000 : 100);
        if (ready < 0 && errno == EINTR)
            continue; /* libFuzzer's timer (SIGALRM) */
        if (ready == 0 && !whole)
            break; /* see complete_request */
        if (ready <= 0)
            abort(); /* a whole request, no answer nor close within 2 s */
        if (got == cap) {
            cap *= 2;
            ans = realloc(ans, cap + 1);
        }
        ssize_t r = recv(fd, ans + got, cap - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    free(req);
    ans[got] = '\0';
    /* Unless the request spelled them out itself (an error may quote a
     * parameter's value). */
    int planted = memmem(data, size, "FUZZ-dash", 9) ||
                  memmem(data, size, "OUTSIDE-", 8) ||
                  memmem(data, size, "HIDDEN-", 7);
    if (got > 0) {
        if (strncmp(ans, "HTTP/1.", 7) != 0)
            abort(); /* something other than an HTTP answer */
        if (planted)
            ;
        else if (memmem(ans, got, PASSWORD, strlen(PASSWORD)) ||
                 memmem(ans, got, OUTSIDE, strlen(OUTSIDE)) ||
                 memmem(ans, got, HIDDEN, strlen(HIDDEN)))
            abort(); /* a secret or a file it must not serve */
    }
    free(ans);
    return 0;
}
