/*
 * db_versions.c — see db_versions.h.
 */
#include "db_versions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_sql.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void db_versions_init(db_versions *vs, db_pool *pool, int64_t refresh_ms)
{
    memset(vs, 0, sizeof *vs);
    vs->pool = pool;
    vs->refresh_ms = refresh_ms;
    pthread_mutex_init(&vs->mu, NULL);
}

void db_versions_destroy(db_versions *vs)
{
    free(vs->v);
    pthread_mutex_destroy(&vs->mu);
}

typedef struct read_state {
    dash_version *v;
    size_t n;
    uint64_t gen;
} read_state;

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static void take_rows(void *ud, const PGresult *r)
{
    read_state *s = ud;
    int n = PQntuples(r);
    s->v = calloc(n > 0 ? (size_t)n : 1, sizeof *s->v);
    if (!s->v)
        return;
    s->gen = 1469598103934665603ULL;
    for (int i = 0; i < n; i++) {
        dash_version *d = &s->v[s->n++];
        d->id = atoi(PQgetvalue(r, i, 0));
        snprintf(d->tag, sizeof d->tag, "%s", PQgetvalue(r, i, 1));
        d->last_seq = strtoll(PQgetvalue(r, i, 2), NULL, 10);
        d->last_seen_ms = strtoll(PQgetvalue(r, i, 3), NULL, 10);
        s->gen = mix(mix(mix(s->gen, (uint64_t)d->id), (uint64_t)d->last_seq),
                     (uint64_t)d->last_seen_ms);
    }
    s->gen = mix(s->gen, (uint64_t)n);
}

/* Reads agent_versions when due (or when forced); one reader at a time,
 * the others keep the previous state meanwhile. */
static void refresh(db_versions *vs, int force)
{
    pthread_mutex_lock(&vs->mu);
    int64_t now = mono_ms();
    /* forced (an unknown tag) at most every 100 ms: a client asking for
     * made-up tags does not turn into one query each */
    int64_t age = now - vs->refreshed_ms;
    int due = !vs->refreshed_ms || age >= vs->refresh_ms ||
              ((force || !vs->ok) && age >= 100);
    if (!due || vs->refreshing) {
        pthread_mutex_unlock(&vs->mu);
        return;
    }
    vs->refreshing = 1;
    pthread_mutex_unlock(&vs->mu);

    read_state s = {NULL, 0, 0};
    db_status st =
        db_pool_rows(vs->pool, SQL_VERSION_STATE, 0, NULL, take_rows, &s);

    pthread_mutex_lock(&vs->mu);
    vs->refreshing = 0;
    vs->refreshed_ms = mono_ms();
    vs->ok = st == DB_OK && s.v;
    if (vs->ok) {
        free(vs->v);
        vs->v = s.v;
        vs->n = s.n;
        vs->gen = s.gen;
    } else {
        free(s.v);
    }
    pthread_mutex_unlock(&vs->mu);
}

static dv_status lookup(db_versions *vs, const char *tag, dash_version *out)
{
    pthread_mutex_lock(&vs->mu);
    dv_status st = vs->ok ? DV_UNKNOWN : DV_DOWN;
    for (size_t i = 0; vs->ok && i < vs->n; i++) {
        if (!tag || strcmp(vs->v[i].tag, tag) == 0) {
            *out = vs->v[i];
            st = DV_FOUND;
            break;
        }
    }
    pthread_mutex_unlock(&vs->mu);
    return st;
}

dv_status db_versions_find(db_versions *vs, const char *tag, dash_version *out)
{
    refresh(vs, 0);
    dv_status st = lookup(vs, tag, out);
    if (st == DV_UNKNOWN) { /* a version that started a moment ago */
        refresh(vs, 1);
        st = lookup(vs, tag, out);
    }
    return st;
}

dv_status db_versions_all(db_versions *vs, uint64_t *gen, int64_t *last_seen_ms)
{
    refresh(vs, 0);
    pthread_mutex_lock(&vs->mu);
    dv_status st = vs->ok ? DV_FOUND : DV_DOWN;
    *gen = vs->gen;
    *last_seen_ms = 0;
    for (size_t i = 0; i < vs->n; i++)
        if (vs->v[i].last_seen_ms > *last_seen_ms)
            *last_seen_ms = vs->v[i].last_seen_ms;
    pthread_mutex_unlock(&vs->mu);
    return st;
}
