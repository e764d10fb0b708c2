/*
 * Merging replay feeds by event time (host/market_feed_merge.h), driven by
 * scripted feeds instead of plugins.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "market_feed_merge.h"

typedef struct fake_feeds {
    const int64_t *ts[3]; /* each list ends with -1 */
    size_t pos[3];
    int fail_at_feed; /* -1: never */
} fake_feeds;

static int pull(void *ud, size_t feed, perp_event *ev)
{
    fake_feeds *f = ud;
    if ((int)feed == f->fail_at_feed)
        return PERP_ERR;
    int64_t t = f->ts[feed][f->pos[feed]];
    if (t < 0)
        return PERP_EOF;
    f->pos[feed]++;
    memset(ev, 0, sizeof *ev);
    ev->type = PERP_EV_CANDLE;
    ev->ts = t;
    ev->u.candle.volume = (double)feed; /* remember the source */
    return PERP_OK;
}

Test(feed_merge, interleaves_by_time_and_ties_go_to_the_first_feed)
{
    static const int64_t a[] = {10, 20, 30, -1};
    static const int64_t b[] = {5, 20, 25, 40, -1};
    fake_feeds f = {{a, b, NULL}, {0}, -1};
    host_feed_merge *m = host_feed_merge_new(2, pull, &f);
    cr_assert_not_null(m);
    const int64_t want_ts[] = {5, 10, 20, 20, 25, 30, 40};
    const size_t want_feed[] = {1, 0, 0, 1, 1, 0, 1};
    perp_event ev;
    size_t feed;
    for (size_t i = 0; i < 7; i++) {
        cr_assert_eq(host_feed_merge_next(m, &ev, &feed), PERP_OK);
        cr_assert_eq(ev.ts, want_ts[i], "event %zu", i);
        cr_assert_eq(feed, want_feed[i], "event %zu", i);
        cr_assert_eq((size_t)ev.u.candle.volume, want_feed[i]);
    }
    cr_assert_eq(host_feed_merge_next(m, &ev, &feed), PERP_EOF);
    cr_assert_eq(host_feed_merge_next(m, &ev, &feed), PERP_EOF);
    cr_assert_eq(host_feed_merge_disorder(m), 0);
    host_feed_merge_free(m);
}

Test(feed_merge, an_empty_feed_ends_at_once)
{
    static const int64_t a[] = {-1};
    static const int64_t b[] = {7, -1};
    fake_feeds f = {{a, b, NULL}, {0}, -1};
    host_feed_merge *m = host_feed_merge_new(2, pull, &f);
    perp_event ev;
    cr_assert_eq(host_feed_merge_next(m, &ev, NULL), PERP_OK);
    cr_assert_eq(ev.ts, 7);
    cr_assert_eq(host_feed_merge_next(m, &ev, NULL), PERP_EOF);
    host_feed_merge_free(m);
}

Test(feed_merge, a_feed_going_back_in_time_is_counted)
{
    static const int64_t a[] = {10, 3, -1};
    fake_feeds f = {{a, NULL, NULL}, {0}, -1};
    host_feed_merge *m = host_feed_merge_new(1, pull, &f);
    perp_event ev;
    cr_assert_eq(host_feed_merge_next(m, &ev, NULL), PERP_OK);
    cr_assert_eq(host_feed_merge_next(m, &ev, NULL), PERP_OK);
    cr_assert_eq(ev.ts, 3);
    cr_assert_eq(host_feed_merge_disorder(m), 1);
    host_feed_merge_free(m);
}

Test(feed_merge, a_pull_error_is_returned)
{
    static const int64_t a[] = {1, -1};
    fake_feeds f = {{a, a, NULL}, {0}, 1};
    host_feed_merge *m = host_feed_merge_new(2, pull, &f);
    perp_event ev;
    cr_assert_eq(host_feed_merge_next(m, &ev, NULL), PERP_ERR);
    host_feed_merge_free(m);
}

Test(feed_merge, no_feeds_is_the_end)
{
    fake_feeds f = {{NULL, NULL, NULL}, {0}, -1};
    host_feed_merge *m = host_feed_merge_new(0, pull, &f);
    perp_event ev;
    cr_assert_eq(host_feed_merge_next(m, &ev, NULL), PERP_EOF);
    host_feed_merge_free(m);
}
