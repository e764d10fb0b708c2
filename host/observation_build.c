/*
 * observation_build.c — the per-cycle observation: a view that borrows,
 * and a snapshot that copies.
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

/* ------------------------------------------------------------- view */

int host_obs_view_init(host_obs_view *v, const host_market *markets,
                       size_t n_markets)
{
    memset(v, 0, sizeof *v);
    size_t n_values = 0;
    for (size_t i = 0; i < n_markets; i++)
        n_values += markets[i].ind1m.n_out + markets[i].indctx.n_out;
    v->markets = calloc(n_markets ? n_markets : 1, sizeof *v->markets);
    v->values = calloc(n_values ? n_values : 1, sizeof *v->values);
    v->warmup = calloc(n_markets ? n_markets : 1, sizeof *v->warmup);
    v->warm = calloc(n_values ? n_values : 1, sizeof *v->warm);
    v->filled = calloc(2 * (n_markets ? n_markets : 1), sizeof *v->filled);
    if (!v->markets || !v->values || !v->warmup || !v->warm || !v->filled) {
        host_obs_view_free(v);
        return PERP_ENOMEM;
    }
    v->n_markets = n_markets;
    v->n_values = n_values;
    return PERP_OK;
}

void host_obs_view_free(host_obs_view *v)
{
    free(v->markets);
    free(v->values);
    free(v->warmup);
    free(v->warm);
    free(v->filled);
    memset(v, 0, sizeof *v);
}

/* The chain's outputs as borrowed values. */
static void view_indicators(const host_indicator_chain *c,
                            perp_indicator_value *out)
{
    for (size_t i = 0; i < c->n_out; i++) {
        out[i].name = c->names[i];
        out[i].label = host_indicator_chain_label(c, i);
        out[i].value = c->values[i];
        out[i].series = host_value_series_view(&c->series[i]);
        out[i].series_len = c->series[i].n;
    }
}

/* Per output of chain c, its warm-up into w; NULL when no indicator of
 * it reports a lookback (the JSON then shows nothing). */
static const perp_warmup *view_warmup(const host_indicator_chain *c,
                                      perp_warmup *w)
{
    if (host_indicator_chain_warmup(c) == 0)
        return NULL;
    for (size_t i = 0; i < c->n_out; i++)
        w[i] = host_indicator_chain_output_warmup(c, i);
    return w;
}

/* Chain c's outputs and warm-ups into out and w (*wu: w or NULL), unless
 * they were filled from c and no candle came since. Returns how many
 * outputs c has. */
static size_t view_chain(const host_indicator_chain *c,
                         perp_indicator_value *out, perp_warmup *w,
                         const perp_warmup **wu, host_obs_filled *filled)
{
    if (filled->chain != c || filled->candles != c->candles) {
        view_indicators(c, out);
        /* filled once every output was warm: the warm-ups stay so */
        if (filled->chain != c || filled->candles < c->warmup_max)
            *wu = view_warmup(c, w);
        filled->chain = c;
        filled->candles = c->candles;
    }
    return c->n_out;
}

/* The regime indicator, context timeframe first (it is the slower, more
 * telling one), else the one-minute one. */
static void view_regime(const host_market *m, perp_market_view *v)
{
    const host_indicator_chain *chains[2] = {&m->indctx, &m->ind1m};
    v->regime = v->regime_summary = NULL;
    for (int k = 0; k < 2; k++) {
        const host_chain_entry *e =
            host_indicator_chain_find(chains[k], "regime");
        if (!e)
            continue;
        v->regime = host_indicator_chain_label(chains[k], e->first);
        if (e->vt->summary)
            v->regime_summary = e->vt->summary(e->inst.self);
        return;
    }
}

static void view_prices(const host_obs_inputs *in, const host_market *m,
                        perp_market_view *v)
{
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
    v->stale =
        host_market_is_stale(m->last_update, in->ts, in->stale_after_ms) ||
        m->last_update < in->stale_before;
}

static perp_indicator_value *
view_market(const host_obs_inputs *in, size_t i, perp_market_view *v,
            perp_indicator_value *values, perp_market_warmup *wu,
            perp_warmup *warm, host_obs_filled *filled)
{
    const host_market *m = &in->markets[i];
    memcpy(v->symbol, m->symbol, sizeof v->symbol);
    memcpy(v->coin, m->coin, sizeof v->coin);
    view_prices(in, m, v);
    v->rules = in->rules[i];
    v->candles_1m = host_candle_store_view(&m->s1m);
    v->n_candles_1m = m->s1m.n;
    v->candles_ctx = host_candle_store_view(&m->sctx);
    v->n_candles_ctx = m->sctx.n;
    v->ind_1m = values;
    v->n_ind_1m = view_chain(&m->ind1m, values, warm, &wu->ind_1m, &filled[0]);
    values += v->n_ind_1m;
    warm += v->n_ind_1m;
    v->ind_ctx = values;
    v->n_ind_ctx =
        view_chain(&m->indctx, values, warm, &wu->ind_ctx, &filled[1]);
    values += v->n_ind_ctx;
    view_regime(m, v);
    return values;
}

