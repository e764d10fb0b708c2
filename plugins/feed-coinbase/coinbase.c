/*
 * coinbase.c — feed plugin "coinbase": Coinbase Exchange ticker and
 * heartbeat channels as PERP_EV_TICK events, and the venue's REST candles
 * as its backfill (ABI 1.2: the live warm-up and `perpd history download
 * --feed coinbase`; rest_candles.c).
 *
 * YAML keys: cb_config below (`perpd plugins --describe coinbase`).
 *
 * create() checks everything and prepares the connection; the WebSocket
 * connects at the first next(), so an instance used only for backfill
 * (the history command) never opens one. The service thread (ws_conn.c)
 * parses every frame here and queues ticks; next() pops them on the
 * host's thread. Counters live under `mu` because status() reads them
 * from the host's thread.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/sdk.h>

#include "log_limit.h"
#include "parse.h"
#include "rest_candles.h"
#include "event_queue.h"
#include "ws_conn.h"

#define DEFAULT_URL "wss://ws-feed.exchange.coinbase.com"

typedef struct cb_feed {
    const perp_host *host;
    const char *products[PERP_MAX_SYMBOLS]; /* borrowed from config/host */
    cb_products prods;
    ev_queue queue;
    cb_ws *ws;
    int streaming;        /* ws started (first next()) */
    const char *rest_url; /* borrowed from the config tree */
    cb_rest *rest;        /* owned, made at the first backfill */

    pthread_mutex_t mu; /* everything below */
    uint64_t messages, gaps, malformed, late;
    int64_t last_message_ts;
    int64_t last_seq[PERP_MAX_SYMBOLS]; /* ticker sequence, 0: none yet */
    cb_log_limit rl_malformed, rl_gap, rl_drop, rl_late;
} cb_feed;

static size_t product_index(const cb_feed *f, const char *id)
{
    for (size_t i = 0; i < f->prods.n; i++)
        if (strcmp(f->products[i], id) == 0)
            return i;
    return 0; /* unreachable: the parser rejects unknown products */
}

/* Ticker sequences are per product. A jump means ticks were missed (on
 * the ticker channel Coinbase may skip some, so this is logged, rate
 * limited, not fatal); a step back is a late message and is dropped. */
static int check_sequence(cb_feed *f, const cb_message *m, int64_t now)
{
    if (m->sequence <= 0)
        return 1;
    int64_t *last = &f->last_seq[product_index(f, m->product)];
    int64_t prev = *last;
    if (prev > 0 && m->sequence <= prev) {
        f->late++;
        uint64_t held;
        if (cb_log_limit_allow(&f->rl_late, now, &held))
            f->host->log(f->host, PERP_LOG_WARN,
                         "%s: tick %lld dropped: not after %lld (a duplicate "
                         "or out of order), %llu so far",
                         m->product, (long long)m->sequence, (long long)prev,
                         (unsigned long long)f->late);
        return 0;
    }
    *last = m->sequence;
    uint64_t held;
    if (prev > 0 && m->sequence > prev + 1) {
        f->gaps++;
        if (cb_log_limit_allow(&f->rl_gap, now, &held))
            f->host->log(f->host, PERP_LOG_WARN,
                         "%s: sequence gap %lld -> %lld (%lld missed), %llu "
                         "gaps so far",
                         m->product, (long long)prev, (long long)m->sequence,
                         (long long)(m->sequence - prev - 1),
                         (unsigned long long)f->gaps);
    }
    return 1;
}

static void note_malformed(cb_feed *f, int64_t now, const char *why)
{
    uint64_t held;
    f->malformed++;
    if (cb_log_limit_allow(&f->rl_malformed, now, &held))
        f->host->log(f->host, PERP_LOG_WARN,
                     "malformed message ignored: %s (%llu so far, %llu not "
                     "logged)",
                     why, (unsigned long long)f->malformed,
                     (unsigned long long)held);
}

