/*
 * observation_json.c — perp_observation to the JSON a planner reads and
 * the observation record stores.
 *
 * Choices: numbers keep 10 significant digits (the Python twin rounded to
 * three decimals, which erased DOGE and XRP); candles are compact arrays
 * [ts, open, high, low, close, volume] so 120 bars per symbol stay small
 * in a prompt; every undefined number (NAN) is null, and exit prices of 0
 * ("not set", sdk.h) are null too; series are oldest first, as the
 * "conventions" member says to the reader.
 */
#include "observation_json.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* A price where 0 means "not set". */
static json_t *price(double x)
{
    return x == 0.0 ? json_null() : num(x);
}

/* NULL-safe; invalid UTF-8 (never expected from the host) becomes null
 * rather than a missing member. */
static json_t *str(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
    json_object_set_new_nocheck(o, k, v);
}

static json_t *candles_json(const perp_candle *c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array();
        json_array_append_new(row, json_integer(c[i].ts));
        json_array_append_new(row, num(c[i].open));
        json_array_append_new(row, num(c[i].high));
        json_array_append_new(row, num(c[i].low));
        json_array_append_new(row, num(c[i].close));
        json_array_append_new(row, num(c[i].volume));
        json_array_append_new(a, row);
    }
    return a;
}

static json_t *indicators_json(const perp_indicator_value *v, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        if (!v[i].name)
            continue;
        json_t *ind = json_object();
        set(ind, "value", num(v[i].value));
        if (v[i].label)
            set(ind, "label", str(v[i].label));
        json_t *series = json_array();
        for (size_t k = 0; v[i].series && k < v[i].series_len; k++)
            json_array_append_new(series, num(v[i].series[k]));
        set(ind, "series", series);
        json_object_set_new(o, v[i].name, ind);
    }
    return o;
}

static json_t *rules_json(const perp_symbol_rules *r)
{
    json_t *o = json_object();
    set(o, "tick_size", num(r->tick_size));
    set(o, "size_step", num(r->size_step));
    set(o, "min_notional", num(r->min_notional));
    set(o, "max_leverage", num(r->max_leverage));
    return o;
}

static json_t *market_json(const perp_market_view *m)
{
    json_t *o = json_object();
    set(o, "symbol", str(m->symbol));
    set(o, "coin", str(m->coin));
    set(o, "mid", num(m->mid));
    set(o, "bid", num(m->bid));
    set(o, "ask", num(m->ask));
    set(o, "spread_bps", num(m->spread_bps));
    set(o, "volume_24h", num(m->volume_24h));
    set(o, "funding_rate_1h", num(m->funding_rate_1h));
    set(o, "last_update", json_integer(m->last_update));
    set(o, "stale", json_boolean(m->stale));
    set(o, "rules", rules_json(&m->rules));
    set(o, "regime", str(m->regime));
    set(o, "regime_summary", str(m->regime_summary));
    set(o, "indicators_1m", indicators_json(m->ind_1m, m->n_ind_1m));
    set(o, "indicators_ctx", indicators_json(m->ind_ctx, m->n_ind_ctx));
    set(o, "candles_1m", candles_json(m->candles_1m, m->n_candles_1m));
    set(o, "candles_ctx", candles_json(m->candles_ctx, m->n_candles_ctx));
    return o;
}

static json_t *exit_plan_json(const perp_exit_plan *x)
{
    json_t *o = json_object();
    set(o, "profit_target", price(x->profit_target));
    set(o, "stop_loss", price(x->stop_loss));
    set(o, "invalidation_condition", str(x->invalidation));
    return o;
}

static json_t *position_json(const perp_position *p, int64_t now)
{
    char coin[PERP_COIN_MAX];
    perp_symbol_coin(p->symbol, coin);
    json_t *o = json_object();
    set(o, "symbol", str(p->symbol));
    set(o, "coin", str(coin));
    set(o, "side", json_string_nocheck(p->qty < 0 ? "short" : "long"));
    set(o, "qty", num(p->qty));
    set(o, "entry_price", num(p->entry_price));
    set(o, "mark_price", num(p->mark_price));
    set(o, "leverage", num(p->leverage));
    set(o, "notional", num(p->notional));
    set(o, "initial_margin", num(p->initial_margin));
    set(o, "maintenance_margin", num(p->maintenance_margin));
    set(o, "liquidation_price", price(p->liquidation_price));
    set(o, "unrealized_pnl", num(p->unrealized_pnl));
    set(o, "entry_ts", json_integer(p->entry_ts));
    set(o, "holding_minutes",
        p->entry_ts > 0 && now >= p->entry_ts
            ? json_integer((now - p->entry_ts) / 60000)
            : json_null());
    set(o, "exit_plan", exit_plan_json(&p->exit_plan));
    return o;
}

