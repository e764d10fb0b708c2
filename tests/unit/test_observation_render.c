/*
 * The observation renderer against a jansson reference: the reference
 * below is the jansson tree builder the host used before it wrote the JSON
 * directly (kept here, not in the product). For every observation, hostile
 * strings included, the product's text must equal the reference's
 * json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))
 * byte for byte, and parse back to an equal (json_equal) document.
 * Deliberate difference: where jansson refused ill-formed UTF-8 (the field
 * became null), the product substitutes U+FFFD per maximal subpart.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observation_json.h"

#define DUMP_FLAGS                                                             \
    (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

/* ---------------------------------------------- the jansson reference */

static json_t *ref_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* A price where 0 means "not set". */
static json_t *ref_price(double x)
{
    return x == 0.0 ? json_null() : ref_num(x);
}

/* NULL-safe; invalid UTF-8 (never expected from the host) becomes null
 * rather than a missing member. */
static json_t *ref_str(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static void ref_set(json_t *o, const char *k, json_t *v)
{
    json_object_set_new_nocheck(o, k, v);
}

static json_t *ref_candles_json(const perp_candle *c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array();
        json_array_append_new(row, json_integer(c[i].ts));
        json_array_append_new(row, ref_num(c[i].open));
        json_array_append_new(row, ref_num(c[i].high));
        json_array_append_new(row, ref_num(c[i].low));
        json_array_append_new(row, ref_num(c[i].close));
        json_array_append_new(row, ref_num(c[i].volume));
        json_array_append_new(a, row);
    }
    return a;
}

/* wu: warm-up per entry of v, or NULL. */
static json_t *ref_indicators_json(const perp_indicator_value *v, size_t n,
                                   const perp_warmup *wu)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        if (!v[i].name)
            continue;
        json_t *ind = json_object();
        ref_set(ind, "value", ref_num(v[i].value));
        if (v[i].label)
            ref_set(ind, "label", ref_str(v[i].label));
        /* Undefined (NAN) and short of the candles it needs. */
        if (wu && wu[i].needed > 0 && wu[i].seen < wu[i].needed &&
            isnan(v[i].value)) {
            char text[32];
            snprintf(text, sizeof text, "%u/%u", wu[i].seen, wu[i].needed);
            ref_set(ind, "warming_up", json_string(text));
        }
        json_t *series = json_array();
        for (size_t k = 0; v[i].series && k < v[i].series_len; k++)
            json_array_append_new(series, ref_num(v[i].series[k]));
        ref_set(ind, "series", series);
        json_object_set_new(o, v[i].name, ind);
    }
    return o;
}

static json_t *ref_rules_json(const perp_symbol_rules *r)
{
    json_t *o = json_object();
    ref_set(o, "tick_size", ref_num(r->tick_size));
    ref_set(o, "size_step", ref_num(r->size_step));
    ref_set(o, "min_notional", ref_num(r->min_notional));
    ref_set(o, "max_leverage", ref_num(r->max_leverage));
    return o;
}

static int ref_is_sqrt(const perp_market_slippage *s)
{
    return s && strncmp(s->model, "sqrt", sizeof s->model) == 0;
}

static json_t *ref_market_slippage_json(const perp_market_slippage *s)
{
    json_t *o = json_object();
    ref_set(o, "sigma_1m", ref_num(s->sigma_1m));
    ref_set(o, "volume_1m", ref_num(s->volume_1m));
    json_t *q = json_array();
    for (size_t k = 0; k < PERP_SLIPPAGE_QUOTES; k++) {
        json_t *row = json_array();
        json_array_append_new(row, ref_num(s->notional[k]));
        json_array_append_new(row, ref_num(s->bps[k]));
        json_array_append_new(q, row);
    }
    ref_set(o, "quotes", q);
    return o;
}

