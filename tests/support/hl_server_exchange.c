/*
 * hl_server_exchange.c — the emulated /exchange: signature check,
 * nonces, and the actions perpd sends, with the exchange's own error
 * messages (../shared/protocols/NOTES.md 1.9).
 */
#include "hl_server_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *answer(json_t *o)
{
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return t;
}

static char *err_answer(const char *msg)
{
    return answer(json_pack("{s:s, s:s}", "status", "err", "response", msg));
}

static double num(const json_t *o, const char *k)
{
    const char *t = json_string_value(json_object_get(o, k));
    return t ? strtod(t, NULL) : NAN;
}

/* ---------------------------------------------------------- accounting */

static void add_fill(hl_server *s, int coin, int is_buy, double sz, double px,
                     int64_t oid, int liquidation, double start, double pnl,
                     double fee)
{
    if (s->n_fills == HLS_FILLS)
        return;
    hls_fill *f = &s->fills[s->n_fills++];
    memset(f, 0, sizeof *f);
    f->time = hls_now_ms();
    f->oid = oid;
    f->tid = s->next_tid++;
    f->coin = coin;
    f->is_buy = is_buy;
    f->liquidation = liquidation;
    f->px = px;
    f->sz = sz;
    f->start = start;
    f->closed_pnl = pnl;
    f->fee = fee;
    int closing = start != 0 && (start > 0) != is_buy;
    snprintf(f->dir, sizeof f->dir, "%s %s", closing ? "Close" : "Open",
             (closing ? start > 0 : is_buy) ? "Long" : "Short");
}

/* Average-cost netting, as the exchange books a position. */
void hls_fill_now(hl_server *s, int coin, int is_buy, double sz, double px,
                  int64_t oid, int liquidation)
{
    hls_coin *c = &s->coins[coin];
    double q = is_buy ? sz : -sz, start = c->szi, pnl = 0;
    double fee = HLS_TAKER_FEE * sz * px;
    if (start != 0 && (start > 0) != (q > 0)) {
        double closed = fmin(fabs(q), fabs(start));
        pnl = closed * (px - c->entry) * (start > 0 ? 1 : -1);
        double left = fabs(q) - closed;
        c->szi = start + (start > 0 ? -closed : closed);
        if (left > 1e-12) {
            c->szi = q > 0 ? left : -left;
            c->entry = px;
        }
    } else {
        c->entry = (fabs(start) * c->entry + sz * px) / (fabs(start) + sz);
        c->szi = start + q;
    }
    if (fabs(c->szi) < 1e-12) {
        c->szi = 0;
        c->entry = 0;
    }
    s->cash += pnl - fee;
    add_fill(s, coin, is_buy, sz, px, oid, liquidation, start, pnl, fee);
}

static double account_value(const hl_server *s)
{
    double v = s->cash;
    for (int i = 0; i < s->n_coins; i++)
        v += s->coins[i].szi * (s->coins[i].mid - s->coins[i].entry);
    return v;
}

static double margin_used(const hl_server *s)
{
    double m = 0;
    for (int i = 0; i < s->n_coins; i++)
        m += fabs(s->coins[i].szi) * s->coins[i].mid / s->coins[i].leverage;
    return m;
}

/* Triggered siblings of a position that is gone are canceled too. */
static void cancel_if_flat(hl_server *s, int coin)
{
    if (s->coins[coin].szi != 0)
        return;
    for (int k = 0; k < s->n_orders; k++) {
        hls_order *o = &s->orders[k];
        if (o->coin == coin && o->trigger && strcmp(o->status, "open") == 0)
            snprintf(o->status, sizeof o->status, "siblingFilledCanceled");
    }
}

void hls_fire_triggers(hl_server *s, int coin)
{
    const hls_coin *c = &s->coins[coin];
    for (int k = 0; k < s->n_orders; k++) {
        hls_order *o = &s->orders[k];
        if (o->coin != coin || !o->trigger || strcmp(o->status, "open"))
            continue;
        /* A sell TP fires at or above, a sell SL at or below; a buy the
         * other way round. */
        int above = o->tp != o->is_buy;
        if (above ? c->mid < o->trigger_px : c->mid > o->trigger_px)
            continue;
        double sz = fmin(o->sz, fabs(c->szi));
        snprintf(o->status, sizeof o->status, "filled");
        if (sz > 0 && (c->szi > 0) != o->is_buy)
            hls_fill_now(s, coin, o->is_buy, sz, c->mid, o->oid, 0);
        cancel_if_flat(s, coin);
    }
}

