/*
 * trend_rule.c — a deterministic, slow trend-following rule for a planner
 * that is asked every minute. docs/planner-rules.md has the reasoning.
 *
 * Measures (per market, each cycle):
 *   sigma_1m  realized volatility: standard deviation of the log returns of
 *             the last vol_window (60) one-minute closes (59 returns);
 *   sigma_h   sigma_1m x sqrt(horizon_min (60)): a typical move over the
 *             horizon a trade is meant to last;
 *   spread    (fast - slow) / (close x sigma_h) with fast, slow the 1m EMAs
 *             ema_60 and ema_240: how far the 1-hour trend line is from the
 *             4-hour one, in units of a typical hourly move.
 * Entry (flat, not stale, every named indicator defined):
 *   long when spread >= enter_band (1.0), and the regime label is
 *   trending_up (require_regime; the label of the output named by
 *   `regime`, regime_ctx.regime, a regime indicator on the 6-hour context
 *   candles: on one-minute candles its strength score, made for moves of
 *   percents, almost never leaves "ranging"), and the context close is
 *   above ctx_ema (when named), and macd.hist > 0, and rsi_long_min <= RSI <=
 *   rsi_long_max (50..75); short mirrors (trending_down, below, < 0,
 *   25..50). Never within cooldown (2h) of the last exit of that market
 *   (the newest of recent_trades and the rule's own memory of the position
 *   disappearing, so stop-loss and take-profit exits count too). Never
 *   when the take-profit distance is below min_edge (8) x the round-trip
 *   cost 2 x (fee_bps + slippage_bps) (2 x 3 bps).
 * Exit: a long closes when spread <= -exit_band (0.25), a short when
 *   spread >= exit_band: the band between exit and entry is the
 *   hysteresis that keeps one-minute noise from flipping the position.
 *   No rule exit before min_hold (1h) after entry; the stop loss and take
 *   profit, held by the backend, apply from the first minute. An exit
 *   never flips; the cooldown then applies.
 * Exit plan: stop distance stop_vol_mult (2) x sigma_h x close, take
 *   profit reward_risk (2.5) x that, both snapped away from the price on
 *   the tick grid and at least one tick away on the correct side.
 * Size: risk_pct (0.5) % of equity / (stop distance + round-trip cost per
 *   coin), so the loss at the stop, costs included, is risk_pct of equity;
 *   capped by exposure_use x max_exposure x equity less the other
 *   positions, max_position_notional and margin_use x available x
 *   leverage; floored to the size step; held below the minimum notional.
 */
#include "trend_rule.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text_build.h"
#include "trend_sizing.h"

void trend_params_default(trend_params *p)
{
    memset(p, 0, sizeof *p);
    p->fast = "ema_60";
    p->slow = "ema_240";
    p->macd_hist = "macd.hist";
    p->rsi = "rsi_7";
    p->ctx_ema = "";
    p->regime = "regime_ctx.regime";
    p->require_regime = 1;
    p->enter_band = 1.0;
    p->exit_band = 0.25;
    p->rsi_long_min = 50;
    p->rsi_long_max = 75;
    p->rsi_short_min = 25;
    p->rsi_short_max = 50;
    p->vol_window = 60;
    p->horizon_min = 60;
    p->stop_vol_mult = 2.0;
    p->reward_risk = 2.5;
    p->fee_bps = 2;
    p->slippage_bps = 1;
    p->min_edge = 8;
    p->min_hold_ms = 60 * 60000;
    p->cooldown_ms = 120 * 60000;
    p->risk_pct = 0.5;
    p->leverage = 3.0;
    p->exposure_use = 0.9;
    p->margin_use = 0.9;
}

/* Everything the rule reads from one market view. sigma_h and spread
 * may first be estimates from the volatility cache (approx set, spread
 * within spread_err of the exact one); settle_spread() and
 * exact_spread() make them what trend_realized_vol gives before they
 * decide anything the estimate cannot. */