static json_t *ref_slippage_model_json(const perp_market_slippage *s)
{
    char model[sizeof s->model + 1];
    memcpy(model, s->model, sizeof s->model);
    model[sizeof s->model] = '\0';
    json_t *o = json_object();
    ref_set(o, "model", ref_str(model));
    if (!ref_is_sqrt(s)) {
        ref_set(o, "bps", ref_num(s->floor_bps));
        return o;
    }
    ref_set(o, "floor_bps", ref_num(s->floor_bps));
    ref_set(o, "k", ref_num(s->k));
    ref_set(o, "cap_bps", ref_num(s->cap_bps));
    ref_set(o, "window_ms", json_integer(s->window_ms));
    ref_set(o, "rule",
            json_string(
                "bps = min(cap_bps, max(floor_bps, k * sigma_1m * sqrt("
                "notional / volume_1m) * 10000)), cap_bps while sigma_1m or "
                "volume_1m is null; sigma_1m: volatility a minute, "
                "volume_1m: USD traded a minute, over window_ms; each "
                "market's quotes are [notional USD, bps], the last the "
                "largest order the account allows"));
    return o;
}

static json_t *ref_market_json(const perp_market_view *m,
                               const perp_market_warmup *wu,
                               const perp_market_slippage *sl)
{
    json_t *o = json_object();
    ref_set(o, "symbol", ref_str(m->symbol));
    ref_set(o, "coin", ref_str(m->coin));
    ref_set(o, "mid", ref_num(m->mid));
    ref_set(o, "bid", ref_num(m->bid));
    ref_set(o, "ask", ref_num(m->ask));
    ref_set(o, "spread_bps", ref_num(m->spread_bps));
    ref_set(o, "volume_24h", ref_num(m->volume_24h));
    ref_set(o, "funding_rate_1h", ref_num(m->funding_rate_1h));
    ref_set(o, "last_update", json_integer(m->last_update));
    ref_set(o, "stale", json_boolean(m->stale));
    ref_set(o, "rules", ref_rules_json(&m->rules));
    if (ref_is_sqrt(sl))
        ref_set(o, "slippage", ref_market_slippage_json(sl));
    ref_set(o, "regime", ref_str(m->regime));
    ref_set(o, "regime_summary", ref_str(m->regime_summary));
    ref_set(
        o, "indicators_1m",
        ref_indicators_json(m->ind_1m, m->n_ind_1m, wu ? wu->ind_1m : NULL));
    ref_set(
        o, "indicators_ctx",
        ref_indicators_json(m->ind_ctx, m->n_ind_ctx, wu ? wu->ind_ctx : NULL));
    ref_set(o, "candles_1m", ref_candles_json(m->candles_1m, m->n_candles_1m));
    ref_set(o, "candles_ctx",
            ref_candles_json(m->candles_ctx, m->n_candles_ctx));
    return o;
}

static json_t *ref_exit_plan_json(const perp_exit_plan *x)
{
    json_t *o = json_object();
    ref_set(o, "profit_target", ref_price(x->profit_target));
    ref_set(o, "stop_loss", ref_price(x->stop_loss));
    ref_set(o, "invalidation_condition", ref_str(x->invalidation));
    return o;
}

static json_t *ref_position_json(const perp_position *p, int64_t now)
{
    char coin[PERP_COIN_MAX];
    perp_symbol_coin(p->symbol, coin);
    json_t *o = json_object();
    ref_set(o, "symbol", ref_str(p->symbol));
    ref_set(o, "coin", ref_str(coin));
    ref_set(o, "side", json_string_nocheck(p->qty < 0 ? "short" : "long"));
    ref_set(o, "qty", ref_num(p->qty));
    ref_set(o, "entry_price", ref_num(p->entry_price));
    ref_set(o, "mark_price", ref_num(p->mark_price));
    ref_set(o, "leverage", ref_num(p->leverage));
    ref_set(o, "notional", ref_num(p->notional));
    ref_set(o, "initial_margin", ref_num(p->initial_margin));
    ref_set(o, "maintenance_margin", ref_num(p->maintenance_margin));
    ref_set(o, "liquidation_price", ref_price(p->liquidation_price));
    ref_set(o, "unrealized_pnl", ref_num(p->unrealized_pnl));
    ref_set(o, "entry_ts", json_integer(p->entry_ts));
    ref_set(o, "holding_minutes",
            p->entry_ts > 0 && now >= p->entry_ts
                ? json_integer((now - p->entry_ts) / 60000)
                : json_null());
    ref_set(o, "exit_plan", ref_exit_plan_json(&p->exit_plan));
    return o;
}

