/*
 * hl_orders.c — orders: a market order as an aggressive IOC limit, its
 * leverage first, TP/SL children with an entry (normalTpsl), the exit
 * plan of an open position as TP/SL orders on the position
 * (positionTpsl), cancels, and the one rule for a send whose answer was
 * lost: ask the exchange about the order's cloid, never send it again.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hl_action.h"
#include "hl_backend.h"
#include "hl_hex.h"
#include "hl_keccak.h"

/* A client order id, "0x" + 32 hex digits, from the host's client id,
 * a role ("entry", "tp", "sl") and the nonce-like counter: unique per
 * order, the same on a retry of the same decision nowhere. */
static void make_cloid(hl_backend *b, const char *client_id, const char *role,
                       char out[35])
{
    char seed[160];
    uint8_t h[32];
    int n = snprintf(seed, sizeof seed, "%s|%s|%llu|%s", client_id, role,
                     (unsigned long long)b->last_nonce, b->account);
    hl_keccak256(seed, (size_t)(n < 0 ? 0 : n), h);
    hl_hex_encode(h, 16, out);
}

/* The reference price of a market order: the book's mid when on_price
 * gave one, else the last price, else the exchange's allMids. */
static double reference_price(hl_backend *b, hl_sym *s)
{
    if (isfinite(s->bid) && isfinite(s->ask) && s->bid > 0 && s->ask > 0)
        return 0.5 * (s->bid + s->ask);
    if (isfinite(s->last) && s->last > 0)
        return s->last;
    json_t *mids = hl_info(b, json_pack("{s:s}", "type", "allMids"));
    double px = hl_num(mids, s->coin);
    json_decref(mids);
    return px;
}

static int wire_price(double px, int szd, char out[HL_WIRE_MAX])
{
    return hl_float_to_wire(hl_round_price(px, szd), out);
}

