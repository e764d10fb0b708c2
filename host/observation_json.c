/*
 * observation_json.c — perp_observation to the JSON a planner reads and
 * the observation record stores.
 *
 * Choices: numbers keep 10 significant digits (the Python twin rounded to
 * three decimals, which erased DOGE and XRP); candles are compact arrays
 * [ts, open, high, low, close, volume] so 120 bars per symbol stay small
 * in a prompt; every undefined number (NAN) is null (an indicator still
 * warming up says so beside it: "warming_up": "12/26", candles folded in
 * and candles needed), and exit prices of 0
 * ("not set", sdk.h) are null too; series are oldest first, as the
 * "conventions" member says to the reader. When the backend says what its
 * orders pay (ABI 1.2), "slippage" after "limits" holds the model, and
 * under the sqrt model each market's "slippage" its figures and quotes.
 *
 * The text is written directly (json_writer.h) rather than through a
 * jansson tree: five symbols make ~5,000 values a cycle, and allocating a
 * node for each cost more than the 1 ms the whole observation may take.
 * The output is what json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER |
 * JSON_REAL_PRECISION(10)) printed for the tree this file used to build
 * (tests/unit/test_observation_render.c keeps that tree as its reference),
 * except that ill-formed UTF-8 in a text is replaced, not nulled.
 */
#include "observation_json.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"

/* What the sqrt model's figures mean, said in the record itself. */
#define SLIPPAGE_RULE                                                          \
    "bps = min(cap_bps, max(floor_bps, k * sigma_1m * sqrt(notional / "        \
    "volume_1m) * 10000)), cap_bps while sigma_1m or volume_1m is null; "      \
    "sigma_1m: volatility a minute, volume_1m: USD traded a minute, over "     \
    "window_ms; each market's quotes are [notional USD, bps], the last the "   \
    "largest order the account allows"

/* Member name: a literal that needs no escaping, written with its comma. */
#define KEY(w, k)                                                              \
    do {                                                                       \
        host_jw_sep(w);                                                        \
        host_jw_raw(w, "\"" k "\":", sizeof(k) + 2);                           \
    } while (0)
#define OPEN(w, c)  host_jw_raw(w, c, 1)
#define CLOSE(w, c) host_jw_raw(w, c, 1)

static void num(host_jw *w, const char *k, size_t klen, double x)
{
    host_jw_sep(w);
    host_jw_raw(w, k, klen);
    host_jw_real(w, x);
}

/* "\"name\":" and a real; NAN and infinities are null. */
#define NUM(w, k, x) num(w, "\"" k "\":", sizeof(k) + 2, x)

/* A price where 0 means "not set". */
static void price(host_jw *w, double x)
{
    if (x == 0.0)
        host_jw_null(w);
    else
        host_jw_real(w, x);
}

static void candles(host_jw *w, const perp_candle *c, size_t n)
{
    OPEN(w, "[");
    for (size_t i = 0; c && i < n; i++) {
        host_jw_sep(w);
        OPEN(w, "[");
        host_jw_int(w, c[i].ts);
        const double v[5] = {c[i].open, c[i].high, c[i].low, c[i].close,
                             c[i].volume};
        for (int k = 0; k < 5; k++) {
            host_jw_raw(w, ",", 1);
            host_jw_real(w, v[k]);
        }
        CLOSE(w, "]");
    }
    CLOSE(w, "]");
}

/* A repeated name is one member, where it first appears, holding the last
 * value (what a JSON object built by setting keys in order holds); names
 * that are NULL or not UTF-8 cannot be keys and are left out. */
static const perp_indicator_value *
indicator_to_show(const perp_indicator_value *v, size_t n, size_t i)
{
    const char *name = v[i].name;
    if (!name || !host_jw_utf8_valid(name))
        return NULL;
    for (size_t k = 0; k < i; k++)
        if (v[k].name && strcmp(v[k].name, name) == 0)
            return NULL;
    const perp_indicator_value *last = &v[i];
    for (size_t k = i + 1; k < n; k++)
        if (v[k].name && strcmp(v[k].name, name) == 0)
            last = &v[k];
    return last;
}

/* "12/26" while an output is undefined and short of the candles it
 * needs; nothing once defined, or when its warm-up is unknown. */
