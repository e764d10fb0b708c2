/*
 * prompt_render.c — perp_observation to the compact text a language model
 * reads (see prompt_render.h and docs/prompt.md).
 *
 * Layout choices, each for the tokens it saves on every cycle: one line a
 * fact, no key repeated per row, candle rows without times (one start and
 * the interval per series), closes only for the one-minute series (the
 * context rows keep open/high/low/close/volume), an indicator line per
 * indicator with its outputs side by side, numbers to the precision that
 * carries information (prompt_format.h). Everything that does not change
 * between cycles is the CONSTANT part, rendered on its own, so a planner
 * can put it first and the provider's prompt cache covers it.
 *
 * The budget: the text is rendered, estimated (prompt_tokens.h) and, when
 * over, rendered again with a deeper cut. Cuts form one sequence of
 * levels, so a binary search finds the first level that fits: each level
 * drops one context candle row per market (oldest first), then one
 * one-minute row, then one value from every indicator series (never the
 * current one), then the oldest round trip. Rendering is ~0.1 ms, so the
 * dozen renders of a search cost nothing beside an LLM call.
 */
#include "prompt_render.h"

#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_writer.h"
#include "prompt_format.h"
#include "prompt_tokens.h"

#define DEFAULT_CONTEXT_CANDLES 2
#define DEFAULT_REASON_CHARS    40
#define INVALIDATION_CHARS      200
#define FEEDBACK_CHARS          300

typedef struct cut {
    size_t ctx, m1, series, trades;
} cut;

typedef struct render_opts {
    perp_prompt_part part;
    int64_t tokens_max;
    size_t context_candles;
    size_t reason_chars;
} render_opts;

/* ------------------------------------------------------------- output */

static void put(host_jw *w, const char *s)
{
    host_jw_raw(w, s, strlen(s));
}

static void putf(host_jw *w, const char *fmt, ...) PERP_PRINTF(2, 3);

static void putf(host_jw *w, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        host_jw_raw(w, buf,
                    (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* "label num"; a NULL label writes the number alone, "" a space and the
 * number (a series element). */
static void put_num(host_jw *w, const char *label, const char *num)
{
    if (label) {
        put(w, label);
        put(w, " ");
    }
    put(w, num);
}

static void put_price(host_jw *w, const char *label, double x, double tick)
{
    char n[PROMPT_NUM_MAX];
    prompt_fmt_price(x, tick, n);
    put_num(w, label, n);
}

static void put_money(host_jw *w, const char *label, double x)
{
    char n[PROMPT_NUM_MAX];
    prompt_fmt_fixed(x, 2, n);
    put_num(w, label, n);
}

static void put_pct(host_jw *w, const char *label, double x, const char *unit)
{
    char n[PROMPT_NUM_MAX];
    prompt_fmt_fixed(x, 1, n);
    put_num(w, label, n);
    if (isfinite(x))
        put(w, unit);
}

static void put_sig(host_jw *w, const char *label, double x, int digits)
{
    char n[PROMPT_NUM_MAX];
    prompt_fmt_sig(x, digits, n);
    put_num(w, label, n);
}

/* Up to max_chars characters of s on one line: control characters become
 * spaces, bytes of ill-formed UTF-8 become '?', a cut ends in "...". */
static void put_text(host_jw *w, const char *s, size_t max_chars)
{
    if (!s)
        return;
    int utf8 = host_jw_utf8_valid(s);
    char buf[128];
    size_t n = 0, chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int lead = !utf8 || (*p & 0xC0) != 0x80;
        if (lead && chars == max_chars) {
            memcpy(buf + n, "...", 3);
            n += 3;
            break;
        }
        chars += lead;
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7F)
            c = ' ';
        else if (!utf8 && c >= 0x80)
            c = '?';
        buf[n++] = (char)c;
        if (n >= sizeof buf - 4) {
            host_jw_raw(w, buf, n);
            n = 0;
        }
    }
    host_jw_raw(w, buf, n);
}

/* "6h", "1m", "1d", "90s": the interval as a short duration. */
static void interval_name(int64_t ms, char *out, size_t len)
{
    static const struct {
        int64_t ms;
        const char *unit;
    } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms >= units[i].ms && ms % units[i].ms == 0) {
            snprintf(out, len, "%lld%s", (long long)(ms / units[i].ms),
                     units[i].unit);
            return;
        }
    snprintf(out, len, "%lldms", (long long)ms);
}

