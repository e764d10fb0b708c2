/* engine.c — perpsim's account math; the rules are written in engine.h. */
#include "engine.h"
#include "funding.h"
#include "rounding.h"

#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESYNC_EVERY 65536u

void psim_params_default(psim_params *p)
{
    memset(p, 0, sizeof *p);
    p->starting_equity = 10000.0;
    p->max_leverage = 5.0;
    p->default_leverage = 1.0;
    p->mm_rate = 0.03;
    p->fee_bps = 2.0;
    p->slippage_bps = 1.0;
    p->liq_penalty_bps = 5.0;
    p->min_notional = 5.0;
    p->funding_model = PSIM_FUNDING_HEURISTIC;
    p->funding_cap_8h = 0.0001;
    p->funding_interval_ms = 3600000;
    p->funding_ema_ms = 8 * 3600000;
    p->slippage_model = PSIM_SLIPPAGE_FIXED;
    p->impact_k = 1.0;
    p->impact_cap_bps = 500.0;
    p->impact_window_ms = 86400000;
}

static void say(char *why, size_t len, const char *fmt, ...) PERP_PRINTF(3, 4);
static void say(char *why, size_t len, const char *fmt, ...)
{
    if (!why || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

int psim_find(const psim_engine *e, const char *symbol)
{
    uint32_t h = name_hash(symbol);
    for (uint32_t i = 0; i < PSIM_HASH_SLOTS; i++) {
        uint8_t v = e->slot[(h + i) & (PSIM_HASH_SLOTS - 1)];
        if (v == 0)
            return -1;
        if (strcmp(e->sym[v - 1].name, symbol) == 0)
            return v - 1;
    }
    return -1;
}

int psim_init(psim_engine *e, const psim_params *p, const psim_symbol_cfg *syms,
              size_t n_syms, const psim_events *ev)
{
    memset(e, 0, sizeof *e);
    e->p = *p;
    e->fee_rate = p->fee_bps / 1e4;
    e->slip_rate = p->slippage_bps / 1e4;
    e->liq_rate = p->liq_penalty_bps / 1e4;
    double n_min = (double)p->funding_ema_ms / 60000.0;
    e->ema_alpha = 2.0 / ((n_min < 1.0 ? 1.0 : n_min) + 1.0);
    e->cash = p->starting_equity;
    e->next_funding_ts = INT64_MIN;
    if (ev)
        e->ev = *ev;
    if (n_syms > PSIM_MAX_SYMBOLS)
        return PERP_EINVAL;
    for (size_t i = 0; i < n_syms; i++) {
        if (psim_find(e, syms[i].name) >= 0 || syms[i].name[0] == '\0')
            return PERP_EINVAL;
        psim_symbol *s = &e->sym[i];
        snprintf(s->name, sizeof s->name, "%s", syms[i].name);
        s->tick = syms[i].tick_size;
        s->step = syms[i].size_step;
        s->mark = s->bid = s->ask = NAN;
        s->exit_lo = -INFINITY;
        s->exit_hi = INFINITY;
        s->ema_next_ts =
            p->funding_model == PSIM_FUNDING_HEURISTIC ? INT64_MIN : INT64_MAX;
        uint32_t h = name_hash(s->name);
        while (e->slot[h & (PSIM_HASH_SLOTS - 1)])
            h++;
        e->slot[h & (PSIM_HASH_SLOTS - 1)] = (uint8_t)(i + 1);
        e->n_symbols = i + 1;
        if (p->slippage_model == PSIM_SLIPPAGE_SQRT &&
            psim_impact_init(&s->impact, p->impact_window_ms) != PERP_OK)
            return PERP_ENOMEM;
    }
    return PERP_OK;
}

static void free_rates(psim_engine *e)
{
    free(e->rates);
    e->rates = NULL;
    e->n_rates = 0;
    for (size_t i = 0; i < e->n_symbols; i++) {
        e->sym[i].ext = NULL;
        e->sym[i].n_ext = e->sym[i].ext_pos = 0;
    }
}

void psim_free(psim_engine *e)
{
    free_rates(e);
    for (size_t i = 0; i < e->n_symbols; i++)
        psim_impact_free(&e->sym[i].impact);
}

void psim_set_rate_table(psim_engine *e, psim_rate_point *pts,
                         const int *sym_idx, size_t n)
{
    free_rates(e);
    e->rates = pts;
    e->n_rates = n;
    for (size_t i = 0; i < n; i++) {
        psim_symbol *s = &e->sym[sym_idx[i]];
        if (s->n_ext == 0)
            s->ext = &pts[i];
        s->n_ext++;
    }
}

/* ---------------------------------------------------------------- marks */

/* This symbol's exit thresholds from its plan and side. */
static void set_exit_bounds(psim_symbol *s)
{
    double sl = s->plan.stop_loss, tp = s->plan.profit_target;
    s->exit_lo = -INFINITY;
    s->exit_hi = INFINITY;
    if (s->qty > 0) {
        if (sl > 0)
            s->exit_lo = sl;
        if (tp > 0)
            s->exit_hi = tp;
    } else if (s->qty < 0) {
        if (tp > 0)
            s->exit_lo = tp;
        if (sl > 0)
            s->exit_hi = sl;
    }
}

static void set_coefs(const psim_engine *e, psim_symbol *s)
{
    double aq = fabs(s->qty);
    s->mm_coef = e->p.mm_rate * aq;
    s->im_coef = aq > 0 ? aq / s->lev : 0.0;
}

void psim_resync(psim_engine *e)
{
    e->u_total = e->mm_total = e->im_total = 0.0;
    e->n_open = 0;
    for (size_t i = 0; i < e->n_symbols; i++) {
        psim_symbol *s = &e->sym[i];
        set_coefs(e, s);
        set_exit_bounds(s);
        if (s->qty == 0.0 || !s->has_price) {
            s->u = s->mm = s->im = 0.0;
            if (s->qty != 0.0)
                e->n_open++;
            continue;
        }
        s->u = s->qty * (s->mark - s->entry);
        s->mm = s->mm_coef * s->mark;
        s->im = s->im_coef * s->mark;
        e->u_total += s->u;
        e->mm_total += s->mm;
        e->im_total += s->im;
        e->n_open++;
    }
    e->updates_since_resync = 0;
}

/* Moves symbol s to mark m, updating the totals by its change only. */
static inline void mark_symbol(psim_engine *e, psim_symbol *s, double m)
{
    s->mark = m;
    if (s->qty == 0.0)
        return;
    double u = s->qty * (m - s->entry);
    double mm = s->mm_coef * m, im = s->im_coef * m;
    e->u_total += u - s->u;
    e->mm_total += mm - s->mm;
    e->im_total += im - s->im;
    s->u = u;
    s->mm = mm;
    s->im = im;
}

/* ---------------------------------------------------------------- fills */

/* What one fill does to a position. */
typedef struct fill_plan {
    double dq, price, fee, realized;
    double q_after, e_after, lev_after;
    int fresh; /* the result is a new position (open or flip) */
    perp_fill_cause cause;
} fill_plan;

static void plan_netting(const psim_symbol *s, double dq, double price,
                         double lev, double default_lev, fill_plan *f)
{
    double q = s->qty;
    f->dq = dq;
    f->price = price;
    f->realized = 0.0;
    f->fresh = 0;
    if (q == 0.0 || (q > 0) == (dq > 0)) {
        f->q_after = q + dq;
        f->e_after =
            (fabs(q) * s->entry + fabs(dq) * price) / (fabs(q) + fabs(dq));
        f->fresh = q == 0.0;
        f->cause = PERP_CAUSE_ENTRY;
    } else {
        double closed = fmin(fabs(dq), fabs(q));
        f->realized = closed * (price - s->entry) * (q > 0 ? 1.0 : -1.0);
        if (fabs(dq) < fabs(q)) {
            f->q_after = q + dq;
            f->e_after = s->entry;
            f->cause = PERP_CAUSE_EXIT;
        } else if (fabs(dq) == fabs(q)) {
            f->q_after = 0.0;
            f->e_after = 0.0;
            f->cause = PERP_CAUSE_EXIT;
        } else {
            f->q_after = q + dq;
            f->e_after = price;
            f->fresh = 1;
            f->cause = PERP_CAUSE_FLIP;
        }
    }
    if (f->q_after == 0.0)
        f->lev_after = 0.0;
    else if (lev > 0)
        f->lev_after = lev;
    else if (f->fresh)
        f->lev_after = default_lev;
    else
        f->lev_after = s->lev;
}

static void emit_fill(psim_engine *e, const psim_symbol *s, const fill_plan *f,
                      int64_t ts, const char *reason, perp_fill *out)
{
    perp_fill fl;
    memset(&fl, 0, sizeof fl);
    fl.ts = ts;
    memcpy(fl.symbol, s->name, sizeof fl.symbol);
    fl.qty = f->dq;
    fl.price = f->price;
    fl.fee = f->fee;
    fl.realized_pnl = f->realized;
    fl.position_after = s->qty;
    fl.cause = f->cause;
    snprintf(fl.reason, sizeof fl.reason, "%s", reason ? reason : "");
    if (out)
        *out = fl;
    if (e->ev.fill)
        e->ev.fill(e->ev.ud, &fl);
}

/* Books a planned fill: funding owed so far, cash, position, totals. */
static void apply_fill(psim_engine *e, psim_symbol *s, const fill_plan *f,
                       int64_t ts)
{
    psim_funding_settle(e, s, ts);
    e->cash += f->realized - f->fee;
    e->realized += f->realized;
    e->fees += f->fee;
    s->qty = f->q_after;
    s->entry = f->e_after;
    s->lev = f->lev_after;
    if (f->fresh) {
        s->entry_ts = ts;
        s->funding_ts = ts;
        memset(&s->plan, 0, sizeof s->plan);
    }
    if (s->qty == 0.0)
        memset(&s->plan, 0, sizeof s->plan);
    psim_resync(e);
}

/* Slippage as a fraction of the price for an order of |dq| at the mark. */
static double slip_rate(const psim_engine *e, const psim_symbol *s, double dq)
{
    if (e->p.slippage_model == PSIM_SLIPPAGE_FIXED)
        return e->slip_rate;
    return psim_slippage_bps(e->p.slippage_model, e->p.slippage_bps,
                             e->p.impact_k, e->p.impact_cap_bps, &s->impact,
                             fabs(dq) * s->mark) /
           1e4;
}

/* Market price for a taker of side sign(dq), rounded against the taker. */
static double taker_price(const psim_engine *e, const psim_symbol *s, double dq)
{
    double slip = slip_rate(e, s, dq);
    if (dq > 0)
        return psim_price_up(s->ask * (1.0 + slip), s->tick);
    return psim_price_down(s->bid * (1.0 - slip), s->tick);
}

/* Closes all of s at market for an exit plan, reason "stop_loss ...". */
static void fire_exit(psim_engine *e, psim_symbol *s, int64_t ts)
{
    int long_pos = s->qty > 0;
    int stop = long_pos ? s->mark <= s->exit_lo : s->mark >= s->exit_hi;
    double level = stop ? s->plan.stop_loss : s->plan.profit_target;
    fill_plan f;
    double price = taker_price(e, s, -s->qty);
    plan_netting(s, -s->qty, price, 0, e->p.default_leverage, &f);
    f.fee = fabs(f.dq) * f.price * e->fee_rate;
    f.cause = stop ? PERP_CAUSE_STOP_LOSS : PERP_CAUSE_TAKE_PROFIT;
    char reason[PERP_REASON_MAX];
    snprintf(reason, sizeof reason, "%s %.10g reached: mark %.10g",
             stop ? "stop_loss" : "take_profit", level, s->mark);
    apply_fill(e, s, &f, ts);
    emit_fill(e, s, &f, ts, reason, NULL);
}

static void liquidate_one(psim_engine *e, psim_symbol *s, int64_t ts)
{
    psim_funding_settle(e, s, ts); /* its funding up to now comes first */
    double equity = e->cash + e->u_total, mm = e->mm_total;
    fill_plan f;
    plan_netting(s, -s->qty, s->mark, 0, e->p.default_leverage, &f);
    f.fee = fabs(s->qty) * s->mark * e->liq_rate;
    f.cause = PERP_CAUSE_LIQUIDATION;
    if (e->ev.liquidation) {
        perp_liquidation_record r;
        memset(&r, 0, sizeof r);
        memcpy(r.symbol, s->name, sizeof r.symbol);
        r.qty = s->qty;
        r.price = s->mark;
        r.penalty = f.fee;
        r.equity_before = equity;
        r.maintenance_before = mm;
        e->ev.liquidation(e->ev.ud, ts, &r);
    }
    char reason[PERP_REASON_MAX];
    snprintf(reason, sizeof reason,
             "liquidation: equity %.2f < maintenance %.2f", equity, mm);
    apply_fill(e, s, &f, ts);
    emit_fill(e, s, &f, ts, reason, NULL);
}

/* Closes positions, largest unrealized loss first, until healthy. */
static void check_liquidation(psim_engine *e, int64_t ts)
{
    while (e->n_open > 0 && e->cash + e->u_total < e->mm_total) {
        psim_symbol *worst = NULL;
        for (size_t i = 0; i < e->n_symbols; i++) {
            psim_symbol *s = &e->sym[i];
            if (s->qty != 0.0 && s->has_price && (!worst || s->u < worst->u))
                worst = s;
        }
        if (!worst)
            return;
        liquidate_one(e, worst, ts);
    }
}

/* --------------------------------------------------------------- prices */

int psim_on_price(psim_engine *e, int idx, int64_t ts, double last, double bid,
                  double ask)
{
    if (idx < 0 || (size_t)idx >= e->n_symbols)
        return PERP_EINVAL;
    psim_symbol *s = &e->sym[idx];
    if (!(bid > 0) || !(ask > 0) || !isfinite(bid) || !isfinite(ask) ||
        bid > ask) {
        if (!(last > 0) || !isfinite(last))
            return PERP_EINVAL;
        bid = ask = last;
    }
    double m = bid == ask ? bid : 0.5 * (bid + ask);
    if (ts > e->now)
        e->now = ts;
    if (ts >= e->next_funding_ts)
        psim_funding_boundary(e, ts);
    if (e->p.funding_interval_ms == 0 && s->qty != 0.0 &&
        e->p.funding_model != PSIM_FUNDING_NONE)
        psim_funding_settle(e, s, ts);
    if (ts >= s->ema_next_ts)
        psim_funding_ema(e, s, ts, m);
    s->bid = bid;
    s->ask = ask;
    s->price_ts = ts;
    if (!s->has_price) {
        s->has_price = 1;
        s->mark = m;
        psim_resync(e);
    } else {
        mark_symbol(e, s, m);
    }
    if (m <= s->exit_lo || m >= s->exit_hi)
        fire_exit(e, s, ts);
    if (e->cash + e->u_total < e->mm_total)
        check_liquidation(e, ts);
    if (++e->updates_since_resync >= RESYNC_EVERY)
        psim_resync(e);
    return PERP_OK;
}

static int candle_ok(const perp_candle *c)
{
    double o = c->open, h = c->high, l = c->low, x = c->close;
    return isfinite(o) && isfinite(h) && isfinite(l) && isfinite(x) && l > 0 &&
           h >= l && o >= l && o <= h && x >= l && x <= h &&
           c->interval_ms >= 0;
}

int psim_on_candle(psim_engine *e, int idx, const perp_candle *c)
{
    if (!candle_ok(c))
        return PERP_EINVAL;
    int high_first = c->high - c->open < c->open - c->low;
    double px[4] = {c->open, high_first ? c->high : c->low,
                    high_first ? c->low : c->high, c->close};
    int64_t iv = c->interval_ms;
    int64_t at[4] = {c->ts, c->ts + iv / 3, c->ts + 2 * iv / 3, c->ts + iv};
    for (int i = 0; i < 4; i++) {
        int rc = psim_on_price(e, idx, at[i], px[i], NAN, NAN);
        if (rc != PERP_OK)
            return rc;
    }
    return PERP_OK;
}

int psim_on_market_candle(psim_engine *e, int idx, const perp_candle *c)
{
    if (idx < 0 || (size_t)idx >= e->n_symbols)
        return PERP_EINVAL;
    if (e->p.slippage_model == PSIM_SLIPPAGE_SQRT)
        psim_impact_add(&e->sym[idx].impact, c);
    return PERP_OK;
}

double psim_slippage(const psim_engine *e, int idx, double notional)
{
    return psim_slippage_bps(e->p.slippage_model, e->p.slippage_bps,
                             e->p.impact_k, e->p.impact_cap_bps,
                             &e->sym[idx].impact, notional);
}

int psim_on_funding(psim_engine *e, int idx, int64_t ts, double rate_1h)
{
    if (idx < 0 || (size_t)idx >= e->n_symbols || !isfinite(rate_1h))
        return PERP_EINVAL;
    if (e->p.funding_model != PSIM_FUNDING_EXTERNAL)
        return PERP_OK; /* another model sets the rate */
    psim_funding_set_rate(e, &e->sym[idx], ts, rate_1h);
    if (e->cash + e->u_total < e->mm_total)
        check_liquidation(e, ts);
    return PERP_OK;
}

/* ------------------------------------------------------------- exit plans */

/* Checks plan against a position of sign `side` at mark m; rounds into out. */
static int check_plan(const psim_symbol *s, double side, double m,
                      const perp_exit_plan *plan, perp_exit_plan *out,
                      char *why, size_t why_len)
{
    double sl = plan->stop_loss, tp = plan->profit_target;
    if (!isfinite(sl) || !isfinite(tp) || sl < 0 || tp < 0) {
        say(why, why_len, "exit plan prices must be >= 0 (0 = not set)");
        return PERP_EREJECT;
    }
    *out = *plan;
    out->invalidation[sizeof out->invalidation - 1] = '\0';
    out->stop_loss = sl > 0 ? psim_price_nearest(sl, s->tick) : 0.0;
    out->profit_target = tp > 0 ? psim_price_nearest(tp, s->tick) : 0.0;
    const char *side_name = side > 0 ? "long" : "short";
    if (out->stop_loss > 0 &&
        (side > 0 ? out->stop_loss >= m : out->stop_loss <= m)) {
        say(why, why_len, "stop_loss %.10g is not %s mark %.10g for a %s",
            out->stop_loss, side > 0 ? "below" : "above", m, side_name);
        return PERP_EREJECT;
    }
    if (out->profit_target > 0 &&
        (side > 0 ? out->profit_target <= m : out->profit_target >= m)) {
        say(why, why_len, "profit_target %.10g is not %s mark %.10g for a %s",
            out->profit_target, side > 0 ? "above" : "below", m, side_name);
        return PERP_EREJECT;
    }
    return PERP_OK;
}

int psim_set_exit_plan(psim_engine *e, int idx, const perp_exit_plan *plan,
                       char *why, size_t why_len)
{
    if (idx < 0 || (size_t)idx >= e->n_symbols) {
        say(why, why_len, "unknown symbol");
        return PERP_EINVAL;
    }
    psim_symbol *s = &e->sym[idx];
    if (s->qty == 0.0) {
        say(why, why_len, "no open position in %s", s->name);
        return PERP_EINVAL;
    }
    perp_exit_plan p;
    if (check_plan(s, s->qty, s->mark, plan, &p, why, why_len) != PERP_OK)
        return PERP_EINVAL;
    s->plan = p;
    set_exit_bounds(s);
    return PERP_OK;
}

/* ---------------------------------------------------------------- orders */

/* Validates o into a fill plan for s; PERP_EREJECT with why otherwise. */
static int plan_order(const psim_engine *e, const psim_symbol *s,
                      const perp_order *o, fill_plan *f, char *why,
                      size_t why_len)
{
    if (!isfinite(o->qty) || o->qty == 0.0) {
        say(why, why_len, "quantity must be a non-zero number");
        return PERP_EREJECT;
    }
    double lev = o->leverage;
    if (!isfinite(lev) ||
        (lev != 0.0 && (lev < 1.0 || lev > e->p.max_leverage))) {
        say(why, why_len, "leverage %g outside 1..%g", lev, e->p.max_leverage);
        return PERP_EREJECT;
    }
    double q = s->qty, dq = psim_qty_floor(o->qty, s->step);
    if (dq == 0.0) {
        say(why, why_len, "quantity %g rounds to 0 at size step %g",
            fabs(o->qty), s->step);
        return PERP_EREJECT;
    }
    if (q != 0.0 && fabs(q + dq) < 0.5 * s->step)
        dq = -q;
    if (o->reduce_only) {
        if (q == 0.0 || (q > 0) == (dq > 0)) {
            say(why, why_len, "reduce_only order would open or add");
            return PERP_EREJECT;
        }
        if (fabs(dq) > fabs(q))
            dq = -q;
    }
    double price = taker_price(e, s, dq);
    if (o->type == PERP_ORDER_LIMIT) {
        double lim = o->limit_price;
        if (!isfinite(lim) || lim <= 0 ||
            (dq > 0 ? price > lim : price < lim)) {
            say(why, why_len,
                "limit %.10g not marketable at %.10g (resting orders are "
                "not supported)",
                lim, price);
            return PERP_EREJECT;
        }
    }
    int full_close = q != 0.0 && dq == -q;
    if (!full_close && fabs(dq) * price < e->p.min_notional) {
        say(why, why_len, "notional %.2f below min_notional %.2f",
            fabs(dq) * price, e->p.min_notional);
        return PERP_EREJECT;
    }
    plan_netting(s, dq, price, lev, e->p.default_leverage, f);
    f->fee = fabs(dq) * price * e->fee_rate;
    return PERP_OK;
}

/* Used initial margin and equity once f is booked, at current marks. */
static int check_margin(const psim_engine *e, const psim_symbol *s,
                        const fill_plan *f, char *why, size_t why_len)
{
    double m = s->mark;
    double im_after = e->im_total - s->im;
    double u_after = e->u_total - s->u;
    if (f->q_after != 0.0) {
        im_after += fabs(f->q_after) * m / f->lev_after;
        u_after += f->q_after * (m - f->e_after);
    }
    double equity_after = e->cash + f->realized - f->fee + u_after;
    if (im_after > e->im_total && im_after > equity_after) {
        say(why, why_len,
            "insufficient margin: initial margin after order %.2f > "
            "equity after order %.2f",
            im_after, equity_after);
        return PERP_EREJECT;
    }
    return PERP_OK;
}

int psim_submit(psim_engine *e, const perp_order *o, int64_t ts,
                perp_fill *fill, char *why, size_t why_len)
{
    int idx = psim_find(e, o->symbol);
    if (idx < 0) {
        say(why, why_len, "unknown symbol %.*s", PERP_SYMBOL_MAX, o->symbol);
        return PERP_EREJECT;
    }
    psim_symbol *s = &e->sym[idx];
    if (!s->has_price) {
        say(why, why_len, "no price for %s yet", s->name);
        return PERP_EREJECT;
    }
    fill_plan f;
    int rc = plan_order(e, s, o, &f, why, why_len);
    if (rc != PERP_OK)
        return rc;
    perp_exit_plan plan = s->plan;
    if (o->has_exit_plan && f.q_after != 0.0) {
        rc = check_plan(s, f.q_after, s->mark, &o->exit_plan, &plan, why,
                        why_len);
        if (rc != PERP_OK)
            return rc;
    }
    rc = check_margin(e, s, &f, why, why_len);
    if (rc != PERP_OK)
        return rc;
    if (e->p.dry_run) {
        say(why, why_len, "dry_run: would %s %.10g %s at %.10g (fee %.2f)",
            f.dq > 0 ? "buy" : "sell", fabs(f.dq), s->name, f.price, f.fee);
        return PERP_EREJECT;
    }
    if (ts > e->now)
        e->now = ts;
    apply_fill(e, s, &f, ts);
    if (o->has_exit_plan && s->qty != 0.0) {
        s->plan = plan;
        set_exit_bounds(s);
    }
    emit_fill(e, s, &f, ts, o->reason, fill);
    check_liquidation(e, ts);
    return PERP_OK;
}

/* --------------------------------------------------------------- reports */

double psim_liquidation_price(const psim_engine *e, int idx)
{
    const psim_symbol *s = &e->sym[idx];
    if (s->qty == 0.0 || !s->has_price)
        return 0.0;
    double q = s->qty;
    double num =
        (e->mm_total - s->mm) - e->cash - (e->u_total - s->u) + q * s->entry;
    double den = q - e->p.mm_rate * fabs(q);
    double m = den != 0.0 ? num / den : 0.0;
    return isfinite(m) && m > 0 ? m : 0.0;
}

void psim_rules(const psim_engine *e, int idx, perp_symbol_rules *out)
{
    out->tick_size = e->sym[idx].tick;
    out->size_step = e->sym[idx].step;
    out->min_notional = e->p.min_notional;
    out->max_leverage = e->p.max_leverage;
}

void psim_account(const psim_engine *e, perp_account *out)
{
    /* The header only: 32 positions are 13 KB, and an account is read
     * every cycle; each position reported is cleared below. */
    memset(out, 0, offsetof(perp_account, positions));
    out->starting_equity = e->p.starting_equity;
    out->cash = e->cash;
    out->unrealized_pnl = e->u_total;
    out->equity = e->cash + e->u_total;
    out->margin_used = e->im_total;
    out->maintenance_margin = e->mm_total;
    out->available = fmax(0.0, out->equity - e->im_total);
    out->realized_pnl = e->realized;
    out->fees_paid = e->fees;
    out->funding_net = e->funding_net;
    for (size_t i = 0; i < e->n_symbols; i++) {
        const psim_symbol *s = &e->sym[i];
        if (s->qty == 0.0)
            continue;
        perp_position *p = &out->positions[out->n_positions++];
        memset(p, 0, sizeof *p);
        memcpy(p->symbol, s->name, sizeof p->symbol);
        p->qty = s->qty;
        p->entry_price = s->entry;
        p->mark_price = s->mark;
        p->leverage = s->lev;
        p->notional = fabs(s->qty) * s->mark;
        p->initial_margin = s->im;
        p->maintenance_margin = s->mm;
        p->unrealized_pnl = s->u;
        p->liquidation_price = psim_liquidation_price(e, (int)i);
        p->entry_ts = s->entry_ts;
        p->exit_plan = s->plan;
    }
}
