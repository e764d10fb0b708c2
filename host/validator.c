/*
 * validator.c — checks one coin decision before any order exists.
 *
 * Order of checks: the coin is traded; every number is finite (the
 * decision parser marks a malformed coin with quantity NAN); hold passes;
 * the market is not stale and has a price; close passes; then for buy and
 * sell (a target position of +/- quantity): quantity > 0, leverage within
 * 1..max, target and order notional >= min notional, per-symbol notional,
 * total exposure after the order, margin, and the exit plan's side.
 *
 * Margin: the target position needs target_notional / leverage; the
 * symbol's current position frees its own initial margin, so the change
 * is what must fit in account.available (the twin never enforced margin).
 * max leverage is the smaller of limits.max_leverage and the market's
 * rules.max_leverage; min notional the larger of the two.
 */
#include "validator.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int refuse(char *why, size_t why_len, const char *coin, const char *fmt,
                  ...) PERP_PRINTF(4, 5);
static int refuse(char *why, size_t why_len, const char *coin, const char *fmt,
                  ...)
{
    if (!why || why_len == 0)
        return 0;
    int n = snprintf(why, why_len, "%s: ", coin);
    if (n < 0 || (size_t)n >= why_len)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + n, why_len - (size_t)n, fmt, ap);
    va_end(ap);
    /* One line, whatever a coin name smuggled in. */
    for (char *p = why; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return 0;
}

static const perp_market_view *find_market(const perp_observation *obs,
                                           const char *coin)
{
    /* The first letters first: this runs n² times a cycle (names_twice),
     * and strcasecmp was 5 % of a rules replay. */
    int c0 = tolower((unsigned char)coin[0]);
    for (size_t i = 0; obs->markets && i < obs->n_markets; i++) {
        const perp_market_view *m = &obs->markets[i];
        if (tolower((unsigned char)m->coin[0]) != c0 &&
            tolower((unsigned char)m->symbol[0]) != c0)
            continue;
        if (strcasecmp(m->coin, coin) == 0 || strcasecmp(m->symbol, coin) == 0)
            return m;
    }
    return NULL;
}

static const perp_position *find_position(const perp_account *a,
                                          const char *symbol)
{
    for (size_t i = 0; i < a->n_positions && i < PERP_MAX_SYMBOLS; i++)
        if (strcmp(a->positions[i].symbol, symbol) == 0 &&
            a->positions[i].qty != 0.0)
            return &a->positions[i];
    return NULL;
}

static double position_notional(const perp_position *p)
{
    if (p->notional > 0)
        return p->notional;
    return fabs(p->qty) * p->mark_price;
}

static double position_margin(const perp_position *p)
{
    if (p->initial_margin > 0)
        return p->initial_margin;
    return p->leverage > 0 ? position_notional(p) / p->leverage : 0.0;
}

/* Positive caps combine by taking the tighter one; 0 or less means unset. */
static double tighter_max(double a, double b)
{
    if (!(a > 0))
        return b;
    if (!(b > 0))
        return a;
    return fmin(a, b);
}

static void list_coins(const perp_observation *obs, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; obs->markets && i < obs->n_markets && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                         obs->markets[i].coin);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static int fields_finite(const perp_coin_decision *d, const char **bad)
{
    *bad = !isfinite(d->quantity)                  ? "quantity"
           : !isfinite(d->leverage)                ? "leverage"
           : !isfinite(d->confidence)              ? "confidence"
           : !isfinite(d->risk_usd)                ? "risk_usd"
           : !isfinite(d->exit_plan.stop_loss)     ? "exit_plan.stop_loss"
           : !isfinite(d->exit_plan.profit_target) ? "exit_plan.profit_target"
                                                   : NULL;
    return *bad == NULL;
}

/* Exit prices are 0 when unset; a set one must sit on the loss side
 * (stop) or gain side (target) of the price for the target's direction. */
static int exit_plan_ok(const perp_coin_decision *d, double price, double side,
                        char *why, size_t why_len)
{
    double sl = d->exit_plan.stop_loss, tp = d->exit_plan.profit_target;
    const char *dir = side > 0 ? "long" : "short";
    if (sl < 0 || tp < 0)
        return refuse(why, why_len, d->coin,
                      "exit plan prices must be positive (stop_loss %g, "
                      "profit_target %g)",
                      sl, tp);
    if (sl != 0 && (side > 0 ? sl >= price : sl <= price))
        return refuse(why, why_len, d->coin,
                      "stop_loss %g is on the wrong side of price %g for a %s",
                      sl, price, dir);
    if (tp != 0 && (side > 0 ? tp <= price : tp >= price))
        return refuse(why, why_len, d->coin,
                      "profit_target %g is on the wrong side of price %g for "
                      "a %s",
                      tp, price, dir);
    return 1;
}

static double other_notional(const perp_account *a, const char *symbol)
{
    double sum = 0;
    for (size_t i = 0; i < a->n_positions && i < PERP_MAX_SYMBOLS; i++)
        if (strcmp(a->positions[i].symbol, symbol) != 0)
            sum += position_notional(&a->positions[i]);
    return sum;
}