/* "2023-04-21 23:16", or "23:16" when short and within a day of now. */
static void put_time(host_jw *w, int64_t ms, int64_t now, int short_ok)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        put(w, "-");
        return;
    }
    char buf[32];
    int same_day = short_ok && now >= ms && now - ms < 86400000;
    strftime(buf, sizeof buf, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", &tm);
    put(w, buf);
}

/* ------------------------------------------------------------ lookups */

static const perp_market_view *market_of(const perp_observation *obs,
                                         const char *symbol)
{
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++)
        if (strncmp(obs->markets[i].symbol, symbol, PERP_SYMBOL_MAX) == 0)
            return &obs->markets[i];
    return NULL;
}

static double tick_of(const perp_observation *obs, const char *symbol)
{
    const perp_market_view *m = market_of(obs, symbol);
    return m ? m->rules.tick_size : NAN;
}

static double step_of(const perp_observation *obs, const char *symbol)
{
    const perp_market_view *m = market_of(obs, symbol);
    return m ? m->rules.size_step : NAN;
}

static size_t keep(size_t n, size_t drop)
{
    return drop >= n ? 0 : n - drop;
}

/* ------------------------------------------------- the constant part */

static void reading_guide(host_jw *w, const char *ctx)
{
    put(w, "How to read each cycle's observation:\n"
           "- Per coin: \"## COIN price, spread, 24h volume, funding\", "
           "then 1m closes, ");
    put(w, ctx);
    put(w, " candles, indicators. Times are UTC; \"-\" = not available.\n"
           "- Prices are exact to the tick; indicators have 4 significant "
           "digits (1 decimal from 10 up; near the price, as a price); "
           "volumes 3 significant digits; percentages 1 decimal; money "
           "USD.\n"
           "- Series run oldest to newest and end with the current value. "
           "\"1m closes from 22:16:\" is one close a minute from the "
           "candle opened at 22:16 to the last closed one; \"");
    put(w, ctx);
    put(w, " candles from DATE:\" one row a candle: open high low close "
           "volume; \"[gap]\" marks missing candles.\n"
           "- Indicator lines: name, then series; one indicator's outputs "
           "share a line (\"macd: macd ..., signal ..., hist ...\"); a "
           "categorical output shows its label; \"warming up 12/26\": "
           "not defined yet, 12 of the 26 candles it needs seen.\n"
           "- \"Trimmed\" says what was cut to fit the prompt budget.\n");
}

static void rules_table(host_jw *w, const perp_observation *obs)
{
    put(w, "\nTrading rules per coin: tick, size step, min notional USD, max "
           "leverage\n");
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++) {
        const perp_market_view *m = &obs->markets[i];
        const perp_symbol_rules *r = &m->rules;
        char tick[PROMPT_NUM_MAX], step[PROMPT_NUM_MAX];
        prompt_fmt_price(r->tick_size, r->tick_size, tick);
        prompt_fmt_price(r->size_step, r->size_step, step);
        put_text(w, m->coin, PERP_COIN_MAX);
        putf(w, " %s %s ", tick, step);
        put_money(w, NULL, r->min_notional);
        put(w, " ");
        put_sig(w, NULL, r->max_leverage, 4);
        put(w, "\n");
    }
}

static void limits(host_jw *w, const perp_limits *l)
{
    put(w, "Limits: ");
    put_money(w, "min notional", l->min_notional);
    put_sig(w, " USD, max leverage", l->max_leverage, 4);
    put_sig(w, ", max exposure", l->max_exposure, 4);
    put(w, "x equity, ");
    if (l->max_position_notional > 0)
        put_money(w, "max position notional", l->max_position_notional);
    else
        put(w, "no max position notional");
    put(w, "\n");
}