static void warming_up(host_jw *w, double value, const perp_warmup *wu)
{
    if (!wu || wu->needed == 0 || wu->seen >= wu->needed || value == value)
        return;
    char text[32];
    snprintf(text, sizeof text, "%u/%u", (unsigned)wu->seen,
             (unsigned)wu->needed);
    KEY(w, "warming_up");
    host_jw_string(w, text);
}

/* wu: warm-up per entry of v (n of them), or NULL. */
static void indicators(host_jw *w, const perp_indicator_value *v, size_t n,
                       const perp_warmup *wu)
{
    OPEN(w, "{");
    for (size_t i = 0; v && i < n; i++) {
        const perp_indicator_value *s = indicator_to_show(v, n, i);
        if (!s)
            continue;
        host_jw_sep(w);
        host_jw_string(w, s->name);
        host_jw_raw(w, ":{", 2);
        NUM(w, "value", s->value);
        if (s->label) {
            KEY(w, "label");
            host_jw_string(w, s->label);
        }
        warming_up(w, s->value, wu ? &wu[s - v] : NULL);
        KEY(w, "series");
        OPEN(w, "[");
        for (size_t k = 0; s->series && k < s->series_len; k++) {
            host_jw_sep(w);
            host_jw_real(w, s->series[k]);
        }
        host_jw_raw(w, "]}", 2);
    }
    CLOSE(w, "}");
}

static void rules(host_jw *w, const perp_symbol_rules *r)
{
    OPEN(w, "{");
    NUM(w, "tick_size", r->tick_size);
    NUM(w, "size_step", r->size_step);
    NUM(w, "min_notional", r->min_notional);
    NUM(w, "max_leverage", r->max_leverage);
    CLOSE(w, "}");
}

/* The sqrt model's figures for one market: sigma, V and [notional, bps]
 * quotes (the last: the account's largest order). */
static void market_slippage(host_jw *w, const perp_market_slippage *s)
{
    OPEN(w, "{");
    NUM(w, "sigma_1m", s->sigma_1m);
    NUM(w, "volume_1m", s->volume_1m);
    KEY(w, "quotes");
    OPEN(w, "[");
    for (size_t k = 0; k < PERP_SLIPPAGE_QUOTES; k++) {
        host_jw_sep(w);
        OPEN(w, "[");
        host_jw_real(w, s->notional[k]);
        host_jw_sep(w);
        host_jw_real(w, s->bps[k]);
        CLOSE(w, "]");
    }
    CLOSE(w, "]");
    CLOSE(w, "}");
}

/* The model in force (one for the backend): what every order pays. */
static void slippage_model(host_jw *w, const perp_market_slippage *s)
{
    OPEN(w, "{");
    KEY(w, "model");
    host_jw_stringn(w, s->model, sizeof s->model);
    if (strncmp(s->model, "sqrt", sizeof s->model) != 0) {
        NUM(w, "bps", s->floor_bps);
        CLOSE(w, "}");
        return;
    }
    NUM(w, "floor_bps", s->floor_bps);
    NUM(w, "k", s->k);
    NUM(w, "cap_bps", s->cap_bps);
    KEY(w, "window_ms");
    host_jw_int(w, s->window_ms);
    KEY(w, "rule");
    host_jw_string(w, SLIPPAGE_RULE);
    CLOSE(w, "}");
}

static void market(host_jw *w, const perp_market_view *m,
                   const perp_market_warmup *wu, const perp_market_slippage *sl)
{
    OPEN(w, "{");
    KEY(w, "symbol");
    host_jw_stringn(w, m->symbol, sizeof m->symbol);
    KEY(w, "coin");
    host_jw_stringn(w, m->coin, sizeof m->coin);
    NUM(w, "mid", m->mid);
    NUM(w, "bid", m->bid);
    NUM(w, "ask", m->ask);
    NUM(w, "spread_bps", m->spread_bps);
    NUM(w, "volume_24h", m->volume_24h);
    NUM(w, "funding_rate_1h", m->funding_rate_1h);
    KEY(w, "last_update");
    host_jw_int(w, m->last_update);
    KEY(w, "stale");
    host_jw_bool(w, m->stale);
    KEY(w, "rules");
    rules(w, &m->rules);
    if (sl && strncmp(sl->model, "sqrt", sizeof sl->model) == 0) {
        KEY(w, "slippage");
        market_slippage(w, sl);
    }
    KEY(w, "regime");
    host_jw_string(w, m->regime);
    KEY(w, "regime_summary");
    host_jw_string(w, m->regime_summary);
    KEY(w, "indicators_1m");
    indicators(w, m->ind_1m, m->n_ind_1m, wu ? wu->ind_1m : NULL);
    KEY(w, "indicators_ctx");
    indicators(w, m->ind_ctx, m->n_ind_ctx, wu ? wu->ind_ctx : NULL);
    KEY(w, "candles_1m");
    candles(w, m->candles_1m, m->n_candles_1m);
    KEY(w, "candles_ctx");
    candles(w, m->candles_ctx, m->n_candles_ctx);
    CLOSE(w, "}");
}

