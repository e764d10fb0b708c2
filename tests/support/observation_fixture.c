/*
 * observation_fixture.c — the observation record's JSON back into a
 * perp_observation (see observation_fixture.h). Every allocation is
 * recorded in the fixture and freed with it.
 */
#include "observation_fixture.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct obs_fixture {
    perp_observation obs;
    void **mem;
    size_t n_mem, cap_mem;
    json_t *root;
};

static void *keep(obs_fixture *f, void *p)
{
    if (!p)
        return NULL;
    if (f->n_mem == f->cap_mem) {
        size_t cap = f->cap_mem ? 2 * f->cap_mem : 64;
        void **m = realloc(f->mem, cap * sizeof *m);
        if (!m) {
            free(p);
            return NULL;
        }
        f->mem = m;
        f->cap_mem = cap;
    }
    f->mem[f->n_mem++] = p;
    return p;
}

static void *zalloc(obs_fixture *f, size_t n, size_t size)
{
    return keep(f, calloc(n ? n : 1, size));
}

static double num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static double price0(const json_t *o, const char *k)
{
    double x = num(o, k);
    return isfinite(x) ? x : 0.0;
}

static int64_t integer(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Borrowed from the kept jansson tree. */
static const char *str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void copy(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

static double at(const json_t *a, size_t i)
{
    const json_t *v = json_array_get(a, i);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const perp_candle *candles(obs_fixture *f, const json_t *a,
                                  const char *symbol, int64_t interval,
                                  size_t *n)
{
    *n = json_array_size(a);
    perp_candle *c = zalloc(f, *n, sizeof *c);
    for (size_t i = 0; c && i < *n; i++) {
        const json_t *row = json_array_get(a, i);
        c[i].ts = (int64_t)json_integer_value(json_array_get(row, 0));
        c[i].interval_ms = interval;
        copy(c[i].symbol, sizeof c[i].symbol, symbol);
        c[i].open = at(row, 1);
        c[i].high = at(row, 2);
        c[i].low = at(row, 3);
        c[i].close = at(row, 4);
        c[i].volume = at(row, 5);
    }
    return c;
}

static const perp_indicator_value *indicators(obs_fixture *f, const json_t *o,
                                              size_t *n)
{
    *n = json_object_size(o);
    perp_indicator_value *v = zalloc(f, *n, sizeof *v);
    size_t i = 0;
    const char *key;
    const json_t *ind;
    json_object_foreach((json_t *)o, key, ind)
    {
        if (!v)
            break;
        const json_t *s = json_object_get(ind, "series");
        double *series = zalloc(f, json_array_size(s), sizeof *series);
        for (size_t k = 0; series && k < json_array_size(s); k++)
            series[k] = at(s, k);
        v[i].name = key;
        v[i].label = str(ind, "label");
        v[i].value = num(ind, "value");
        v[i].series = series;
        v[i].series_len = json_array_size(s);
        i++;
    }
    return v;
}

static void market(obs_fixture *f, const json_t *j, int64_t ctx_ms,
                   perp_market_view *m)
{
    copy(m->symbol, sizeof m->symbol, str(j, "symbol"));
    copy(m->coin, sizeof m->coin, str(j, "coin"));
    m->mid = num(j, "mid");
    m->bid = num(j, "bid");
    m->ask = num(j, "ask");
    m->spread_bps = num(j, "spread_bps");
    m->volume_24h = num(j, "volume_24h");
    m->funding_rate_1h = num(j, "funding_rate_1h");
    m->last_update = integer(j, "last_update");
    m->stale = json_is_true(json_object_get(j, "stale"));
    const json_t *r = json_object_get(j, "rules");
    m->rules =
        (perp_symbol_rules){num(r, "tick_size"), num(r, "size_step"),
                            num(r, "min_notional"), num(r, "max_leverage")};
    m->regime = str(j, "regime");
    m->regime_summary = str(j, "regime_summary");
    m->ind_1m =
        indicators(f, json_object_get(j, "indicators_1m"), &m->n_ind_1m);
    m->ind_ctx =
        indicators(f, json_object_get(j, "indicators_ctx"), &m->n_ind_ctx);
    m->candles_1m = candles(f, json_object_get(j, "candles_1m"), m->symbol,
                            60000, &m->n_candles_1m);
    m->candles_ctx = candles(f, json_object_get(j, "candles_ctx"), m->symbol,
                             ctx_ms, &m->n_candles_ctx);
}

static void position(const json_t *j, perp_position *p)
{
    copy(p->symbol, sizeof p->symbol, str(j, "symbol"));
    p->qty = num(j, "qty");
    p->entry_price = num(j, "entry_price");
    p->mark_price = num(j, "mark_price");
    p->leverage = num(j, "leverage");
    p->notional = num(j, "notional");
    p->initial_margin = num(j, "initial_margin");
    p->maintenance_margin = num(j, "maintenance_margin");
    p->liquidation_price = price0(j, "liquidation_price");
    p->unrealized_pnl = num(j, "unrealized_pnl");
    p->entry_ts = integer(j, "entry_ts");
    const json_t *x = json_object_get(j, "exit_plan");
    p->exit_plan.profit_target = price0(x, "profit_target");
    p->exit_plan.stop_loss = price0(x, "stop_loss");
    copy(p->exit_plan.invalidation, sizeof p->exit_plan.invalidation,
         str(x, "invalidation_condition"));
}

static void account(const json_t *j, perp_account *a)
{
    a->starting_equity = num(j, "starting_equity");
    a->equity = num(j, "equity");
    a->cash = num(j, "cash");
    a->available = num(j, "available");
    a->margin_used = num(j, "margin_used");
    a->maintenance_margin = num(j, "maintenance_margin");
    a->unrealized_pnl = num(j, "unrealized_pnl");
    a->realized_pnl = num(j, "realized_pnl");
    a->fees_paid = num(j, "fees_paid");
    a->funding_net = num(j, "funding_net");
    const json_t *ps = json_object_get(j, "positions");
    for (size_t i = 0; i < json_array_size(ps) && i < PERP_MAX_SYMBOLS; i++)
        position(json_array_get(ps, i), &a->positions[a->n_positions++]);
}

static void trade(const json_t *j, perp_round_trip *t)
{
    copy(t->symbol, sizeof t->symbol, str(j, "symbol"));
    const char *side = str(j, "side");
    t->side = side && strcmp(side, "short") == 0 ? -1 : 1;
    t->qty = num(j, "qty");
    t->entry_price = num(j, "entry_price");
    t->exit_price = num(j, "exit_price");
    t->entry_ts = integer(j, "entry_ts");
    t->exit_ts = integer(j, "exit_ts");
    t->fees = num(j, "fees");
    t->net_pnl = num(j, "net_pnl");
    t->entry_reason = str(j, "entry_reason");
    t->exit_reason = str(j, "exit_reason");
}

static void metrics(const json_t *j, perp_metrics *m)
{
    m->trades = (size_t)integer(j, "trades");
    m->win_rate = num(j, "win_rate");
    m->profit_factor = num(j, "profit_factor");
    if (isnan(m->profit_factor) && m->trades > 0)
        m->profit_factor = INFINITY;
    m->sharpe = num(j, "sharpe");
    m->sortino = num(j, "sortino");
    m->max_drawdown_pct = num(j, "max_drawdown_pct");
    m->total_return_pct = num(j, "total_return_pct");
    m->avg_win = num(j, "avg_win");
    m->avg_loss = num(j, "avg_loss");
}

static void build(obs_fixture *f, const json_t *d)
{
    perp_observation *o = &f->obs;
    o->struct_size = sizeof *o;
    o->ts = integer(d, "ts");
    o->cycle = integer(d, "cycle");
    o->version = str(d, "version");
    o->ctx_interval_ms = integer(d, "ctx_interval_ms");
    const json_t *ms = json_object_get(d, "markets");
    perp_market_view *mk = zalloc(f, json_array_size(ms), sizeof *mk);
    for (size_t i = 0; mk && i < json_array_size(ms); i++)
        market(f, json_array_get(ms, i), o->ctx_interval_ms, &mk[i]);
    o->markets = mk;
    o->n_markets = mk ? json_array_size(ms) : 0;
    account(json_object_get(d, "account"), &o->account);
    const json_t *ts = json_object_get(d, "recent_trades");
    perp_round_trip *t = zalloc(f, json_array_size(ts), sizeof *t);
    for (size_t i = 0; t && i < json_array_size(ts); i++)
        trade(json_array_get(ts, i), &t[i]);
    o->recent_trades = t;
    o->n_recent_trades = t ? json_array_size(ts) : 0;
    metrics(json_object_get(d, "metrics"), &o->metrics);
    const json_t *l = json_object_get(d, "limits");
    o->limits = (perp_limits){num(l, "min_notional"), num(l, "max_leverage"),
                              num(l, "max_exposure"),
                              price0(l, "max_position_notional")};
    const json_t *fb = json_object_get(d, "feedback");
    const char **lines = zalloc(f, json_array_size(fb), sizeof *lines);
    for (size_t i = 0; lines && i < json_array_size(fb); i++)
        lines[i] = json_string_value(json_array_get(fb, i));
    o->feedback = lines;
    o->n_feedback = lines ? json_array_size(fb) : 0;
}

obs_fixture *obs_fixture_parse(const char *json, char *err, size_t err_len)
{
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    if (!json_is_object(root)) {
        snprintf(err, err_len, "not a JSON object: line %d: %s", jerr.line,
                 jerr.text);
        json_decref(root);
        return NULL;
    }
    const json_t *d = json_object_get(root, "data");
    if (!json_is_object(d))
        d = root;
    if (!json_is_array(json_object_get(d, "markets"))) {
        snprintf(err, err_len, "no \"markets\" array: not an observation");
        json_decref(root);
        return NULL;
    }
    obs_fixture *f = calloc(1, sizeof *f);
    if (!f) {
        json_decref(root);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    f->root = root;
    build(f, d);
    return f;
}

obs_fixture *obs_fixture_load(const char *path, char *err, size_t err_len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, err_len, "%s: cannot open", path);
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[65536];
    size_t n;
    while (mem && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(fp);
    if (mem)
        fclose(mem);
    obs_fixture *f = buf ? obs_fixture_parse(buf, err, err_len) : NULL;
    free(buf);
    return f;
}

perp_observation *obs_fixture_obs(obs_fixture *f)
{
    return &f->obs;
}

void obs_fixture_free(obs_fixture *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_mem; i++)
        free(f->mem[i]);
    free(f->mem);
    json_decref(f->root);
    free(f);
}
