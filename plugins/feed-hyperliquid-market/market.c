/*
 * market.c — feed plugin "hyperliquid-market": Hyperliquid's own market
 * data, so a pipeline trading there sees that venue's prices (testnet's
 * differ from every other venue's).
 *
 *   WebSocket (<url>/ws): per coin `bbo` (best bid/ask, as PERP_EV_TICK)
 *     and `candle` 1m (PERP_EV_CANDLE once a bar closes: when the next
 *     bar starts, or candle_grace after its close time); a ping every
 *     ping_every; reconnect, backoff, silence and status as feed-coinbase
 *     (the same connection code, ws_conn.c, built in).
 *   REST /info: backfill() from candleSnapshot (6h and other intervals
 *     the exchange does not serve are summed from one it does), and
 *     metaAndAssetCtxs every funding_every on a thread of its own: each
 *     coin's current hourly funding rate as PERP_EV_FUNDING, which
 *     perpsim's `funding: {model: external}` applies.
 *
 * Threads: the WebSocket service thread and the funding thread, both
 * started by the first next(), push into `queue`; next() pops on the
 * host's thread. Candle state and counters
 * are under `mu`.
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <perp/sdk.h>

#include "../backend-hyperliquid/hl_http.h"
#include "../feed-coinbase/ws_conn.h"
#include "hlm_parse.h"
#include "../feed-coinbase/event_queue.h"

#define TESTNET_URL  "https://api.hyperliquid-testnet.xyz"
#define MAINNET_URL  "https://api.hyperliquid.xyz"
#define MINUTE       60000
#define SNAPSHOT_MAX 5000 /* candles one candleSnapshot answers at most */

typedef struct hlm_sym {
    char symbol[PERP_SYMBOL_MAX];
    char coin[PERP_COIN_MAX];
    perp_candle cur; /* the 1m bar as it stands, once one arrived */
    int have_cur;
    int64_t emitted_ts; /* open time of the last bar emitted */
} hlm_sym;

typedef struct hlm_settings {
    const char *url, *ws_url, *ca_file;
    int64_t stale, bmin, bmax, ping_every, grace, funding_every, timeout;
    int64_t queue, max_message;
} hlm_settings;

typedef struct hlm_feed {
    const perp_host *host;
    hlm_settings set;
    char ws_url[512];
    hl_http http;
    hlm_sym syms[PERP_MAX_SYMBOLS];
    size_t n_syms;
    ev_queue queue;
    cb_ws *ws;

    pthread_t funding_thread;
    int funding_started;
    int running; /* next() has been called: connection and poll started */
    atomic_int stop;
    pthread_mutex_t wait_mu;
    pthread_cond_t wait_cv;

    pthread_mutex_t mu; /* the syms' candles and the counters */
    uint64_t messages, malformed, late;
    int64_t last_message_ts;
} hlm_feed;

static const perp_config_key hlm_config[] = {
    PERP_CFG_CHOICE("network", "testnet", "testnet|mainnet",
                    "whose prices: the same network as the backend"),
    PERP_CFG_STR("url", NULL, "REST base URL (default: the network's API)"),
    PERP_CFG_STR("ws_url", NULL, "WebSocket URL (default: url as ws(s) + /ws)"),
    PERP_CFG_LIST_MAX("symbols", PERP_CFG_STRING, PERP_MAX_SYMBOLS,
                      "symbols to follow, BTC-USD for coin BTC (default: "
                      "agent.symbols)"),
    PERP_CFG_DUR("stale_after", "30s", 1, 86400000,
                 "no message for this long: reconnect"),
    PERP_CFG_DUR("backoff_min", "1s", 1, 3600000, "first reconnect delay"),
    PERP_CFG_DUR("backoff_max", "60s", 1, 86400000,
                 "reconnect delay cap (doubling, with jitter)"),
    PERP_CFG_DUR("ping_every", "20s", 10, 3600000,
                 "client ping; the exchange drops a connection quiet for 60s"),
    PERP_CFG_DUR("candle_grace", "2s", 0, 600000,
                 "a bar is closed this long after its close time"),
    PERP_CFG_DUR("funding_every", "60s", 0, 86400000,
                 "funding rates from metaAndAssetCtxs; 0: none"),
    PERP_CFG_DUR("timeout", "10s", 100, 120000, "one REST request"),
    PERP_CFG_FILE("ca_file", NULL,
                  "PEM CA bundle to trust instead of the system store"),
    PERP_CFG_INT("queue", "4096", 16, 1000000, "events buffered for next()"),
    PERP_CFG_INT("max_message", "1048576", 1024, 16 << 20,
                 "largest WebSocket message accepted, bytes"),
    PERP_CFG_LAST};

