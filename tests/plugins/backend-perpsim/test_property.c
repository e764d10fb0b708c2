/*
 * test_property.c — 10,000 random order sequences (50 steps each) on
 * random price paths, seeded so a failure replays. After every step:
 *
 *   1. bookkeeping: with U = sum q (mark - entry) recomputed from the raw
 *      positions, and realized, fees and funding summed from the events
 *      the engine reported (fills, funding payments),
 *        equity - U - realized + fees - funding == starting_equity
 *      to 1e-6 relative (equity = cash + U: the "cash +
 *      unrealized - realized - fees - funding" with fees counted as
 *      negative cash flows and funding as the signed net received);
 *   2. no position survives below maintenance: either nothing is open or
 *      cash + U >= sum mm |q| mark (recomputed, not the engine's totals);
 *   3. the engine's incremental totals agree with the recomputed ones;
 *   4. every position sits on its size step.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

#define SEQUENCES 10000
#define STEPS     50
#define REL       1e-6

typedef struct sums {
    double realized, fees, funding;
    size_t fills, liquidations;
} sums;

static void on_fill(void *ud, const perp_fill *f)
{
    sums *s = ud;
    s->realized += f->realized_pnl;
    s->fees += f->fee;
    s->fills++;
}

static void on_funding(void *ud, int64_t ts, const perp_funding_record *r)
{
    (void)ts;
    ((sums *)ud)->funding += r->payment;
}

static void on_liq(void *ud, int64_t ts, const perp_liquidation_record *r)
{
    (void)ts;
    (void)r;
    ((sums *)ud)->liquidations++;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 2685821657736338717ULL;
}

static double uni(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static const psim_symbol_cfg syms[] = {
    {"BTC-USD", 0.5, 0.001},
    {"ETH-USD", 0.01, 0.01},
    {"DOGE-USD", 0.00001, 1.0},
};
static const double start_px[] = {100000, 2000, 0.1};

static psim_params random_params(void)
{
    psim_params p;
    psim_params_default(&p);
    p.max_leverage = uni() < 0.5 ? 5 : 20;
    p.fee_bps = 5 * uni();
    p.slippage_bps = 5 * uni();
    p.liq_penalty_bps = 20 * uni();
    p.funding_model = (psim_funding_model)(rnd() % 3);
    p.funding_interval_ms = uni() < 0.3 ? 0 : 3600000;
    p.funding_cap_8h = uni() < 0.5 ? 0.0001 : 0.05;
    p.funding_ema_ms = 600000;
    return p;
}

static double tick_price(int i, double px)
{
    double t = syms[i].tick_size;
    double r = round(px / t) * t;
    return r > t ? r : t;
}

static void random_order(psim_engine *e, int i, const double *px, int64_t ts)
{
    perp_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.symbol, sizeof o.symbol, "%s", syms[i].name);
    o.qty = (uni() * 2 - 1) * e->p.max_leverage * e->p.starting_equity / px[i];
    if (uni() < 0.2 && e->sym[i].qty != 0.0)
        o.qty = -e->sym[i].qty; /* close */
    o.leverage = uni() < 0.5 ? e->p.max_leverage
                             : floor(uni() * (e->p.max_leverage + 3));
    o.reduce_only = uni() < 0.1;
    if (uni() < 0.3) {
        o.has_exit_plan = 1;
        o.exit_plan.stop_loss = px[i] * (1 + (uni() - 0.5) * 0.1);
        o.exit_plan.profit_target = px[i] * (1 + (uni() - 0.5) * 0.1);
    }
    if (uni() < 0.1) {
        o.type = PERP_ORDER_LIMIT;
        o.limit_price = px[i] * (1 + (uni() - 0.5) * 0.01);
    }
    perp_fill f;
    char why[PERP_ERROR_MAX];
    psim_submit(e, &o, ts, &f, why, sizeof why);
}