/* The indicators' warm-up per market (ABI 1.2), or NULL: an observation
 * from before the member. */
static const perp_market_warmup *warmup_of(const perp_observation *obs)
{
    if (obs->struct_size <
            offsetof(perp_observation, warmup) + sizeof obs->warmup ||
        !obs->markets || obs->n_markets == 0)
        return NULL;
    return obs->warmup;
}

/* The backend's slippage per market (ABI 1.2), or NULL: not said, or an
 * observation from before the member. */
static const perp_market_slippage *slippage_of(const perp_observation *obs)
{
    if (obs->struct_size <
            offsetof(perp_observation, slippage) + sizeof obs->slippage ||
        !obs->markets || obs->n_markets == 0)
        return NULL;
    return obs->slippage;
}

/* The model in force, once (it does not change between cycles). */
static void slippage_model(host_jw *w, const perp_observation *obs)
{
    const perp_market_slippage *s = slippage_of(obs);
    if (!s || !s->model[0])
        return;
    char win[24];
    if (strcmp(s->model, "sqrt") != 0) {
        put_sig(w, "Slippage: fixed", s->floor_bps, 4);
        put(w, " bps of the price on every market order, whatever its "
               "size.\n");
        return;
    }
    interval_name(s->window_ms, win, sizeof win);
    put_sig(w, "Slippage, square-root impact: bps =", s->k, 4);
    put(w, " x sigma x sqrt(order USD / V) x 10000");
    put_sig(w, ", at least", s->floor_bps, 4);
    put_sig(w, ", at most", s->cap_bps, 4);
    put(w, " (also while sigma or V is unknown); sigma = 1m volatility, V = "
           "USD traded a minute, both over the last ");
    put(w, win);
    put(w, " (per coin below, with what orders of a few sizes pay now; "
           "\"max\" = all available margin at max leverage).\n");
}

static void constant_part(host_jw *w, const perp_observation *obs)
{
    char ctx[24];
    interval_name(obs->ctx_interval_ms, ctx, sizeof ctx);
    reading_guide(w, ctx);
    rules_table(w, obs);
    limits(w, &obs->limits);
    slippage_model(w, obs);
}

/* ------------------------------------------------- the changing part */

static void market_header(host_jw *w, const perp_market_view *m)
{
    double tick = m->rules.tick_size;
    put(w, "\n## ");
    put_text(w, m->coin, PERP_COIN_MAX);
    if (m->stale)
        put(w, " STALE (no fresh price: orders refused)");
    put_price(w, " price", m->mid, tick);
    put_pct(w, ", spread", m->spread_bps, " bps");
    char n[PROMPT_NUM_MAX];
    prompt_fmt_volume(m->volume_24h, n);
    put(w, ", 24h volume ");
    put(w, n);
    put_sig(w, ", funding", m->funding_rate_1h * 100.0, 3);
    if (isfinite(m->funding_rate_1h))
        put(w, "%/h");
    put(w, "\n");
}

/* " [gap] from T:" when a row does not follow its predecessor. */
static void gap_mark(host_jw *w, const perp_candle *prev, const perp_candle *c,
                     int64_t now, int short_time)
{
    if (prev && c->ts != prev->ts + prev->interval_ms) {
        put(w, " [gap] from ");
        put_time(w, c->ts, now, short_time);
        put(w, ":");
    }
}

static void closes_1m(host_jw *w, const perp_market_view *m, size_t drop,
                      int64_t now)
{
    size_t n = keep(m->n_candles_1m, drop);
    if (n == 0)
        return;
    const perp_candle *c = m->candles_1m + (m->n_candles_1m - n);
    put(w, "1m closes from ");
    put_time(w, c[0].ts, now, 1);
    put(w, ":");
    for (size_t i = 0; i < n; i++) {
        gap_mark(w, i ? &c[i - 1] : NULL, &c[i], now, 1);
        put_price(w, "", c[i].close, m->rules.tick_size);
    }
    put(w, "\n");
}