/* -------------------------------------------------------- WebSocket */

static hlm_sym *sym_of_coin(hlm_feed *f, const char *coin)
{
    for (size_t i = 0; i < f->n_syms; i++)
        if (strcmp(f->syms[i].coin, coin) == 0)
            return &f->syms[i];
    return NULL;
}

static void push_candle(hlm_feed *f, hlm_sym *s)
{
    perp_event ev = {.type = PERP_EV_CANDLE};
    ev.u.candle = s->cur;
    ev.ts = s->cur.ts + s->cur.interval_ms;
    s->emitted_ts = s->cur.ts;
    ev_queue_push(&f->queue, &ev);
}

/* A bar update: the newer bar closes the one before it. */
static void on_candle(hlm_feed *f, hlm_sym *s, const perp_candle *c)
{
    if (c->interval_ms != MINUTE)
        return;
    if (s->have_cur && c->ts < s->cur.ts) {
        f->late++;
        return;
    }
    if (s->have_cur && c->ts > s->cur.ts && s->cur.ts > s->emitted_ts)
        push_candle(f, s);
    if (c->ts <= s->emitted_ts)
        return; /* an update of a bar already emitted */
    s->cur = *c;
    memcpy(s->cur.symbol, s->symbol, sizeof s->symbol);
    s->have_cur = 1;
}

static void on_message(void *ud, const char *buf, size_t len)
{
    hlm_feed *f = ud;
    hlm_message m;
    hlm_msg_kind k = hlm_parse(buf, len, &m);
    pthread_mutex_lock(&f->mu);
    f->messages++;
    f->last_message_ts = f->host->now_ms(f->host);
    hlm_sym *s = m.coin[0] ? sym_of_coin(f, m.coin) : NULL;
    if (k == HLM_MSG_BBO && s) {
        perp_event ev = {.type = PERP_EV_TICK, .ts = m.tick.ts};
        ev.u.tick = m.tick;
        memcpy(ev.u.tick.symbol, s->symbol, sizeof s->symbol);
        ev_queue_push(&f->queue, &ev);
    } else if (k == HLM_MSG_CANDLE && s) {
        on_candle(f, s, &m.candle);
    } else if (k == HLM_MSG_MALFORMED) {
        if (f->malformed++ < 5)
            f->host->log(f->host, PERP_LOG_WARN, "malformed message: %s",
                         m.text);
    } else if (k == HLM_MSG_ERROR) {
        f->host->log(f->host, PERP_LOG_WARN, "server error: %s", m.text);
    }
    pthread_mutex_unlock(&f->mu);
}

static void on_oversize(void *ud, size_t bytes)
{
    hlm_feed *f = ud;
    pthread_mutex_lock(&f->mu);
    f->messages++;
    if (f->malformed++ < 5)
        f->host->log(f->host, PERP_LOG_WARN,
                     "message of %zu bytes over max_message dropped", bytes);
    pthread_mutex_unlock(&f->mu);
}

/* One subscribe frame per line: bbo and 1m candles of every coin. */
static char *subscribe_text(const hlm_feed *f)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    for (size_t i = 0; m && i < f->n_syms; i++)
        fprintf(m,
                "{\"method\":\"subscribe\",\"subscription\":{\"type\":"
                "\"bbo\",\"coin\":\"%s\"}}\n"
                "{\"method\":\"subscribe\",\"subscription\":{\"type\":"
                "\"candle\",\"coin\":\"%s\",\"interval\":\"1m\"}}%s",
                f->syms[i].coin, f->syms[i].coin,
                i + 1 < f->n_syms ? "\n" : "");
    if (m)
        fclose(m);
    return out;
}

/* ---------------------------------------------------------- funding */

static int stopping(void *ud)
{
    hlm_feed *f = ud;
    return atomic_load(&f->stop);
}

static json_t *info(hlm_feed *f, json_t *req)
{
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    hl_http_result r;
    json_t *out = NULL;
    if (body && hl_http_post(&f->http, "/info", body, &r) == 0 &&
        r.status == 200)
        out = json_loadb(r.body, r.len, 0, NULL);
    else if (body && !atomic_load(&f->stop))
        f->host->log(f->host, PERP_LOG_WARN, "info request: %s",
                     r.error[0] ? r.error : r.body);
    if (body)
        hl_http_result_free(&r);
    free(body);
    return out;
}