static void random_market(psim_engine *e, int i, double *px, int64_t ts)
{
    double r = uni();
    double move = uni() < 0.1 ? (uni() - 0.5) * 0.5 : (uni() - 0.5) * 0.02;
    px[i] = tick_price(i, px[i] * (1 + move));
    if (r < 0.5) {
        psim_on_price(e, i, ts, px[i], NAN, NAN);
    } else if (r < 0.8) {
        double half = syms[i].tick_size * (1 + floor(uni() * 4));
        psim_on_price(e, i, ts, NAN, px[i] - half, px[i] + half);
    } else {
        perp_candle c;
        memset(&c, 0, sizeof c);
        snprintf(c.symbol, sizeof c.symbol, "%s", syms[i].name);
        c.ts = ts;
        c.interval_ms = 60000;
        c.open = px[i];
        c.close = tick_price(i, px[i] * (1 + (uni() - 0.5) * 0.02));
        c.high = fmax(c.open, c.close) * (1 + uni() * 0.02);
        c.low = fmin(c.open, c.close) * (1 - uni() * 0.02);
        psim_on_candle(e, i, &c);
        px[i] = c.close;
    }
}

static void check_invariants(const psim_engine *e, const sums *s, unsigned seq,
                             int step)
{
    double u = 0, mm = 0, im = 0;
    for (size_t i = 0; i < e->n_symbols; i++) {
        const psim_symbol *p = &e->sym[i];
        if (p->qty == 0.0)
            continue;
        u += p->qty * (p->mark - p->entry);
        mm += e->p.mm_rate * fabs(p->qty) * p->mark;
        im += fabs(p->qty) * p->mark / p->lev;
        double k = p->qty / p->step;
        cr_assert_lt(fabs(k - round(k)), 1e-6, "seq %u step %d: %s qty %.17g",
                     seq, step, p->name, p->qty);
    }
    double S = e->p.starting_equity;
    double equity = e->cash + e->u_total;
    double lhs = equity - u - s->realized + s->fees - s->funding;
    cr_assert_leq(fabs(lhs - S), REL * S, "seq %u step %d: %.10f != %.10f", seq,
                  step, lhs, S);
    double scale = S + fabs(u) + mm;
    cr_assert_leq(fabs(e->u_total - u), 1e-9 * scale, "seq %u step %d", seq,
                  step);
    cr_assert_leq(fabs(e->mm_total - mm), 1e-9 * scale);
    cr_assert_leq(fabs(e->im_total - im), 1e-9 * (scale + im));
    if (e->n_open > 0)
        cr_assert_geq(e->cash + u, mm - 1e-9 * scale,
                      "seq %u step %d: equity %.6f below maintenance %.6f", seq,
                      step, e->cash + u, mm);
}

static psim_engine eng;

Test(property, bookkeeping_and_maintenance_hold_on_random_paths)
{
    size_t total_fills = 0, total_liqs = 0;
    for (unsigned seq = 0; seq < SEQUENCES; seq++) {
        rng_state =
            0x9E3779B97F4A7C15ULL ^ ((uint64_t)seq * 0xD1B54A32D192ED03ULL);
        sums s = {0};
        psim_events ev = {&s, on_fill, on_funding, on_liq};
        psim_params p = random_params();
        cr_assert_eq(psim_init(&eng, &p, syms, 3, &ev), PERP_OK);
        double px[3];
        int64_t ts = 1700000000000LL;
        for (int i = 0; i < 3; i++) {
            px[i] = start_px[i];
            psim_on_price(&eng, i, ts, px[i], NAN, NAN);
        }
        for (int step = 0; step < STEPS; step++) {
            ts += (int64_t)(uni() * 2 * 3600000);
            int i = (int)(rnd() % 3);
            double r = uni();
            if (r < 0.5)
                random_market(&eng, i, px, ts);
            else if (r < 0.9)
                random_order(&eng, i, px, ts);
            else
                psim_on_funding(&eng, i, ts, (uni() - 0.5) * 0.002);
            check_invariants(&eng, &s, seq, step);
        }
        total_fills += s.fills;
        total_liqs += s.liquidations;
        psim_free(&eng);
    }
    /* The paths must exercise what they claim to. */
    cr_assert_gt(total_fills, 50000, "fills: %zu", total_fills);
    cr_assert_gt(total_liqs, 500, "liquidations: %zu", total_liqs);
    cr_log_info("%zu fills, %zu liquidations", total_fills, total_liqs);
}