static void on_ticker(cb_feed *f, const cb_message *m, int64_t now)
{
    if (!check_sequence(f, m, now))
        return;
    uint64_t held;
    perp_event ev = {.type = PERP_EV_TICK, .ts = m->tick.ts};
    ev.u.tick = m->tick;
    if (ev_queue_push(&f->queue, &ev) &&
        cb_log_limit_allow(&f->rl_drop, now, &held))
        f->host->log(f->host, PERP_LOG_WARN,
                     "tick queue full: oldest tick dropped (%llu so far); "
                     "the host is not calling next() fast enough",
                     (unsigned long long)ev_queue_dropped(&f->queue));
}

static void on_message(void *ud, const char *buf, size_t len)
{
    cb_feed *f = ud;
    cb_message m;
    cb_msg_kind k = cb_parse_message(buf, len, &f->prods, &m);
    int64_t now = f->host->now_ms(f->host);
    pthread_mutex_lock(&f->mu);
    f->messages++;
    f->last_message_ts = now;
    switch (k) {
    case CB_MSG_TICKER:
        on_ticker(f, &m, now);
        break;
    case CB_MSG_MALFORMED:
        note_malformed(f, now, m.text);
        break;
    case CB_MSG_ERROR:
        f->host->log(f->host, PERP_LOG_WARN, "server error: %s", m.text);
        break;
    case CB_MSG_SUBSCRIPTIONS:
        f->host->log(f->host, PERP_LOG_DEBUG, "subscriptions confirmed");
        break;
    default:
        break; /* heartbeats only prove liveness; other types are ignored */
    }
    pthread_mutex_unlock(&f->mu);
}

static void on_oversize(void *ud, size_t bytes)
{
    cb_feed *f = ud;
    char why[96];
    int64_t now = f->host->now_ms(f->host);
    snprintf(why, sizeof why, "message of %zu bytes over max_message", bytes);
    pthread_mutex_lock(&f->mu);
    f->messages++;
    f->last_message_ts = now;
    note_malformed(f, now, why);
    pthread_mutex_unlock(&f->mu);
}

/* ------------------------------------------------------------ config */

static perp_status read_products(cb_feed *f, const perp_config_node *cfg)
{
    const perp_host *h = f->host;
    const perp_config_node *seq = h->cfg_child(cfg, "products");
    size_t n = seq ? h->cfg_len(seq) : h->symbol_count(h);
    if (n == 0) {
        h->log(h, PERP_LOG_ERROR,
               "no products: set agent.symbols or "
               "products");
        return PERP_EINVAL;
    }
    if (n > PERP_MAX_SYMBOLS)
        return h->cfg_error(h, seq ? seq : cfg, "products: at most %d",
                            PERP_MAX_SYMBOLS);
    for (size_t i = 0; i < n; i++) {
        const char *id =
            seq ? h->cfg_scalar(h->cfg_at(seq, i)) : h->symbol_at(h, i);
        if (!id || !*id || strlen(id) >= PERP_SYMBOL_MAX)
            return h->cfg_error(h, seq ? h->cfg_at(seq, i) : cfg,
                                "products: entry %zu is not a product id", i);
        f->products[i] = id;
    }
    f->prods.ids = f->products;
    f->prods.n = n;
    return PERP_OK;
}

static char *subscribe_text(const cb_feed *f)
{
    json_t *ids = json_array();
    for (size_t i = 0; i < f->prods.n; i++)
        json_array_append_new(ids, json_string(f->products[i]));
    json_t *msg =
        json_pack("{s:s, s:o, s:[s,s]}", "type", "subscribe", "product_ids",
                  ids, "channels", "ticker", "heartbeat");
    char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    return text;
}

typedef struct cb_settings {
    const char *url, *ca_file, *rest_url;
    int64_t stale, bmin, bmax, queue, max_message;
} cb_settings;