static json_t *ref_account_json(const perp_account *a, int64_t now)
{
    json_t *o = json_object();
    ref_set(o, "starting_equity", ref_num(a->starting_equity));
    ref_set(o, "equity", ref_num(a->equity));
    ref_set(o, "cash", ref_num(a->cash));
    ref_set(o, "available", ref_num(a->available));
    ref_set(o, "margin_used", ref_num(a->margin_used));
    ref_set(o, "maintenance_margin", ref_num(a->maintenance_margin));
    ref_set(o, "unrealized_pnl", ref_num(a->unrealized_pnl));
    ref_set(o, "realized_pnl", ref_num(a->realized_pnl));
    ref_set(o, "fees_paid", ref_num(a->fees_paid));
    ref_set(o, "funding_net", ref_num(a->funding_net));
    ref_set(o, "total_return_pct",
            a->starting_equity > 0 ? ref_num((a->equity - a->starting_equity) /
                                             a->starting_equity * 100.0)
                                   : json_null());
    json_t *pos = json_array();
    for (size_t i = 0; i < a->n_positions && i < PERP_MAX_SYMBOLS; i++)
        json_array_append_new(pos, ref_position_json(&a->positions[i], now));
    ref_set(o, "positions", pos);
    return o;
}

static json_t *ref_trade_json(const perp_round_trip *t)
{
    json_t *o = json_object();
    ref_set(o, "symbol", ref_str(t->symbol));
    ref_set(o, "side", json_string_nocheck(t->side < 0 ? "short" : "long"));
    ref_set(o, "qty", ref_num(t->qty));
    ref_set(o, "entry_price", ref_num(t->entry_price));
    ref_set(o, "exit_price", ref_num(t->exit_price));
    ref_set(o, "entry_ts", json_integer(t->entry_ts));
    ref_set(o, "exit_ts", json_integer(t->exit_ts));
    ref_set(o, "hold_minutes",
            ref_num((double)(t->exit_ts - t->entry_ts) / 60000.0));
    ref_set(o, "fees", ref_num(t->fees));
    ref_set(o, "net_pnl", ref_num(t->net_pnl));
    ref_set(o, "entry_reason", ref_str(t->entry_reason ? t->entry_reason : ""));
    ref_set(o, "exit_reason", ref_str(t->exit_reason ? t->exit_reason : ""));
    return o;
}

static json_t *ref_metrics_json(const perp_metrics *m)
{
    json_t *o = json_object();
    ref_set(o, "trades", json_integer((json_int_t)m->trades));
    ref_set(o, "win_rate", ref_num(m->win_rate));
    /* No losing trade yet: INFINITY, shown as null with trades > 0. */
    ref_set(o, "profit_factor", ref_num(m->profit_factor));
    ref_set(o, "sharpe", ref_num(m->sharpe));
    ref_set(o, "sortino", ref_num(m->sortino));
    ref_set(o, "max_drawdown_pct", ref_num(m->max_drawdown_pct));
    ref_set(o, "total_return_pct", ref_num(m->total_return_pct));
    ref_set(o, "avg_win", ref_num(m->avg_win));
    ref_set(o, "avg_loss", ref_num(m->avg_loss));
    return o;
}

static json_t *ref_limits_json(const perp_limits *l)
{
    json_t *o = json_object();
    ref_set(o, "min_notional", ref_num(l->min_notional));
    ref_set(o, "max_leverage", ref_num(l->max_leverage));
    ref_set(o, "max_exposure", ref_num(l->max_exposure));
    ref_set(o, "max_position_notional",
            l->max_position_notional > 0 ? ref_num(l->max_position_notional)
                                         : json_null());
    return o;
}

