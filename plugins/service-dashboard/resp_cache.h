/*
 * resp_cache.h — finished API answers kept in memory, keyed by the
 * request (path and normalised parameters) and valid while the
 * generation they were built at (a version's last committed seq, see
 * db_versions.h) is still current. A hit is queued without touching the
 * database; a conditional request whose If-None-Match holds the entry's
 * ETag gets 304. Fixed size: a new entry replaces the oldest in its set.
 */
#ifndef DASH_RESP_CACHE_H
#define DASH_RESP_CACHE_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

typedef struct resp_cache resp_cache;

resp_cache *resp_cache_new(void);
void resp_cache_free(resp_cache *c);

/* Queues the cached answer for key at generation gen on conn (304 when
 * if_none_match, which may be NULL, names its ETag). Returns 1 and sets
 * *ret to MHD_queue_response's result on a hit, 0 on a miss. */
int resp_cache_queue(resp_cache *c, const char *key, uint64_t gen,
                     struct MHD_Connection *conn, const char *if_none_match,
                     enum MHD_Result *ret);

/* Keeps r (the cache takes over the caller's reference) with its etag
 * (copied) for key at generation gen. */
void resp_cache_put(resp_cache *c, const char *key, uint64_t gen,
                    struct MHD_Response *r, const char *etag);

/* Counts, for /metrics. */
void resp_cache_counts(resp_cache *c, uint64_t *hits, uint64_t *misses);

/* 1 if header value v (an If-None-Match list) names etag, or is "*". */
int etag_matches(const char *v, const char *etag);

#endif