static json_t *account_json(const perp_account *a, int64_t now)
{
    json_t *o = json_object();
    set(o, "starting_equity", num(a->starting_equity));
    set(o, "equity", num(a->equity));
    set(o, "cash", num(a->cash));
    set(o, "available", num(a->available));
    set(o, "margin_used", num(a->margin_used));
    set(o, "maintenance_margin", num(a->maintenance_margin));
    set(o, "unrealized_pnl", num(a->unrealized_pnl));
    set(o, "realized_pnl", num(a->realized_pnl));
    set(o, "fees_paid", num(a->fees_paid));
    set(o, "funding_net", num(a->funding_net));
    set(o, "total_return_pct",
        a->starting_equity > 0
            ? num((a->equity - a->starting_equity) / a->starting_equity * 100.0)
            : json_null());
    json_t *pos = json_array();
    for (size_t i = 0; i < a->n_positions && i < PERP_MAX_SYMBOLS; i++)
        json_array_append_new(pos, position_json(&a->positions[i], now));
    set(o, "positions", pos);
    return o;
}

static json_t *trade_json(const perp_round_trip *t)
{
    json_t *o = json_object();
    set(o, "symbol", str(t->symbol));
    set(o, "side", json_string_nocheck(t->side < 0 ? "short" : "long"));
    set(o, "qty", num(t->qty));
    set(o, "entry_price", num(t->entry_price));
    set(o, "exit_price", num(t->exit_price));
    set(o, "entry_ts", json_integer(t->entry_ts));
    set(o, "exit_ts", json_integer(t->exit_ts));
    set(o, "hold_minutes", num((double)(t->exit_ts - t->entry_ts) / 60000.0));
    set(o, "fees", num(t->fees));
    set(o, "net_pnl", num(t->net_pnl));
    set(o, "entry_reason", str(t->entry_reason ? t->entry_reason : ""));
    set(o, "exit_reason", str(t->exit_reason ? t->exit_reason : ""));
    return o;
}

static json_t *metrics_json(const perp_metrics *m)
{
    json_t *o = json_object();
    set(o, "trades", json_integer((json_int_t)m->trades));
    set(o, "win_rate", num(m->win_rate));
    /* No losing trade yet: INFINITY, shown as null with trades > 0. */
    set(o, "profit_factor", num(m->profit_factor));
    set(o, "sharpe", num(m->sharpe));
    set(o, "sortino", num(m->sortino));
    set(o, "max_drawdown_pct", num(m->max_drawdown_pct));
    set(o, "total_return_pct", num(m->total_return_pct));
    set(o, "avg_win", num(m->avg_win));
    set(o, "avg_loss", num(m->avg_loss));
    return o;
}

static json_t *limits_json(const perp_limits *l)
{
    json_t *o = json_object();
    set(o, "min_notional", num(l->min_notional));
    set(o, "max_leverage", num(l->max_leverage));
    set(o, "max_exposure", num(l->max_exposure));
    set(o, "max_position_notional",
        l->max_position_notional > 0 ? num(l->max_position_notional)
                                     : json_null());
    return o;
}

static json_t *observation_json(const perp_observation *obs)
{
    json_t *o = json_object();
    set(o, "ts", json_integer(obs->ts));
    set(o, "cycle", json_integer(obs->cycle));
    set(o, "version", str(obs->version));
    set(o, "conventions",
        json_string_nocheck(
            "times are ms since the Unix epoch (UTC); series and candles are "
            "oldest first; candles are [open_ts, open, high, low, close, "
            "volume]; null means not available"));
    set(o, "ctx_interval_ms", json_integer(obs->ctx_interval_ms));
    json_t *markets = json_array();
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++)
        json_array_append_new(markets, market_json(&obs->markets[i]));
    set(o, "markets", markets);
    set(o, "account", account_json(&obs->account, obs->ts));
    json_t *trades = json_array();
    for (size_t i = 0; obs->recent_trades && i < obs->n_recent_trades; i++)
        json_array_append_new(trades, trade_json(&obs->recent_trades[i]));
    set(o, "recent_trades", trades);
    set(o, "metrics", metrics_json(&obs->metrics));
    set(o, "limits", limits_json(&obs->limits));
    json_t *fb = json_array();
    for (size_t i = 0; obs->feedback && i < obs->n_feedback; i++)
        json_array_append_new(fb, str(obs->feedback[i]));
    set(o, "feedback", fb);
    return o;
}

char *host_observation_to_json(const perp_observation *obs)
{
    if (!obs)
        return NULL;
    json_t *root = observation_json(obs);
    if (!root)
        return NULL;
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                   JSON_REAL_PRECISION(10));
    json_decref(root);
    return s;
}