static int sizes_ok(const perp_observation *obs, const perp_market_view *m,
                    const perp_coin_decision *d, double target, char *why,
                    size_t why_len)
{
    const perp_position *cur = find_position(&obs->account, m->symbol);
    double cur_qty = cur ? cur->qty : 0.0;
    double notional = fabs(target) * m->mid;
    double order_notional = fabs(target - cur_qty) * m->mid;
    double min_notional = fmax(obs->limits.min_notional, m->rules.min_notional);
    if (notional < min_notional)
        return refuse(why, why_len, d->coin,
                      "notional %.2f is below min notional %g", notional,
                      min_notional);
    if (order_notional > 0 && order_notional < min_notional)
        return refuse(why, why_len, d->coin,
                      "order notional %.2f (to reach %g from %g) is below min "
                      "notional %g",
                      order_notional, target, cur_qty, min_notional);
    double max_pos = obs->limits.max_position_notional;
    if (max_pos > 0 && notional > max_pos)
        return refuse(why, why_len, d->coin,
                      "notional %.2f exceeds max position notional %g",
                      notional, max_pos);
    double equity = obs->account.equity;
    if (!(equity > 0))
        return refuse(why, why_len, d->coin,
                      "account equity %g is not positive", equity);
    double exposure =
        (other_notional(&obs->account, m->symbol) + notional) / equity;
    if (obs->limits.max_exposure > 0 && exposure > obs->limits.max_exposure)
        return refuse(why, why_len, d->coin,
                      "total exposure %.2fx equity after the order exceeds "
                      "max %gx",
                      exposure, obs->limits.max_exposure);
    double change = notional / d->leverage - (cur ? position_margin(cur) : 0);
    if (change > 0 && change > obs->account.available)
        return refuse(why, why_len, d->coin,
                      "needs %.2f more margin, %.2f available", change,
                      obs->account.available);
    return 1;
}

static int target_ok(const perp_observation *obs, const perp_market_view *m,
                     const perp_coin_decision *d, char *why, size_t why_len)
{
    if (!(d->quantity > 0))
        return refuse(why, why_len, d->coin, "quantity %g must be > 0 for %s",
                      d->quantity,
                      d->signal == PERP_SIGNAL_BUY ? "buy" : "sell");
    double max_lev =
        tighter_max(obs->limits.max_leverage, m->rules.max_leverage);
    if (d->leverage < 1)
        return refuse(why, why_len, d->coin, "leverage %g is below 1",
                      d->leverage);
    if (max_lev > 0 && d->leverage > max_lev)
        return refuse(why, why_len, d->coin, "leverage %g exceeds max %g",
                      d->leverage, max_lev);
    double side = d->signal == PERP_SIGNAL_BUY ? 1.0 : -1.0;
    if (!exit_plan_ok(d, m->mid, side, why, why_len))
        return 0;
    return sizes_ok(obs, m, d, side * d->quantity, why, why_len);
}

int host_validate_decision(const perp_observation *obs,
                           const perp_coin_decision *d,
                           const perp_market_view **market_out, char *why,
                           size_t why_len)
{
    if (market_out)
        *market_out = NULL;
    if (!obs || !d)
        return refuse(why, why_len, "?", "no decision");
    const perp_market_view *m = find_market(obs, d->coin);
    if (market_out)
        *market_out = m;
    if (!m) {
        char coins[128];
        list_coins(obs, coins, sizeof coins);
        return refuse(why, why_len, d->coin, "not a traded coin (traded: %s)",
                      coins);
    }
    const char *bad;
    if (!fields_finite(d, &bad))
        return refuse(
            why, why_len, d->coin,
            "%s is not a finite number (malformed or unparsable field)", bad);
    if (d->signal == PERP_SIGNAL_HOLD)
        return 1;
    if (m->stale)
        return refuse(why, why_len, d->coin,
                      "market data is stale (last update %lld); no order",
                      (long long)m->last_update);
    if (!(m->mid > 0) || !isfinite(m->mid))
        return refuse(why, why_len, d->coin, "no price; no order");
    if (d->signal == PERP_SIGNAL_CLOSE)
        return 1;
    if (d->signal != PERP_SIGNAL_BUY && d->signal != PERP_SIGNAL_SELL)
        return refuse(why, why_len, d->coin, "unknown signal %d",
                      (int)d->signal);
    return target_ok(obs, m, d, why, why_len);
}

int host_decision_names_twice(const perp_observation *obs,
                              const perp_decision *d, size_t i, char *why,
                              size_t why_len)
{
    if (!obs || !d || i >= d->n_coins || i >= PERP_MAX_SYMBOLS)
        return 0;
    const perp_market_view *m = find_market(obs, d->coins[i].coin);
    for (size_t j = 0; m && j < d->n_coins && j < PERP_MAX_SYMBOLS; j++) {
        if (j == i || find_market(obs, d->coins[j].coin) != m)
            continue;
        refuse(why, why_len, d->coins[i].coin,
               "%s is named twice in one decision ('%.16s' and '%.16s'): "
               "which one was meant is unclear; no order",
               m->symbol, d->coins[i < j ? i : j].coin,
               d->coins[i < j ? j : i].coin);
        return 1;
    }
    return 0;
}