static void context_rows(host_jw *w, const perp_market_view *m, size_t shown,
                         const char *ctx, int64_t now)
{
    size_t n = shown < m->n_candles_ctx ? shown : m->n_candles_ctx;
    if (n == 0)
        return;
    const perp_candle *c = m->candles_ctx + (m->n_candles_ctx - n);
    double tick = m->rules.tick_size;
    putf(w, "%s candles from ", ctx);
    put_time(w, c[0].ts, now, 0);
    put(w, ":\n");
    for (size_t i = 0; i < n; i++) {
        if (i && c[i].ts != c[i - 1].ts + c[i - 1].interval_ms)
            put(w, "[gap]\n");
        put_price(w, NULL, c[i].open, tick);
        put_price(w, "", c[i].high, tick);
        put_price(w, "", c[i].low, tick);
        put_price(w, "", c[i].close, tick);
        char v[PROMPT_NUM_MAX];
        prompt_fmt_volume(c[i].volume, v);
        put(w, " ");
        put(w, v);
        put(w, "\n");
    }
}

/* Length of the "group." prefix of a multi-output name, or 0. */
static size_t group_len(const char *name)
{
    const char *dot = name ? strchr(name, '.') : NULL;
    return dot ? (size_t)(dot - name) : 0;
}

static int same_group(const char *a, const char *b)
{
    size_t la = group_len(a);
    return la > 0 && la == group_len(b) && strncmp(a, b, la) == 0;
}

/* "warming up 12/26" in place of an output that is not defined yet
 * because it has not seen the candles it needs: "-" alone would read as
 * missing data. 1 when said. */
static int warming_up(host_jw *w, const perp_indicator_value *v,
                      const perp_warmup *wu)
{
    if (!wu || wu->needed == 0 || wu->seen >= wu->needed || isfinite(v->value))
        return 0;
    putf(w, " warming up %u/%u", (unsigned)wu->seen, (unsigned)wu->needed);
    return 1;
}

static void indicator_values(host_jw *w, const perp_indicator_value *v,
                             const perp_market_view *m, size_t drop,
                             const perp_warmup *wu)
{
    if (warming_up(w, v, wu))
        return;
    if (v->label) {
        put(w, " ");
        put_text(w, v->label, 64);
        return;
    }
    size_t n = v->series ? keep(v->series_len, drop) : 0;
    char num[PROMPT_NUM_MAX];
    if (n == 0) {
        prompt_fmt_indicator(v->value, m->mid, m->rules.tick_size, num);
        put_num(w, "", num);
        return;
    }
    for (size_t k = v->series_len - n; k < v->series_len; k++) {
        prompt_fmt_indicator(v->series[k], m->mid, m->rules.tick_size, num);
        put_num(w, "", num);
    }
}

/* The first len bytes of s, as put_text shows them. */
static void put_prefix(host_jw *w, const char *s, size_t len)
{
    char buf[128];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    put_text(w, buf, sizeof buf);
}

/* wu: warm-up per entry of v (n of them), or NULL. */
static void indicators(host_jw *w, const perp_indicator_value *v, size_t n,
                       const perp_market_view *m, const char *tf, size_t drop,
                       const perp_warmup *wu)
{
    if (!v || n == 0)
        return;
    putf(w, "%s indicators:", tf);
    for (size_t i = 0; i < n; i++) {
        const char *name = v[i].name ? v[i].name : "?";
        size_t g = group_len(name);
        int cont = i > 0 && same_group(v[i - 1].name, name);
        int first = !cont && i + 1 < n && same_group(name, v[i + 1].name);
        if (cont) {
            put(w, ", ");
            put_text(w, name + g + 1, 64);
        } else if (first) {
            put(w, "\n");
            put_prefix(w, name, g);
            put(w, ": ");
            put_text(w, name + g + 1, 64);
        } else {
            put(w, "\n");
            put_text(w, name, 96);
        }
        indicator_values(w, &v[i], m, drop, wu ? &wu[i] : NULL);
    }
    put(w, "\n");
}

