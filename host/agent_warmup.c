/*
 * agent_warmup.c — the live start's warm-up: recent closed candles for
 * every market, asked of the pipeline's first feed that can backfill
 * (ABI 1.2), so indicators are defined from the first cycle. The counts
 * per timeframe come from the indicators' lookbacks (agent.c). A pipeline
 * without such a feed asks nobody: its indicators warm up from live
 * candles, and the observation says so ("warming_up"). Several agents
 * on one feed (the live arena) share one fetch per symbol and interval,
 * at one moment, as long as the longest of them needs: each takes its
 * own tail, so they start from the same candles.
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

/* One fetch: a symbol's candles of one interval, for every agent. */
typedef struct warm_fetch {
    const char *symbol; /* borrowed from an agent's settings */
    int64_t interval_ms;
    size_t count; /* the most any agent needs */
    int done, rc;
    perp_candle *c; /* owned, ascending */
    size_t n;
} warm_fetch;

typedef struct warmup_run {
    host_agent *a;
    const host_instance *feed;
    int64_t now;
    int ctx_unsupported; /* the feed does not serve the context interval */
    warm_fetch *fetches; /* shared by every agent of the run */
    size_t n_fetches;
} warmup_run;

static warm_fetch *fetch_of(warmup_run *w, const char *symbol,
                            int64_t interval_ms)
{
    for (size_t i = 0; i < w->n_fetches; i++)
        if (w->fetches[i].interval_ms == interval_ms &&
            strcmp(w->fetches[i].symbol, symbol) == 0)
            return &w->fetches[i];
    return NULL;
}

/* One timeframe of one market: the newest `count` candles closed by now
 * (the tail of the shared fetch). PERP_OK (candles in *c, maybe none;
 * malloc'd), PERP_EUNSUPPORTED or PERP_ERR (logged). */
static int fetch(warmup_run *w, const host_market *m, int64_t interval_ms,
                 size_t count, perp_candle **c, size_t *n)
{
    warm_fetch *f = fetch_of(w, m->symbol, interval_ms);
    if (!f)
        return PERP_ERR;
    if (!f->done) {
        host_backfill_drops drops;
        memset(&drops, 0, sizeof drops);
        f->done = 1;
        f->rc = host_backfill_recent(w->feed->vtable, w->feed->self, m->symbol,
                                     interval_ms, f->count, w->now, &f->c,
                                     &f->n, &drops);
        if (f->rc == PERP_OK && drops.total) {
            char said[1024];
            host_backfill_drops_text(&drops, said, sizeof said);
            host_log(PERP_LOG_WARN, "agent", "warm-up %s: %s", m->symbol, said);
        }
    }
    *c = NULL;
    *n = 0;
    if (f->rc != PERP_OK)
        return f->rc;
    /* open times in [end - count * interval, end), end = now aligned */
    int64_t end = w->now / interval_ms * interval_ms;
    int64_t from = end - (int64_t)count * interval_ms;
    size_t k = 0;
    while (k < f->n && f->c[k].ts < from)
        k++;
    *c = malloc((f->n - k ? f->n - k : 1) * sizeof **c);
    if (!*c)
        return PERP_ERR;
    memcpy(*c, f->c + k, (f->n - k) * sizeof **c);
    *n = f->n - k;
    return PERP_OK;
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

/* Adds (or grows) the fetch of symbol at interval to count. */
static int need(warmup_run *w, const char *symbol, int64_t interval_ms,
                size_t count)
{
    warm_fetch *f = fetch_of(w, symbol, interval_ms);
    if (!f) {
        warm_fetch *grown =
            realloc(w->fetches, (w->n_fetches + 1) * sizeof *grown);
        if (!grown)
            return PERP_ENOMEM;
        w->fetches = grown;
        f = &w->fetches[w->n_fetches++];
        memset(f, 0, sizeof *f);
        f->symbol = symbol;
        f->interval_ms = interval_ms;
    }
    if (count > f->count)
        f->count = count;
    return PERP_OK;
}

static void warm_agent(warmup_run *w)
{
    host_agent *a = w->a;
    w->ctx_unsupported = 0;
    if (!w->feed) {
        host_log(PERP_LOG_INFO, "agent",
                 "no feed of this pipeline can backfill candles: indicators "
                 "warm up from live candles");
        return;
    }
    host_log(
        PERP_LOG_INFO, "agent",
        "warm-up from feed %s: %zu one-minute and %zu context candles "
        "per symbol (indicators need %zu and %zu)",
        w->feed->name, a->set.warmup_1m, a->set.warmup_ctx,
        a->n_markets ? host_indicator_chain_warmup(&a->markets[0].ind1m) : 0,
        a->n_markets ? host_indicator_chain_warmup(&a->markets[0].indctx) : 0);
    /* The first failure ends the whole warm-up: when the venue is down,
     * asking again per symbol only delays the start. */
    for (size_t i = 0; i < a->n_markets; i++) {
        if (a->ctx.stop && atomic_load(a->ctx.stop))
            return;
        if (warm_market(w, &a->markets[i]) != PERP_OK) {
            host_log(PERP_LOG_WARN, "agent",
                     "warm-up failed, the markets left start cold "
                     "(indicators warm up from live candles)");
            return;
        }
    }
}

void host_agents_warmup(host_agent *const *agents, size_t n,
                        const host_instance *feed, int64_t now)
{
    warmup_run w = {.feed = feed, .now = now};
    int rc = PERP_OK;
    for (size_t k = 0; k < n && rc == PERP_OK; k++) {
        const host_agent_settings *s = &agents[k]->set;
        for (size_t i = 0; i < agents[k]->n_markets && rc == PERP_OK; i++) {
            const char *sym = agents[k]->markets[i].symbol;
            rc = need(&w, sym, s->ctx_ms, s->warmup_ctx);
            if (rc == PERP_OK)
                rc = need(&w, sym, HOST_MINUTE_MS, s->warmup_1m);
        }
    }
    for (size_t k = 0; k < n && rc == PERP_OK; k++) {
        w.a = agents[k];
        warm_agent(&w);
    }
    for (size_t i = 0; i < w.n_fetches; i++)
        free(w.fetches[i].c);
    free(w.fetches);
}

void host_agent_warmup(host_agent *a, int64_t now)
{
    host_agents_warmup(&a, 1, backfill_feed(a), now);
}
