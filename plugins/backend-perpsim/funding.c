/* funding.c — funding rates and payments; the formulas are in funding.h. */
#include "funding.h"

#include <math.h>
#include <string.h>

#define MS_PER_HOUR 3600000.0
#define MS_PER_MIN  60000

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

double psim_funding_rate_1h(const psim_symbol *s, psim_funding_model model,
                            double cap_8h)
{
    if (model == PSIM_FUNDING_HEURISTIC) {
        if (!(s->ema > 0) || !s->has_price)
            return 0.0;
        double premium = (s->mark - s->ema) / s->ema;
        if (premium > cap_8h)
            premium = cap_8h;
        if (premium < -cap_8h)
            premium = -cap_8h;
        return premium / 8.0;
    }
    if (model == PSIM_FUNDING_EXTERNAL)
        return s->ext_rate_1h;
    return 0.0;
}

/* Pays s's funding from its clock to t_end at rate_1h (fraction/hour). */
static void pay(psim_engine *e, psim_symbol *s, int64_t t_end, double rate_1h)
{
    if (t_end <= s->funding_ts)
        return;
    double frac = rate_1h * (double)(t_end - s->funding_ts) / MS_PER_HOUR;
    s->funding_ts = t_end;
    if (frac == 0.0 || s->qty == 0.0)
        return;
    double payment = -s->qty * s->mark * frac;
    e->cash += payment;
    e->funding_net += payment;
    if (e->ev.funding) {
        perp_funding_record r;
        memset(&r, 0, sizeof r);
        memcpy(r.symbol, s->name, sizeof r.symbol);
        r.rate = frac;
        r.position = s->qty;
        r.mark = s->mark;
        r.payment = payment;
        e->ev.funding(e->ev.ud, t_end, &r);
    }
}

void psim_funding_set_rate(psim_engine *e, psim_symbol *s, int64_t ts,
                           double rate_1h)
{
    if (ts < s->ext_rate_ts)
        return;
    if (s->qty != 0.0)
        pay(e, s, ts, s->ext_rate_1h);
    s->ext_rate_1h = rate_1h;
    s->ext_rate_ts = ts;
}

void psim_funding_settle(psim_engine *e, psim_symbol *s, int64_t t)
{
    if (s->qty == 0.0) {
        if (t > s->funding_ts)
            s->funding_ts = t;
        return;
    }
    if (e->p.funding_model == PSIM_FUNDING_EXTERNAL) {
        /* The rate is a step function: pay each step at its own rate. */
        while (s->ext_pos < s->n_ext && s->ext[s->ext_pos].ts <= t) {
            const psim_rate_point *pt = &s->ext[s->ext_pos++];
            psim_funding_set_rate(e, s, pt->ts, pt->rate_1h);
        }
    }
    pay(e, s, t,
        psim_funding_rate_1h(s, e->p.funding_model, e->p.funding_cap_8h));
}

void psim_funding_boundary(psim_engine *e, int64_t ts)
{
    int64_t iv = e->p.funding_interval_ms;
    if (e->p.funding_model == PSIM_FUNDING_NONE || iv <= 0) {
        e->next_funding_ts = INT64_MAX;
        return;
    }
    int64_t b = floor_div(ts, iv) * iv;
    if (e->next_funding_ts != INT64_MIN) {
        for (size_t i = 0; i < e->n_symbols; i++)
            if (e->sym[i].qty != 0.0)
                psim_funding_settle(e, &e->sym[i], b);
    }
    e->next_funding_ts = b + iv;
}

void psim_funding_ema(psim_engine *e, psim_symbol *s, int64_t ts, double m)
{
    int64_t minute = floor_div(ts, MS_PER_MIN);
    if (!(s->ema > 0) || !s->has_price) {
        s->ema = m;
    } else {
        /* Minutes since the last sample held the previous mark. */
        int64_t held = minute - floor_div(s->ema_next_ts, MS_PER_MIN);
        if (held > 0)
            s->ema += (1.0 - pow(1.0 - e->ema_alpha, (double)held)) *
                      (s->mark - s->ema);
        s->ema += e->ema_alpha * (m - s->ema);
    }
    s->ema_next_ts = (minute + 1) * MS_PER_MIN;
}
