/*
 * observation_build.c — the per-cycle observation snapshot.
 */
#include "observation_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int host_market_is_stale(int64_t last_update, int64_t now,
                         int64_t stale_after_ms)
{
    if (last_update == 0)
        return 1;
    return stale_after_ms > 0 && now - last_update > stale_after_ms;
}

static perp_candle *copy_candles(host_arena *a, const host_candle_store *s,
                                 size_t *n)
{
    perp_candle *out = host_arena_alloc(a, (s->n ? s->n : 1) * sizeof *out);
    *n = out ? host_candle_store_copy(s, out) : 0;
    return out;
}

static perp_indicator_value *
copy_indicators(host_arena *a, const host_indicator_chain *c, size_t *n)
{
    perp_indicator_value *v =
        host_arena_alloc(a, (c->n_out ? c->n_out : 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < c->n_out; i++) {
        double *series = host_arena_alloc(
            a, (c->series[i].n ? c->series[i].n : 1) * sizeof *series);
        if (!series)
            return v;
        v[i].name = host_arena_strdup(a, c->names[i]);
        v[i].label = host_arena_strdup(a, host_indicator_chain_label(c, i));
        v[i].value = c->values[i];
        v[i].series_len = host_value_series_copy(&c->series[i], series);
        v[i].series = series;
        *n = i + 1;
    }
    return v;
}

/* Per output of chain c, its warm-up; NULL when no indicator of it
 * reports a lookback (the JSON then shows nothing). */
static const perp_warmup *copy_warmup(host_arena *a,
                                      const host_indicator_chain *c)
{
    if (host_indicator_chain_warmup(c) == 0)
        return NULL;
    perp_warmup *w = host_arena_alloc(a, (c->n_out ? c->n_out : 1) * sizeof *w);
    for (size_t i = 0; w && i < c->n_out; i++)
        w[i] = host_indicator_chain_output_warmup(c, i);
    return w;
}

/* The regime indicator, context timeframe first (it is the slower, more
 * telling one), else the one-minute one. */
static void copy_regime(host_arena *a, const host_market *m,
                        perp_market_view *v)
{
    const host_indicator_chain *chains[2] = {&m->indctx, &m->ind1m};
    for (int k = 0; k < 2; k++) {
        const host_chain_entry *e =
            host_indicator_chain_find(chains[k], "regime");
        if (!e)
            continue;
        v->regime = host_arena_strdup(
            a, host_indicator_chain_label(chains[k], e->first));
        if (e->vt->summary)
            v->regime_summary =
                host_arena_strdup(a, e->vt->summary(e->inst.self));
        return;
    }
}

static void fill_market(host_arena *a, const host_obs_inputs *in, size_t i,
                        perp_market_view *v)
{
    const host_market *m = &in->markets[i];
    memcpy(v->symbol, m->symbol, sizeof v->symbol);
    memcpy(v->coin, m->coin, sizeof v->coin);
    v->bid = m->bid;
    v->ask = m->ask;
    v->mid = host_market_mid(m);
    if (isfinite(m->bid) && isfinite(m->ask) && v->mid > 0)
        v->spread_bps = (m->ask - m->bid) / v->mid * 1e4;
    else {
        /* Candle-only data: no book; show the last price both sides. */
        v->bid = v->ask = m->last;
        v->spread_bps = 0;
    }
    v->volume_24h = host_market_volume_24h(m);
    v->funding_rate_1h = m->funding_rate_1h;
    v->last_update = m->last_update;
    v->stale = host_market_is_stale(m->last_update, in->ts, in->stale_after_ms);
    v->rules = in->rules[i];
    v->candles_1m = copy_candles(a, &m->s1m, &v->n_candles_1m);
    v->candles_ctx = copy_candles(a, &m->sctx, &v->n_candles_ctx);
    v->ind_1m = copy_indicators(a, &m->ind1m, &v->n_ind_1m);
    v->ind_ctx = copy_indicators(a, &m->indctx, &v->n_ind_ctx);
    copy_regime(a, m, v);
}

static const perp_round_trip *copy_trips(host_arena *a,
                                         const perp_round_trip *src, size_t n)
{
    perp_round_trip *t = host_arena_alloc(a, (n ? n : 1) * sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        t[i] = src[i];
        t[i].entry_reason = host_arena_strdup(a, src[i].entry_reason);
        t[i].exit_reason = host_arena_strdup(a, src[i].exit_reason);
    }
    return t;
}

static const char *const *copy_strings(host_arena *a, const char *const *s,
                                       size_t n)
{
    const char **out = host_arena_alloc(a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = host_arena_strdup(a, s[i]);
    return out;
}

host_obs_snapshot *host_obs_build(const host_obs_inputs *in)
{
    host_obs_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    host_arena_init(&s->arena);
    host_arena *a = &s->arena;
    perp_observation *o = &s->obs;
    o->struct_size = sizeof *o;
    o->ts = in->ts;
    o->cycle = in->cycle;
    o->version = host_arena_strdup(a, in->version);
    o->ctx_interval_ms = in->ctx_interval_ms;
    perp_market_view *mv =
        host_arena_alloc(a, (in->n_markets ? in->n_markets : 1) * sizeof *mv);
    for (size_t i = 0; mv && i < in->n_markets; i++)
        fill_market(a, in, i, &mv[i]);
    o->markets = mv;
    o->n_markets = in->n_markets;
    perp_market_warmup *wu =
        host_arena_alloc(a, (in->n_markets ? in->n_markets : 1) * sizeof *wu);
    for (size_t i = 0; wu && i < in->n_markets; i++) {
        wu[i].ind_1m = copy_warmup(a, &in->markets[i].ind1m);
        wu[i].ind_ctx = copy_warmup(a, &in->markets[i].indctx);
    }
    o->warmup = wu;
    o->account = *in->account;
    o->recent_trades = copy_trips(a, in->recent, in->n_recent);
    o->n_recent_trades = in->n_recent;
    o->metrics = *in->metrics;
    o->limits = *in->limits;
    o->feedback = copy_strings(a, in->feedback, in->n_feedback);
    o->n_feedback = in->n_feedback;
    if (a->failed) {
        host_obs_free(s);
        return NULL;
    }
    return s;
}

void host_obs_free(host_obs_snapshot *s)
{
    if (!s)
        return;
    host_arena_free(&s->arena);
    free(s);
}