/* USD amounts of the slippage line: 3 significant digits with k or M
 * (48,210 -> "48.2k", 2,400,000 -> "2.4M"); "-" when unknown. */
static void usd_short(double x, char out[PROMPT_NUM_MAX])
{
    const char *unit = fabs(x) >= 1e6 ? "M" : fabs(x) >= 1e3 ? "k" : "";
    double scale = *unit == 'M' ? 1e6 : *unit == 'k' ? 1e3 : 1;
    size_t len = prompt_fmt_sig(x / scale, 3, out);
    if (isfinite(x) && *unit && len + 1 < PROMPT_NUM_MAX) {
        out[len] = *unit;
        out[len + 1] = '\0';
    }
}

/* "slippage: sigma 4.1 bp/min, V 312k USD/min; 1k 1 bps, 10k 1.2, 100k
 * 3.7, max 48.2k 2.6": the sqrt model's figures for this coin now. */
static void market_slippage(host_jw *w, const perp_market_slippage *s)
{
    if (!s || strcmp(s->model, "sqrt") != 0)
        return;
    char n[PROMPT_NUM_MAX];
    put_sig(w, "slippage: sigma", s->sigma_1m * 1e4, 3);
    if (isfinite(s->sigma_1m))
        put(w, " bp/min");
    usd_short(s->volume_1m, n);
    put(w, ", V ");
    put(w, n);
    if (isfinite(s->volume_1m))
        put(w, " USD/min");
    for (size_t k = 0; k < PERP_SLIPPAGE_QUOTES; k++) {
        if (k == PERP_SLIPPAGE_QUOTES - 1 && !(s->notional[k] > 0))
            break;
        usd_short(s->notional[k], n);
        put(w, k == 0 ? "; " : ", ");
        if (k == PERP_SLIPPAGE_QUOTES - 1)
            put(w, "max ");
        put(w, n);
        put_sig(w, "", s->bps[k], 3);
        if (k == 0)
            put(w, " bps");
    }
    put(w, "\n");
}

static void market(host_jw *w, const perp_market_view *m,
                   const perp_market_slippage *sl, const perp_market_warmup *wu,
                   const cut *c, const render_opts *o, const char *ctx,
                   int64_t now)
{
    market_header(w, m);
    market_slippage(w, sl);
    closes_1m(w, m, c->m1, now);
    context_rows(w, m, keep(o->context_candles, c->ctx), ctx, now);
    indicators(w, m->ind_1m, m->n_ind_1m, m, "1m", c->series,
               wu ? wu->ind_1m : NULL);
    indicators(w, m->ind_ctx, m->n_ind_ctx, m, ctx, c->series,
               wu ? wu->ind_ctx : NULL);
}

static void position(host_jw *w, const perp_observation *obs,
                     const perp_position *p)
{
    char coin[PERP_COIN_MAX];
    perp_symbol_coin(p->symbol, coin);
    double tick = tick_of(obs, p->symbol);
    put_text(w, coin, PERP_COIN_MAX);
    put(w, p->qty < 0 ? " short" : " long");
    put_price(w, "", fabs(p->qty), step_of(obs, p->symbol));
    put_price(w, " entry", p->entry_price, tick);
    put_price(w, " mark", p->mark_price, tick);
    put_sig(w, "", p->leverage, 4);
    put(w, "x");
    put_money(w, " notional", p->notional);
    put_price(w, " liq", p->liquidation_price > 0 ? p->liquidation_price : NAN,
              tick);
    put_money(w, " unrealized", p->unrealized_pnl);
    if (p->entry_ts > 0 && obs->ts >= p->entry_ts)
        putf(w, " held %lld min", (long long)((obs->ts - p->entry_ts) / 60000));
    const perp_exit_plan *x = &p->exit_plan;
    put_price(w, "; target", x->profit_target > 0 ? x->profit_target : NAN,
              tick);
    put_price(w, " stop", x->stop_loss > 0 ? x->stop_loss : NAN, tick);
    put(w, " invalidation: ");
    size_t len = strnlen(x->invalidation, sizeof x->invalidation);
    char inv[PERP_INVALIDATION_MAX];
    memcpy(inv, x->invalidation, len);
    inv[len < sizeof inv ? len : sizeof inv - 1] = '\0';
    put_text(w, inv[0] ? inv : "-", INVALIDATION_CHARS);
    put(w, "\n");
}