/* metaAndAssetCtxs = [meta, ctxs], ctxs index-aligned with meta.universe. */
static void publish_funding(hlm_feed *f)
{
    json_t *a = info(f, json_pack("{s:s}", "type", "metaAndAssetCtxs"));
    const json_t *u = json_object_get(json_array_get(a, 0), "universe");
    const json_t *ctxs = json_array_get(a, 1);
    int64_t now = f->host->now_ms(f->host);
    for (size_t i = 0; i < json_array_size(u) && i < json_array_size(ctxs);
         i++) {
        const char *name =
            json_string_value(json_object_get(json_array_get(u, i), "name"));
        hlm_sym *s = name ? sym_of_coin(f, name) : NULL;
        const char *rate = json_string_value(
            json_object_get(json_array_get(ctxs, i), "funding"));
        if (!s || !rate)
            continue;
        perp_event ev = {.type = PERP_EV_FUNDING, .ts = now};
        ev.u.funding.ts = now;
        memcpy(ev.u.funding.symbol, s->symbol, sizeof s->symbol);
        ev.u.funding.rate_1h = strtod(rate, NULL); /* hourly already */
        ev_queue_push(&f->queue, &ev);
    }
    json_decref(a);
}

static void *funding_main(void *arg)
{
    hlm_feed *f = arg;
    while (!atomic_load(&f->stop)) {
        publish_funding(f);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += f->set.funding_every / 1000;
        until.tv_nsec += (long)(f->set.funding_every % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&f->wait_mu);
        if (!atomic_load(&f->stop))
            pthread_cond_timedwait(&f->wait_cv, &f->wait_mu, &until);
        pthread_mutex_unlock(&f->wait_mu);
    }
    return NULL;
}

/* --------------------------------------------------------- backfill */

/* The largest interval the exchange serves that divides interval_ms. */
static int64_t base_interval(int64_t interval_ms)
{
    if (hlm_interval_text(interval_ms))
        return interval_ms;
    int64_t best = 0;
    for (int64_t m = MINUTE; m < interval_ms; m += MINUTE)
        if (hlm_interval_text(m) && interval_ms % m == 0)
            best = m;
    return best;
}

/* Folds base candle b into the bar of out[*n - 1] or starts one. */
static void fold(perp_candle *out, size_t cap, size_t *n, const perp_candle *b,
                 int64_t interval_ms)
{
    int64_t open = b->ts - b->ts % interval_ms;
    perp_candle *c = *n ? &out[*n - 1] : NULL;
    if (c && c->ts == open) {
        c->high = fmax(c->high, b->high);
        c->low = fmin(c->low, b->low);
        c->close = b->close;
        c->volume += b->volume;
        return;
    }
    if (*n == cap)
        return;
    out[*n] = *b;
    out[*n].ts = open;
    out[*n].interval_ms = interval_ms;
    (*n)++;
}

static perp_status hlm_backfill(void *self, const char *symbol,
                                int64_t interval_ms, int64_t from_ms,
                                int64_t to_ms, perp_candle *out, size_t cap,
                                size_t *n)
{
    hlm_feed *f = self;
    char coin[PERP_COIN_MAX];
    int64_t base = interval_ms > 0 ? base_interval(interval_ms) : 0;
    *n = 0;
    if (!base)
        return PERP_EUNSUPPORTED;
    perp_symbol_coin(symbol, coin);
    int64_t now = f->host->now_ms(f->host);
    /* Bars open in [from, to), each read whole: from rounds up to a bar
     * boundary, and the base bars are read to the end of the last bar. */
    from_ms += (interval_ms - from_ms % interval_ms) % interval_ms;
    int64_t until = to_ms + (interval_ms - to_ms % interval_ms) % interval_ms;
    for (int64_t t = from_ms; t < until && *n < cap;) {
        int64_t end = t + base * SNAPSHOT_MAX;
        end = end < until ? end : until;
        json_t *a =
            info(f, json_pack("{s:s, s:{s:s, s:s, s:I, s:I}}", "type",
                              "candleSnapshot", "req", "coin", coin, "interval",
                              hlm_interval_text(base), "startTime",
                              (json_int_t)t, "endTime", (json_int_t)(end - 1)));
        if (!json_is_array(a)) {
            json_decref(a);
            return PERP_ERR;
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            hlm_message m;
            memset(&m, 0, sizeof m);
            /* The same reading as the live bars'. */
            if (hlm_parse_candle(json_array_get(a, i), &m) != HLM_MSG_CANDLE ||
                m.candle.ts < t || m.candle.ts >= end)
                continue;
            int64_t open = m.candle.ts - m.candle.ts % interval_ms;
            if (open + interval_ms > now || open >= to_ms)
                continue; /* not closed yet */
            snprintf(m.candle.symbol, sizeof m.candle.symbol, "%s", symbol);
            fold(out, cap, n, &m.candle, interval_ms);
        }
        json_decref(a);
        t = end;
    }
    return PERP_OK;
}

