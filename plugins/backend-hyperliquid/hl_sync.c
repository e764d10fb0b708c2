/*
 * hl_sync.c — the account as the exchange sees it: clearinghouseState
 * into perp_account, the open TP/SL orders from frontendOpenOrders, fills
 * the exchange made on its own (triggers, liquidations, trades from the
 * web app) from userFills as TRADE records with their cause, and funding
 * payments from userFunding as FUNDING records.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hl_backend.h"
#include "hl_keccak.h"

void hl_remember_own_oid(hl_backend *b, int64_t oid)
{
    b->own[b->n_own++ % HL_OWN_OIDS] = oid;
}

static int is_own(const hl_backend *b, int64_t oid)
{
    size_t n = b->n_own < HL_OWN_OIDS ? b->n_own : HL_OWN_OIDS;
    for (size_t i = 0; i < n; i++)
        if (b->own[i] == oid)
            return 1;
    return 0;
}

void hl_remember_trigger(hl_backend *b, const hl_trigger *t)
{
    size_t n = b->n_known < HL_KNOWN_TRIGGERS ? b->n_known : HL_KNOWN_TRIGGERS;
    for (size_t i = 0; i < n; i++)
        if (b->known[i].oid == t->oid)
            return;
    b->known[b->n_known++ % HL_KNOWN_TRIGGERS] = *t;
}

static const hl_trigger *known_trigger(const hl_backend *b, int64_t oid)
{
    size_t n = b->n_known < HL_KNOWN_TRIGGERS ? b->n_known : HL_KNOWN_TRIGGERS;
    for (size_t i = 0; i < n; i++)
        if (b->known[i].oid == oid)
            return &b->known[i];
    return NULL;
}

/* ------------------------------------------------------------ account */

/* Hyperliquid's maintenance margin is half the initial margin at the
 * asset's maximum leverage. */
static void read_position(hl_sym *s, const json_t *p, int64_t now)
{
    perp_position *o = &s->pos;
    double szi = hl_num(p, "szi");
    int64_t entry_ts = o->entry_ts;
    memset(o, 0, sizeof *o);
    snprintf(o->symbol, sizeof o->symbol, "%s", s->symbol);
    o->qty = isfinite(szi) ? szi : 0;
    o->entry_price = hl_num(p, "entryPx");
    o->notional = fabs(hl_num(p, "positionValue"));
    o->mark_price = o->qty != 0 ? o->notional / fabs(o->qty) : NAN;
    o->leverage = (double)json_integer_value(
        json_object_get(json_object_get(p, "leverage"), "value"));
    o->initial_margin = hl_num(p, "marginUsed");
    o->maintenance_margin =
        s->max_leverage > 0 ? o->notional / (2.0 * s->max_leverage) : 0;
    o->unrealized_pnl = hl_num(p, "unrealizedPnl");
    double liq = hl_num(p, "liquidationPx");
    o->liquidation_price = isfinite(liq) ? liq : 0;
    /* The exchange does not say when a position opened: our own fill
     * does (hl_orders.c), else the first sync that saw it. */
    o->entry_ts = entry_ts ? entry_ts : now;
    o->exit_plan = s->plan;
    if (o->leverage >= 1)
        s->leverage_set = (int)o->leverage;
}

static perp_status sync_account(hl_backend *b)
{
    json_t *st =
        hl_info(b, json_pack("{s:s, s:s}", "type", "clearinghouseState", "user",
                             b->account));
    const json_t *ms = json_object_get(st, "marginSummary");
    if (!json_is_object(ms)) {
        json_decref(st);
        return PERP_ERR;
    }
    for (size_t i = 0; i < b->n_syms; i++)
        b->syms[i].pos.qty = 0;
    perp_account *a = &b->acc;
    memset(a, 0, sizeof *a);
    size_t k;
    json_t *ap;
    json_array_foreach(json_object_get(st, "assetPositions"), k, ap)
    {
        const json_t *p = json_object_get(ap, "position");
        hl_sym *s = hl_sym_of_coin(b, hl_str(p, "coin"));
        if (!s) /* a coin this agent does not trade: still in equity */
            continue;
        read_position(s, p, b->host->now_ms(b->host));
    }
    double mm = 0, upnl = 0;
    for (size_t i = 0; i < b->n_syms; i++) {
        perp_position *p = &b->syms[i].pos;
        if (p->qty == 0) {
            p->entry_ts = 0; /* flat: the next position is a new one */
            continue;
        }
        a->positions[a->n_positions++] = *p;
        mm += p->maintenance_margin;
        upnl += isfinite(p->unrealized_pnl) ? p->unrealized_pnl : 0;
    }
    a->equity = hl_num(ms, "accountValue");
    a->margin_used = hl_num(ms, "totalMarginUsed");
    double cmm = hl_num(st, "crossMaintenanceMarginUsed");
    a->maintenance_margin = isfinite(cmm) ? cmm : mm;
    a->unrealized_pnl = upnl;
    a->cash = a->equity - upnl;
    a->available = fmax(0, a->equity - a->margin_used);
    if (!b->have_start) {
        b->starting_equity = a->equity;
        b->have_start = 1;
    }
    json_decref(st);
    return isfinite(a->equity) ? PERP_OK : PERP_ERR;
}

