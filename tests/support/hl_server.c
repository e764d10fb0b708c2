/*
 * hl_server.c — see hl_server.h: the HTTP side, /info, and the controls
 * a test uses. /exchange is hl_server_exchange.c.
 */
#include "hl_server_internal.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t hls_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

json_t *hls_num(double x)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.8f", x);
    char *dot = strchr(buf, '.');
    if (dot) {
        size_t n = strlen(buf);
        while (buf[n - 1] == '0')
            buf[--n] = '\0';
        if (buf[n - 1] == '.')
            buf[n - 1] = '\0';
    }
    if (strcmp(buf, "-0") == 0)
        strcpy(buf, "0");
    return json_string(buf);
}

int hls_coin_index(hl_server *s, const char *name)
{
    for (int i = 0; name && i < s->n_coins; i++)
        if (strcmp(s->coins[i].name, name) == 0)
            return i;
    return -1;
}

void hl_server_candle(const char *coin, int64_t open_ms, int64_t interval_ms,
                      double out[5])
{
    double base = 100.0 + 10.0 * (double)(coin[0] % 7);
    double m = (double)(open_ms / 60000);
    double o = base * (1 + 0.01 * sin(m / 37.0));
    double c =
        base * (1 + 0.01 * sin((m + (double)interval_ms / 60000) / 37.0));
    out[0] = o;
    out[1] = fmax(o, c) * 1.001;
    out[2] = fmin(o, c) * 0.999;
    out[3] = c;
    out[4] = 1.5 + fmod(m, 10.0);
}

/* ---------------------------------------------------------------- info */

static json_t *meta(hl_server *s)
{
    json_t *u = json_array();
    for (int i = 0; i < s->n_coins; i++)
        json_array_append_new(u, json_pack("{s:s, s:i, s:i}", "name",
                                           s->coins[i].name, "szDecimals",
                                           s->coins[i].szd, "maxLeverage",
                                           s->coins[i].max_lev));
    return json_pack("{s:o}", "universe", u);
}

static json_t *asset_ctxs(hl_server *s)
{
    json_t *ctxs = json_array();
    for (int i = 0; i < s->n_coins; i++) {
        const hls_coin *c = &s->coins[i];
        json_array_append_new(
            ctxs,
            json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "funding",
                      hls_num(c->funding), "openInterest", hls_num(1000),
                      "prevDayPx", hls_num(c->mid), "dayNtlVlm", hls_num(1e6),
                      "premium", hls_num(0), "oraclePx", hls_num(c->mid),
                      "markPx", hls_num(c->mid), "midPx", hls_num(c->mid)));
    }
    return json_pack("[o, o]", meta(s), ctxs);
}

static json_t *position_json(const hls_coin *c)
{
    double value = fabs(c->szi) * c->mid;
    double upnl = c->szi * (c->mid - c->entry);
    return json_pack(
        "{s:s, s:{s:s, s:o, s:{s:s, s:i}, s:n, s:o, s:o, s:o, s:o}}", "type",
        "oneWay", "position", "coin", c->name, "szi", hls_num(c->szi),
        "leverage", "type", "cross", "value", c->leverage, "liquidationPx",
        "marginUsed", hls_num(value / c->leverage), "positionValue",
        hls_num(value), "unrealizedPnl", hls_num(upnl), "entryPx",
        hls_num(c->entry));
}

