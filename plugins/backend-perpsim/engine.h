/*
 * engine.h — perpsim's account: pure math, no host. One USD collateral
 * account, cross margin, signed positions per symbol. plugin.c drives it
 * from the vtable; the tests drive it directly.
 *
 * Definitions (q signed quantity, e average entry, m mark, L leverage):
 *   unrealized_i = q (m - e)          notional_i = |q| m
 *   initial_i    = |q| m / L          maintenance_i = mm_rate |q| m
 *   equity       = cash + sum unrealized_i   (fees, funding, realized and
 *                  penalties are already in cash)
 *   cash         = starting_equity + realized_pnl - fees_paid + funding_net
 * so the bookkeeping identity the property test checks is
 *   equity - unrealized - realized_pnl + fees_paid - funding_net
 *     == starting_equity.
 *
 * Mark: the mid (bid + ask) / 2 when both are known, else last.
 *
 * Market fills: buys at ask (1 + slippage) rounded up to the tick, sells at
 * bid (1 - slippage) rounded down (rounding never favours the taker); fee =
 * fee_bps of fill notional, charged to cash. Slippage is slippage_bps
 * (the fixed model) or the square-root impact of the order's notional at
 * the mark (impact.h: the sqrt model, slippage_bps its floor); stop-loss
 * and take-profit closes pay it too, liquidations fill at the mark.
 *
 * Netting (per fill of signed dq at price p): open or add: e becomes the
 * volume-weighted average, no P&L; reduce: realized = closed qty x (p - e)
 * x sign(q), e kept; close: flat; flip: close all, then open the rest at p
 * (entry time and funding clock restart). Leverage: the order's when given
 * (it applies to the whole resulting position), else the position's, else
 * default_leverage for a new one.
 *
 * Orders are rejected with a reason, nothing changed, for: unknown symbol,
 * no price yet, quantity not a number or rounding to 0, leverage outside
 * 1..max_leverage, notional below min_notional (a full close is exempt, so
 * dust can always be closed), a limit price the market does not reach
 * (resting orders are not supported), an exit plan on the wrong side of the
 * mark, and used initial margin after the order above equity after the
 * order (only for orders that raise used initial margin; reducing is always
 * allowed). reduce_only orders may not open or add; one that would flip is
 * cut to a close.
 *
 * Exit plans: a long's stop fires when mark <= stop_loss and its take
 * profit when mark >= profit_target (mirror for shorts), checked on every
 * price update of the symbol; the close fills like a market order.
 *
 * Liquidation: when equity < total maintenance after an update, positions
 * are closed at mark, largest unrealized loss first, until equity >=
 * maintenance or nothing is open. Each pays a penalty of liq_penalty_bps of
 * its notional at mark, which stands in for the taker fee (no fee on top)
 * and is counted in fees_paid. A position's liquidation price is the mark
 * at which equity equals total maintenance with every other mark fixed:
 *   cash + U_other + q (m - e) = MM_other + mm |q| m
 *   m = (MM_other - cash - U_other + q e) / (q - mm |q|);  0 if m <= 0.
 *
 * Funding (model, rate and clocks are in funding.h): each open position has
 * a funding clock; a payment settles the time since it at the current rate
 * and mark: payment = -q m rate_1h (elapsed hours). Payments happen at each
 * interval boundary (UTC-aligned multiples of interval), on every price
 * update of the symbol when the interval is "continuous", and whenever a
 * fill changes the position (so closing mid-interval still pays its share).
 *
 * Performance: psim_on_price is O(1): account totals of unrealized,
 * maintenance and initial margin are updated by the one symbol's change;
 * they are recomputed exactly after every fill and every 65536 updates so
 * float drift cannot build up. Liquidation (rare) loops over symbols.
 */
#ifndef PSIM_ENGINE_H
#define PSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <perp/sdk.h>

#include "impact.h"

#define PSIM_MAX_SYMBOLS PERP_MAX_SYMBOLS
#define PSIM_HASH_SLOTS  64 /* > 2 x PSIM_MAX_SYMBOLS, power of two */

typedef enum psim_funding_model {
    PSIM_FUNDING_NONE = 0,
    PSIM_FUNDING_HEURISTIC = 1,
    PSIM_FUNDING_EXTERNAL = 2
} psim_funding_model;

typedef struct psim_params {
    double starting_equity;
    double max_leverage;     /* 1..100 */
    double default_leverage; /* 1..max_leverage */
    double mm_rate;          /* maintenance fraction of notional */
    double fee_bps, slippage_bps, liq_penalty_bps;
    double min_notional; /* USD */
    psim_funding_model funding_model;
    double funding_cap_8h;       /* heuristic clamp, fraction per 8 h */
    int64_t funding_interval_ms; /* 0: continuous */
    int64_t funding_ema_ms;      /* heuristic EMA horizon */
    int dry_run;
    psim_slippage_model slippage_model; /* fixed (default) or sqrt */
    double impact_k, impact_cap_bps;    /* sqrt: coefficient, cap */
    int64_t impact_window_ms;           /* sqrt: sigma and volume window */
} psim_params;

/* Defaults of the issue: 10000 USD, 5x, mm 3 %, 2 bps fee, 1 bp slippage
 * (fixed model; sqrt: k 1, window 1 day, cap 500 bps), 5 bps penalty, 5 USD
 * minimum, heuristic funding capped at 0.0001 / 8 h, paid every hour, EMA
 * over 8 h. */