/* ------------------------------------------------------------- orders */

static hls_order *new_order(hl_server *s, int coin, const json_t *w)
{
    if (s->n_orders == HLS_ORDERS)
        return NULL;
    hls_order *o = &s->orders[s->n_orders++];
    memset(o, 0, sizeof *o);
    o->oid = s->next_oid++;
    o->ts = hls_now_ms();
    o->coin = coin;
    o->is_buy = json_is_true(json_object_get(w, "b"));
    o->reduce_only = json_is_true(json_object_get(w, "r"));
    o->px = num(w, "p");
    o->orig_sz = o->sz = num(w, "s");
    const char *cloid = json_string_value(json_object_get(w, "c"));
    snprintf(o->cloid, sizeof o->cloid, "%s", cloid ? cloid : "");
    const json_t *trig = json_object_get(json_object_get(w, "t"), "trigger");
    if (trig) {
        o->trigger = 1;
        o->tp =
            strcmp(json_string_value(json_object_get(trig, "tpsl")), "tp") == 0;
        o->trigger_px = num(trig, "triggerPx");
    }
    return o;
}

static json_t *status_error(hls_order *o, const char *msg)
{
    if (o)
        snprintf(o->status, sizeof o->status, "rejected");
    return json_pack("{s:s}", "error", msg);
}

/* An IOC/GTC limit: fills whole at the mid if its price crosses it. */
static json_t *match_limit(hl_server *s, hls_order *o)
{
    hls_coin *c = &s->coins[o->coin];
    double q = o->is_buy ? o->sz : -o->sz;
    int reduces = c->szi != 0 && (c->szi > 0) != (q > 0);
    if (o->reduce_only && (!reduces || fabs(q) > fabs(c->szi) + 1e-12))
        return status_error(o, "Reduce only order would increase position.");
    if (!o->reduce_only && o->sz * c->mid < 10)
        return status_error(o, "Order must have minimum value of $10.");
    if (o->is_buy ? o->px < c->mid : o->px > c->mid)
        return status_error(o, "Order could not immediately match against "
                               "any resting orders.");
    double opens = reduces ? fmax(0, fabs(q) - fabs(c->szi)) : fabs(q);
    if (opens * c->mid / c->leverage > account_value(s) - margin_used(s) + 1e-9)
        return status_error(o, "Insufficient margin to place order.");
    hls_fill_now(s, o->coin, o->is_buy, o->sz, c->mid, o->oid, 0);
    o->sz = 0;
    snprintf(o->status, sizeof o->status, "filled");
    cancel_if_flat(s, o->coin);
    return json_pack("{s:{s:o, s:o, s:I}}", "filled", "totalSz",
                     hls_num(o->orig_sz), "avgPx", hls_num(c->mid), "oid",
                     (json_int_t)o->oid);
}

static json_t *rest_trigger(hl_server *s, hls_order *o, int position_tpsl)
{
    (void)s;
    snprintf(o->status, sizeof o->status, "open");
    o->position_tpsl = position_tpsl;
    return json_pack("{s:{s:I}}", "resting", "oid", (json_int_t)o->oid);
}

static json_t *order_action(hl_server *s, const json_t *a)
{
    const json_t *orders = json_object_get(a, "orders");
    const char *grouping = json_string_value(json_object_get(a, "grouping"));
    if (!json_is_array(orders) || !grouping)
        return NULL;
    json_t *sts = json_array();
    int parent_filled = 1;
    for (size_t i = 0; i < json_array_size(orders); i++) {
        const json_t *w = json_array_get(orders, i);
        int coin = (int)json_integer_value(json_object_get(w, "a"));
        s->n_order_reqs++;
        if (coin < 0 || coin >= s->n_coins) {
            json_array_append_new(sts, status_error(NULL, "Invalid asset."));
            continue;
        }
        hls_order *o = new_order(s, coin, w);
        json_t *st;
        if (!o)
            st = status_error(NULL, "Too many orders.");
        else if (!o->trigger)
            st = match_limit(s, o);
        else if (strcmp(grouping, "normalTpsl") == 0 && i > 0) {
            /* Children act on the parent's fill; the exchange reports
             * them as waiting. */
            if (parent_filled) {
                json_decref(rest_trigger(s, o, 0));
                st = json_string("waitingForTrigger");
            } else {
                st = status_error(o, "Parent order did not fill.");
            }
        } else {
            st = rest_trigger(s, o, strcmp(grouping, "positionTpsl") == 0);
        }
        if (i == 0)
            parent_filled = json_object_get(st, "filled") != NULL;
        json_array_append_new(sts, st);
    }
    return json_pack("{s:s, s:{s:s, s:{s:o}}}", "status", "ok", "response",
                     "type", "order", "data", "statuses", sts);
}