static json_t *clearinghouse(hl_server *s)
{
    json_t *aps = json_array();
    double upnl = 0, margin = 0, ntl = 0, mm = 0;
    for (int i = 0; i < s->n_coins; i++) {
        const hls_coin *c = &s->coins[i];
        if (c->szi == 0)
            continue;
        json_array_append_new(aps, position_json(c));
        upnl += c->szi * (c->mid - c->entry);
        margin += fabs(c->szi) * c->mid / c->leverage;
        ntl += fabs(c->szi) * c->mid;
        mm += fabs(c->szi) * c->mid / (2.0 * c->max_lev);
    }
    double value = s->cash + upnl;
    json_t *sum =
        json_pack("{s:o, s:o, s:o, s:o}", "accountValue", hls_num(value),
                  "totalMarginUsed", hls_num(margin), "totalNtlPos",
                  hls_num(ntl), "totalRawUsd", hls_num(s->cash));
    return json_pack("{s:o, s:O, s:o, s:o, s:o, s:I}", "assetPositions", aps,
                     "marginSummary", sum, "crossMarginSummary", sum,
                     "crossMaintenanceMarginUsed", hls_num(mm), "withdrawable",
                     hls_num(fmax(0, value - margin)), "time",
                     (json_int_t)hls_now_ms());
}

static json_t *order_json(hl_server *s, const hls_order *o)
{
    json_t *j = json_pack(
        "{s:s, s:o, s:I, s:s, s:o, s:o, s:I, s:b, s:b, s:o, s:s, s:b, s:s}",
        "coin", s->coins[o->coin].name, "limitPx", hls_num(o->px), "oid",
        (json_int_t)o->oid, "side", o->is_buy ? "B" : "A", "sz", hls_num(o->sz),
        "origSz", hls_num(o->orig_sz), "timestamp", (json_int_t)o->ts,
        "isTrigger", o->trigger, "reduceOnly", o->reduce_only, "triggerPx",
        hls_num(o->trigger ? o->trigger_px : 0), "orderType",
        !o->trigger ? "Limit"
        : o->tp     ? "Take Profit Market"
                    : "Stop Market",
        "isPositionTpsl", o->position_tpsl, "tif", o->trigger ? "" : "Gtc");
    if (o->cloid[0])
        json_object_set_new(j, "cloid", json_string(o->cloid));
    return j;
}

static json_t *open_orders(hl_server *s)
{
    json_t *a = json_array();
    for (int i = 0; i < s->n_orders; i++)
        if (strcmp(s->orders[i].status, "open") == 0)
            json_array_append_new(a, order_json(s, &s->orders[i]));
    return a;
}

static json_t *user_fills(hl_server *s)
{
    json_t *a = json_array();
    for (int i = s->n_fills - 1; i >= 0; i--) { /* newest first */
        const hls_fill *f = &s->fills[i];
        json_t *j = json_pack(
            "{s:s, s:o, s:o, s:s, s:I, s:o, s:s, s:o, s:s, s:I, s:b, s:o, "
            "s:I, s:s}",
            "coin", s->coins[f->coin].name, "px", hls_num(f->px), "sz",
            hls_num(f->sz), "side", f->is_buy ? "B" : "A", "time",
            (json_int_t)f->time, "startPosition", hls_num(f->start), "dir",
            f->dir, "closedPnl", hls_num(f->closed_pnl), "hash",
            "0x000000000000000000000000000000000000000000000000000000000000000"
            "0",
            "oid", (json_int_t)f->oid, "crossed", 1, "fee", hls_num(f->fee),
            "tid", (json_int_t)f->tid, "feeToken", "USDC");
        if (f->liquidation)
            json_object_set_new(j, "liquidation",
                                json_pack("{s:s, s:o, s:s}", "liquidatedUser",
                                          s->o.account, "markPx",
                                          hls_num(f->px), "method", "market"));
        json_array_append_new(a, j);
    }
    return a;
}

static json_t *user_funding(hl_server *s, int64_t from)
{
    json_t *a = json_array();
    for (int i = 0; i < s->n_funds; i++) {
        const hls_funding *f = &s->funds[i];
        if (f->time < from)
            continue;
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:{s:s, s:s, s:o, s:o, s:o}}", "time",
                         (json_int_t)f->time, "hash", "0x00", "delta", "type",
                         "funding", "coin", s->coins[f->coin].name, "usdc",
                         hls_num(f->usdc), "szi", hls_num(f->szi),
                         "fundingRate", hls_num(f->rate)));
    }
    return a;
}