/* ------------------------------------------------------------ config */

static perp_status read_symbols(hlm_feed *f, const perp_config_node *cfg)
{
    const perp_host *h = f->host;
    const perp_config_node *seq = h->cfg_child(cfg, "symbols");
    size_t n = seq ? h->cfg_len(seq) : h->symbol_count(h);
    if (n == 0 || n > PERP_MAX_SYMBOLS)
        return h->cfg_error(h, seq ? seq : cfg,
                            "symbols: expected 1..%d symbols (or "
                            "agent.symbols)",
                            PERP_MAX_SYMBOLS);
    for (size_t i = 0; i < n; i++) {
        const char *sym =
            seq ? h->cfg_scalar(h->cfg_at(seq, i)) : h->symbol_at(h, i);
        if (!sym || !*sym || strlen(sym) >= PERP_SYMBOL_MAX)
            return h->cfg_error(h, seq ? h->cfg_at(seq, i) : cfg,
                                "symbols: entry %zu is not a symbol", i);
        snprintf(f->syms[i].symbol, sizeof f->syms[i].symbol, "%s", sym);
        perp_symbol_coin(sym, f->syms[i].coin);
    }
    f->n_syms = n;
    return PERP_OK;
}

static perp_status read_settings(hlm_feed *f, const perp_config_node *n)
{
    const perp_host *h = f->host;
    hlm_settings *s = &f->set;
    const char *net;
    if (h->cfg_str(h, n, "network", "testnet", &net) ||
        h->cfg_str(h, n, "url", NULL, &s->url) ||
        h->cfg_str(h, n, "ws_url", NULL, &s->ws_url) ||
        h->cfg_str(h, n, "ca_file", NULL, &s->ca_file) ||
        h->cfg_duration_ms(h, n, "stale_after", 30000, &s->stale) ||
        h->cfg_duration_ms(h, n, "backoff_min", 1000, &s->bmin) ||
        h->cfg_duration_ms(h, n, "backoff_max", 60000, &s->bmax) ||
        h->cfg_duration_ms(h, n, "ping_every", 20000, &s->ping_every) ||
        h->cfg_duration_ms(h, n, "candle_grace", 2000, &s->grace) ||
        h->cfg_duration_ms(h, n, "funding_every", 60000, &s->funding_every) ||
        h->cfg_duration_ms(h, n, "timeout", 10000, &s->timeout) ||
        h->cfg_int(h, n, "queue", 4096, &s->queue) ||
        h->cfg_int(h, n, "max_message", 1 << 20, &s->max_message))
        return PERP_EINVAL;
    if (s->bmax < s->bmin)
        return h->cfg_error(h, n, "backoff_min must be at most backoff_max");
    int mainnet = strcmp(net, "mainnet") == 0;
    if (!s->url || !*s->url)
        s->url = mainnet ? MAINNET_URL : TESTNET_URL;
    if (s->ws_url && *s->ws_url)
        snprintf(f->ws_url, sizeof f->ws_url, "%s", s->ws_url);
    else if (strncmp(s->url, "http", 4) == 0)
        snprintf(f->ws_url, sizeof f->ws_url, "ws%s/ws", s->url + 4);
    else
        return h->cfg_error(h, h->cfg_child(n, "url"),
                            "url: expected http:// or https://");
    if (s->ca_file && !*s->ca_file)
        s->ca_file = NULL;
    return PERP_OK;
}

/* ------------------------------------------------------------ vtable */

static void hlm_destroy(void *self)
{
    hlm_feed *f = self;
    if (!f)
        return;
    atomic_store(&f->stop, 1);
    if (f->funding_started) {
        pthread_mutex_lock(&f->wait_mu);
        pthread_cond_broadcast(&f->wait_cv);
        pthread_mutex_unlock(&f->wait_mu);
        pthread_join(f->funding_thread, NULL);
    }
    cb_ws_stop(f->ws); /* joins its thread: no callback after this */
    ev_queue_destroy(&f->queue);
    pthread_mutex_destroy(&f->mu);
    pthread_mutex_destroy(&f->wait_mu);
    pthread_cond_destroy(&f->wait_cv);
    free(f);
}

