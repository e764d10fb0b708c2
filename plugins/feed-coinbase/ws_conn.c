/*
 * ws_conn.c — the self-healing WebSocket client behind feed-coinbase.
 *
 * Everything that touches lws runs on the service thread: connecting,
 * retry timers (lws "sul" timers) and the silence watchdog. Other threads
 * only read the state under `mu` and, to stop, set `stop` and wake the
 * loop with lws_cancel_service(), the one lws call that is thread-safe.
 */
#include "ws_conn.h"

#include <libwebsockets.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cb_ws {
    cb_ws_opts o;
    char *subscribe; /* owned; frames separated by '\n' */
    char *ping;      /* owned, or NULL */
    char addr[256], path[512];
    int port, tls;

    struct lws_context *ctx;
    struct lws *wsi; /* current connection or NULL; service thread only */
    pthread_t thread;
    int running; /* the service thread was started (cb_ws_run) */
    atomic_int stop;

    /* Service-thread state. */
    lws_sorted_usec_list_t sul_connect, sul_watch;
    int established, sent_subscribe, got_message, retry_pending;
    size_t sub_at;     /* offset of the next subscribe frame to send */
    int ping_due;      /* the watchdog asked for a ping */
    int64_t last_ping; /* monotonic ms */
    int attempt;       /* consecutive attempts without a message */
    int64_t last_rx;   /* monotonic ms */
    char close_why[96];
    uint64_t rng;
    char *rx; /* frame being assembled: max_message + 1 bytes */
    size_t rx_len, rx_seen;
    int rx_oversize;

    pthread_mutex_t mu; /* guards st */
    cb_ws_state st;
};

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void set_state(cb_ws *w, int connected, const char *detail)
{
    pthread_mutex_lock(&w->mu);
    w->st.connected = connected;
    if (detail)
        snprintf(w->st.detail, sizeof w->st.detail, "%s", detail);
    pthread_mutex_unlock(&w->mu);
}

/* Exponential backoff with "equal jitter": half the step is fixed, half
 * random, so a fleet of clients does not reconnect in lockstep. */
static int64_t next_delay_ms(cb_ws *w)
{
    int64_t d = w->o.backoff_min_ms;
    for (int i = 1; i < w->attempt && d < w->o.backoff_max_ms; i++)
        d *= 2;
    if (d > w->o.backoff_max_ms)
        d = w->o.backoff_max_ms;
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return d / 2 + (int64_t)(w->rng % (uint64_t)(d / 2 + 1));
}

static void connect_now(cb_ws *w);

static void on_connect_timer(lws_sorted_usec_list_t *sul)
{
    cb_ws *w = lws_container_of(sul, cb_ws, sul_connect);
    w->retry_pending = 0;
    pthread_mutex_lock(&w->mu);
    w->st.reconnects++;
    pthread_mutex_unlock(&w->mu);
    connect_now(w);
}

/* One log line per attempt: what failed, why, which retry and when. */
static void schedule_retry(cb_ws *w, const char *what, const char *why)
{
    if (w->retry_pending || atomic_load(&w->stop))
        return;
    w->retry_pending = 1;
    w->wsi = NULL;
    w->established = 0;
    set_state(w, 0, why);
    w->attempt++;
    int64_t delay = next_delay_ms(w);
    char in[32];
    if (delay >= 1000)
        snprintf(in, sizeof in, "%.1fs", (double)delay / 1000.0);
    else
        snprintf(in, sizeof in, "%lldms", (long long)delay);
    w->o.host->log(w->o.host, PERP_LOG_WARN, "%s %s:%d (%s), retry %d in %s",
                   what, w->addr, w->port, why, w->attempt, in);
    lws_sul_schedule(w->ctx, 0, &w->sul_connect, on_connect_timer,
                     (lws_usec_t)delay * 1000);
}

/* lws says only "connection setup failed" when it cannot even start a
 * connection; most often the host name does not resolve, i.e. the machine
 * is offline. Ask the resolver once so the log line says which. */
static const char *setup_failure_reason(const cb_ws *w)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(w->addr, NULL, &hints, &res);
    if (res)
        freeaddrinfo(res);
    if (rc != 0)
        return "cannot resolve the host name: offline or no DNS";
    return "connection setup failed";
}

static void connect_now(cb_ws *w)
{
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = w->ctx;
    i.address = w->addr;
    i.port = w->port;
    i.path = w->path;
    i.host = w->addr;
    i.origin = w->addr;
    i.ssl_connection = w->tls ? LCCSCF_USE_SSL : 0;
    i.local_protocol_name = "perp-coinbase";
    i.pwsi = &w->wsi;
    w->established = w->sent_subscribe = w->got_message = 0;
    w->sub_at = 0;
    w->ping_due = 0;
    w->close_why[0] = '\0';
    if (!lws_client_connect_via_info(&i))
        schedule_retry(w, "cannot connect to", setup_failure_reason(w));
}

