/*
 * trend_rule.c — a deterministic trend-following rule.
 *
 * The rule (per market, on the 1-minute indicators unless `timeframe:
 * ctx`; names from the YAML, defaults ema_20, macd.hist, rsi_7, atr_14):
 *   long entry   close > EMA and MACD histogram > 0 and
 *                rsi_long_min <= RSI <= rsi_long_max (50..75)
 *   short entry  close < EMA and MACD histogram < 0 and
 *                rsi_short_min <= RSI <= rsi_short_max (25..50)
 *   exit         a long closes when close < EMA or histogram < 0 (the
 *                opposite cross); a short mirrors; an exit never flips in
 *                the same cycle, the next cycle may enter the other side
 *   otherwise    hold (and while an indicator is undefined, or the market
 *                is stale)
 * Size: risk_pct of equity divided by the stop distance, where the stop
 * distance is stop_atr_mult x ATR (the configured ATR indicator, or the
 * mean true range of the last atr_window candles when there is none); then
 * capped so the notional fits exposure_use x max_exposure x equity
 * (after the other positions), max_position_notional, and margin_use x
 * available x leverage; rounded down to the size step; held if below the
 * minimum notional. Leverage is the configured one capped by the limits
 * and the market's rule. Stop loss at entry -/+ stop distance, take profit
 * at entry +/- reward_risk x stop distance (2x), both on the tick grid.
 */
#include "trend_rule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void trend_params_default(trend_params *p)
{
    memset(p, 0, sizeof *p);
    p->ema = "ema_20";
    p->macd_hist = "macd.hist";
    p->rsi = "rsi_7";
    p->atr = "atr_14";
    p->rsi_long_min = 50;
    p->rsi_long_max = 75;
    p->rsi_short_min = 25;
    p->rsi_short_max = 50;
    p->risk_pct = 1.0;
    p->stop_atr_mult = 2.0;
    p->reward_risk = 2.0;
    p->leverage = 3.0;
    p->exposure_use = 0.9;
    p->margin_use = 0.9;
    p->atr_window = 14;
}

static double indicator(const perp_market_view *m, int ctx, const char *name)
{
    const perp_indicator_value *v = ctx ? m->ind_ctx : m->ind_1m;
    size_t n = ctx ? m->n_ind_ctx : m->n_ind_1m;
    for (size_t i = 0; name && v && i < n; i++)
        if (v[i].name && strcmp(v[i].name, name) == 0)
            return v[i].value;
    return NAN;
}

/* Mean true range of the last `window` candles (each needs the previous
 * close), NAN when there are too few. */
