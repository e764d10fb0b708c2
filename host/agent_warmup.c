/*
 * agent_warmup.c — the live start's warm-up: recent closed candles for
 * every market, asked of the pipeline's first feed that can backfill
 * (ABI 1.2), so indicators are defined from the first cycle. The counts
 * per timeframe come from the indicators' lookbacks (agent.c). A pipeline
 * without such a feed asks nobody: its indicators warm up from live
 * candles, and the observation says so ("warming_up").
 */
#include "agent_internal.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "market_backfill.h"

/* The first feed with a backfill call, or NULL. */
static const host_instance *backfill_feed(const host_agent *a)
{
    for (size_t i = 0; i < a->n_feeds; i++)
        if (host_feed_has_backfill(a->feeds[i].vtable))
            return &a->feeds[i];
    return NULL;
}

typedef struct warmup_run {
    host_agent *a;
    const host_instance *feed;
    int64_t now;
    int ctx_unsupported; /* the feed does not serve the context interval */
} warmup_run;

/* One timeframe of one market. PERP_OK (candles in *c, maybe none),
 * PERP_EUNSUPPORTED or PERP_ERR (logged). */
static int fetch(warmup_run *w, const host_market *m, int64_t interval_ms,
                 size_t count, perp_candle **c, size_t *n)
{
    host_backfill_drops drops;
    memset(&drops, 0, sizeof drops);
    int rc = host_backfill_recent(w->feed->vtable, w->feed->self, m->symbol,
                                  interval_ms, count, w->now, c, n, &drops);
    if (rc == PERP_OK && drops.total) {
        char said[1024];
        host_backfill_drops_text(&drops, said, sizeof said);
        host_log(PERP_LOG_WARN, "agent", "warm-up %s: %s", m->symbol, said);
    }
    return rc;
}

/* Context candles first, so the 1m warm-up's context folding cannot
 * precede them. */
static int warm_market(warmup_run *w, host_market *m)
{
    host_agent *a = w->a;
    perp_candle *c = NULL;
    size_t n = 0;
    if (!w->ctx_unsupported) {
        int rc = fetch(w, m, a->set.ctx_ms, a->set.warmup_ctx, &c, &n);
        if (rc == PERP_EUNSUPPORTED) {
            w->ctx_unsupported = 1;
            host_log(PERP_LOG_WARN, "agent",
                     "feed %s does not serve %lld-minute candles: the "
                     "context timeframe warms up from live candles",
                     w->feed->name, (long long)(a->set.ctx_ms / 60000));
        } else if (rc != PERP_OK) {
            return PERP_ERR;
        }
        host_market_seed_ctx(m, c, n);
        free(c);
        c = NULL;
    }
    if (a->ctx.stop && atomic_load(a->ctx.stop))
        return PERP_ERR;
    int rc = fetch(w, m, HOST_MINUTE_MS, a->set.warmup_1m, &c, &n);
    for (size_t i = 0; rc == PERP_OK && i < n; i++) {
        host_market_on_candle(m, &c[i]);
        host_agent_market_candle(a, &c[i]);
    }
    free(c);
    if (rc == PERP_EUNSUPPORTED)
        host_log(PERP_LOG_WARN, "agent",
                 "feed %s does not serve one-minute candles: indicators warm "
                 "up from live candles",
                 w->feed->name);
    return rc == PERP_ERR ? PERP_ERR : PERP_OK;
}

void host_agent_warmup(host_agent *a, int64_t now)
{
    warmup_run w = {a, backfill_feed(a), now, 0};
    if (!w.feed) {
        host_log(PERP_LOG_INFO, "agent",
                 "no feed of this pipeline can backfill candles: indicators "
                 "warm up from live candles");
        return;
    }
    host_log(
        PERP_LOG_INFO, "agent",
        "warm-up from feed %s: %zu one-minute and %zu context candles "
        "per symbol (indicators need %zu and %zu)",
        w.feed->name, a->set.warmup_1m, a->set.warmup_ctx,
        a->n_markets ? host_indicator_chain_warmup(&a->markets[0].ind1m) : 0,
        a->n_markets ? host_indicator_chain_warmup(&a->markets[0].indctx) : 0);
    /* The first failure ends the whole warm-up: when the venue is down,
     * asking again per symbol only delays the start. */
    for (size_t i = 0; i < a->n_markets; i++) {
        if (a->ctx.stop && atomic_load(a->ctx.stop))
            return;
        if (warm_market(&w, &a->markets[i]) != PERP_OK) {
            host_log(PERP_LOG_WARN, "agent",
                     "warm-up failed, the markets left start cold "
                     "(indicators warm up from live candles)");
            return;
        }
    }
}