const perp_observation *host_obs_view_update(host_obs_view *v,
                                             const host_obs_inputs *in)
{
    perp_observation *o = &v->obs;
    o->struct_size = sizeof *o;
    o->ts = in->ts;
    o->cycle = in->cycle;
    o->version = in->version;
    o->ctx_interval_ms = in->ctx_interval_ms;
    size_t n = in->n_markets < v->n_markets ? in->n_markets : v->n_markets;
    perp_indicator_value *values = v->values;
    for (size_t i = 0; i < n; i++) {
        perp_warmup *warm = v->warm + (values - v->values);
        values = view_market(in, i, &v->markets[i], values, &v->warmup[i], warm,
                             &v->filled[2 * i]);
    }
    o->markets = v->markets;
    o->n_markets = n;
    o->warmup = v->warmup;
    o->slippage = in->slippage;
    if (in->account != &o->account)
        o->account = *in->account;
    o->recent_trades = in->recent;
    o->n_recent_trades = in->n_recent;
    o->metrics = *in->metrics;
    o->limits = *in->limits;
    o->feedback = in->feedback;
    o->n_feedback = in->n_feedback;
    return o;
}

/* --------------------------------------------------------- snapshot */

static void *copy_array(host_arena *a, const void *src, size_t n, size_t size)
{
    void *d = host_arena_alloc(a, (n ? n : 1) * size);
    if (d && n && src)
        memcpy(d, src, n * size);
    return d;
}

static const perp_indicator_value *
copy_indicators(host_arena *a, const perp_indicator_value *src, size_t n)
{
    perp_indicator_value *v = copy_array(a, src, n, sizeof *v);
    for (size_t i = 0; v && i < n; i++) {
        v[i].name = host_arena_strdup(a, src[i].name);
        v[i].label = host_arena_strdup(a, src[i].label);
        v[i].series =
            copy_array(a, src[i].series, src[i].series_len, sizeof(double));
    }
    return v;
}

static void copy_market(host_arena *a, const perp_market_view *src,
                        perp_market_view *v)
{
    *v = *src;
    v->candles_1m =
        copy_array(a, src->candles_1m, src->n_candles_1m, sizeof(perp_candle));
    v->candles_ctx = copy_array(a, src->candles_ctx, src->n_candles_ctx,
                                sizeof(perp_candle));
    v->ind_1m = copy_indicators(a, src->ind_1m, src->n_ind_1m);
    v->ind_ctx = copy_indicators(a, src->ind_ctx, src->n_ind_ctx);
    v->regime = host_arena_strdup(a, src->regime);
    v->regime_summary = host_arena_strdup(a, src->regime_summary);
}

static const perp_round_trip *copy_trips(host_arena *a,
                                         const perp_round_trip *src, size_t n)
{
    perp_round_trip *t = copy_array(a, src, n, sizeof *t);
    for (size_t i = 0; t && i < n; i++) {
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

static const perp_market_warmup *copy_warmups(host_arena *a,
                                              const perp_observation *src)
{
    if (!src->warmup)
        return NULL;
    size_t n = src->n_markets;
    perp_market_warmup *wu = copy_array(a, src->warmup, n, sizeof *wu);
    for (size_t i = 0; wu && i < n; i++) {
        const perp_market_view *m = &src->markets[i];
        if (src->warmup[i].ind_1m)
            wu[i].ind_1m = copy_array(a, src->warmup[i].ind_1m, m->n_ind_1m,
                                      sizeof(perp_warmup));
        if (src->warmup[i].ind_ctx)
            wu[i].ind_ctx = copy_array(a, src->warmup[i].ind_ctx, m->n_ind_ctx,
                                       sizeof(perp_warmup));
    }
    return wu;
}

host_obs_snapshot *host_obs_snapshot_copy(const perp_observation *src)
{
    host_obs_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    host_arena_init(&s->arena);
    host_arena *a = &s->arena;
    perp_observation *o = &s->obs;
    *o = *src;
    o->struct_size = sizeof *o;
    o->version = host_arena_strdup(a, src->version);
    perp_market_view *mv =
        host_arena_alloc(a, (src->n_markets ? src->n_markets : 1) * sizeof *mv);
    for (size_t i = 0; mv && i < src->n_markets; i++)
        copy_market(a, &src->markets[i], &mv[i]);
    o->markets = mv;
    o->warmup = copy_warmups(a, src);
    if (src->slippage)
        o->slippage = copy_array(a, src->slippage, src->n_markets,
                                 sizeof(perp_market_slippage));
    o->recent_trades = copy_trips(a, src->recent_trades, src->n_recent_trades);
    o->feedback = copy_strings(a, src->feedback, src->n_feedback);
    if (a->failed) {
        host_obs_free(s);
        return NULL;
    }
    return s;
}

host_obs_snapshot *host_obs_build(const host_obs_inputs *in)
{
    host_obs_view v;
    if (host_obs_view_init(&v, in->markets, in->n_markets) != PERP_OK)
        return NULL;
    host_obs_snapshot *s = host_obs_snapshot_copy(host_obs_view_update(&v, in));
    host_obs_view_free(&v);
    return s;
}

void host_obs_free(host_obs_snapshot *s)
{
    if (!s)
        return;
    host_arena_free(&s->arena);
    free(s);
}