static void account(host_jw *w, const perp_observation *obs)
{
    const perp_account *a = &obs->account;
    put(w, "\n## Account\n");
    put_money(w, "equity", a->equity);
    put_money(w, ", available", a->available);
    put_money(w, ", margin used", a->margin_used);
    put_money(w, ", unrealized", a->unrealized_pnl);
    put_money(w, ", realized", a->realized_pnl);
    put_money(w, ", fees", a->fees_paid);
    put_money(w, ", funding", a->funding_net);
    if (a->starting_equity > 0) {
        put_pct(w, ", return",
                (a->equity - a->starting_equity) / a->starting_equity * 100.0,
                "%");
        put_money(w, " since", a->starting_equity);
    }
    put(w, "\n");
    if (a->n_positions == 0)
        put(w, "No open positions.\n");
    for (size_t i = 0; i < a->n_positions && i < PERP_MAX_SYMBOLS; i++)
        position(w, obs, &a->positions[i]);
}

static void round_trip(host_jw *w, const perp_observation *obs,
                       const perp_round_trip *t, size_t reason_chars)
{
    char coin[PERP_COIN_MAX];
    perp_symbol_coin(t->symbol, coin);
    double tick = tick_of(obs, t->symbol);
    put_text(w, coin, PERP_COIN_MAX);
    put(w, t->side < 0 ? " short" : " long");
    put_price(w, "", t->qty, step_of(obs, t->symbol));
    put_price(w, "", t->entry_price, tick);
    put_price(w, " ->", t->exit_price, tick);
    putf(w, " in %lld min", (long long)((t->exit_ts - t->entry_ts) / 60000));
    put_money(w, ", net", t->net_pnl);
    if (reason_chars > 0 && t->entry_reason && *t->entry_reason) {
        put(w, "; entry: ");
        put_text(w, t->entry_reason, reason_chars);
    }
    if (reason_chars > 0 && t->exit_reason && *t->exit_reason) {
        put(w, "; exit: ");
        put_text(w, t->exit_reason, reason_chars);
    }
    put(w, "\n");
}

static void round_trips(host_jw *w, const perp_observation *obs, size_t drop,
                        size_t reason_chars)
{
    size_t n = obs->recent_trades ? keep(obs->n_recent_trades, drop) : 0;
    put(w, "\n## Round trips, newest first\n");
    if (n == 0)
        put(w, "none\n");
    for (size_t i = 0; i < n; i++)
        round_trip(w, obs, &obs->recent_trades[i], reason_chars);
}

static void metrics(host_jw *w, const perp_metrics *m)
{
    putf(w, "\n## Metrics of this version\nround trips %zu", m->trades);
    put_pct(w, ", win rate", m->win_rate * 100.0, "%");
    put_sig(w, ", profit factor", m->profit_factor, 3);
    put_sig(w, ", sharpe", m->sharpe, 3);
    put_sig(w, ", sortino", m->sortino, 3);
    put_pct(w, ", max drawdown", m->max_drawdown_pct, "%");
    put_pct(w, ", return", m->total_return_pct, "%");
    put_money(w, ", avg win", m->avg_win);
    put_money(w, ", avg loss", m->avg_loss);
    put(w, "\n");
}

static void feedback(host_jw *w, const perp_observation *obs)
{
    put(w, "\n## Feedback on the last cycle\n");
    size_t shown = 0;
    for (size_t i = 0; obs->feedback && i < obs->n_feedback; i++) {
        if (!obs->feedback[i])
            continue;
        put(w, "- ");
        put_text(w, obs->feedback[i], FEEDBACK_CHARS);
        put(w, "\n");
        shown++;
    }
    if (shown == 0)
        put(w, "none\n");
}

