/*
 * db_versions.h — what the dashboard knows of every agent version: id,
 * tag, the newest committed seq and when it was committed. Read from
 * agent_versions at most every `refresh_ms` (and at once when a tag is
 * asked that is not known yet). A version's last_seq is the generation of
 * everything the dashboard serves about it: a cached answer stays valid
 * while it has not moved (resp_cache.h).
 */
#ifndef DASH_DB_VERSIONS_H
#define DASH_DB_VERSIONS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "db_pool.h"

#define DASH_TAG_MAX 128

typedef struct dash_version {
    int id;
    char tag[DASH_TAG_MAX];
    int64_t last_seq;
    int64_t last_seen_ms; /* wall clock of the newest commit */
} dash_version;

typedef struct db_versions {
    db_pool *pool; /* borrowed */
    int64_t refresh_ms;
    pthread_mutex_t mu;
    dash_version *v; /* owned; newest last_seen first */
    size_t n;
    uint64_t gen;         /* changes when any version's state changes */
    int64_t refreshed_ms; /* monotonic time of the last read, 0: never */
    int refreshing;
    int ok; /* the last read worked */
} db_versions;

void db_versions_init(db_versions *vs, db_pool *pool, int64_t refresh_ms);
void db_versions_destroy(db_versions *vs);

typedef enum dv_status {
    DV_FOUND = 0,
    DV_UNKNOWN = 1, /* no version with that tag (or none at all) */
    DV_DOWN = 2     /* the database cannot be read */
} dv_status;

/* The version named tag, or the most recently active one for NULL. */
dv_status db_versions_find(db_versions *vs, const char *tag, dash_version *out);
/* The generation of the whole set (for answers about every version) and
 * the newest commit time of any; DV_DOWN when unreadable. */
dv_status db_versions_all(db_versions *vs, uint64_t *gen,
                          int64_t *last_seen_ms);

#endif