static double mean_true_range(const perp_candle *c, size_t n, int window)
{
    if (window < 1 || n < (size_t)window + 1)
        return NAN;
    double sum = 0;
    for (size_t i = n - (size_t)window; i < n; i++) {
        double pc = c[i - 1].close;
        double tr = fmax(c[i].high - c[i].low,
                         fmax(fabs(c[i].high - pc), fabs(c[i].low - pc)));
        sum += tr;
    }
    return sum / window;
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

static double cap(double v, double limit)
{
    return limit > 0 ? fmin(v, limit) : v;
}

static double round_to(double x, double step)
{
    return step > 0 ? round(x / step) * step : x;
}

static void hold(perp_coin_decision *out, const char *why)
{
    out->signal = PERP_SIGNAL_HOLD;
    snprintf(out->justification, sizeof out->justification, "%s", why);
}

static double other_notional(const perp_observation *obs, const char *symbol)
{
    double sum = 0;
    const perp_account *a = &obs->account;
    for (size_t i = 0; i < a->n_positions && i < PERP_MAX_SYMBOLS; i++)
        if (strcmp(a->positions[i].symbol, symbol) != 0)
            sum += fabs(a->positions[i].qty) * a->positions[i].mark_price;
    return sum;
}

/* Quantity for a new position at price, or 0 when it would be below the
 * minimum notional. */
static double size_for(const trend_params *p, const perp_observation *obs,
                       const perp_market_view *m, double price,
                       double stop_dist, double lev)
{
    double equity = obs->account.equity;
    double qty = p->risk_pct / 100.0 * equity / stop_dist;
    double room = obs->limits.max_exposure > 0
                      ? p->exposure_use * obs->limits.max_exposure * equity -
                            other_notional(obs, m->symbol)
                      : INFINITY;
    double notional =
        cap(fmin(qty * price, room), obs->limits.max_position_notional);
    notional = fmin(notional, p->margin_use * obs->account.available * lev);
    qty = notional / price;
    if (m->rules.size_step > 0)
        qty = floor(qty / m->rules.size_step) * m->rules.size_step;
    double min_notional = fmax(obs->limits.min_notional, m->rules.min_notional);
    return qty > 0 && qty * price >= min_notional ? qty : 0.0;
}

static void enter(const trend_params *p, const perp_observation *obs,
                  const perp_market_view *m, double price, double atr, int side,
                  const char *why, perp_coin_decision *out)
{
    double lev =
        cap(cap(p->leverage, obs->limits.max_leverage), m->rules.max_leverage);
    double stop_dist = p->stop_atr_mult * atr;
    double qty = size_for(p, obs, m, price, stop_dist, lev);
    if (qty <= 0) {
        hold(out, "signal, but the size allowed is below the minimum "
                  "notional");
        return;
    }
    double tick = m->rules.tick_size;
    out->signal = side > 0 ? PERP_SIGNAL_BUY : PERP_SIGNAL_SELL;
    out->quantity = qty;
    out->leverage = lev;
    out->confidence = 0.6;
    out->risk_usd = qty * stop_dist;
    out->exit_plan.stop_loss = round_to(price - side * stop_dist, tick);
    out->exit_plan.profit_target =
        round_to(price + side * p->reward_risk * stop_dist, tick);
    snprintf(out->exit_plan.invalidation, sizeof out->exit_plan.invalidation,
             "close crosses %s against the position or %s changes sign", p->ema,
             p->macd_hist);
    snprintf(out->justification, sizeof out->justification, "%s", why);
}

void trend_decide(const trend_params *p, const perp_observation *obs,
                  const perp_market_view *m, perp_coin_decision *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->coin, sizeof out->coin, "%s", m->coin);
    out->leverage = 1;
    if (m->stale)
        return hold(out, "market data is stale");
    size_t n = p->use_ctx ? m->n_candles_ctx : m->n_candles_1m;
    const perp_candle *c = p->use_ctx ? m->candles_ctx : m->candles_1m;
    double close = n > 0 ? c[n - 1].close : m->mid;
    double ema = indicator(m, p->use_ctx, p->ema);
    double hist = indicator(m, p->use_ctx, p->macd_hist);
    double rsi = indicator(m, p->use_ctx, p->rsi);
    if (!isfinite(close) || !isfinite(ema) || !isfinite(hist) || !isfinite(rsi))
        return hold(out, "indicators not defined yet");

    char why[256];
    snprintf(why, sizeof why, "close %.10g vs %s %.10g, %s %.6g, %s %.4g",
             close, p->ema, ema, p->macd_hist, hist, p->rsi, rsi);
    const perp_position *pos = position_of(obs, m->symbol);
    if (pos) {
        int against = pos->qty > 0 ? (close < ema || hist < 0)
                                   : (close > ema || hist > 0);
        if (against) {
            out->signal = PERP_SIGNAL_CLOSE;
            snprintf(out->justification, sizeof out->justification,
                     "exit: trend turned against the %s (%s)",
                     pos->qty > 0 ? "long" : "short", why);
            return;
        }
        return hold(out, why);
    }
    int side = 0;
    if (close > ema && hist > 0 && rsi >= p->rsi_long_min &&
        rsi <= p->rsi_long_max)
        side = 1;
    else if (close < ema && hist < 0 && rsi >= p->rsi_short_min &&
             rsi <= p->rsi_short_max)
        side = -1;
    if (side == 0)
        return hold(out, why);
    double atr = indicator(m, p->use_ctx, p->atr);
    if (!(atr > 0))
        atr = mean_true_range(c, n, p->atr_window);
    if (!(atr > 0) || !(obs->account.equity > 0))
        return hold(out, "no volatility estimate or equity to size from");
    char entry[300];
    snprintf(entry, sizeof entry, "%s entry: %s", side > 0 ? "long" : "short",
             why);
    enter(p, obs, m, close, atr, side, entry, out);
}