static json_t *ref_observation_json(const perp_observation *obs)
{
    json_t *o = json_object();
    ref_set(o, "ts", json_integer(obs->ts));
    ref_set(o, "cycle", json_integer(obs->cycle));
    ref_set(o, "version", ref_str(obs->version));
    ref_set(
        o, "conventions",
        json_string_nocheck(
            "times are ms since the Unix epoch (UTC); series and candles are "
            "oldest first; candles are [open_ts, open, high, low, close, "
            "volume]; null means not available"));
    ref_set(o, "ctx_interval_ms", json_integer(obs->ctx_interval_ms));
    json_t *markets = json_array();
    /* ABI 1.2's members, only when the observation is that recent. */
    const perp_market_warmup *wu =
        obs->struct_size >= offsetof(perp_observation, warmup) + 8 ? obs->warmup
                                                                   : NULL;
    const perp_market_slippage *sl =
        obs->struct_size >= offsetof(perp_observation, slippage) + 8 &&
                obs->markets && obs->n_markets
            ? obs->slippage
            : NULL;
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++)
        json_array_append_new(markets, ref_market_json(&obs->markets[i],
                                                       wu ? &wu[i] : NULL,
                                                       sl ? &sl[i] : NULL));
    ref_set(o, "markets", markets);
    ref_set(o, "account", ref_account_json(&obs->account, obs->ts));
    json_t *trades = json_array();
    for (size_t i = 0; obs->recent_trades && i < obs->n_recent_trades; i++)
        json_array_append_new(trades, ref_trade_json(&obs->recent_trades[i]));
    ref_set(o, "recent_trades", trades);
    ref_set(o, "metrics", ref_metrics_json(&obs->metrics));
    ref_set(o, "limits", ref_limits_json(&obs->limits));
    if (sl && sl[0].model[0])
        ref_set(o, "slippage", ref_slippage_model_json(&sl[0]));
    json_t *fb = json_array();
    for (size_t i = 0; obs->feedback && i < obs->n_feedback; i++)
        json_array_append_new(fb, ref_str(obs->feedback[i]));
    ref_set(o, "feedback", fb);
    return o;
}

/* -------------------------------------------------------- fixtures */

/* xorshift64*: a fixed sequence, so a failure reproduces. */
static uint64_t rng = 0x2545F4914F6CDD1Du;
static uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717u;
}

/* Any double: prices at every scale, raw bit patterns (subnormal, huge,
 * NAN, infinities), exact zeros of both signs. */
static double any_double(void)
{
    switch (next() % 6) {
    case 0: {
        uint64_t b = next();
        double x;
        memcpy(&x, &b, sizeof x);
        return x;
    }
    case 1:
        return (next() % 2 ? -0.0 : 0.0);
    case 2:
        return (next() % 3) ? NAN : INFINITY;
    default:
        return (double)(next() % 1000000000000u) *
               pow(10, (int)(next() % 30) - 20);
    }
}

static const char *const hostile[] = {
    "quote \" and backslash \\ and slash /",
    "ctl \x01\x02\x07\b\t\n\v\f\r\x1b\x1f del \x7f end",
    "\"\\\"\\",
    "utf-8 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80 \xe2\x80\xa8 \xef\xbb\xbf",
    "",
    "{\"injected\": [1,2]} </script>",
};
#define N_HOSTILE (sizeof hostile / sizeof hostile[0])

#define MAX_MK 5
#define MAX_C  60
typedef struct fixture {
    perp_candle c1m[MAX_MK][MAX_C], cctx[MAX_MK][MAX_C];
    double series[MAX_MK][2][6][10];
    perp_indicator_value ind[MAX_MK][2][6];
    perp_warmup wu[MAX_MK][2][6];
    perp_market_warmup mwu[MAX_MK];
    perp_market_slippage slip[MAX_MK];
    perp_market_view mk[MAX_MK];
    perp_round_trip trips[10];
    const char *feedback[8];
    perp_observation obs;
} fixture;

static fixture fx;

static void fill_candles(perp_candle *c, size_t n, const char *sym)
{
    for (size_t i = 0; i < n; i++) {
        c[i] = (perp_candle){.ts = (int64_t)(next() % 4000000000000u),
                             .interval_ms = 60000,
                             .open = any_double(),
                             .high = any_double(),
                             .low = any_double(),
                             .close = any_double(),
                             .volume = any_double()};
        snprintf(c[i].symbol, sizeof c[i].symbol, "%s", sym);
    }
}

/* Names repeat on purpose: jansson keeps the first position and the last
 * value; NULL names are skipped. */
static const char *const ind_names[6] = {"ema_20", "macd.hist", "ema_20",
                                         NULL,     "rsi_7",     "regime"};