static perp_status prepare(hlm_feed *f)
{
    char err[256] = "out of memory";
    char *sub = subscribe_text(f);
    cb_ws_opts o = {.host = f->host,
                    .url = f->ws_url,
                    .ca_file = f->set.ca_file,
                    .subscribe = sub,
                    .stale_after_ms = f->set.stale,
                    .backoff_min_ms = f->set.bmin,
                    .backoff_max_ms = f->set.bmax,
                    .max_message = (size_t)f->set.max_message,
                    .on_message = on_message,
                    .on_oversize = on_oversize,
                    .ud = f,
                    .ping = "{\"method\":\"ping\"}",
                    .ping_every_ms = f->set.ping_every};
    f->ws = sub ? cb_ws_new(&o, err, sizeof err) : NULL;
    free(sub);
    if (!f->ws) {
        f->host->log(f->host, PERP_LOG_ERROR, "%s", err);
        return PERP_EINVAL;
    }
    return PERP_OK;
}

/* The connection and the funding poll start at the first next(): a
 * backfill before it (the host's warm-up) does not race them. */
static perp_status run(hlm_feed *f)
{
    char err[256] = "";
    if (f->running)
        return PERP_OK;
    f->running = 1;
    if (cb_ws_run(f->ws, err, sizeof err) != 0) {
        f->host->log(f->host, PERP_LOG_ERROR, "%s", err);
        return PERP_ERR;
    }
    if (f->set.funding_every > 0) {
        if (pthread_create(&f->funding_thread, NULL, funding_main, f) != 0) {
            f->host->log(f->host, PERP_LOG_ERROR,
                         "cannot start the funding thread");
            return PERP_ERR;
        }
        f->funding_started = 1;
    }
    return PERP_OK;
}

static perp_status hlm_create(const perp_host *host,
                              const perp_config_node *cfg, void **self)
{
    *self = NULL;
    hlm_feed *f = calloc(1, sizeof *f);
    if (!f)
        return PERP_ENOMEM;
    f->host = host;
    pthread_mutex_init(&f->mu, NULL);
    pthread_mutex_init(&f->wait_mu, NULL);
    pthread_cond_init(&f->wait_cv, NULL);
    perp_status rc = read_settings(f, cfg);
    if (rc == PERP_OK)
        rc = read_symbols(f, cfg);
    if (rc == PERP_OK && ev_queue_init(&f->queue, (size_t)f->set.queue))
        rc = PERP_ENOMEM;
    if (rc != PERP_OK) {
        hlm_destroy(f);
        return rc;
    }
    f->http = (hl_http){.base_url = f->set.url,
                        .connect_timeout_ms = f->set.timeout,
                        .timeout_ms = f->set.timeout,
                        .max_body = 16u << 20,
                        .stop = stopping,
                        .stop_ud = f};
    if ((rc = prepare(f)) != PERP_OK) {
        hlm_destroy(f);
        return rc;
    }
    *self = f;
    return PERP_OK;
}

/* Bars whose close time has passed by candle_grace are closed even if
 * the next bar has not started (no trade since). */
static void close_due_bars(hlm_feed *f)
{
    int64_t now = f->host->now_ms(f->host);
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->n_syms; i++) {
        hlm_sym *s = &f->syms[i];
        if (s->have_cur && s->cur.ts > s->emitted_ts &&
            now >= s->cur.ts + s->cur.interval_ms + f->set.grace)
            push_candle(f, s);
    }
    pthread_mutex_unlock(&f->mu);
}

static perp_status hlm_next(void *self, perp_event *ev, int timeout_ms)
{
    hlm_feed *f = self;
    if (run(f) != PERP_OK)
        return PERP_ERR;
    close_due_bars(f);
    return ev_queue_pop(&f->queue, ev, timeout_ms) ? PERP_OK : PERP_AGAIN;
}

static perp_status hlm_status(void *self, perp_feed_status *out)
{
    hlm_feed *f = self;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&f->mu);
    out->last_message_ts = f->last_message_ts;
    out->messages = f->messages;
    out->malformed = f->malformed;
    out->late = f->late;
    pthread_mutex_unlock(&f->mu);
    cb_ws_status_fill(f->ws, ev_queue_dropped(&f->queue), "events", out);
    return PERP_OK;
}

static const perp_feed_vtable vtable = {
    .struct_size = sizeof(perp_feed_vtable),
    .create = hlm_create,
    .destroy = hlm_destroy,
    .next = hlm_next,
    .status = hlm_status,
    .backfill = hlm_backfill,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_FEED, "hyperliquid-market", "1.0.0",
                        "Hyperliquid market data: WebSocket bbo and 1m "
                        "candles, candleSnapshot backfill, funding rates",
                        vtable, hlm_config)