static json_t *cancel_action(hl_server *s, const json_t *a, int by_cloid)
{
    json_t *sts = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(a, "cancels"), i, c)
    {
        hls_order *hit = NULL;
        for (int k = 0; k < s->n_orders; k++) {
            hls_order *o = &s->orders[k];
            if (strcmp(o->status, "open"))
                continue;
            if (by_cloid
                    ? strcmp(o->cloid, json_string_value(
                                           json_object_get(c, "cloid"))) == 0
                    : o->oid == json_integer_value(json_object_get(c, "o")))
                hit = o;
        }
        s->cancels++;
        if (hit) {
            snprintf(hit->status, sizeof hit->status, "canceled");
            json_array_append_new(sts, json_string("success"));
        } else {
            json_array_append_new(
                sts, json_pack("{s:s}", "error",
                               "Order was never placed, already canceled, "
                               "or filled."));
        }
    }
    return json_pack("{s:s, s:{s:s, s:{s:o}}}", "status", "ok", "response",
                     "type", "cancel", "data", "statuses", sts);
}

static json_t *leverage_action(hl_server *s, const json_t *a)
{
    int coin = (int)json_integer_value(json_object_get(a, "asset"));
    int lev = (int)json_integer_value(json_object_get(a, "leverage"));
    s->leverage_updates++;
    if (coin < 0 || coin >= s->n_coins || lev < 1 ||
        lev > s->coins[coin].max_lev)
        return json_pack("{s:s, s:s}", "status", "err", "response",
                         "Invalid leverage value");
    s->coins[coin].leverage = lev;
    return json_pack("{s:s, s:{s:s}}", "status", "ok", "response", "type",
                     "default");
}

/* ---------------------------------------------------------- /exchange */

/* Refuses a body whose signature is not the expected signer's, and a
 * nonce not above the last (one signer, one process: strictly rising). */
static char *check_request(hl_server *s, const json_t *body)
{
    char addr[43] = "";
    if (!s->o.recover || s->o.recover(s->o.recover_ud, body, addr) != 0 ||
        strcmp(addr, s->o.signer) != 0) {
        char msg[128];
        s->bad_signatures++;
        snprintf(msg, sizeof msg, "User or API Wallet %s does not exist.",
                 addr[0] ? addr : "0x0000000000000000000000000000000000000000");
        return err_answer(msg);
    }
    uint64_t nonce =
        (uint64_t)json_integer_value(json_object_get(body, "nonce"));
    if (nonce <= s->last_nonce)
        return err_answer("Invalid nonce: duplicate nonce");
    s->last_nonce = nonce;
    return NULL;
}

char *hls_exchange(hl_server *s, const char *text, size_t len, int *status,
                   int *drop)
{
    json_t *body = json_loadb(text, len, 0, NULL);
    const json_t *a = json_object_get(body, "action");
    const char *type = json_string_value(json_object_get(a, "type"));
    pthread_mutex_lock(&s->mu);
    s->exchange_requests++;
    char *out = NULL;
    *status = 200;
    if (s->limit_next) {
        s->limit_next = 0;
        *status = 429;
        out = strdup("{\"code\":429,\"msg\":\"Too many requests\"}");
    } else if (!type) {
        *status = 422;
        out = strdup("Failed to deserialize the JSON body");
    } else if (!(out = check_request(s, body))) {
        json_t *r =
            strcmp(type, "order") == 0            ? order_action(s, a)
            : strcmp(type, "cancel") == 0         ? cancel_action(s, a, 0)
            : strcmp(type, "cancelByCloid") == 0  ? cancel_action(s, a, 1)
            : strcmp(type, "updateLeverage") == 0 ? leverage_action(s, a)
                                                  : NULL;
        out = r ? answer(r) : err_answer("Unknown action");
    }
    *drop = s->drop_next && *status == 200;
    if (*drop)
        s->drop_next = 0;
    pthread_mutex_unlock(&s->mu);
    json_decref(body);
    return out;
}