static const perp_config_key cb_config[] = {
    PERP_CFG_STR("url", DEFAULT_URL, "WebSocket endpoint"),
    {.name = "products",
     .type = PERP_CFG_LIST,
     .item_type = PERP_CFG_STRING,
     .min = 1,
     .max = PERP_MAX_SYMBOLS,
     .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX,
     .description = "product ids to subscribe (default: agent.symbols)"},
    PERP_CFG_DUR("stale_after", "15s", 1, 86400000,
                 "no message for this long: reconnect"),
    PERP_CFG_DUR("backoff_min", "1s", 1, 3600000,
                 "first reconnect delay (at most backoff_max)"),
    PERP_CFG_DUR("backoff_max", "60s", 1, 86400000,
                 "reconnect delay cap (doubling, with jitter)"),
    PERP_CFG_FILE("ca_file", NULL,
                  "PEM CA bundle to trust instead of the system store"),
    PERP_CFG_INT("queue", "4096", 16, 1000000, "ticks buffered for next()"),
    PERP_CFG_INT("max_message", "65536", 1024, 16 << 20,
                 "largest WebSocket message accepted, bytes"),
    PERP_CFG_STR("rest_url", CB_REST_DEFAULT_URL,
                 "REST candles endpoint's base (the backfill: live warm-up, "
                 "history download)"),
    PERP_CFG_LAST};

static perp_status read_settings(const perp_host *h,
                                 const perp_config_node *cfg, cb_settings *s)
{
    if (h->cfg_str(h, cfg, "url", DEFAULT_URL, &s->url) != PERP_OK ||
        h->cfg_str(h, cfg, "ca_file", NULL, &s->ca_file) != PERP_OK ||
        h->cfg_str(h, cfg, "rest_url", CB_REST_DEFAULT_URL, &s->rest_url) !=
            PERP_OK ||
        h->cfg_duration_ms(h, cfg, "stale_after", 15000, &s->stale) !=
            PERP_OK ||
        h->cfg_duration_ms(h, cfg, "backoff_min", 1000, &s->bmin) != PERP_OK ||
        h->cfg_duration_ms(h, cfg, "backoff_max", 60000, &s->bmax) != PERP_OK ||
        h->cfg_int(h, cfg, "queue", 4096, &s->queue) != PERP_OK ||
        h->cfg_int(h, cfg, "max_message", 65536, &s->max_message) != PERP_OK)
        return PERP_EINVAL;
    if (s->bmax < s->bmin)
        return h->cfg_error(h, cfg, "backoff_min must be at most backoff_max");
    if (s->ca_file && !*s->ca_file)
        s->ca_file = NULL;
    if (strncmp(s->rest_url, "https://", 8) != 0 &&
        strncmp(s->rest_url, "http://", 7) != 0)
        return h->cfg_error(h, h->cfg_child(cfg, "rest_url"),
                            "rest_url: expected https://host[:port], found "
                            "'%.200s'",
                            s->rest_url);
    return PERP_OK;
}

/* ----------------------------------------------------------- vtable */