/* The open TP/SL orders, as the exchange lists them: the truth that
 * exit plans are compared with and fills are attributed by. */
static perp_status sync_triggers(hl_backend *b)
{
    json_t *oo =
        hl_info(b, json_pack("{s:s, s:s}", "type", "frontendOpenOrders", "user",
                             b->account));
    if (!json_is_array(oo)) {
        json_decref(oo);
        return PERP_ERR;
    }
    for (size_t i = 0; i < b->n_syms; i++)
        b->syms[i].n_triggers = 0;
    size_t k;
    json_t *o;
    json_array_foreach(oo, k, o)
    {
        hl_sym *s = hl_sym_of_coin(b, hl_str(o, "coin"));
        const char *type = json_string_value(json_object_get(o, "orderType"));
        if (!s || !json_is_true(json_object_get(o, "isTrigger")) || !type ||
            s->n_triggers == HL_MAX_TRIGGERS)
            continue;
        hl_trigger t = {.oid = json_integer_value(json_object_get(o, "oid")),
                        .tp = strncmp(type, "Take Profit", 11) == 0,
                        .trigger_px = hl_num(o, "triggerPx")};
        s->triggers[s->n_triggers++] = t;
        hl_remember_trigger(b, &t);
    }
    json_decref(oo);
    return PERP_OK;
}

/* -------------------------------------------------------------- fills */

/* A fill's identity: its trade id, or (older answers without one) a
 * hash of what else tells fills apart. */
static uint64_t fill_key(const json_t *f)
{
    const json_t *tid = json_object_get(f, "tid");
    if (json_is_integer(tid))
        return (uint64_t)json_integer_value(tid);
    char *t = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
    uint8_t h[32];
    hl_keccak256(t ? t : "", t ? strlen(t) : 0, h);
    free(t);
    uint64_t k = 0;
    for (int i = 0; i < 8; i++)
        k = k << 8 | h[i];
    return k;
}

static int seen_at_mark(const hl_backend *b, uint64_t key)
{
    for (size_t i = 0; i < b->n_seen; i++)
        if (b->seen[i] == key)
            return 1;
    return 0;
}

/* Records the fill as processed; 0 if it was already. */
static int mark_fill(hl_backend *b, int64_t time, uint64_t key)
{
    if (time < b->fill_mark || (time == b->fill_mark && seen_at_mark(b, key)))
        return 0;
    if (time > b->fill_mark) {
        b->fill_mark = time;
        b->n_seen = 0;
    }
    if (b->n_seen < HL_SEEN_AT_MARK)
        b->seen[b->n_seen++] = key;
    return 1;
}

static perp_fill_cause cause_of(const hl_backend *b, const json_t *f,
                                const char **what)
{
    const hl_trigger *t =
        known_trigger(b, json_integer_value(json_object_get(f, "oid")));
    const char *dir = hl_str(f, "dir");
    if (json_object_get(f, "liquidation") || strstr(dir, "Liquidat")) {
        *what = "liquidated by the exchange";
        return PERP_CAUSE_LIQUIDATION;
    }
    if (t) {
        *what = t->tp ? "take-profit order triggered on the exchange"
                      : "stop-loss order triggered on the exchange";
        return t->tp ? PERP_CAUSE_TAKE_PROFIT : PERP_CAUSE_STOP_LOSS;
    }
    *what = "fill not placed by perpd (web app or another client)";
    return strncmp(dir, "Open", 4) == 0 ? PERP_CAUSE_ENTRY : PERP_CAUSE_EXIT;
}