static void fill_market(size_t k, const char *sym, const char *text)
{
    perp_market_view *m = &fx.mk[k];
    memset(m, 0, sizeof *m);
    snprintf(m->symbol, sizeof m->symbol, "%s", sym);
    perp_symbol_coin(sym, m->coin);
    m->mid = any_double();
    m->bid = any_double();
    m->ask = any_double();
    m->spread_bps = any_double();
    m->volume_24h = any_double();
    m->funding_rate_1h = any_double();
    m->last_update = (int64_t)next();
    m->stale = (int)(k % 2);
    m->rules = (perp_symbol_rules){any_double(), any_double(), any_double(),
                                   any_double()};
    fill_candles(fx.c1m[k], MAX_C, sym);
    fill_candles(fx.cctx[k], MAX_C, sym);
    m->candles_1m = fx.c1m[k];
    m->n_candles_1m = MAX_C;
    m->candles_ctx = fx.cctx[k];
    m->n_candles_ctx = MAX_C - k;
    for (int t = 0; t < 2; t++) {
        for (int j = 0; j < 6; j++) {
            for (int v = 0; v < 10; v++)
                fx.series[k][t][j][v] = any_double();
            fx.ind[k][t][j] = (perp_indicator_value){
                ind_names[j], j == 5 ? text : NULL, any_double(),
                j == 4 && t == 1 ? NULL : fx.series[k][t][j], 10 - j};
        }
    }
    for (int t = 0; t < 2; t++) {
        for (int j = 0; j < 6; j++) {
            /* Unknown (0), still short, or complete. */
            uint32_t need = (uint32_t)(next() % 3) * 17;
            uint32_t seen = need ? (uint32_t)(next() % (need + 1)) : 0;
            fx.wu[k][t][j] = (perp_warmup){seen, need};
            if (next() % 2)
                fx.ind[k][t][j].value = NAN;
        }
    }
    fx.mwu[k].ind_1m = fx.wu[k][0];
    fx.mwu[k].ind_ctx = k == 3 ? NULL : fx.wu[k][1];
    m->ind_1m = fx.ind[k][0];
    m->n_ind_1m = 6;
    m->ind_ctx = fx.ind[k][1];
    m->n_ind_ctx = k == 1 ? 0 : 6;
    m->regime = k == 2 ? NULL : text;
    m->regime_summary = k == 3 ? NULL : text;
    perp_market_slippage *sl = &fx.slip[k];
    memset(sl, 0, sizeof *sl);
    /* Both models, a full 16-byte name (no NUL) and one not said. */
    static const char *const models[4] = {"sqrt", "fixed", "",
                                          "sqrtsqrtsqrtsqrt"};
    const char *name = models[next() % 4];
    size_t len = strlen(name);
    memcpy(sl->model, name, len < sizeof sl->model ? len : sizeof sl->model);
    sl->floor_bps = any_double();
    sl->k = any_double();
    sl->cap_bps = any_double();
    sl->window_ms = (int64_t)(next() % 604800000u);
    sl->sigma_1m = any_double();
    sl->volume_1m = any_double();
    for (size_t q = 0; q < PERP_SLIPPAGE_QUOTES; q++) {
        sl->notional[q] = any_double();
        sl->bps[q] = any_double();
    }
}

static void fill_position(perp_position *p, const char *sym, const char *text)
{
    snprintf(p->symbol, sizeof p->symbol, "%s", sym);
    p->qty = next() % 2 ? any_double() : -1.5;
    p->entry_price = any_double();
    p->mark_price = any_double();
    p->leverage = any_double();
    p->notional = any_double();
    p->initial_margin = any_double();
    p->maintenance_margin = any_double();
    p->liquidation_price = next() % 3 ? any_double() : 0;
    p->unrealized_pnl = any_double();
    p->entry_ts = (int64_t)(next() % 3) * 1700000000000;
    p->exit_plan.profit_target = next() % 3 ? any_double() : 0;
    p->exit_plan.stop_loss = next() % 3 ? any_double() : 0;
    snprintf(p->exit_plan.invalidation, sizeof p->exit_plan.invalidation, "%s",
             text);
}

static void fill_trip(perp_round_trip *t, const char *sym, const char *a,
                      const char *b)
{
    memset(t, 0, sizeof *t);
    snprintf(t->symbol, sizeof t->symbol, "%s", sym);
    t->side = next() % 2 ? 1 : -1;
    t->qty = any_double();
    t->entry_price = any_double();
    t->exit_price = any_double();
    t->entry_ts = (int64_t)(next() % 2000000000000u);
    t->exit_ts = t->entry_ts + (int64_t)(next() % 100000000u);
    t->fees = any_double();
    t->net_pnl = any_double();
    t->entry_reason = a;
    t->exit_reason = b;
}

static const char *const syms[MAX_MK] = {"BTC-USD", "ETH-USD", "SOL-USD",
                                         "DOGE-USD", "XRP-USD"};