static json_t *order_status(hl_server *s, const json_t *oid)
{
    for (int i = 0; i < s->n_orders; i++) {
        const hls_order *o = &s->orders[i];
        if ((json_is_integer(oid) && json_integer_value(oid) == o->oid) ||
            (json_is_string(oid) && o->cloid[0] &&
             strcmp(json_string_value(oid), o->cloid) == 0))
            return json_pack("{s:s, s:{s:o, s:s, s:I}}", "status", "order",
                             "order", "order", order_json(s, o), "status",
                             o->status, "statusTimestamp", (json_int_t)o->ts);
    }
    return json_pack("{s:s}", "status", "unknownOid");
}

static const struct {
    const char *name;
    int64_t ms;
} INTERVALS[] = {{"1m", 60000},     {"3m", 180000},   {"5m", 300000},
                 {"15m", 900000},   {"30m", 1800000}, {"1h", 3600000},
                 {"2h", 7200000},   {"4h", 14400000}, {"8h", 28800000},
                 {"12h", 43200000}, {"1d", 86400000}};

static json_t *candles(const json_t *req)
{
    const char *coin = json_string_value(json_object_get(req, "coin"));
    const char *iv = json_string_value(json_object_get(req, "interval"));
    int64_t from = json_integer_value(json_object_get(req, "startTime"));
    int64_t to = json_integer_value(json_object_get(req, "endTime"));
    int64_t ms = 0;
    for (size_t i = 0; iv && i < sizeof INTERVALS / sizeof *INTERVALS; i++)
        if (strcmp(INTERVALS[i].name, iv) == 0)
            ms = INTERVALS[i].ms;
    if (!coin || !ms)
        return NULL;
    json_t *a = json_array();
    int64_t now = hls_now_ms();
    for (int64_t t = (from + ms - 1) / ms * ms; t <= to && t <= now; t += ms) {
        double v[5];
        hl_server_candle(coin, t, ms, v);
        json_array_append_new(
            a, json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:i}",
                         "t", (json_int_t)t, "T", (json_int_t)(t + ms - 1), "s",
                         coin, "i", iv, "o", hls_num(v[0]), "c", hls_num(v[3]),
                         "h", hls_num(v[1]), "l", hls_num(v[2]), "v",
                         hls_num(v[4]), "n", 10));
    }
    return a;
}

static json_t *info(hl_server *s, const json_t *req)
{
    const char *type = json_string_value(json_object_get(req, "type"));
    const char *user = json_string_value(json_object_get(req, "user"));
    if (!type)
        return NULL;
    if (user && strcmp(user, s->o.account) != 0 &&
        strcmp(type, "orderStatus") != 0)
        return strcmp(type, "clearinghouseState") == 0
                   ? json_pack("{s:[], s:{s:s, s:s, s:s, s:s}}",
                               "assetPositions", "marginSummary",
                               "accountValue", "0", "totalMarginUsed", "0",
                               "totalNtlPos", "0", "totalRawUsd", "0")
                   : json_array();
    if (strcmp(type, "meta") == 0)
        return meta(s);
    if (strcmp(type, "metaAndAssetCtxs") == 0)
        return asset_ctxs(s);
    if (strcmp(type, "allMids") == 0) {
        json_t *m = json_object();
        for (int i = 0; i < s->n_coins; i++)
            json_object_set_new(m, s->coins[i].name, hls_num(s->coins[i].mid));
        return m;
    }
    if (strcmp(type, "clearinghouseState") == 0)
        return clearinghouse(s);
    if (strcmp(type, "openOrders") == 0 ||
        strcmp(type, "frontendOpenOrders") == 0)
        return open_orders(s);
    if (strcmp(type, "userFills") == 0)
        return user_fills(s);
    if (strcmp(type, "userFunding") == 0)
        return user_funding(
            s, json_integer_value(json_object_get(req, "startTime")));
    if (strcmp(type, "orderStatus") == 0)
        return order_status(s, json_object_get(req, "oid"));
    if (strcmp(type, "candleSnapshot") == 0)
        return candles(json_object_get(req, "req"));
    return NULL;
}

