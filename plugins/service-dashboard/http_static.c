/*
 * http_static.c — see http_static.h.
 */
#include "http_static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_reply.h"
#include "resp_cache.h"

#define URL_MAX 256

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

static int plain_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

int static_path_ok(const char *url)
{
    size_t n = strlen(url);
    if (n == 0 || n > URL_MAX || url[0] != '/')
        return 0;
    if (n == 1)
        return 1;
    /* segments: non-empty, plain characters, not starting with '.' */
    for (const char *p = url + 1; *p;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || p[0] == '.')
            return 0;
        for (size_t i = 0; i < len; i++)
            if (!plain_char(p[i]))
                return 0;
        if (!end)
            break;
        p = end + 1;
        if (!*p)
            return 0; /* a trailing slash: no folder listings */
    }
    return 1;
}

/* webui/ also holds what the build and tests use (package.json, the
 * npm packages, test/): of those only lightweight-charts' build is the
 * page's. */
#define LWC_DIR "/node_modules/lightweight-charts/dist/"

static int served_part(const char *url)
{
    if (strncmp(url, LWC_DIR, strlen(LWC_DIR)) == 0)
        return 1;
    return strncmp(url, "/node_modules/", 14) != 0 &&
           strncmp(url, "/test/", 6) != 0 &&
           strcmp(url, "/package.json") != 0 &&
           strcmp(url, "/package-lock.json") != 0;
}

static enum MHD_Result not_found(struct MHD_Connection *c)
{
    return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

enum MHD_Result static_serve(const char *root, struct MHD_Connection *c,
                             const char *url)
{
    if (!static_path_ok(url) || !served_part(url))
        return not_found(c);
    const char *rel = strcmp(url, "/") == 0 ? "/index.html" : url;
    const char *type = type_of(rel);
    if (!type)
        return not_found(c);
    char path[PATH_MAX], real[PATH_MAX];
    size_t rootlen = strlen(root);
    if (snprintf(path, sizeof path, "%s%s", root, rel) >= (int)sizeof path ||
        !realpath(path, real) || strncmp(real, root, rootlen) != 0 ||
        real[rootlen] != '/')
        return not_found(c);
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0)
        return not_found(c);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return not_found(c);
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (long long)st.st_mtime,
             (long long)st.st_size);
    const char *inm = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (etag_matches(inm, etag)) {
        close(fd);
        return reply_not_modified(c, etag);
    }
    struct MHD_Response *r =
        MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    reply_headers(r, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    char date[64];
    http_date((int64_t)st.st_mtime * 1000, date, sizeof date);
    MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}