static void exit_plan(host_jw *w, const perp_exit_plan *x)
{
    OPEN(w, "{");
    KEY(w, "profit_target");
    price(w, x->profit_target);
    KEY(w, "stop_loss");
    price(w, x->stop_loss);
    KEY(w, "invalidation_condition");
    host_jw_stringn(w, x->invalidation, sizeof x->invalidation);
    CLOSE(w, "}");
}

static void position(host_jw *w, const perp_position *p, int64_t now)
{
    char coin[PERP_COIN_MAX];
    perp_symbol_coin(p->symbol, coin);
    OPEN(w, "{");
    KEY(w, "symbol");
    host_jw_stringn(w, p->symbol, sizeof p->symbol);
    KEY(w, "coin");
    host_jw_stringn(w, coin, sizeof coin);
    KEY(w, "side");
    host_jw_string(w, p->qty < 0 ? "short" : "long");
    NUM(w, "qty", p->qty);
    NUM(w, "entry_price", p->entry_price);
    NUM(w, "mark_price", p->mark_price);
    NUM(w, "leverage", p->leverage);
    NUM(w, "notional", p->notional);
    NUM(w, "initial_margin", p->initial_margin);
    NUM(w, "maintenance_margin", p->maintenance_margin);
    KEY(w, "liquidation_price");
    price(w, p->liquidation_price);
    NUM(w, "unrealized_pnl", p->unrealized_pnl);
    KEY(w, "entry_ts");
    host_jw_int(w, p->entry_ts);
    KEY(w, "holding_minutes");
    if (p->entry_ts > 0 && now >= p->entry_ts)
        host_jw_int(w, (now - p->entry_ts) / 60000);
    else
        host_jw_null(w);
    KEY(w, "exit_plan");
    exit_plan(w, &p->exit_plan);
    CLOSE(w, "}");
}

static void account(host_jw *w, const perp_account *a, int64_t now)
{
    OPEN(w, "{");
    NUM(w, "starting_equity", a->starting_equity);
    NUM(w, "equity", a->equity);
    NUM(w, "cash", a->cash);
    NUM(w, "available", a->available);
    NUM(w, "margin_used", a->margin_used);
    NUM(w, "maintenance_margin", a->maintenance_margin);
    NUM(w, "unrealized_pnl", a->unrealized_pnl);
    NUM(w, "realized_pnl", a->realized_pnl);
    NUM(w, "fees_paid", a->fees_paid);
    NUM(w, "funding_net", a->funding_net);
    KEY(w, "total_return_pct");
    if (a->starting_equity > 0)
        host_jw_real(w, (a->equity - a->starting_equity) / a->starting_equity *
                            100.0);
    else
        host_jw_null(w);
    KEY(w, "positions");
    OPEN(w, "[");
    for (size_t i = 0; i < a->n_positions && i < PERP_MAX_SYMBOLS; i++) {
        host_jw_sep(w);
        position(w, &a->positions[i], now);
    }
    CLOSE(w, "]");
    CLOSE(w, "}");
}

static void trade(host_jw *w, const perp_round_trip *t)
{
    OPEN(w, "{");
    KEY(w, "symbol");
    host_jw_stringn(w, t->symbol, sizeof t->symbol);
    KEY(w, "side");
    host_jw_string(w, t->side < 0 ? "short" : "long");
    NUM(w, "qty", t->qty);
    NUM(w, "entry_price", t->entry_price);
    NUM(w, "exit_price", t->exit_price);
    KEY(w, "entry_ts");
    host_jw_int(w, t->entry_ts);
    KEY(w, "exit_ts");
    host_jw_int(w, t->exit_ts);
    NUM(w, "hold_minutes", (double)(t->exit_ts - t->entry_ts) / 60000.0);
    NUM(w, "fees", t->fees);
    NUM(w, "net_pnl", t->net_pnl);
    KEY(w, "entry_reason");
    host_jw_string(w, t->entry_reason ? t->entry_reason : "");
    KEY(w, "exit_reason");
    host_jw_string(w, t->exit_reason ? t->exit_reason : "");
    CLOSE(w, "}");
}