static void cb_destroy(void *self)
{
    cb_feed *f = self;
    if (!f)
        return;
    cb_ws_stop(f->ws); /* joins the thread: no callback runs after this */
    cb_rest_free(f->rest);
    ev_queue_destroy(&f->queue);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static perp_status cb_create(const perp_host *host, const perp_config_node *cfg,
                             void **self)
{
    cb_settings s;
    *self = NULL;
    if (read_settings(host, cfg, &s) != PERP_OK)
        return PERP_EINVAL;
    cb_feed *f = calloc(1, sizeof *f);
    if (!f)
        return PERP_ENOMEM;
    f->host = host;
    f->rest_url = s.rest_url;
    pthread_mutex_init(&f->mu, NULL);
    cb_log_limit_init(&f->rl_malformed, 5, 10000);
    cb_log_limit_init(&f->rl_gap, 5, 60000);
    cb_log_limit_init(&f->rl_late, 5, 60000);
    cb_log_limit_init(&f->rl_drop, 1, 10000);
    if (read_products(f, cfg) != PERP_OK ||
        ev_queue_init(&f->queue, (size_t)s.queue) != 0) {
        cb_destroy(f);
        return PERP_EINVAL;
    }
    char *sub = subscribe_text(f);
    char err[256];
    cb_ws_opts o = {.host = host,
                    .url = s.url,
                    .ca_file = s.ca_file,
                    .subscribe = sub,
                    .stale_after_ms = s.stale,
                    .backoff_min_ms = s.bmin,
                    .backoff_max_ms = s.bmax,
                    .max_message = (size_t)s.max_message,
                    .on_message = on_message,
                    .on_oversize = on_oversize,
                    .ud = f};
    snprintf(err, sizeof err, "out of memory");
    f->ws = sub ? cb_ws_new(&o, err, sizeof err) : NULL;
    free(sub);
    if (!f->ws) {
        host->log(host, PERP_LOG_ERROR, "%s", err);
        cb_destroy(f);
        return PERP_EINVAL;
    }
    *self = f;
    return PERP_OK;
}

static perp_status cb_next(void *self, perp_event *ev, int timeout_ms)
{
    cb_feed *f = self;
    if (!f->streaming) {
        char err[256];
        if (cb_ws_run(f->ws, err, sizeof err) != 0) {
            f->host->log(f->host, PERP_LOG_ERROR, "%s", err);
            return PERP_ERR;
        }
        f->streaming = 1;
    }
    return ev_queue_pop(&f->queue, ev, timeout_ms) ? PERP_OK : PERP_AGAIN;
}

static perp_status cb_status(void *self, perp_feed_status *out)
{
    cb_feed *f = self;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&f->mu);
    out->last_message_ts = f->last_message_ts;
    out->messages = f->messages;
    out->gaps = f->gaps;
    out->malformed = f->malformed;
    out->late = f->late;
    pthread_mutex_unlock(&f->mu);
    cb_ws_status_fill(f->ws, ev_queue_dropped(&f->queue), "ticks", out);
    return PERP_OK;
}

/* Candles from the REST endpoint (rest_candles.c). An empty range makes
 * no request: it only says whether the interval is served. */
static perp_status cb_backfill(void *self, const char *symbol,
                               int64_t interval_ms, int64_t from_ms,
                               int64_t to_ms, perp_candle *out, size_t cap,
                               size_t *n)
{
    cb_feed *f = self;
    *n = 0;
    if (!cb_rest_interval_ok(interval_ms))
        return PERP_EUNSUPPORTED;
    if (!symbol || !*symbol || from_ms < 0 || to_ms < from_ms ||
        from_ms % interval_ms || to_ms % interval_ms ||
        (uint64_t)((to_ms - from_ms) / interval_ms) > cap) {
        f->host->log(f->host, PERP_LOG_ERROR,
                     "backfill: bad request (symbol '%s', %lld..%lld by "
                     "%lld ms, room for %zu)",
                     symbol ? symbol : "", (long long)from_ms, (long long)to_ms,
                     (long long)interval_ms, cap);
        return PERP_EINVAL;
    }
    if (from_ms == to_ms)
        return PERP_OK;
    if (!f->rest && !(f->rest = cb_rest_new(f->host, f->rest_url)))
        return PERP_ERR;
    return cb_rest_candles(f->rest, symbol, interval_ms, from_ms, to_ms, out,
                           cap, n);
}

static const perp_feed_vtable vtable = {
    .struct_size = sizeof(perp_feed_vtable),
    .create = cb_create,
    .destroy = cb_destroy,
    .next = cb_next,
    .status = cb_status,
    .backfill = cb_backfill,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_FEED, "coinbase", CB_FEED_VERSION,
                        "Coinbase Exchange WebSocket ticker feed (live), REST "
                        "candles backfill",
                        vtable, cb_config)
