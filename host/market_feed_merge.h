/*
 * market_feed_merge.h — merges replay feeds by event time. One pending event is
 * kept per feed; the smallest timestamp goes first and ties go to the
 * feed listed first, so a replay is deterministic. Pure: events come from
 * a pull callback, so tests drive it without plugins.
 */
#ifndef HOST_MARKET_FEED_MERGE_H
#define HOST_MARKET_FEED_MERGE_H

#include <stddef.h>
#include <perp/sdk.h>

/* Pulls feed i's next event: PERP_OK, PERP_EOF, or an error (< 0). */
typedef int (*host_merge_pull_fn)(void *ud, size_t feed, perp_event *ev);

typedef struct host_feed_merge host_feed_merge;

/* NULL on allocation failure. ud is borrowed. */
host_feed_merge *host_feed_merge_new(size_t n_feeds, host_merge_pull_fn pull,
                                     void *ud);
void host_feed_merge_free(host_feed_merge *m);

/* PERP_OK with the earliest pending event in *ev and its feed in *feed;
 * PERP_EOF once every feed has ended; a pull error is returned as is. A
 * feed whose events go back in time is not reordered: its event is still
 * delivered, and counted in host_feed_merge_disorder. */
int host_feed_merge_next(host_feed_merge *m, perp_event *ev, size_t *feed);
uint64_t host_feed_merge_disorder(const host_feed_merge *m);

#endif