static void metrics(host_jw *w, const perp_metrics *m)
{
    OPEN(w, "{");
    KEY(w, "trades");
    host_jw_int(w, (int64_t)m->trades);
    NUM(w, "win_rate", m->win_rate);
    /* No losing trade yet: INFINITY, shown as null with trades > 0. */
    NUM(w, "profit_factor", m->profit_factor);
    NUM(w, "sharpe", m->sharpe);
    NUM(w, "sortino", m->sortino);
    NUM(w, "max_drawdown_pct", m->max_drawdown_pct);
    NUM(w, "total_return_pct", m->total_return_pct);
    NUM(w, "avg_win", m->avg_win);
    NUM(w, "avg_loss", m->avg_loss);
    CLOSE(w, "}");
}

static void limits(host_jw *w, const perp_limits *l)
{
    OPEN(w, "{");
    NUM(w, "min_notional", l->min_notional);
    NUM(w, "max_leverage", l->max_leverage);
    NUM(w, "max_exposure", l->max_exposure);
    KEY(w, "max_position_notional");
    if (l->max_position_notional > 0)
        host_jw_real(w, l->max_position_notional);
    else
        host_jw_null(w);
    CLOSE(w, "}");
}

static void observation(host_jw *w, const perp_observation *obs)
{
    OPEN(w, "{");
    KEY(w, "ts");
    host_jw_int(w, obs->ts);
    KEY(w, "cycle");
    host_jw_int(w, obs->cycle);
    KEY(w, "version");
    host_jw_string(w, obs->version);
    KEY(w, "conventions");
    host_jw_string(w, "times are ms since the Unix epoch (UTC); series and "
                      "candles are oldest first; candles are [open_ts, open, "
                      "high, low, close, volume]; null means not available");
    KEY(w, "ctx_interval_ms");
    host_jw_int(w, obs->ctx_interval_ms);
    KEY(w, "markets");
    OPEN(w, "[");
    /* A builder of ABI 1.1 has no warmup member: read only if there. */
    const perp_market_warmup *wu =
        obs->struct_size >=
                offsetof(perp_observation, warmup) + sizeof obs->warmup
            ? obs->warmup
            : NULL;
    const perp_market_slippage *sl =
        obs->struct_size >= offsetof(perp_observation, slippage) +
                                sizeof obs->slippage &&
                obs->markets && obs->n_markets > 0
            ? obs->slippage
            : NULL;
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++) {
        host_jw_sep(w);
        market(w, &obs->markets[i], wu ? &wu[i] : NULL, sl ? &sl[i] : NULL);
    }
    CLOSE(w, "]");
    KEY(w, "account");
    account(w, &obs->account, obs->ts);
    KEY(w, "recent_trades");
    OPEN(w, "[");
    for (size_t i = 0; obs->recent_trades && i < obs->n_recent_trades; i++) {
        host_jw_sep(w);
        trade(w, &obs->recent_trades[i]);
    }
    CLOSE(w, "]");
    KEY(w, "metrics");
    metrics(w, &obs->metrics);
    KEY(w, "limits");
    limits(w, &obs->limits);
    if (sl && sl->model[0]) {
        KEY(w, "slippage");
        slippage_model(w, sl);
    }
    KEY(w, "feedback");
    OPEN(w, "[");
    for (size_t i = 0; obs->feedback && i < obs->n_feedback; i++) {
        host_jw_sep(w);
        host_jw_string(w, obs->feedback[i]);
    }
    CLOSE(w, "]");
    CLOSE(w, "}");
}

/* Most of the text is candle rows (~90 bytes each); one allocation
 * usually holds it all. */
static size_t size_hint(const perp_observation *obs)
{
    size_t rows = 0;
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++)
        rows += obs->markets[i].n_candles_1m + obs->markets[i].n_candles_ctx;
    return 8192 + obs->n_markets * 2048 + rows * 96;
}

void host_observation_render(const perp_observation *obs, host_jw *w)
{
    if (obs)
        observation(w, obs);
}

char *host_observation_to_json(const perp_observation *obs)
{
    if (!obs)
        return NULL;
    host_jw w;
    host_jw_init(&w, size_hint(obs));
    observation(&w, obs);
    return host_jw_finish(&w);
}