/* A full observation whose every string is text (NULLs where allowed). */
static void build(const char *text, size_t n_markets)
{
    perp_observation *o = &fx.obs;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->ts = 1767225600000 + (int64_t)(next() % 1000000);
    o->cycle = (int64_t)next();
    o->version = text;
    o->ctx_interval_ms = 21600000;
    for (size_t k = 0; k < n_markets; k++)
        fill_market(k, syms[k], text);
    o->markets = fx.mk;
    o->n_markets = n_markets;
    o->warmup = n_markets == 4 ? NULL : fx.mwu;
    o->slippage = n_markets == 3 ? NULL : fx.slip;
    perp_account *a = &o->account;
    a->starting_equity = next() % 4 ? any_double() : 0;
    a->equity = any_double();
    a->cash = any_double();
    a->available = any_double();
    a->margin_used = any_double();
    a->maintenance_margin = any_double();
    a->unrealized_pnl = any_double();
    a->realized_pnl = any_double();
    a->fees_paid = any_double();
    a->funding_net = any_double();
    a->n_positions = 3;
    for (size_t i = 0; i < a->n_positions; i++)
        fill_position(&a->positions[i], syms[i], text);
    for (size_t i = 0; i < 10; i++)
        fill_trip(&fx.trips[i], syms[i % MAX_MK], i % 3 ? text : NULL,
                  i % 4 ? text : NULL);
    o->recent_trades = fx.trips;
    o->n_recent_trades = 10;
    o->metrics =
        (perp_metrics){(size_t)(next() % 100), any_double(), INFINITY,
                       any_double(),           any_double(), any_double(),
                       any_double(),           any_double(), any_double()};
    o->limits = (perp_limits){any_double(), any_double(), any_double(),
                              next() % 2 ? any_double() : 0};
    for (size_t i = 0; i < 8; i++)
        fx.feedback[i] =
            i == 3 ? NULL : (i % 2 ? text : hostile[i % N_HOSTILE]);
    o->feedback = fx.feedback;
    o->n_feedback = 8;
}

/* ---------------------------------------------------------- checks */

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    cr_assert_not_null(j, "invalid JSON (%s at %d): %.200s", e.text, e.position,
                       s);
    return j;
}

/* The product's text against the reference of the same observation:
 * byte-identical, and equal once parsed. */
static void check_same_as_reference(const perp_observation *o)
{
    json_t *ref = ref_observation_json(o);
    char *want = json_dumps(ref, DUMP_FLAGS);
    cr_assert_not_null(want);
    char *got = host_observation_to_json(o);
    cr_assert_not_null(got);
    json_t *jw = parse(want), *jg = parse(got);
    cr_assert(json_equal(jw, jg), "parsed documents differ");
    cr_assert_str_eq(got, want);
    json_decref(jw);
    json_decref(jg);
    json_decref(ref);
    free(want);
    free(got);
}

Test(observation_render, hostile_strings_match_reference)
{
    for (size_t i = 0; i < N_HOSTILE; i++) {
        build(hostile[i], MAX_MK);
        check_same_as_reference(&fx.obs);
    }
}

Test(observation_render, random_numbers_match_reference)
{
    for (int round = 0; round < 20; round++) {
        build("trending_up", 1 + (size_t)round % MAX_MK);
        check_same_as_reference(&fx.obs);
    }
}

Test(observation_render, missing_parts_match_reference)
{
    build("x", 2);
    perp_observation *o = &fx.obs;
    o->markets = NULL; /* counts without arrays: rendered empty */
    o->recent_trades = NULL;
    o->feedback = NULL;
    o->version = NULL;
    o->account.n_positions = PERP_MAX_SYMBOLS + 5; /* clamped */
    for (size_t i = 3; i < PERP_MAX_SYMBOLS; i++)
        fill_position(&o->account.positions[i], "BTC-USD", "y");
    check_same_as_reference(o);
    perp_observation empty;
    memset(&empty, 0, sizeof empty);
    check_same_as_reference(&empty);
}

/* Ill-formed UTF-8 (an LLM text cut inside a character, a stray byte):
 * jansson turned the whole field into null; the product keeps the text
 * with U+FFFD for each maximal ill-formed subpart (Unicode 15, 3.9). An
 * indicator name that is not UTF-8 is left out, as jansson left it out. */
