/*
 * or_store.c — sha256 request hashes (OpenSSL EVP) and the JSONL
 * record/replay file. A request repeated in one run (same body) gets its
 * recorded answers in order, so a replay reproduces the run exactly.
 */
#include "or_store.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/file.h>
#include <perp/quote.h>

void or_hash(const char *body, char out[OR_HASH_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(body, strlen(body), md, &n, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}

typedef struct entry {
    char hash[OR_HASH_HEX];
    char *response;
    int used;
} entry;

struct or_store {
    entry *e;
    size_t n, cap;
};

static int add(or_store *s, const char *hash, const char *response)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        entry *p = realloc(s->e, nc * sizeof *p);
        if (!p)
            return -1;
        s->e = p;
        s->cap = nc;
    }
    entry *e = &s->e[s->n];
    snprintf(e->hash, sizeof e->hash, "%s", hash);
    e->response = strdup(response);
    e->used = 0;
    if (!e->response)
        return -1;
    s->n++;
    return 0;
}

static int load_line(or_store *s, const char *line, size_t len)
{
    json_t *o = json_loadb(line, len, 0, NULL);
    const json_t *h = json_object_get(o, "request_hash");
    const json_t *r = json_object_get(o, "response");
    int rc = -1;
    if (json_is_string(h) && json_is_string(r) &&
        strlen(json_string_value(h)) == OR_HASH_HEX - 1)
        rc = add(s, json_string_value(h), json_string_value(r));
    json_decref(o);
    return rc;
}

/* A line holds one response of at most max_response_bytes (8 MiB by
 * default), JSON-escaped: four times that is no cassette line. */
#define STORE_LINE_MAX (64u * 1024u * 1024u)

or_store *or_store_load(const char *path, char *err, size_t err_len)
{
    char why[512], shown[PERP_QUOTE_LEN];
    FILE *f = perp_file_fopen(path, why, sizeof why);
    if (!f) {
        snprintf(err, err_len, "replay file %s", why);
        return NULL;
    }
    perp_shorten(path, shown, sizeof shown);
    or_store *s = calloc(1, sizeof *s);
    char *line = NULL;
    size_t cap = 0, len;
    int lineno = 0, st;
    while (s && (st = perp_file_getline(f, STORE_LINE_MAX, &line, &cap,
                                        &len)) != PERP_LINE_EOF) {
        lineno++;
        if (st == PERP_LINE_OK && len == 0)
            continue;
        if (st == PERP_LINE_TOO_LONG)
            snprintf(err, err_len, "%s:%d: line longer than %u bytes", shown,
                     lineno, STORE_LINE_MAX);
        else if (st == PERP_LINE_ERROR)
            snprintf(err, err_len, "%s:%d: read error: %s", shown, lineno,
                     strerror(errno));
        else if (load_line(s, line, len) != 0)
            snprintf(err, err_len,
                     "%s:%d: expected {\"request_hash\": sha256 hex, "
                     "\"response\": string}",
                     shown, lineno);
        else
            continue;
        or_store_free(s);
        s = NULL;
    }
    free(line);
    fclose(f);
    return s;
}

void or_store_free(or_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].response);
    free(s->e);
    free(s);
}

const char *or_store_find(or_store *s, const char *hash)
{
    entry *last = NULL;
    for (size_t i = 0; s && i < s->n; i++) {
        if (strcmp(s->e[i].hash, hash) != 0)
            continue;
        if (!s->e[i].used) {
            s->e[i].used = 1;
            return s->e[i].response;
        }
        last = &s->e[i];
    }
    return last ? last->response : NULL;
}

int or_store_append(const char *path, const char *hash, const char *response,
                    char *err, size_t err_len)
{
    json_t *o =
        json_pack("{s:s, s:s}", "request_hash", hash, "response", response);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!line) {
        snprintf(err, err_len, "record: response is not valid UTF-8 text");
        return -1;
    }
    char why[512];
    int fd = perp_file_open_append(path, why, sizeof why);
    FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
    int rc = -1;
    if (!f) {
        if (fd >= 0) {
            snprintf(why, sizeof why, "%s", strerror(errno));
            close(fd);
        }
        snprintf(err, err_len, "record file %s", why);
    } else {
        rc = fprintf(f, "%s\n", line) < 0 ? -1 : 0;
        if (fclose(f) != 0 || rc != 0) {
            char q[PERP_QUOTE_LEN];
            snprintf(err, err_len, "record file %s: write failed: %s",
                     perp_quote(path, q, sizeof q), strerror(errno));
            rc = -1;
        }
    }
    free(line);
    return rc;
}