typedef struct trend_view {
    double close, fast, slow, hist, rsi, ctx_close, ctx_ema;
    double sigma_h, spread;
    int approx;        /* sigma_h and spread are estimates */
    double spread_err; /* bound on |spread - exact| while approx */
    char spread_text[TEXT_FIXED2_MAX + 330]; /* "%+.2f" of the spread */
    const char *regime; /* borrowed from the observation, may be NULL */
} trend_view;

static int named(const char *name)
{
    return name && *name;
}

const perp_indicator_value *trend_find(const perp_indicator_value *v, size_t n,
                                       const char *name)
{
    for (size_t i = 0; named(name) && v && i < n; i++)
        if (v[i].name && strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

/* trend_find, trying first where the name was last cycle (*at). */
static const perp_indicator_value *
find_at(const perp_indicator_value *v, size_t n, const char *name, size_t *at)
{
    if (!named(name) || !v)
        return NULL;
    if (*at < n && v[*at].name && strcmp(v[*at].name, name) == 0)
        return &v[*at];
    const perp_indicator_value *f = trend_find(v, n, name);
    if (f)
        *at = (size_t)(f - v);
    return f;
}

static double indicator(const perp_indicator_value *v, size_t n,
                        const char *name, size_t *at)
{
    const perp_indicator_value *f = find_at(v, n, name, at);
    return f ? f->value : NAN;
}

/* The label of the configured regime output (context timeframe first),
 * or the market's regime when none is named; NULL while undefined. */
static const char *regime_label(const trend_params *p,
                                const perp_market_view *m, trend_memory *mem)
{
    if (!named(p->regime))
        return m->regime;
    const perp_indicator_value *f = find_at(m->ind_ctx, m->n_ind_ctx, p->regime,
                                            &mem->at[TREND_AT_REGIME_CTX]);
    if (!f)
        f = find_at(m->ind_1m, m->n_ind_1m, p->regime,
                    &mem->at[TREND_AT_REGIME_1M]);
    return f && isfinite(f->value) ? f->label : NULL;
}

/* sigma_1m: the cache's estimate when it has one (v->approx), else the
 * exact figure. */
static double read_sigma(const trend_params *p, const perp_market_view *m,
                         trend_memory *mem, trend_view *v, double *rel)
{
    double sigma;
    v->approx = !mem->exact_only &&
                vol_cache_estimate(&mem->vol, m->candles_1m, m->n_candles_1m,
                                   p->vol_window, &sigma, rel);
    if (!v->approx)
        sigma =
            trend_realized_vol(m->candles_1m, m->n_candles_1m, p->vol_window);
    return sigma;
}

/* NULL when every input is defined, else the name of one that is not. */
static const char *read_view(const trend_params *p, const perp_market_view *m,
                             trend_memory *mem, trend_view *v)
{
    size_t n = m->n_candles_1m;
    const perp_indicator_value *i1 = m->ind_1m, *ic = m->ind_ctx;
    v->close = n > 0 ? m->candles_1m[n - 1].close : NAN;
    v->fast = indicator(i1, m->n_ind_1m, p->fast, &mem->at[TREND_AT_FAST]);
    v->slow = indicator(i1, m->n_ind_1m, p->slow, &mem->at[TREND_AT_SLOW]);
    v->hist = indicator(i1, m->n_ind_1m, p->macd_hist, &mem->at[TREND_AT_HIST]);
    v->rsi = indicator(i1, m->n_ind_1m, p->rsi, &mem->at[TREND_AT_RSI]);
    v->ctx_ema =
        indicator(ic, m->n_ind_ctx, p->ctx_ema, &mem->at[TREND_AT_CTX_EMA]);
    size_t nc = m->n_candles_ctx;
    v->ctx_close = nc > 0 ? m->candles_ctx[nc - 1].close : NAN;
    v->regime = regime_label(p, m, mem);
    double rel = 0, sigma = read_sigma(p, m, mem, v, &rel);
    v->sigma_h = sigma * sqrt(p->horizon_min);
    v->spread = (v->fast - v->slow) / (v->close * v->sigma_h);
    /* the estimate's bound, and a few roundings of the divisions */
    v->spread_err = v->approx ? fabs(v->spread) * (rel * 1.001 + 1e-14) : 0;
    v->spread_text[0] = '\0';
    if (!(v->close > 0))
        return "the 1m close";
    if (!isfinite(v->fast))
        return p->fast;
    if (!isfinite(v->slow))
        return p->slow;
    if (named(p->macd_hist) && !isfinite(v->hist))
        return p->macd_hist;
    if (named(p->rsi) && !isfinite(v->rsi))
        return p->rsi;
    if (named(p->ctx_ema) && !(isfinite(v->ctx_ema) && v->ctx_close > 0))
        return p->ctx_ema;
    if (!(v->sigma_h > 0) || !isfinite(v->spread))
        return "the realized volatility";
    return NULL;
}

/* sigma_h and spread as trend_realized_vol makes them, and the spread's
 * text. */
static void exact_spread(const trend_params *p, const perp_market_view *m,
                         trend_view *v)
{
    if (v->approx) {
        double sigma =
            trend_realized_vol(m->candles_1m, m->n_candles_1m, p->vol_window);
        v->sigma_h = sigma * sqrt(p->horizon_min);
        v->spread = (v->fast - v->slow) / (v->close * v->sigma_h);
        v->approx = 0;
        v->spread_err = 0;
    }
    text_build t;
    text_start(&t, v->spread_text, sizeof v->spread_text);
    text_put_fixed2(&t, v->spread, 1);
}

/* 1 when x is certainly on the same side of edge as every value within
 * err of it. */
static int clear_of(double x, double err, double edge)
{
    return fabs(x - edge) > err * 1.001 + 1e-300;
}

/* Keeps the estimated spread when no value within its bound could decide
 * or read otherwise (the bands it is compared with, its two-decimal
 * text); else makes it exact. */
static void settle_spread(const trend_params *p, const perp_market_view *m,
                          trend_view *v)
{
    double s = v->spread, e = v->spread_err;
    if (v->approx && clear_of(s, e, p->enter_band) &&
        clear_of(s, e, -p->enter_band) && clear_of(s, e, p->exit_band) &&
        clear_of(s, e, -p->exit_band) &&
        text_fixed2(v->spread_text, s, e, 1) >= 0)
        return;
    exact_spread(p, m, v);
}

static const perp_position *position_of(const perp_observation *obs,
                                        const char *symbol)
{
    const perp_account *a = &obs->account;
    for (size_t i = 0; i < a->n_positions && i < PERP_MAX_SYMBOLS; i++)
        if (strcmp(a->positions[i].symbol, symbol) == 0 &&
            a->positions[i].qty != 0)
            return &a->positions[i];
    return NULL;
}

/* The newest exit of symbol: recent trades (newest first) or memory. */
static int64_t last_exit(const perp_observation *obs, const char *symbol,
                         const trend_memory *mem)
{
    int64_t ts = mem->last_exit_ts;
    for (size_t i = 0; obs->recent_trades && i < obs->n_recent_trades; i++)
        if (strcmp(obs->recent_trades[i].symbol, symbol) == 0) {
            if (obs->recent_trades[i].exit_ts > ts)
                ts = obs->recent_trades[i].exit_ts;
            break;
        }
    return ts;
}

static void hold(perp_coin_decision *out, const char *fmt, ...)
    PERP_PRINTF(2, 3);
static void hold(perp_coin_decision *out, const char *fmt, ...)
{
    out->signal = PERP_SIGNAL_HOLD;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->justification, sizeof out->justification, fmt, ap);
    va_end(ap);
}

/* A hold whose text the caller builds (the frequent ones: no printf). */
static text_build hold_text(perp_coin_decision *out)
{
    out->signal = PERP_SIGNAL_HOLD;
    text_build t;
    text_start(&t, out->justification, sizeof out->justification);
    return t;
}

static void manage_position(const trend_params *p, const perp_observation *obs,
                            const perp_market_view *m, const perp_position *pos,
                            trend_view *v, perp_coin_decision *out)
{
    int side = pos->qty > 0 ? 1 : -1;
    const char *what = side > 0 ? "long" : "short";
    if (side * v->spread > -p->exit_band) {
        /* "%s kept: trend spread %+.2f has not crossed the exit band %.2f" */
        text_build t = hold_text(out);
        text_put(&t, what);
        text_put(&t, " kept: trend spread ");
        text_put(&t, v->spread_text);
        text_put(&t, " has not crossed the exit band ");
        text_put_fixed2(&t, -side * p->exit_band, 0);
        return;
    }
    double held_min = (double)(obs->ts - pos->entry_ts) / 60000.0;
    if (pos->entry_ts > 0 && obs->ts - pos->entry_ts < p->min_hold_ms) {
        hold(out,
             "%s kept: trend turned, but held %.0f of the %.0f "
             "minutes minimum (stops still apply)",
             what, held_min, (double)p->min_hold_ms / 60000.0);
        return;
    }
    exact_spread(p, m, v);
    out->signal = PERP_SIGNAL_CLOSE;
    snprintf(out->justification, sizeof out->justification,
             "exit %s: trend spread %+.2f crossed the exit band %+.2f "
             "(%s %.10g vs %s %.10g)",
             what, v->spread, -side * p->exit_band, p->fast, v->fast, p->slow,
             v->slow);
}

/* The filters an entry must pass beyond the trend spread; NULL when all
 * agree, else why not (into buf). */
static const char *entry_veto(const trend_params *p, const trend_view *v,
                              int side, char *buf, size_t len)
{
    const char *want = side > 0 ? "trending_up" : "trending_down";
    if (p->require_regime && !(v->regime && strcmp(v->regime, want) == 0)) {
        /* "regime is %s, not %s" */
        text_build t;
        text_start(&t, buf, len);
        text_put(&t, "regime is ");
        text_put(&t, v->regime ? v->regime : "unknown");
        text_put(&t, ", not ");
        text_put(&t, want);
        return buf;
    }
    if (named(p->ctx_ema) && side * (v->ctx_close - v->ctx_ema) <= 0) {
        snprintf(buf, len, "context close %.10g is not %s %s %.10g",
                 v->ctx_close, side > 0 ? "above" : "below", p->ctx_ema,
                 v->ctx_ema);
        return buf;
    }
    if (named(p->macd_hist) && side * v->hist <= 0) {
        snprintf(buf, len, "%s %.6g disagrees", p->macd_hist, v->hist);
        return buf;
    }
    double lo = side > 0 ? p->rsi_long_min : p->rsi_short_min;
    double hi = side > 0 ? p->rsi_long_max : p->rsi_short_max;
    if (named(p->rsi) && (v->rsi < lo || v->rsi > hi)) {
        snprintf(buf, len, "%s %.4g outside %g..%g", p->rsi, v->rsi, lo, hi);
        return buf;
    }
    return NULL;
}

static void enter(const trend_params *p, const perp_observation *obs,
                  const perp_market_view *m, trend_view *v, int side,
                  perp_coin_decision *out)
{
    exact_spread(p, m, v);
    double stop_dist = p->stop_vol_mult * v->sigma_h * v->close;
    double target_dist = p->reward_risk * stop_dist;
    double cost = trend_round_trip_cost(p, v->close);
    if (target_dist < p->min_edge * cost) {
        hold(out,
             "%s signal, but the expected move %.6g is below "
             "%.6g (min_edge x round-trip cost)",
             side > 0 ? "long" : "short", target_dist, p->min_edge * cost);
        return;
    }
    double lev = trend_leverage(p, obs, m);
    double qty = trend_size(p, obs, m, v->close, stop_dist + cost, lev);
    double stop, target;
    trend_exit_levels(v->close, side, stop_dist, target_dist,
                      m->rules.tick_size, &stop, &target);
    if (qty <= 0 || !(stop > 0) || !(target > 0)) {
        hold(out,
             "%s signal, but the size allowed (%.6g) is below "
             "the minimum notional",
             side > 0 ? "long" : "short", qty);
        return;
    }
    out->signal = side > 0 ? PERP_SIGNAL_BUY : PERP_SIGNAL_SELL;
    out->quantity = qty;
    out->leverage = lev;
    out->confidence =
        fmin(1.0, fmax(0.5, fabs(v->spread) / (2 * p->enter_band)));
    out->risk_usd = qty * (fabs(v->close - stop) + cost);
    out->exit_plan.stop_loss = stop;
    out->exit_plan.profit_target = target;
    snprintf(out->exit_plan.invalidation, sizeof out->exit_plan.invalidation,
             "trend spread (%s - %s) / hourly move crosses %+.2f", p->fast,
             p->slow, -side * p->exit_band);
    snprintf(out->justification, sizeof out->justification,
             "%s entry: trend spread %+.2f beyond %.2f (%s %.10g vs %s "
             "%.10g), regime %s, hourly move %.3f%%; stop %.10g, target "
             "%.10g",
             side > 0 ? "long" : "short", v->spread, side * p->enter_band,
             p->fast, v->fast, p->slow, v->slow,
             v->regime ? v->regime : "unknown", v->sigma_h * 100, stop, target);
}

static void consider_entry(const trend_params *p, const perp_observation *obs,
                           const perp_market_view *m, const trend_memory *mem,
                           trend_view *v, perp_coin_decision *out)
{
    int64_t exit_ts = last_exit(obs, m->symbol, mem);
    if (exit_ts > 0 && obs->ts - exit_ts < p->cooldown_ms) {
        hold(out,
             "cooldown: %.0f of %.0f minutes since the last "
             "exit",
             (double)(obs->ts - exit_ts) / 60000.0,
             (double)p->cooldown_ms / 60000.0);
        return;
    }
    int side = v->spread >= p->enter_band    ? 1
               : v->spread <= -p->enter_band ? -1
                                             : 0;
    if (side == 0) {
        /* "no trend: spread %+.2f inside +/-%.2f" */
        text_build t = hold_text(out);
        text_put(&t, "no trend: spread ");
        text_put(&t, v->spread_text);
        text_put(&t, " inside +/-");
        text_put_fixed2(&t, p->enter_band, 0);
        return;
    }
    char why[200];
    if (entry_veto(p, v, side, why, sizeof why)) {
        /* "%s signal held: %s" */
        text_build t = hold_text(out);
        text_put(&t, side > 0 ? "long" : "short");
        text_put(&t, " signal held: ");
        text_put(&t, why);
        return;
    }
    enter(p, obs, m, v, side, out);
}

void trend_decide(const trend_params *p, const perp_observation *obs,
                  const perp_market_view *m, trend_memory *mem,
                  perp_coin_decision *out)
{
    memset(out, 0, sizeof *out);
    text_build coin;
    text_start(&coin, out->coin, sizeof out->coin);
    text_put(&coin, m->coin);
    out->leverage = 1;
    const perp_position *pos = position_of(obs, m->symbol);
    if (!pos && mem->had_position)
        mem->last_exit_ts = obs->ts;
    mem->had_position = pos != NULL;
    if (m->stale) {
        text_build t = hold_text(out);
        text_put(&t, "market data is stale");
        return;
    }
    trend_view v;
    const char *missing = read_view(p, m, mem, &v);
    if (missing) {
        /* "%s not defined yet" */
        text_build t = hold_text(out);
        text_put(&t, missing);
        text_put(&t, " not defined yet");
        return;
    }
    settle_spread(p, m, &v);
    if (pos) {
        manage_position(p, obs, m, pos, &v, out);
        return;
    }
    consider_entry(p, obs, m, mem, &v, out);
}