static void emit_exchange_fill(hl_backend *b, hl_sym *s, const json_t *f)
{
    const char *what;
    perp_record rec = {.type = PERP_REC_TRADE};
    perp_fill *o = &rec.u.trade.fill;
    const char *side = hl_str(f, "side");
    double sz = hl_num(f, "sz"), start = hl_num(f, "startPosition");
    o->ts = json_integer_value(json_object_get(f, "time"));
    rec.ts = o->ts;
    snprintf(o->symbol, sizeof o->symbol, "%s", s->symbol);
    o->qty = side[0] == 'B' ? sz : -sz;
    o->price = hl_num(f, "px");
    o->fee = hl_num(f, "fee");
    o->realized_pnl = hl_num(f, "closedPnl");
    o->position_after = (isfinite(start) ? start : 0) + o->qty;
    o->cause = cause_of(b, f, &what);
    snprintf(o->reason, sizeof o->reason, "%s", what);
    b->fees += isfinite(o->fee) ? o->fee : 0;
    b->realized += isfinite(o->realized_pnl) ? o->realized_pnl : 0;
    b->host->emit(b->host, &rec);
    if (o->cause == PERP_CAUSE_LIQUIDATION) {
        perp_record lq = {.type = PERP_REC_LIQUIDATION, .ts = o->ts};
        perp_liquidation_record *l = &lq.u.liquidation;
        snprintf(l->symbol, sizeof l->symbol, "%s", s->symbol);
        l->qty = -o->qty;
        l->price = o->price;
        l->penalty = o->fee;
        l->equity_before = b->acc.equity;
        l->maintenance_before = b->acc.maintenance_margin;
        b->host->emit(b->host, &lq);
    }
    b->host->log(b->host, PERP_LOG_INFO, "%s: %s: %s %.10g at %.10g (oid %lld)",
                 s->symbol, what, o->qty > 0 ? "bought" : "sold", fabs(o->qty),
                 o->price,
                 (long long)json_integer_value(json_object_get(f, "oid")));
}

/* userFills is newest first; records go out oldest first. Our own orders'
 * fills were recorded at submit. */
static perp_status sync_fills(hl_backend *b)
{
    json_t *fills = hl_info(
        b, json_pack("{s:s, s:s}", "type", "userFills", "user", b->account));
    if (!json_is_array(fills)) {
        json_decref(fills);
        return PERP_ERR;
    }
    for (size_t k = json_array_size(fills); k-- > 0;) {
        const json_t *f = json_array_get(fills, k);
        int64_t t = json_integer_value(json_object_get(f, "time"));
        int64_t oid = json_integer_value(json_object_get(f, "oid"));
        hl_sym *s = hl_sym_of_coin(b, hl_str(f, "coin"));
        if (t < b->start_ms || !mark_fill(b, t, fill_key(f)) || !s ||
            is_own(b, oid))
            continue;
        emit_exchange_fill(b, s, f);
    }
    json_decref(fills);
    return PERP_OK;
}

/* ------------------------------------------------------------ funding */

static perp_status sync_funding(hl_backend *b)
{
    int64_t from =
        b->funding_mark > b->start_ms ? b->funding_mark + 1 : b->start_ms;
    json_t *list =
        hl_info(b, json_pack("{s:s, s:s, s:I}", "type", "userFunding", "user",
                             b->account, "startTime", (json_int_t)from));
    if (!json_is_array(list)) {
        json_decref(list);
        return PERP_ERR;
    }
    size_t k;
    json_t *e;
    json_array_foreach(list, k, e)
    {
        const json_t *d = json_object_get(e, "delta");
        int64_t t = json_integer_value(json_object_get(e, "time"));
        hl_sym *s = hl_sym_of_coin(b, hl_str(d, "coin"));
        double usdc = hl_num(d, "usdc");
        if (t < from || !s || !isfinite(usdc))
            continue;
        perp_record rec = {.type = PERP_REC_FUNDING, .ts = t};
        perp_funding_record *r = &rec.u.funding;
        snprintf(r->symbol, sizeof r->symbol, "%s", s->symbol);
        r->rate = hl_num(d, "fundingRate");
        r->position = hl_num(d, "szi");
        r->mark = s->pos.mark_price;
        r->payment = usdc;
        b->funding += usdc;
        b->host->emit(b->host, &rec);
        if (t > b->funding_mark)
            b->funding_mark = t;
    }
    json_decref(list);
    return PERP_OK;
}

perp_status hl_sync(hl_backend *b, int force)
{
    int64_t now = b->host->now_ms(b->host);
    if (!force && !b->dirty && b->synced_at &&
        now - b->synced_at < b->set.refresh_ms)
        return PERP_OK;
    if (!b->meta_loaded && hl_load_meta(b) != PERP_OK)
        return PERP_ERR;
    /* Triggers first: a trigger that fires between the two requests is
     * then still known when its fill is read. */
    if (sync_triggers(b) || sync_account(b) || sync_fills(b) || sync_funding(b))
        return PERP_ERR;
    b->acc.starting_equity = b->starting_equity;
    b->acc.realized_pnl = b->realized;
    b->acc.fees_paid = b->fees;
    b->acc.funding_net = b->funding;
    b->synced_at = now;
    b->dirty = 0;
    return PERP_OK;
}
