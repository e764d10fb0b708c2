/*
 * ref_indicators.h — bench_indicators' in-run reference: the same seven
 * indicators (EMA 20, SMA 20, RSI 7, MACD 12/26/9, ATR 14, Bollinger
 * 20/2, realized volatility 15) with the same TA-Lib definitions and
 * seeds and the same arithmetic (the rolling deviation of rolling_std.h,
 * the log-return series of indicator-volatility), written as plain
 * inline steps that a batch loop calls directly: no vtable, no plugin
 * boundary, no per-call bookkeeping. The loop that runs them is the
 * practical floor of incremental indicators on this machine, so the
 * plugins' figure divided by it is a ratio that carries across CPUs where
 * the absolute nanoseconds do not. bench_indicators checks that both
 * compute the same outputs before timing either.
 */
#ifndef BENCH_REF_INDICATORS_H
#define BENCH_REF_INDICATORS_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#include <perp/sdk.h>

#include "../plugins/indicator-bollinger/rolling_std.h"

/* SMA(n): a ring and a running sum, summed afresh in window order each
 * time the ring wraps (every n values), as indicator-sma does. */
typedef struct r_sma {
    double ring[32], sum, inv_n;
    size_t n, head, seen;
} r_sma;

static inline void r_sma_init(r_sma *m, size_t n)
{
    memset(m, 0, sizeof *m);
    m->n = n;
    m->inv_n = 1.0 / (double)n;
}

static inline double r_sma_step(r_sma *m, double x)
{
    double old = m->ring[m->head];
    m->ring[m->head] = x;
    if (++m->head == m->n) {
        m->head = 0;
        m->sum = 0;
        for (size_t i = 0; i < m->n; i++)
            m->sum += m->ring[i];
    } else {
        m->sum += x - old;
    }
    if (m->seen < m->n && ++m->seen < m->n)
        return NAN;
    return m->sum * m->inv_n;
}

/* EMA(n), SMA-seeded (TA_EMA). */
typedef struct r_ema {
    double k, keep, sum, v;
    size_t n, seen;
} r_ema;

static inline void r_ema_init(r_ema *e, size_t n)
{
    memset(e, 0, sizeof *e);
    e->n = n;
    e->k = 2.0 / (double)(n + 1);
    e->keep = 1.0 - e->k;
    e->v = NAN;
}

static inline double r_ema_step(r_ema *e, double x)
{
    if (e->seen == e->n)
        return e->v = e->v * e->keep + x * e->k;
    e->sum += x;
    if (++e->seen == e->n)
        e->v = e->sum / (double)e->n;
    return e->v;
}

/* Wilder's RSI(n) (TA_RSI); after the seed the averages are carried as
 * 2G and G + L, as indicator-rsi does. */
typedef struct r_rsi {
    double prev, g, l, gain2, total, inv_n;
    size_t n, seen;
} r_rsi;

static inline void r_rsi_init(r_rsi *s, size_t n)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->inv_n = 1.0 / (double)n;
}

static inline double r_rsi_step(r_rsi *s, double x)
{
    double d = x - s->prev;
    s->prev = x;
    if (s->seen > s->n) {
        double a = fabs(d);
        s->gain2 += ((d + a) - s->gain2) * s->inv_n;
        s->total += (a - s->total) * s->inv_n;
        return s->total > 0 ? (50.0 * s->gain2) / s->total : 50.0;
    }
    if (s->seen++ == 0)
        return NAN;
    s->g += d > 0 ? d : 0;
    s->l += d < 0 ? -d : 0;
    if (s->seen <= s->n)
        return NAN;
    s->g /= (double)s->n;
    s->l /= (double)s->n;
    s->total = s->g + s->l;
    s->gain2 = 2.0 * s->g;
    return s->total > 0 ? 100.0 * s->g / s->total : 50.0;
}

/* MACD(f, s, g) with TA-Lib's seeds: both averages seeded at s - 1 (the
 * fast one with the mean of the f prices ending there), the signal with
 * the mean of the first g lines. out: line, signal, hist. */
typedef struct r_macd {
    double recent[32], slow_sum, fast, slow, sig_sum, sig, kf, ks, kg;
    size_t f, s, g, seen, lines;
} r_macd;

static inline void r_macd_init(r_macd *m, size_t f, size_t s, size_t g)
{
    memset(m, 0, sizeof *m);
    m->f = f;
    m->s = s;
    m->g = g;
    m->kf = 2.0 / (double)(f + 1);
    m->ks = 2.0 / (double)(s + 1);
    m->kg = 2.0 / (double)(g + 1);
}

static inline void r_macd_step(r_macd *m, double x, double *out)
{
    if (m->seen >= m->s) {
        m->fast += (x - m->fast) * m->kf;
        m->slow += (x - m->slow) * m->ks;
    } else {
        m->recent[m->seen % m->f] = x;
        m->slow_sum += x;
        if (++m->seen < m->s) {
            out[0] = out[1] = out[2] = NAN;
            return;
        }
        double fs = 0;
        for (size_t i = 0; i < m->f; i++)
            fs += m->recent[(m->seen + i) % m->f];
        m->fast = fs / (double)m->f;
        m->slow = m->slow_sum / (double)m->s;
    }
    double line = m->fast - m->slow;
    if (m->lines >= m->g) {
        m->sig += (line - m->sig) * m->kg;
    } else {
        m->sig_sum += line;
        m->sig = ++m->lines == m->g ? m->sig_sum / (double)m->g : NAN;
    }
    out[0] = line;
    out[1] = m->sig;
    out[2] = line - m->sig;
}