static size_t max_ctx_shown(const perp_observation *obs, const render_opts *o)
{
    size_t n = 0;
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++) {
        size_t k = obs->markets[i].n_candles_ctx;
        n = k > n ? k : n;
    }
    return n < o->context_candles ? n : o->context_candles;
}

static size_t max_1m(const perp_observation *obs)
{
    size_t n = 0;
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++)
        if (obs->markets[i].n_candles_1m > n)
            n = obs->markets[i].n_candles_1m;
    return n;
}

static size_t max_series(const perp_observation *obs)
{
    size_t n = 0;
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++) {
        const perp_market_view *m = &obs->markets[i];
        for (size_t k = 0; m->ind_1m && k < m->n_ind_1m; k++)
            n = m->ind_1m[k].series_len > n ? m->ind_1m[k].series_len : n;
        for (size_t k = 0; m->ind_ctx && k < m->n_ind_ctx; k++)
            n = m->ind_ctx[k].series_len > n ? m->ind_ctx[k].series_len : n;
    }
    return n;
}

static size_t n_trades(const perp_observation *obs)
{
    return obs->recent_trades ? obs->n_recent_trades : 0;
}

static void trim_note(host_jw *w, const perp_observation *obs,
                      const render_opts *o, const cut *c, const char *ctx)
{
    if (!c->ctx && !c->m1 && !c->series && !c->trades)
        return;
    put(w, "Trimmed to fit the prompt budget, oldest first:");
    const char *sep = " ";
    if (c->ctx) {
        size_t n = max_ctx_shown(obs, o);
        putf(w, "%s%s candles %zu->%zu a coin", sep, ctx, n, keep(n, c->ctx));
        sep = ", ";
    }
    if (c->m1) {
        size_t n = max_1m(obs);
        putf(w, "%s1m closes %zu->%zu", sep, n, keep(n, c->m1));
        sep = ", ";
    }
    if (c->series) {
        size_t n = max_series(obs);
        putf(w, "%sindicator series %zu->%zu values", sep, n,
             keep(n, c->series) ? keep(n, c->series) : 1);
        sep = ", ";
    }
    if (c->trades) {
        size_t n = n_trades(obs);
        putf(w, "%sround trips %zu->%zu", sep, n, keep(n, c->trades));
    }
    put(w, ".\n");
}

static void changing_part(host_jw *w, const perp_observation *obs,
                          const render_opts *o, const cut *c)
{
    char ctx[24];
    interval_name(obs->ctx_interval_ms, ctx, sizeof ctx);
    putf(w, "Cycle %lld, ", (long long)obs->cycle);
    put_time(w, obs->ts, obs->ts, 0);
    put(w, " UTC.\n");
    trim_note(w, obs, o, c, ctx);
    const perp_market_slippage *sl = slippage_of(obs);
    const perp_market_warmup *wu = warmup_of(obs);
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++)
        market(w, &obs->markets[i], sl ? &sl[i] : NULL, wu ? &wu[i] : NULL, c,
               o, ctx, obs->ts);
    account(w, obs);
    round_trips(w, obs, c->trades, o->reason_chars);
    metrics(w, &obs->metrics);
    feedback(w, obs);
}

/* ----------------------------------------------------- budget search */

/* Level L of the cut sequence (see the file comment). */
static cut cut_at(size_t level, size_t ctx, size_t m1, size_t series,
                  size_t trades)
{
    cut c = {0, 0, 0, 0};
    size_t *slot[4] = {&c.ctx, &c.m1, &c.series, &c.trades};
    size_t cap[4] = {ctx, m1, series > 0 ? series - 1 : 0, trades};
    for (int i = 0; i < 4 && level > 0; i++) {
        *slot[i] = level < cap[i] ? level : cap[i];
        level -= *slot[i];
    }
    return c;
}

static char *render_at(const perp_observation *obs, const render_opts *o,
                       const cut *c, size_t *len, int64_t *tokens)
{
    host_jw w;
    host_jw_init(&w, 4096 + obs->n_markets * 4096);
    if (o->part == PERP_PROMPT_CONSTANT)
        constant_part(&w, obs);
    else
        changing_part(&w, obs, o, c);
    char *s = host_jw_finish(&w);
    *len = s ? strlen(s) : 0;
    *tokens = s ? prompt_tokens_estimate(s, *len) : 0;
    return s;
}