/* ---------------------------------------------------------------- HTTP */

typedef struct upload {
    char *buf;
    size_t len;
} upload;

static enum MHD_Result send_text(struct MHD_Connection *c, int status,
                                 char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_info(hl_server *s, struct MHD_Connection *c,
                               const upload *u)
{
    json_t *req = json_loadb(u->buf ? u->buf : "", u->len, 0, NULL);
    pthread_mutex_lock(&s->mu);
    json_t *ans = req ? info(s, req) : NULL;
    pthread_mutex_unlock(&s->mu);
    json_decref(req);
    if (!ans)
        return send_text(c, 422, strdup("Failed to deserialize the JSON body"));
    char *text = json_dumps(ans, JSON_COMPACT);
    json_decref(ans);
    return send_text(c, 200, text);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    hl_server *s = cls;
    upload *u = *con_cls;
    if (!u) {
        *con_cls = calloc(1, sizeof(upload));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*data_size) {
        char *p = realloc(u->buf, u->len + *data_size + 1);
        if (!p)
            return MHD_NO;
        u->buf = p;
        memcpy(u->buf + u->len, data, *data_size);
        u->len += *data_size;
        u->buf[u->len] = '\0';
        *data_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") == 0 && strcmp(url, "/info") == 0)
        return on_info(s, c, u);
    if (strcmp(method, "POST") == 0 && strcmp(url, "/exchange") == 0) {
        int status = 200, drop = 0;
        char *text =
            hls_exchange(s, u->buf ? u->buf : "", u->len, &status, &drop);
        if (drop) {
            free(text);
            return MHD_NO; /* the connection closes, no answer */
        }
        return send_text(c, status, text);
    }
    return send_text(c, 404, strdup("{\"error\":\"not found\"}"));
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    upload *u = *con_cls;
    if (u)
        free(u->buf);
    free(u);
    *con_cls = NULL;
}

hl_server *hl_server_start(const hl_server_opts *o)
{
    hl_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->o = *o;
    s->cash = o->account_value;
    s->next_oid = 1000;
    s->next_tid = 1;
    pthread_mutex_init(&s->mu, NULL);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
        NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &a,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_END);
    if (!s->d) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return s;
}

void hl_server_stop(hl_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void hl_server_base_url(const hl_server *s, char *buf, size_t len)
{
    snprintf(buf, len, "http://127.0.0.1:%d", s->port);
}

/* ------------------------------------------------------------ controls */

void hl_server_add_coin(hl_server *s, const char *coin, int sz_decimals,
                        int max_leverage, double mid)
{
    pthread_mutex_lock(&s->mu);
    if (s->n_coins < HLS_COINS) {
        hls_coin *c = &s->coins[s->n_coins++];
        memset(c, 0, sizeof *c);
        snprintf(c->name, sizeof c->name, "%s", coin);
        c->szd = sz_decimals;
        c->max_lev = max_leverage;
        c->leverage = max_leverage < 20 ? max_leverage : 20;
        c->mid = mid;
    }
    pthread_mutex_unlock(&s->mu);
}

void hl_server_set_mid(hl_server *s, const char *coin, double mid)
{
    pthread_mutex_lock(&s->mu);
    int i = hls_coin_index(s, coin);
    if (i >= 0) {
        s->coins[i].mid = mid;
        hls_fire_triggers(s, i);
    }
    pthread_mutex_unlock(&s->mu);
}

void hl_server_set_funding(hl_server *s, const char *coin, double rate_1h)
{
    pthread_mutex_lock(&s->mu);
    int i = hls_coin_index(s, coin);
    if (i >= 0)
        s->coins[i].funding = rate_1h;
    pthread_mutex_unlock(&s->mu);
}

void hl_server_pay_funding(hl_server *s, const char *coin, double usdc,
                           double rate, int64_t ms)
{
    pthread_mutex_lock(&s->mu);
    int i = hls_coin_index(s, coin);
    if (i >= 0 && s->n_funds < HLS_FUNDS) {
        s->funds[s->n_funds++] =
            (hls_funding){ms, i, usdc, s->coins[i].szi, rate};
        s->cash += usdc;
    }
    pthread_mutex_unlock(&s->mu);
}

void hl_server_liquidate(hl_server *s, const char *coin, double px)
{
    pthread_mutex_lock(&s->mu);
    int i = hls_coin_index(s, coin);
    if (i >= 0 && s->coins[i].szi != 0)
        hls_fill_now(s, i, s->coins[i].szi < 0, fabs(s->coins[i].szi), px,
                     s->next_oid++, 1);
    pthread_mutex_unlock(&s->mu);
}

static void set_flag(hl_server *s, int *flag)
{
    pthread_mutex_lock(&s->mu);
    *flag = 1;
    pthread_mutex_unlock(&s->mu);
}

void hl_server_drop_next_exchange(hl_server *s)
{
    set_flag(s, &s->drop_next);
}

void hl_server_rate_limit_next(hl_server *s)
{
    set_flag(s, &s->limit_next);
}

static int read_int(hl_server *s, const int *v)
{
    pthread_mutex_lock(&s->mu);
    int x = *v;
    pthread_mutex_unlock(&s->mu);
    return x;
}

int hl_server_exchange_requests(hl_server *s)
{
    return read_int(s, &s->exchange_requests);
}

int hl_server_bad_signatures(hl_server *s)
{
    return read_int(s, &s->bad_signatures);
}

int hl_server_orders(hl_server *s)
{
    return read_int(s, &s->n_order_reqs);
}

int hl_server_leverage_updates(hl_server *s)
{
    return read_int(s, &s->leverage_updates);
}

int hl_server_cancels(hl_server *s)
{
    return read_int(s, &s->cancels);
}

double hl_server_position(hl_server *s, const char *coin)
{
    pthread_mutex_lock(&s->mu);
    int i = hls_coin_index(s, coin);
    double v = i >= 0 ? s->coins[i].szi : NAN;
    pthread_mutex_unlock(&s->mu);
    return v;
}

int hl_server_leverage(hl_server *s, const char *coin)
{
    pthread_mutex_lock(&s->mu);
    int i = hls_coin_index(s, coin);
    int v = i >= 0 ? s->coins[i].leverage : -1;
    pthread_mutex_unlock(&s->mu);
    return v;
}

static const hls_order *open_trigger(hl_server *s, int coin, int tp)
{
    for (int k = 0; k < s->n_orders; k++) {
        const hls_order *o = &s->orders[k];
        if (o->coin == coin && o->trigger && strcmp(o->status, "open") == 0 &&
            (tp < 0 || o->tp == tp))
            return o;
    }
    return NULL;
}

int hl_server_open_triggers(hl_server *s, const char *coin)
{
    pthread_mutex_lock(&s->mu);
    int i = hls_coin_index(s, coin), n = 0;
    for (int k = 0; i >= 0 && k < s->n_orders; k++)
        n += s->orders[k].coin == i && s->orders[k].trigger &&
             strcmp(s->orders[k].status, "open") == 0;
    pthread_mutex_unlock(&s->mu);
    return n;
}

double hl_server_trigger_px(hl_server *s, const char *coin, int tp)
{
    pthread_mutex_lock(&s->mu);
    int i = hls_coin_index(s, coin);
    const hls_order *o = i >= 0 ? open_trigger(s, i, tp) : NULL;
    double v = o ? o->trigger_px : NAN;
    pthread_mutex_unlock(&s->mu);
    return v;
}

double hl_server_account_value(hl_server *s)
{
    pthread_mutex_lock(&s->mu);
    double v = s->cash;
    for (int i = 0; i < s->n_coins; i++)
        v += s->coins[i].szi * (s->coins[i].mid - s->coins[i].entry);
    pthread_mutex_unlock(&s->mu);
    return v;
}
