/*
 * resp_cache.c — see resp_cache.h. MHD responses are reference counted
 * and may be queued on many connections; the cache holds one reference
 * and queues under its lock, so an entry is never freed while queued.
 */
#include "resp_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_reply.h"

#define SETS 128
#define WAYS 4

typedef struct entry {
    char *key; /* owned; NULL: empty */
    uint64_t gen;
    uint64_t used; /* tick of the last hit or put */
    struct MHD_Response *r;
    char etag[48];
} entry;

struct resp_cache {
    pthread_mutex_t mu;
    entry e[SETS][WAYS];
    uint64_t tick, hits, misses;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

resp_cache *resp_cache_new(void)
{
    resp_cache *c = calloc(1, sizeof *c);
    if (c)
        pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void drop(entry *e)
{
    if (e->r)
        MHD_destroy_response(e->r);
    free(e->key);
    memset(e, 0, sizeof *e);
}

void resp_cache_free(resp_cache *c)
{
    if (!c)
        return;
    for (int s = 0; s < SETS; s++)
        for (int w = 0; w < WAYS; w++)
            drop(&c->e[s][w]);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int etag_matches(const char *v, const char *etag)
{
    if (!v || !etag || !*etag)
        return 0;
    size_t n = strlen(etag);
    for (const char *p = v; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, n) == 0 &&
            (p[n] == ',' || p[n] == ' ' || p[n] == '\0'))
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

int resp_cache_queue(resp_cache *c, const char *key, uint64_t gen,
                     struct MHD_Connection *conn, const char *if_none_match,
                     enum MHD_Result *ret)
{
    entry *set = c->e[fnv(key) % SETS];
    pthread_mutex_lock(&c->mu);
    for (int w = 0; w < WAYS; w++) {
        entry *e = &set[w];
        if (!e->key || e->gen != gen || strcmp(e->key, key) != 0)
            continue;
        e->used = ++c->tick;
        c->hits++;
        if (etag_matches(if_none_match, e->etag)) {
            char etag[48];
            memcpy(etag, e->etag, sizeof etag);
            pthread_mutex_unlock(&c->mu);
            *ret = reply_not_modified(conn, etag);
            return 1;
        }
        *ret = MHD_queue_response(conn, MHD_HTTP_OK, e->r);
        pthread_mutex_unlock(&c->mu);
        return 1;
    }
    c->misses++;
    pthread_mutex_unlock(&c->mu);
    return 0;
}

void resp_cache_put(resp_cache *c, const char *key, uint64_t gen,
                    struct MHD_Response *r, const char *etag)
{
    char *k = strdup(key);
    if (!k) {
        MHD_destroy_response(r);
        return;
    }
    entry *set = c->e[fnv(key) % SETS];
    pthread_mutex_lock(&c->mu);
    entry *victim = &set[0];
    for (int w = 0; w < WAYS; w++) {
        entry *e = &set[w];
        if (e->key && strcmp(e->key, key) == 0) {
            victim = e; /* an older generation of the same answer */
            break;
        }
        if (!e->key || e->used < victim->used)
            victim = e;
    }
    drop(victim);
    victim->key = k;
    victim->gen = gen;
    victim->r = r;
    victim->used = ++c->tick;
    snprintf(victim->etag, sizeof victim->etag, "%s", etag);
    pthread_mutex_unlock(&c->mu);
}

void resp_cache_counts(resp_cache *c, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->mu);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->mu);
}