/* Wilder's ATR(n) (TA_ATR): the mean of the first n true ranges, then
 * avg + (tr - avg) / n. */
typedef struct r_atr {
    double prev, sum, v, inv_n;
    size_t n, seen;
} r_atr;

static inline void r_atr_init(r_atr *a, size_t n)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->inv_n = 1.0 / (double)n;
    a->v = NAN;
}

static inline double r_atr_step(r_atr *a, const perp_candle *c)
{
    double tr = c->high - c->low, up = fabs(a->prev - c->high),
           down = fabs(a->prev - c->low);
    tr = up > tr ? up : tr;
    tr = down > tr ? down : tr;
    a->prev = c->close;
    if (a->seen > a->n)
        return a->v += (tr - a->v) * a->inv_n;
    if (a->seen++ == 0)
        return NAN;
    a->sum += tr;
    if (a->seen > a->n)
        a->v = a->sum * a->inv_n;
    return a->v;
}

/* Bollinger(n, k): SMA middle, population sd (rolling_std.h). out:
 * upper, middle, lower. */
static inline void r_boll_step(rstd *w, double k, double x, double *out)
{
    rstd_push(w, x);
    if (!rstd_full(w)) {
        out[0] = out[1] = out[2] = NAN;
        return;
    }
    double m = rstd_mean(w), b = k * rstd_pstd(w);
    out[0] = m + b;
    out[1] = m;
    out[2] = m - b;
}

/* Realized volatility over w one-candle log returns (rolling_std.h); a
 * return is indicator-volatility's series for moves under 2^-7 and libm's
 * log otherwise. out: per candle, annualised (sqrt(525600) for 1m). */
typedef struct r_vol {
    rstd win;
    double prev, inv_prev, scale;
    int have_prev;
} r_vol;

static inline void r_vol_init(r_vol *v, size_t w, double scale)
{
    memset(v, 0, sizeof *v);
    rstd_init(&v->win, w);
    v->scale = scale;
}

static inline double r_log_return(double x, double prev, double inv_prev)
{
    double u = (x - prev) * inv_prev;
    if (!(fabs(u) < 0x1p-7))
        return log(x / prev);
    double u2 = u * u, u4 = u2 * u2;
    double a = -0.5 + u * (1.0 / 3.0), b = -0.25 + u * 0.2;
    double d = -1.0 / 6.0 + u * (1.0 / 7.0), e = -0.125;
    return u + (u2 * (a + u2 * b) + (u4 * u2) * (d + u2 * e));
}

static inline void r_vol_step(r_vol *v, double x, double *out)
{
    double prev = v->prev, inv = v->inv_prev;
    v->prev = x;
    v->inv_prev = 1.0 / x;
    if (!v->have_prev) {
        v->have_prev = 1;
        out[0] = out[1] = NAN;
        return;
    }
    rstd_push(&v->win, r_log_return(x, prev, inv));
    if (!rstd_full(&v->win)) {
        out[0] = out[1] = NAN;
        return;
    }
    out[0] = rstd_pstd(&v->win);
    out[1] = out[0] * v->scale;
}

/* The seven, in the bench's order: ema, sma, rsi, macd, atr, bollinger,
 * volatility; 12 outputs. */
typedef struct r_all {
    r_ema ema;
    r_sma sma;
    r_rsi rsi;
    r_macd macd;
    r_atr atr;
    rstd boll; /* owned ring: r_all_free */
    r_vol vol; /* owned ring: r_all_free */
} r_all;

#define R_OUTPUTS 12

static inline void r_all_init(r_all *r)
{
    r_ema_init(&r->ema, 20);
    r_sma_init(&r->sma, 20);
    r_rsi_init(&r->rsi, 7);
    r_macd_init(&r->macd, 12, 26, 9);
    r_atr_init(&r->atr, 14);
    rstd_init(&r->boll, 20);
    r_vol_init(&r->vol, 15, sqrt(525600.0));
}

static inline void r_all_free(r_all *r)
{
    rstd_free(&r->boll);
    rstd_free(&r->vol.win);
}

/* Indicator `which` (0..6) folds in c; its outputs go to out from its
 * first slot (ema 0, sma 1, rsi 2, macd 3-5, atr 6, bollinger 7-9,
 * volatility 10-11). */
static inline void r_step(r_all *r, int which, const perp_candle *c,
                          double *out)
{
    double x = c->close;
    switch (which) {
    case 0:
        out[0] = r_ema_step(&r->ema, x);
        break;
    case 1:
        out[1] = r_sma_step(&r->sma, x);
        break;
    case 2:
        out[2] = r_rsi_step(&r->rsi, x);
        break;
    case 3:
        r_macd_step(&r->macd, x, out + 3);
        break;
    case 4:
        out[6] = r_atr_step(&r->atr, c);
        break;
    case 5:
        r_boll_step(&r->boll, 2.0, x, out + 7);
        break;
    default:
        r_vol_step(&r->vol, x, out + 10);
        break;
    }
}

#endif
