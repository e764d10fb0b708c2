/*
 * market_state.c — per-symbol prices, candles and indicators.
 */
#include "market_state.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int host_market_init(host_market *m, const char *symbol, int64_t ctx_ms,
                     size_t history, size_t series_len)
{
    memset(m, 0, sizeof *m);
    snprintf(m->symbol, sizeof m->symbol, "%s", symbol);
    perp_symbol_coin(symbol, m->coin);
    m->last = m->bid = m->ask = NAN;
    m->tick_volume_24h = NAN;
    m->ctx_ms = ctx_ms;
    host_indicator_chain_init(&m->ind1m, series_len);
    host_indicator_chain_init(&m->indctx, series_len);
    m->b1m = host_candles_new(symbol, HOST_MINUTE_MS);
    m->bctx = host_candles_new(symbol, ctx_ms);
    if (!m->b1m || !m->bctx ||
        host_candle_store_init(&m->s1m, history) != PERP_OK ||
        host_candle_store_init(&m->sctx, history) != PERP_OK) {
        host_market_free(m);
        return PERP_ENOMEM;
    }
    return PERP_OK;
}

void host_market_free(host_market *m)
{
    host_candles_free(m->b1m);
    host_candles_free(m->bctx);
    host_candle_store_free(&m->s1m);
    host_candle_store_free(&m->sctx);
    host_indicator_chain_free(&m->ind1m);
    host_indicator_chain_free(&m->indctx);
    m->b1m = m->bctx = NULL;
}

size_t host_market_on_tick(host_market *m, const perp_tick *t, perp_candle *out,
                           size_t max)
{
    m->ticked = 1;
    if (t->ts >= m->last_update) {
        if (isfinite(t->price))
            m->last = t->price;
        if (isfinite(t->bid))
            m->bid = t->bid;
        if (isfinite(t->ask))
            m->ask = t->ask;
        if (isfinite(t->volume_24h))
            m->tick_volume_24h = t->volume_24h;
        m->last_update = t->ts;
    }
    if (!isfinite(t->price))
        return 0;
    double size = isfinite(t->last_size) ? t->last_size : 0.0;
    return host_candles_on_tick(m->b1m, t->ts, t->price, size, out, max);
}

size_t host_market_advance(host_market *m, int64_t now, perp_candle *out,
                           size_t max)
{
    return host_candles_advance(m->b1m, now, out, max);
}

static void roll_volume(host_market *m, double v)
{
    if (!isfinite(v))
        v = 0;
    if (m->vol_n == HOST_VOLUME_WINDOW) {
        m->vol_sum -= m->vol_ring[m->vol_head];
        m->vol_ring[m->vol_head] = v;
        m->vol_head = (m->vol_head + 1) % HOST_VOLUME_WINDOW;
    } else {
        m->vol_ring[(m->vol_head + m->vol_n) % HOST_VOLUME_WINDOW] = v;
        m->vol_n++;
    }
    m->vol_sum += v;
}

static void on_ctx_candle(host_market *m, const perp_candle *c)
{
    if (host_candle_store_push(&m->sctx, c))
        host_indicator_chain_update(&m->indctx, c);
}

/* Folds a finer candle into the context builder; bars of a coarser or
 * incompatible interval cannot be, and are counted. */
static void fold_ctx(host_market *m, const perp_candle *c)
{
    if (c->interval_ms <= 0 || m->ctx_ms % c->interval_ms != 0) {
        m->ctx_skipped++;
        return;
    }
    perp_candle closed[8];
    size_t n = host_candles_on_candle(m->bctx, c, closed, 8);
    for (size_t i = 0; i < n; i++)
        on_ctx_candle(m, &closed[i]);
}

int host_market_on_candle(host_market *m, const perp_candle *c)
{
    int64_t close_ts = c->ts + c->interval_ms;
    /* Strictly newer only: a tick at exactly close_ts opened the next
     * bucket, so it is newer than this bar's close. Once ticks arrive the
     * price is theirs: a bar built from them repeats it, and a gap-filled
     * bar of a silent feed must not make the market look fresh. */
    if (!m->ticked && close_ts > m->last_update && isfinite(c->close)) {
        m->last = c->close;
        /* A bar says nothing of the book: forget an older bid/ask. */
        m->bid = m->ask = NAN;
        m->last_update = close_ts;
    }
    if (c->interval_ms == HOST_MINUTE_MS) {
        if (!host_candle_store_push(&m->s1m, c))
            return 0;
        host_indicator_chain_update(&m->ind1m, c);
        roll_volume(m, c->volume);
    }
    fold_ctx(m, c);
    return 1;
}

void host_market_seed_ctx(host_market *m, const perp_candle *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        on_ctx_candle(m, &c[i]);
}

void host_market_on_funding(host_market *m, const perp_funding_rate *r)
{
    if (isfinite(r->rate_1h))
        m->funding_rate_1h = r->rate_1h;
}

double host_market_volume_24h(const host_market *m)
{
    return isfinite(m->tick_volume_24h) ? m->tick_volume_24h : m->vol_sum;
}

double host_market_mid(const host_market *m)
{
    if (isfinite(m->bid) && isfinite(m->ask) && m->bid > 0 && m->ask > 0)
        return 0.5 * (m->bid + m->ask);
    return m->last;
}