Test(observation_render, ill_formed_utf8_is_replaced_not_nulled)
{
    const char *cut = "long justification \xe2\x82"; /* € cut */
    const char *stray = "a\xff"
                        "b\xc0\xaf"
                        "c\xed\xa0\x80"; /* FF; C0 AF */
    const char *want_cut = "long justification \xef\xbf\xbd";
    const char *want_stray = "a\xef\xbf\xbd"
                             "b\xef\xbf\xbd\xef\xbf\xbd"
                             "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd";
    build("ok", 1);
    fx.trips[0].entry_reason = cut;
    fx.trips[0].exit_reason = stray;
    fx.feedback[0] = stray;
    snprintf(fx.obs.account.positions[0].exit_plan.invalidation,
             PERP_INVALIDATION_MAX, "%s", cut);
    fx.mk[0].regime_summary = stray;
    fx.ind[0][0][4].name = "rsi\xff"; /* left out */

    json_t *ref = ref_observation_json(&fx.obs);
    /* the reference with the replacements written out by hand */
    json_t *t0 = json_array_get(json_object_get(ref, "recent_trades"), 0);
    json_object_set_new(t0, "entry_reason", json_string(want_cut));
    json_object_set_new(t0, "exit_reason", json_string(want_stray));
    json_array_set_new(json_object_get(ref, "feedback"), 0,
                       json_string(want_stray));
    json_t *p0 = json_array_get(
        json_object_get(json_object_get(ref, "account"), "positions"), 0);
    json_object_set_new(json_object_get(p0, "exit_plan"),
                        "invalidation_condition", json_string(want_cut));
    json_t *m0 = json_array_get(json_object_get(ref, "markets"), 0);
    json_object_set_new(m0, "regime_summary", json_string(want_stray));
    cr_assert_null(
        json_object_get(json_object_get(m0, "indicators_1m"), "rsi\xff"));

    char *got = host_observation_to_json(&fx.obs);
    cr_assert_not_null(got);
    json_t *jg = parse(got);
    char *want = json_dumps(ref, DUMP_FLAGS);
    json_t *jw = parse(want);
    cr_assert(json_equal(jw, jg), "got %s", got);
    cr_assert_str_eq(got, want);
    json_decref(jw);
    json_decref(jg);
    json_decref(ref);
    free(want);
    free(got);
}

/* The warm-up beside a bare null, read from the hand-set values: shown
 * only while the value is undefined and short of the candles needed;
 * never read from an observation of ABI 1.1 (no warmup member). */
Test(observation_render, warming_up_says_candles_seen_of_needed)
{
    build("x", 1);
    for (int t = 0; t < 2; t++)
        for (int j = 0; j < 6; j++)
            fx.wu[0][t][j] = (perp_warmup){0, 0};
    fx.ind[0][0][4].value = NAN; /* rsi_7: 3 of 8 candles */
    fx.wu[0][0][4] = (perp_warmup){3, 8};
    fx.ind[0][0][1].value = NAN; /* macd.hist: all in, still undefined */
    fx.wu[0][0][1] = (perp_warmup){34, 34};
    fx.ind[0][0][5].value = 1.0; /* regime: defined early */
    fx.wu[0][0][5] = (perp_warmup){5, 34};
    fx.obs.warmup = fx.mwu;
    char *got = host_observation_to_json(&fx.obs);
    cr_assert_not_null(got);
    cr_expect(strstr(got, "\"rsi_7\":{\"value\":null,\"warming_up\":\"3/8\","
                          "\"series\":["),
              "%s", got);
    cr_expect(strstr(got, "\"macd.hist\":{\"value\":null,\"series\":["), "%s",
              got);
    char *regime = strstr(got, "\"regime\":{\"value\":1.0,");
    cr_expect(regime && !strstr(regime, "warming_up"), "%s", got);
    /* The only one: the first "warming_up" is rsi_7's. */
    cr_expect_eq(strstr(got, "warming_up") - 1,
                 strstr(got, "\"warming_up\":\"3/8\""), "%s", got);
    check_same_as_reference(&fx.obs);
    free(got);
    fx.obs.struct_size = offsetof(perp_observation, warmup);
    got = host_observation_to_json(&fx.obs);
    cr_expect_null(strstr(got, "warming_up"), "a 1.1 observation: %s", got);
    check_same_as_reference(&fx.obs);
    free(got);
}