static void sleep_ms(int64_t ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static perp_status ensure_leverage(hl_backend *b, hl_sym *s, double wanted,
                                   char *why, size_t why_len)
{
    int lev = (int)lround(wanted);
    if (lev < 1)
        lev = 1;
    if (s->max_leverage > 0 && lev > s->max_leverage)
        lev = s->max_leverage;
    if (lev == s->leverage_set)
        return PERP_OK;
    json_t *resp, *a = hl_leverage_action(s->asset, 1, lev);
    hl_send_result r = hl_send(b, a, &resp, why, why_len);
    json_decref(a);
    json_decref(resp);
    if (r != HL_SENT_OK)
        return PERP_EREJECT;
    s->leverage_set = lev;
    b->host->log(b->host, PERP_LOG_INFO, "%s: leverage set to %dx (cross)",
                 s->symbol, lev);
    return PERP_OK;
}

/* ----------------------------------------------------- the order's fill */

typedef struct hl_exec {
    int64_t oid;
    double sz, px;        /* filled size (unsigned) and average price */
    double fee, realized; /* NAN until the fills are read */
} hl_exec;

/* Fee and closed P&L of an order from its fills (an IOC that crossed
 * several levels has several); size and average price too when the
 * answer did not carry them. */
static void read_fills_of(hl_backend *b, hl_exec *x)
{
    json_t *fills = hl_info(
        b, json_pack("{s:s, s:s}", "type", "userFills", "user", b->account));
    double sz = 0, notional = 0, fee = 0, pnl = 0;
    size_t k;
    json_t *f;
    json_array_foreach(fills, k, f)
    {
        if (json_integer_value(json_object_get(f, "oid")) != x->oid)
            continue;
        double fs = hl_num(f, "sz"), fp = hl_num(f, "px");
        sz += fs;
        notional += fs * fp;
        fee += hl_num(f, "fee");
        pnl += hl_num(f, "closedPnl");
    }
    json_decref(fills);
    if (sz <= 0)
        return;
    x->fee = fee;
    x->realized = pnl;
    if (!(x->sz > 0)) {
        x->sz = sz;
        x->px = notional / sz;
    }
}

/* After a send whose answer was lost: what became of the order? 1 with
 * x->oid when the exchange knows the cloid, 0 when it does not (after
 * resolve_tries queries), -1 when it cannot be asked. */
static int resolve_cloid(hl_backend *b, const char *cloid, hl_exec *x,
                         char *status, size_t status_len)
{
    for (int i = 0; i < b->set.resolve_tries; i++) {
        if (i > 0)
            sleep_ms(b->set.resolve_wait_ms);
        json_t *r =
            hl_info(b, json_pack("{s:s, s:s, s:s}", "type", "orderStatus",
                                 "user", b->account, "oid", cloid));
        if (!r)
            continue;
        const json_t *o = json_object_get(r, "order");
        const json_t *inner = json_object_get(o, "order");
        if (strcmp(hl_str(r, "status"), "order") == 0 && inner) {
            /* Size and price come from the order's fills. */
            x->oid = json_integer_value(json_object_get(inner, "oid"));
            x->sz = x->px = NAN;
            snprintf(status, status_len, "%s", hl_str(o, "status"));
            json_decref(r);
            return 1;
        }
        json_decref(r);
    }
    return 0;
}

/* statuses[0] of an order action into x; 0, or -1 with why. */
static int read_entry_status(const json_t *resp, hl_exec *x, char *why,
                             size_t why_len)
{
    const json_t *st = json_array_get(
        json_object_get(json_object_get(resp, "data"), "statuses"), 0);
    const json_t *filled = json_object_get(st, "filled");
    if (filled) {
        x->oid = json_integer_value(json_object_get(filled, "oid"));
        x->sz = hl_num(filled, "totalSz");
        x->px = hl_num(filled, "avgPx");
        return 0;
    }
    if (json_object_get(st, "error")) {
        snprintf(why, why_len, "%.200s", hl_str(st, "error"));
        return -1;
    }
    if (json_object_get(st, "resting")) {
        snprintf(why, why_len, "the IOC order rested instead of filling");
        return -1;
    }
    snprintf(why, why_len, "no fill in the exchange's answer");
    return -1;
}

static perp_fill_cause cause_of(double before, double after)
{
    if (before == 0)
        return PERP_CAUSE_ENTRY;
    if (after != 0 && (before > 0) != (after > 0))
        return PERP_CAUSE_FLIP;
    return fabs(after) < fabs(before) ? PERP_CAUSE_EXIT : PERP_CAUSE_ENTRY;
}

static void record_fill(hl_backend *b, hl_sym *s, const perp_order *o,
                        const hl_exec *x, perp_fill *fill)
{
    double before = s->pos.qty;
    double q = (o->qty > 0 ? 1 : -1) * x->sz;
    memset(fill, 0, sizeof *fill);
    fill->ts = b->host->now_ms(b->host);
    snprintf(fill->symbol, sizeof fill->symbol, "%s", s->symbol);
    fill->qty = q;
    fill->price = x->px;
    fill->fee = isfinite(x->fee) ? x->fee : 0;
    fill->realized_pnl = isfinite(x->realized) ? x->realized : 0;
    fill->position_after = before + q;
    if (fabs(fill->position_after) < 0.5 * pow(10, -s->sz_decimals))
        fill->position_after = 0;
    fill->cause = cause_of(before, fill->position_after);
    snprintf(fill->reason, sizeof fill->reason, "%s", o->reason);
    hl_remember_own_oid(b, x->oid);
    b->fees += fill->fee;
    b->realized += fill->realized_pnl;
    if (before == 0 || fill->cause == PERP_CAUSE_FLIP)
        s->pos.entry_ts = fill->ts;
    s->pos.qty = fill->position_after;
    perp_record rec = {.type = PERP_REC_TRADE, .ts = fill->ts};
    rec.u.trade.fill = *fill;
    b->host->emit(b->host, &rec);
}

/* ------------------------------------------------------------- submit */

static int build_entry(hl_backend *b, hl_sym *s, const perp_order *o,
                       hl_order_req *req, char *why, size_t why_len)
{
    double ref = reference_price(b, s);
    double sz = hl_round_size(fabs(o->qty), s->sz_decimals);
    memset(req, 0, sizeof *req);
    req->asset = s->asset;
    req->is_buy = o->qty > 0;
    req->reduce_only = o->reduce_only;
    req->kind = HL_LIMIT_IOC;
    if (!(ref > 0)) {
        snprintf(why, why_len, "no price for %s to bound a market order",
                 s->coin);
        return -1;
    }
    double limit =
        ref * (req->is_buy ? 1 + b->set.slippage : 1 - b->set.slippage);
    if (o->type == PERP_ORDER_LIMIT && o->limit_price > 0)
        limit = o->limit_price;
    if (!(sz > 0) || hl_float_to_wire(sz, req->sz) ||
        wire_price(limit, s->sz_decimals, req->px)) {
        snprintf(why, why_len,
                 "size %.10g rounds to nothing at %d decimals (%s)",
                 fabs(o->qty), s->sz_decimals, s->coin);
        return -1;
    }
    make_cloid(b, o->client_id, "entry", req->cloid);
    return 0;
}

/* A TP or SL order closing `size` of a position on `long_side`. */
static int build_trigger(hl_backend *b, hl_sym *s, int tp, double trigger,
                         int long_side, const char *sz, hl_order_req *req)
{
    memset(req, 0, sizeof *req);
    req->asset = s->asset;
    req->is_buy = !long_side;
    req->reduce_only = 1;
    req->kind = HL_TRIGGER;
    req->trigger_is_market = 1;
    req->tpsl_tp = tp;
    snprintf(req->sz, sizeof req->sz, "%s", sz);
    /* The worst price the triggered market order may fill at. */
    double worst =
        trigger * (req->is_buy ? 1 + b->set.slippage : 1 - b->set.slippage);
    return wire_price(trigger, s->sz_decimals, req->trigger_px) ||
           wire_price(worst, s->sz_decimals, req->px);
}

/* The entry and, from flat with an exit plan, its TP/SL children. */
static size_t build_orders(hl_backend *b, hl_sym *s, const perp_order *o,
                           hl_order_req *reqs, const char **grouping)
{
    size_t n = 1;
    *grouping = "na";
    const perp_exit_plan *p = &o->exit_plan;
    if (!o->has_exit_plan || o->reduce_only || s->pos.qty != 0)
        return n;
    int long_side = o->qty > 0;
    if (p->profit_target > 0 &&
        build_trigger(b, s, 1, p->profit_target, long_side, reqs[0].sz,
                      &reqs[n]) == 0)
        n++;
    if (p->stop_loss > 0 && build_trigger(b, s, 0, p->stop_loss, long_side,
                                          reqs[0].sz, &reqs[n]) == 0)
        n++;
    if (n > 1) {
        *grouping = "normalTpsl";
        s->plan = *p;
        s->placed_size = strtod(reqs[0].sz, NULL);
    }
    return n;
}

perp_status hl_submit(hl_backend *b, const perp_order *o, perp_fill *fill,
                      char *why, size_t why_len)
{
    hl_sym *s = hl_sym_find(b, o->symbol);
    if (!s) {
        snprintf(why, why_len, "%s is not one of this backend's symbols",
                 o->symbol);
        return PERP_EREJECT;
    }
    if ((!b->meta_loaded && hl_load_meta(b) != PERP_OK) || s->asset < 0) {
        snprintf(why, why_len, "%s: the exchange's meta is unavailable",
                 s->coin);
        return PERP_EREJECT;
    }
    hl_sync(b, 0); /* the position the order starts from */
    if (!o->reduce_only &&
        ensure_leverage(b, s, o->leverage, why, why_len) != PERP_OK)
        return PERP_EREJECT;
    hl_order_req reqs[3];
    const char *grouping;
    if (build_entry(b, s, o, &reqs[0], why, why_len))
        return PERP_EREJECT;
    size_t n = build_orders(b, s, o, reqs, &grouping);
    json_t *resp = NULL, *action = hl_order_action(reqs, n, grouping);
    hl_send_result r = hl_send(b, action, &resp, why, why_len);
    json_decref(action);
    hl_exec x = {.fee = NAN, .realized = NAN};
    int ok = 0;
    if (r == HL_SENT_OK) {
        ok = read_entry_status(resp, &x, why, why_len) == 0;
    } else if (r == HL_SENT_UNKNOWN) {
        char status[48] = "", lost[PERP_ERROR_MAX];
        snprintf(lost, sizeof lost, "%s", why);
        b->host->log(b->host, PERP_LOG_WARN,
                     "%s: %s after sending order %s; asking the exchange "
                     "about it instead of sending it again",
                     s->symbol, lost, reqs[0].cloid);
        if (resolve_cloid(b, reqs[0].cloid, &x, status, sizeof status) == 1)
            ok = 1;
        else
            snprintf(why, why_len,
                     "%.120s; the exchange does not know order "
                     "%s: not placed",
                     lost, reqs[0].cloid);
    }
    json_decref(resp);
    if (ok) {
        read_fills_of(b, &x);
        if (!(x.sz > 0)) {
            snprintf(why, why_len, "order %lld did not fill", (long long)x.oid);
            ok = 0;
        }
    }
    if (!ok) {
        if (n > 1)
            s->placed_size = 0; /* the children went with the entry */
        return PERP_EREJECT;
    }
    record_fill(b, s, o, &x, fill);
    if (fill->position_after == 0)
        hl_cancel_triggers(b, s);
    b->dirty = 1;
    return PERP_OK;
}

/* ------------------------------------------------------------- exits */

void hl_cancel_triggers(hl_backend *b, hl_sym *s)
{
    for (size_t i = 0; i < s->n_triggers; i++) {
        char why[PERP_ERROR_MAX];
        json_t *resp, *a = hl_cancel_action(s->asset, s->triggers[i].oid);
        /* "already canceled, or filled" is the outcome wanted anyway. */
        if (hl_send(b, a, &resp, why, sizeof why) != HL_SENT_OK)
            b->host->log(b->host, PERP_LOG_WARN,
                         "%s: cancel of TP/SL order %lld: %s", s->symbol,
                         (long long)s->triggers[i].oid, why);
        json_decref(a);
        json_decref(resp);
    }
    s->n_triggers = 0;
    s->placed_size = 0;
}

/* 1 when the open triggers already are this plan for this size. */
static int plan_in_place(const hl_sym *s, double size)
{
    int tp = 0, sl = 0;
    for (size_t i = 0; i < s->n_triggers; i++) {
        const hl_trigger *t = &s->triggers[i];
        double want = t->tp ? s->plan.profit_target : s->plan.stop_loss;
        if (!(want > 0) || fabs(t->trigger_px - want) > 1e-9 * want)
            return 0;
        tp += t->tp;
        sl += !t->tp;
    }
    return tp == (s->plan.profit_target > 0) && sl == (s->plan.stop_loss > 0) &&
           fabs(s->placed_size - size) < 1e-12 + 1e-9 * size;
}

perp_status hl_place_exit_plan(hl_backend *b, hl_sym *s)
{
    if (hl_sync(b, 1) != PERP_OK)
        return PERP_ERR;
    double size = fabs(s->pos.qty);
    if (size == 0) {
        hl_cancel_triggers(b, s);
        return PERP_OK;
    }
    if (plan_in_place(s, size))
        return PERP_OK;
    hl_cancel_triggers(b, s);
    hl_order_req reqs[2];
    size_t n = 0;
    char sz[HL_WIRE_MAX], why[PERP_ERROR_MAX];
    if (hl_float_to_wire(size, sz))
        return PERP_ERR;
    int long_side = s->pos.qty > 0;
    if (s->plan.profit_target > 0 &&
        build_trigger(b, s, 1, s->plan.profit_target, long_side, sz,
                      &reqs[n]) == 0)
        n++;
    if (s->plan.stop_loss > 0 &&
        build_trigger(b, s, 0, s->plan.stop_loss, long_side, sz, &reqs[n]) == 0)
        n++;
    if (n == 0)
        return PERP_OK;
    json_t *resp = NULL, *a = hl_order_action(reqs, n, "positionTpsl");
    hl_send_result r = hl_send(b, a, &resp, why, sizeof why);
    json_decref(a);
    const json_t *sts =
        json_object_get(json_object_get(resp, "data"), "statuses");
    for (size_t i = 0; r == HL_SENT_OK && i < json_array_size(sts); i++) {
        const json_t *st = json_array_get(sts, i);
        if (json_object_get(st, "error")) {
            snprintf(why, sizeof why, "%.200s", hl_str(st, "error"));
            r = HL_SENT_REFUSED;
        }
    }
    json_decref(resp);
    if (r != HL_SENT_OK) {
        b->host->log(b->host, PERP_LOG_WARN, "%s: exit plan refused: %s",
                     s->symbol, why);
        return PERP_ERR;
    }
    s->placed_size = size;
    hl_sync(b, 1); /* learn the new orders' oids */
    return PERP_OK;
}
