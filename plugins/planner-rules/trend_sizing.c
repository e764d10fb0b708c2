/*
 * trend_sizing.c — see trend_sizing.h.
 */
#include "trend_sizing.h"

#include <math.h>
#include <string.h>

/* Grid snapping tolerates the representation error of price / tick
 * (100.00 / 0.01 is 9999.999...), which would otherwise move a level by
 * a whole tick. */
#define GRID_EPS 1e-9

double trend_realized_vol(const perp_candle *c, size_t n, int window)
{
    if (window < 3 || n < (size_t)window)
        return NAN;
    double mean = 0, m2 = 0;
    size_t k = 0;
    for (size_t i = n - (size_t)window + 1; i < n; i++) {
        if (!(c[i].close > 0) || !(c[i - 1].close > 0))
            return NAN;
        double r = log(c[i].close / c[i - 1].close);
        double d = r - mean;
        mean += d / (double)++k;
        m2 += d * (r - mean);
    }
    return sqrt(m2 / (double)k);
}

double trend_round_trip_cost(const trend_params *p, double price)
{
    return 2.0 * (p->fee_bps + p->slippage_bps) / 1e4 * price;
}

static double grid_floor(double x, double tick)
{
    return floor(x / tick + GRID_EPS) * tick;
}

static double grid_ceil(double x, double tick)
{
    return ceil(x / tick - GRID_EPS) * tick;
}

void trend_exit_levels(double price, int side, double stop_dist,
                       double target_dist, double tick, double *stop,
                       double *target)
{
    if (!(tick > 0)) {
        *stop = price - side * stop_dist;
        *target = price + side * target_dist;
        return;
    }
    if (side > 0) {
        double below = grid_ceil(price, tick) - tick;  /* < price */
        double above = grid_floor(price, tick) + tick; /* > price */
        *stop = fmin(grid_floor(price - stop_dist, tick), below);
        *target = fmax(grid_ceil(price + target_dist, tick), above);
    } else {
        double above = grid_floor(price, tick) + tick;
        double below = grid_ceil(price, tick) - tick;
        *stop = fmax(grid_ceil(price + stop_dist, tick), above);
        *target = fmin(grid_floor(price - target_dist, tick), below);
    }
}

static double cap(double v, double limit)
{
    return limit > 0 ? fmin(v, limit) : v;
}

double trend_leverage(const trend_params *p, const perp_observation *obs,
                      const perp_market_view *m)
{
    double lev =
        cap(cap(p->leverage, obs->limits.max_leverage), m->rules.max_leverage);
    return fmax(lev, 1.0);
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

double trend_size(const trend_params *p, const perp_observation *obs,
                  const perp_market_view *m, double price, double loss_per_coin,
                  double lev)
{
    double equity = obs->account.equity;
    if (!(equity > 0) || !(price > 0) || !(loss_per_coin > 0))
        return 0.0;
    double notional = p->risk_pct / 100.0 * equity / loss_per_coin * price;
    if (obs->limits.max_exposure > 0)
        notional =
            fmin(notional, p->exposure_use * obs->limits.max_exposure * equity -
                               other_notional(obs, m->symbol));
    notional = cap(notional, obs->limits.max_position_notional);
    notional = fmin(notional, p->margin_use * obs->account.available * lev);
    double qty = notional / price;
    if (m->rules.size_step > 0)
        qty = floor(qty / m->rules.size_step + GRID_EPS) * m->rules.size_step;
    double min_notional = fmax(obs->limits.min_notional, m->rules.min_notional);
    return qty > 0 && qty * price >= min_notional ? qty : 0.0;
}