/* The silence watchdog: Coinbase sends a heartbeat per product every
 * second (Hyperliquid answers our pings), so a quiet socket is a dead one
 * even if TCP has not noticed. It also says when a ping is due. */
static void on_watch_timer(lws_sorted_usec_list_t *sul)
{
    cb_ws *w = lws_container_of(sul, cb_ws, sul_watch);
    int64_t quiet = mono_ms() - w->last_rx;
    if (w->wsi && w->established && quiet > w->o.stale_after_ms) {
        snprintf(w->close_why, sizeof w->close_why, "no message for %.1fs",
                 (double)quiet / 1000.0);
        lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    if (w->ping && w->wsi && w->sent_subscribe &&
        mono_ms() - w->last_ping >= w->o.ping_every_ms) {
        w->ping_due = 1;
        lws_callback_on_writable(w->wsi);
    }
    int64_t period = w->o.stale_after_ms / 4;
    period = period < 20 ? 20 : period > 1000 ? 1000 : period;
    lws_sul_schedule(w->ctx, 0, &w->sul_watch, on_watch_timer,
                     (lws_usec_t)period * 1000);
}

static int send_text(struct lws *wsi, const char *text, size_t n)
{
    unsigned char *buf = malloc(LWS_PRE + n);
    if (!buf)
        return -1;
    memcpy(buf + LWS_PRE, text, n);
    int wrote = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
    free(buf);
    return wrote < (int)n ? -1 : 0;
}

/* One frame per writable callback, as lws asks; the last one marks the
 * connection subscribed. */
static int send_subscribe(cb_ws *w, struct lws *wsi)
{
    const char *frame = w->subscribe + w->sub_at;
    size_t n = strcspn(frame, "\n");
    if (send_text(wsi, frame, n) != 0)
        return -1;
    w->sub_at += n + (frame[n] == '\n');
    if (w->subscribe[w->sub_at]) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    w->sent_subscribe = 1;
    w->last_ping = mono_ms();
    set_state(w, 1, "");
    w->o.host->log(w->o.host, PERP_LOG_INFO, "connected to %s:%d, subscribed",
                   w->addr, w->port);
    return 0;
}

static void on_receive(cb_ws *w, struct lws *wsi, const char *in, size_t len)
{
    w->last_rx = mono_ms();
    w->rx_seen += len;
    if (!w->rx_oversize && w->rx_len + len > w->o.max_message)
        w->rx_oversize = 1;
    if (!w->rx_oversize) {
        memcpy(w->rx + w->rx_len, in, len);
        w->rx_len += len;
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return;
    if (w->rx_oversize) {
        w->o.on_oversize(w->o.ud, w->rx_seen);
    } else {
        w->rx[w->rx_len] = '\0';
        w->o.on_message(w->o.ud, w->rx, w->rx_len);
        if (!w->got_message) {
            w->got_message = 1;
            w->attempt = 0; /* the link works: next failure retries fast */
        }
    }
    w->rx_len = w->rx_seen = 0;
    w->rx_oversize = 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len)
{
    (void)user;
    cb_ws *w = lws_context_user(lws_get_context(wsi));
    char why[128];
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        w->established = 1;
        w->last_rx = mono_ms();
        w->rx_len = w->rx_seen = 0;
        w->rx_oversize = 0;
        lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (!w->sent_subscribe && send_subscribe(w, wsi) != 0) {
            snprintf(w->close_why, sizeof w->close_why,
                     "cannot send subscribe");
            return -1;
        }
        if (w->sent_subscribe && w->ping_due) {
            w->ping_due = 0;
            w->last_ping = mono_ms();
            if (send_text(wsi, w->ping, strlen(w->ping)) != 0) {
                snprintf(w->close_why, sizeof w->close_why, "cannot send ping");
                return -1;
            }
        }
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        on_receive(w, wsi, in, len);
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (!w->close_why[0])
            snprintf(w->close_why, sizeof w->close_why,
                     "closed by server, code %d",
                     len >= 2 ? ((unsigned char *)in)[0] << 8 |
                                    ((unsigned char *)in)[1]
                              : 1005);
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (wsi != w->wsi && w->wsi)
            break;
        snprintf(why, sizeof why, "%.*s", in ? (int)len : 0,
                 in ? (const char *)in : "");
        if (!why[0] || !in)
            snprintf(why, sizeof why, "connection failed");
        schedule_retry(w, "cannot connect to", why);
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (wsi != w->wsi && w->wsi)
            break;
        schedule_retry(w, "lost connection to",
                       w->close_why[0] ? w->close_why : "connection closed");
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"perp-coinbase", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void *service_main(void *arg)
{
    cb_ws *w = arg;
    connect_now(w);
    on_watch_timer(&w->sul_watch);
    while (!atomic_load(&w->stop))
        if (lws_service(w->ctx, 0) < 0)
            break;
    return NULL;
}

static int parse_url(cb_ws *w, const char *url, char *err, size_t err_len)
{
    char buf[1024];
    const char *prot, *addr, *path;
    int port;
    if (snprintf(buf, sizeof buf, "%s", url) >= (int)sizeof buf ||
        lws_parse_uri(buf, &prot, &addr, &port, &path) != 0 || !*addr) {
        snprintf(err, err_len, "url '%.200s': expected wss://host[:port]/path",
                 url);
        return -1;
    }
    if (strcmp(prot, "wss") && strcmp(prot, "ws")) {
        snprintf(err, err_len, "url '%.200s': scheme must be wss or ws", url);
        return -1;
    }
    w->tls = strcmp(prot, "wss") == 0;
    /* lws_parse_uri defaults the port to 443 for wss, 80 for ws. */
    w->port = port;
    snprintf(w->addr, sizeof w->addr, "%s", addr);
    snprintf(w->path, sizeof w->path, "/%s", path);
    return 0;
}

cb_ws *cb_ws_new(const cb_ws_opts *o, char *err, size_t err_len)
{
    cb_ws *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    w->o = *o;
    w->subscribe = strdup(o->subscribe);
    w->ping = o->ping && o->ping_every_ms > 0 ? strdup(o->ping) : NULL;
    w->rx = malloc(o->max_message + 1);
    w->rng = (uint64_t)mono_ms() ^ (uint64_t)(uintptr_t)w ^ 0x9e3779b97f4a7c15u;
    pthread_mutex_init(&w->mu, NULL);
    if (!w->subscribe || !w->rx) {
        snprintf(err, err_len, "out of memory");
        cb_ws_stop(w);
        return NULL;
    }
    if (parse_url(w, o->url, err, err_len) != 0) {
        cb_ws_stop(w);
        return NULL;
    }
    lws_set_log_level(
        getenv("PERP_LWS_DEBUG") ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.client_ssl_ca_filepath = o->ca_file;
    info.user = w;
    info.timeout_secs = 10;
    info.connect_timeout_secs = 10;
    w->ctx = lws_create_context(&info);
    if (!w->ctx) {
        snprintf(err, err_len, "cannot create the WebSocket context%s%s",
                 o->ca_file ? " (check ca_file " : "",
                 o->ca_file ? o->ca_file : "");
        if (o->ca_file)
            strncat(err, ")", err_len - strlen(err) - 1);
        cb_ws_stop(w);
        return NULL;
    }
    return w;
}

int cb_ws_run(cb_ws *w, char *err, size_t err_len)
{
    if (w->running)
        return 0;
    if (pthread_create(&w->thread, NULL, service_main, w) != 0) {
        snprintf(err, err_len, "cannot start the feed thread");
        return -1;
    }
    w->running = 1;
    return 0;
}

void cb_ws_stop(cb_ws *w)
{
    if (!w)
        return;
    if (w->running) {
        atomic_store(&w->stop, 1);
        lws_cancel_service(w->ctx);
        pthread_join(w->thread, NULL);
    }
    if (w->ctx)
        lws_context_destroy(w->ctx);
    pthread_mutex_destroy(&w->mu);
    free(w->subscribe);
    free(w->ping);
    free(w->rx);
    free(w);
}

void cb_ws_state_get(cb_ws *w, cb_ws_state *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->st;
    pthread_mutex_unlock(&w->mu);
}

void cb_ws_status_fill(cb_ws *w, uint64_t dropped, const char *what,
                       perp_feed_status *out)
{
    cb_ws_state ws;
    cb_ws_state_get(w, &ws);
    out->connected = ws.connected;
    out->reconnects = ws.reconnects;
    if (!ws.connected && ws.detail[0])
        snprintf(out->detail, sizeof out->detail, "%s", ws.detail);
    else if (dropped)
        snprintf(out->detail, sizeof out->detail,
                 "%llu %s dropped (queue full)", (unsigned long long)dropped,
                 what);
    else
        out->detail[0] = '\0';
}