void psim_params_default(psim_params *p);

typedef struct psim_symbol_cfg {
    char name[PERP_SYMBOL_MAX];
    double tick_size, size_step;
} psim_symbol_cfg;

/* One published funding rate (external model). */
typedef struct psim_rate_point {
    int64_t ts;
    double rate_1h;
} psim_rate_point;

typedef struct psim_symbol {
    /* Hot: touched by every price update. */
    double qty; /* signed; 0 flat */
    double entry;
    double mark;
    double u, mm, im;        /* this symbol's share of the totals */
    double mm_coef, im_coef; /* mm_rate |q| and |q| / L */
    double exit_lo, exit_hi; /* close when mark <= lo or >= hi */
    int64_t ema_next_ts;     /* next EMA sample time */
    int has_price;
    /* Market. */
    double bid, ask;
    int64_t price_ts;
    /* Position. */
    double lev;
    int64_t entry_ts, funding_ts;
    /* Funding model state. */
    double ema;         /* heuristic: EMA of mark, 0 until a price */
    double ext_rate_1h; /* external: latest published rate */
    int64_t ext_rate_ts;
    const psim_rate_point *ext; /* borrowed from the engine's table */
    size_t n_ext, ext_pos;
    /* Rules. */
    char name[PERP_SYMBOL_MAX];
    double tick, step;
    perp_exit_plan plan;       /* 0 prices: not set */
    psim_impact_window impact; /* sqrt model: closed candles, owned */
} psim_symbol;

/* Where the engine reports what it did; any hook may be NULL. Records are
 * borrowed for the call. */
typedef struct psim_events {
    void *ud;
    void (*fill)(void *ud, const perp_fill *f);
    void (*funding)(void *ud, int64_t ts, const perp_funding_record *r);
    void (*liquidation)(void *ud, int64_t ts, const perp_liquidation_record *r);
} psim_events;

typedef struct psim_engine {
    psim_params p;
    double fee_rate, slip_rate, liq_rate, ema_alpha; /* derived from p */
    double cash, realized, fees, funding_net;
    double u_total, mm_total, im_total;
    size_t n_open;
    uint32_t updates_since_resync;
    int64_t now;
    int64_t next_funding_ts; /* INT64_MIN until the first price */
    psim_events ev;
    psim_rate_point *rates; /* owned: external rates, grouped by symbol */
    size_t n_rates;
    size_t n_symbols;
    uint8_t slot[PSIM_HASH_SLOTS]; /* symbol index + 1, 0 empty */
    psim_symbol sym[PSIM_MAX_SYMBOLS];
} psim_engine;

/* Sets up a flat account. params are validated by the caller (config.c);
 * symbols are copied. Returns PERP_EINVAL on a duplicate or too many. */
int psim_init(psim_engine *e, const psim_params *p, const psim_symbol_cfg *syms,
              size_t n_syms, const psim_events *ev);
/* Frees the external rate table and the impact windows. The engine
 * itself is caller-owned. */
void psim_free(psim_engine *e);

/* Symbol index or -1. O(1). */
int psim_find(const psim_engine *e, const char *symbol);

/* Executes one order at time ts (see the rules above). PERP_OK with *fill,
 * or PERP_EREJECT with why (state untouched). In dry_run every check runs
 * and the would-be fill is described in why, with PERP_EREJECT. */
int psim_submit(psim_engine *e, const perp_order *o, int64_t ts,
                perp_fill *fill, char *why, size_t why_len);

/* A price update. NAN bid/ask: last is used for both; NAN or <= 0 last and
 * no usable bid/ask: PERP_EINVAL. */
int psim_on_price(psim_engine *e, int idx, int64_t ts, double last, double bid,
                  double ask);
/* A closed candle, walked open, nearer extreme, other extreme, close at
 * ts, ts + iv/3, ts + 2iv/3, ts + iv (a tie goes low first). PERP_EINVAL
 * for an inconsistent candle. */
int psim_on_candle(psim_engine *e, int idx, const perp_candle *c);
/* A closed candle for the slippage model's window (impact.h); moves no
 * price. PERP_EINVAL for an unknown idx. */
int psim_on_market_candle(psim_engine *e, int idx, const perp_candle *c);
/* The slippage (bps) a market order of `notional` USD on idx pays now. */
double psim_slippage(const psim_engine *e, int idx, double notional);
/* An external rate (fraction per hour) for symbol idx from time ts. */
int psim_on_funding(psim_engine *e, int idx, int64_t ts, double rate_1h);

/* Replaces the exit plan of idx's open position (prices rounded to tick).
 * PERP_EINVAL with why when flat or on the wrong side of the mark. */
int psim_set_exit_plan(psim_engine *e, int idx, const perp_exit_plan *plan,
                       char *why, size_t why_len);

void psim_account(const psim_engine *e, perp_account *out);
double psim_liquidation_price(const psim_engine *e, int idx);
void psim_rules(const psim_engine *e, int idx, perp_symbol_rules *out);

/* Takes ownership of a malloc'd rate table sorted by (symbol, ts); each
 * symbol's slice is found by name. Replaces any earlier table. */
void psim_set_rate_table(psim_engine *e, psim_rate_point *pts,
                         const int *sym_idx, size_t n);

/* Recomputes the account totals and exit thresholds from positions and
 * marks (after import, or to cancel drift). */
void psim_resync(psim_engine *e);

#endif