static perp_status render_budgeted(const perp_observation *obs,
                                   const render_opts *o, char **text,
                                   size_t *len, int64_t *tokens, cut *used,
                                   int *over)
{
    size_t caps[4] = {max_ctx_shown(obs, o), max_1m(obs), max_series(obs),
                      n_trades(obs)};
    size_t top = caps[0] + caps[1] + (caps[2] ? caps[2] - 1 : 0) + caps[3];
    if (o->part == PERP_PROMPT_CONSTANT || o->tokens_max <= 0)
        top = 0;
    *over = 0;
    *used = cut_at(0, caps[0], caps[1], caps[2], caps[3]);
    *text = render_at(obs, o, used, len, tokens);
    if (!*text)
        return PERP_ENOMEM;
    if (top == 0 || *tokens <= o->tokens_max) {
        *over = o->tokens_max > 0 && *tokens > o->tokens_max;
        return PERP_OK;
    }
    size_t lo = 1, hi = top; /* the answer is in [lo, hi] or hi fails */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        cut c = cut_at(mid, caps[0], caps[1], caps[2], caps[3]);
        size_t l;
        int64_t t;
        char *s = render_at(obs, o, &c, &l, &t);
        if (!s)
            return PERP_ENOMEM;
        free(s);
        if (t <= o->tokens_max)
            hi = mid;
        else
            lo = mid + 1;
    }
    free(*text);
    *used = cut_at(lo, caps[0], caps[1], caps[2], caps[3]);
    *text = render_at(obs, o, used, len, tokens);
    if (!*text)
        return PERP_ENOMEM;
    *over = *tokens > o->tokens_max;
    return PERP_OK;
}

/* ------------------------------------------------------------ entry */

#define OPT_HAS(opt, m)                                                        \
    ((opt)->struct_size >= offsetof(perp_prompt_options, m) + sizeof((opt)->m))
#define OUT_HAS(out, m)                                                        \
    ((out)->struct_size >= offsetof(perp_prompt_text, m) + sizeof((out)->m))

static render_opts read_opts(const perp_prompt_options *opt)
{
    render_opts o = {PERP_PROMPT_CHANGING, 0, DEFAULT_CONTEXT_CANDLES,
                     DEFAULT_REASON_CHARS};
    if (OPT_HAS(opt, part))
        o.part = opt->part;
    if (OPT_HAS(opt, tokens_max))
        o.tokens_max = opt->tokens_max;
    if (OPT_HAS(opt, context_candles))
        o.context_candles = opt->context_candles;
    if (OPT_HAS(opt, reason_chars))
        o.reason_chars = opt->reason_chars;
    return o;
}

perp_status host_prompt_render(const perp_observation *obs,
                               const perp_prompt_options *opt,
                               perp_prompt_text *out)
{
    if (!obs || !opt || !out || !OUT_HAS(out, text) || !OPT_HAS(opt, part))
        return PERP_EINVAL;
    render_opts o = read_opts(opt);
    if (o.part != PERP_PROMPT_CHANGING && o.part != PERP_PROMPT_CONSTANT)
        return PERP_EINVAL;
    char *text;
    size_t len;
    int64_t tokens;
    cut c;
    int over;
    perp_status rc = render_budgeted(obs, &o, &text, &len, &tokens, &c, &over);
    if (rc != PERP_OK)
        return rc;
    out->text = text;
    if (OUT_HAS(out, bytes))
        out->bytes = len;
    if (OUT_HAS(out, tokens_est))
        out->tokens_est = tokens;
    if (OUT_HAS(out, over_budget)) {
        out->context_candles_cut = (uint32_t)c.ctx;
        out->candles_1m_cut = (uint32_t)c.m1;
        out->series_cut = (uint32_t)c.series;
        out->trades_cut = (uint32_t)c.trades;
        out->over_budget = over;
    }
    return PERP_OK;
}
