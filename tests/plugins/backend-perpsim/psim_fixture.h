/*
 * psim_fixture.h — shared set-up for perpsim's engine tests: an engine with
 * three symbols and a recorder of the fills, funding payments and
 * liquidations it reports. Header-only (static), one copy per test binary.
 *
 * Symbols: BTC-USD tick 0.5 / step 0.001, ETH-USD tick 0.01 / step 0.01,
 * DOGE-USD tick 0.00001 / step 1.
 */
#ifndef PSIM_FIXTURE_H
#define PSIM_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

#define REC_MAX 256

typedef struct recorder {
    perp_fill fills[REC_MAX];
    size_t n_fills;
    perp_funding_record funding[REC_MAX];
    int64_t funding_ts[REC_MAX];
    size_t n_funding;
    perp_liquidation_record liq[REC_MAX];
    size_t n_liq;
} recorder;

static psim_engine E;
static recorder R;

static inline void rec_fill(void *ud, const perp_fill *f)
{
    recorder *r = ud;
    if (r->n_fills < REC_MAX)
        r->fills[r->n_fills++] = *f;
}

static inline void rec_funding(void *ud, int64_t ts,
                               const perp_funding_record *f)
{
    recorder *r = ud;
    if (r->n_funding < REC_MAX) {
        r->funding_ts[r->n_funding] = ts;
        r->funding[r->n_funding++] = *f;
    }
}

static inline void rec_liq(void *ud, int64_t ts,
                           const perp_liquidation_record *l)
{
    (void)ts;
    recorder *r = ud;
    if (r->n_liq < REC_MAX)
        r->liq[r->n_liq++] = *l;
}

static const psim_symbol_cfg fixture_symbols[] = {
    {"BTC-USD", 0.5, 0.001},
    {"ETH-USD", 0.01, 0.01},
    {"DOGE-USD", 0.00001, 1.0},
};

/* Defaults of the issue, with funding off unless a test turns it on. */
static inline psim_params fixture_params(void)
{
    psim_params p;
    psim_params_default(&p);
    p.funding_model = PSIM_FUNDING_NONE;
    return p;
}

static inline void fixture_start(const psim_params *p)
{
    memset(&R, 0, sizeof R);
    psim_events ev = {&R, rec_fill, rec_funding, rec_liq};
    psim_init(&E, p, fixture_symbols, 3, &ev);
}

static inline int sym(const char *name)
{
    return psim_find(&E, name);
}

static inline void last(const char *s, int64_t ts, double px)
{
    psim_on_price(&E, sym(s), ts, px, NAN, NAN);
}

static inline void book(const char *s, int64_t ts, double bid, double ask)
{
    psim_on_price(&E, sym(s), ts, NAN, bid, ask);
}

static inline perp_order mk_order(const char *s, double qty, double lev)
{
    perp_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.symbol, sizeof o.symbol, "%s", s);
    o.qty = qty;
    o.leverage = lev;
    o.type = PERP_ORDER_MARKET;
    snprintf(o.reason, sizeof o.reason, "test");
    return o;
}

static char WHY[PERP_ERROR_MAX];

static inline int order(const char *s, double qty, double lev, int64_t ts,
                        perp_fill *f)
{
    perp_order o = mk_order(s, qty, lev);
    perp_fill tmp;
    WHY[0] = '\0';
    return psim_submit(&E, &o, ts, f ? f : &tmp, WHY, sizeof WHY);
}

static inline const psim_symbol *pos(const char *s)
{
    return &E.sym[sym(s)];
}

static inline double equity(void)
{
    return E.cash + E.u_total;
}

#endif
