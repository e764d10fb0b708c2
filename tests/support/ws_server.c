/*
 * ws_server.c — loopback Coinbase-protocol WebSocket server for tests;
 * see ws_server.h. The test thread only touches the queue and counters
 * under `mu` and wakes the service thread with lws_cancel_service().
 */
#include "ws_server.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct frame {
    struct frame *next;
    size_t len;
    unsigned char data[]; /* LWS_PRE bytes, then the text */
} frame;

struct ws_server {
    ws_server_opts o;
    struct lws_context *ctx;
    SSL_CTX *client_ctx; /* owned; see ws_server_start */
    pthread_t thread;
    atomic_int stop;
    int port;
    lws_sorted_usec_list_t sul_hb;
    long long hb_seq;

    /* Service thread only. */
    struct lws *client;
    char *rx;
    size_t rx_len;

    pthread_mutex_t mu; /* everything below */
    pthread_cond_t cv;
    frame *head, *tail;
    int drop_pending, silent, subscribed;
    int connections, subscribes, bad_subscribes;
};

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void enqueue_locked(ws_server *s, const char *text, size_t len,
                           int front)
{
    frame *f = malloc(sizeof *f + LWS_PRE + len);
    if (!f)
        abort();
    f->len = len;
    memcpy(f->data + LWS_PRE, text, len);
    if (front) {
        f->next = s->head;
        s->head = f;
        if (!s->tail)
            s->tail = f;
    } else {
        f->next = NULL;
        if (s->tail)
            s->tail->next = f;
        else
            s->head = f;
        s->tail = f;
    }
}

static int channel_named(json_t *channels, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(channels, i, c)
    {
        const char *n = json_is_string(c)
                            ? json_string_value(c)
                            : json_string_value(json_object_get(c, "name"));
        if (n && strcmp(n, name) == 0)
            return 1;
    }
    return 0;
}

/* Exactly the expected products (any order), ticker and heartbeat. */
static int subscribe_ok(const ws_server *s, const char *text, size_t len,
                        char *why, size_t why_len)
{
    json_t *root = json_loadb(text, len, 0, NULL);
    json_t *ids = json_object_get(root, "product_ids");
    json_t *chans = json_object_get(root, "channels");
    const char *type = json_string_value(json_object_get(root, "type"));
    int ok = type && strcmp(type, "subscribe") == 0 && json_is_array(ids) &&
             json_array_size(ids) == s->o.n_products && json_is_array(chans) &&
             channel_named(chans, "ticker") &&
             channel_named(chans, "heartbeat");
    for (size_t i = 0; ok && i < s->o.n_products; i++) {
        int found = 0;
        for (size_t k = 0; k < json_array_size(ids); k++) {
            const char *id = json_string_value(json_array_get(ids, k));
            found |= id && strcmp(id, s->o.products[i]) == 0;
        }
        ok = found;
    }
    snprintf(why, why_len, "%.*s is not a valid subscribe",
             len > 80 ? 80 : (int)len, text);
    json_decref(root);
    return ok;
}

/* A frame under the test's own protocol (ws_server_opts.on_frame). */
static void on_venue_frame(ws_server *s, struct lws *wsi)
{
    char *reply = NULL;
    int rc = s->o.on_frame(s->o.frame_ud, s->rx, s->rx_len, &reply);
    pthread_mutex_lock(&s->mu);
    if (rc > 0) {
        s->subscribes++;
        s->subscribed = 1;
    } else if (rc < 0) {
        s->bad_subscribes++;
    }
    if (reply)
        enqueue_locked(s, reply, strlen(reply), 1);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    free(reply);
    lws_callback_on_writable(wsi);
}

static void on_subscribe(ws_server *s, struct lws *wsi)
{
    char why[160];
    if (s->o.on_frame) {
        on_venue_frame(s, wsi);
        return;
    }
    int ok = subscribe_ok(s, s->rx, s->rx_len, why, sizeof why);
    pthread_mutex_lock(&s->mu);
    if (ok) {
        s->subscribes++;
        s->subscribed = 1;
        /* The confirmation goes out before anything the test queued. */
        json_t *ids = json_array();
        for (size_t i = 0; i < s->o.n_products; i++)
            json_array_append_new(ids, json_string(s->o.products[i]));
        json_t *msg = json_pack("{s:s, s:[{s:s, s:O}, {s:s, s:O}]}", "type",
                                "subscriptions", "channels", "name", "ticker",
                                "product_ids", ids, "name", "heartbeat",
                                "product_ids", ids);
        char *text = json_dumps(msg, JSON_COMPACT);
        enqueue_locked(s, text, strlen(text), 1);
        free(text);
        json_decref(msg);
        json_decref(ids);
    } else {
        s->bad_subscribes++;
        char err[300];
        snprintf(err, sizeof err,
                 "{\"type\":\"error\",\"message\":\"Failed to subscribe\","
                 "\"reason\":\"bad subscribe\"}");
        enqueue_locked(s, err, strlen(err), 1);
        s->drop_pending = 1;
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    lws_callback_on_writable(wsi);
}

/* Writes one queued frame; -1 asks lws to close (a pending drop). */
static int on_writable(ws_server *s, struct lws *wsi)
{
    pthread_mutex_lock(&s->mu);
    frame *f = s->head;
    if (f) {
        s->head = f->next;
        if (!s->head)
            s->tail = NULL;
    }
    int drop = !f && s->drop_pending;
    if (drop)
        s->drop_pending = 0;
    int more = s->head != NULL || s->drop_pending;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (drop)
        return -1;
    if (f) {
        int n = lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT);
        free(f);
        if (n < 0)
            return -1;
    }
    if (more)
        lws_callback_on_writable(wsi);
    return 0;
}

static void on_heartbeat_timer(lws_sorted_usec_list_t *sul)
{
    ws_server *s = lws_container_of(sul, ws_server, sul_hb);
    pthread_mutex_lock(&s->mu);
    int send = s->client && s->subscribed && !s->silent;
    for (size_t i = 0; send && i < s->o.n_products; i++) {
        char hb[256];
        s->hb_seq++;
        int n = snprintf(hb, sizeof hb,
                         "{\"type\":\"heartbeat\",\"sequence\":%lld,"
                         "\"last_trade_id\":%lld,\"product_id\":\"%s\","
                         "\"time\":\"2024-01-01T00:00:00.000000Z\"}",
                         s->hb_seq, s->hb_seq, s->o.products[i]);
        enqueue_locked(s, hb, (size_t)n, 0);
    }
    pthread_mutex_unlock(&s->mu);
    if (send)
        lws_callback_on_writable(s->client);
    lws_sul_schedule(s->ctx, 0, &s->sul_hb, on_heartbeat_timer,
                     (lws_usec_t)s->o.heartbeat_ms * 1000);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len)
{
    (void)user;
    ws_server *s = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        s->client = wsi;
        s->rx_len = 0;
        pthread_mutex_lock(&s->mu);
        s->connections++;
        s->silent = s->subscribed = 0;
        pthread_mutex_unlock(&s->mu);
        break;
    case LWS_CALLBACK_RECEIVE: {
        char *p = realloc(s->rx, s->rx_len + len + 1);
        if (!p)
            return -1;
        s->rx = p;
        memcpy(s->rx + s->rx_len, in, len);
        s->rx_len += len;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            on_subscribe(s, wsi);
            s->rx_len = 0;
        }
        break;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (wsi == s->client)
            return on_writable(s, wsi);
        break;
    case LWS_CALLBACK_CLOSED:
        if (wsi == s->client) {
            s->client = NULL;
            pthread_mutex_lock(&s->mu);
            s->subscribed = 0;
            pthread_mutex_unlock(&s->mu);
        }
        break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (s && s->client)
            lws_callback_on_writable(s->client);
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"coinbase-test", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void *service_main(void *arg)
{
    ws_server *s = arg;
    if (s->o.heartbeat_ms > 0)
        lws_sul_schedule(s->ctx, 0, &s->sul_hb, on_heartbeat_timer,
                         (lws_usec_t)s->o.heartbeat_ms * 1000);
    while (!atomic_load(&s->stop))
        if (lws_service(s->ctx, 0) < 0)
            break;
    return NULL;
}

ws_server *ws_server_start(const ws_server_opts *o)
{
    ws_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->o = *o;
    lws_set_log_level(
        getenv("PERP_LWS_DEBUG") ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0, NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = 0; /* the kernel picks a free port */
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.user = s;
    info.ssl_cert_filepath = o->cert_file;
    info.ssl_private_key_filepath = o->key_file;
    if (o->cert_file) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        /* The server never dials out, but lws 4.1 gives every vhost a
         * client SSL_CTX loaded with the system CA store, and leaks that
         * store when another context in the process (the client under
         * test) also does the global init. An empty context of our own
         * avoids the load; lws does not free a provided one. */
        s->client_ctx = SSL_CTX_new(TLS_client_method());
        info.provided_client_ssl_ctx = s->client_ctx;
    }
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        fprintf(stderr, "ws_server: cannot create the lws context\n");
        ws_server_stop(s);
        return NULL;
    }
    s->port =
        lws_get_vhost_listen_port(lws_get_vhost_by_name(s->ctx, "default"));
    if (s->port <= 0 || pthread_create(&s->thread, NULL, service_main, s)) {
        fprintf(stderr, "ws_server: no listening port / no thread\n");
        lws_context_destroy(s->ctx);
        s->ctx = NULL;
        ws_server_stop(s);
        return NULL;
    }
    return s;
}

void ws_server_stop(ws_server *s)
{
    if (!s)
        return;
    if (s->ctx) {
        atomic_store(&s->stop, 1);
        lws_cancel_service(s->ctx);
        pthread_join(s->thread, NULL);
        lws_context_destroy(s->ctx);
    }
    for (frame *f = s->head, *n; f; f = n) {
        n = f->next;
        free(f);
    }
    free(s->rx);
    SSL_CTX_free(s->client_ctx);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int ws_server_port(const ws_server *s)
{
    return s->port;
}

void ws_server_send(ws_server *s, const char *text, size_t len)
{
    pthread_mutex_lock(&s->mu);
    enqueue_locked(s, text, len, 0);
    pthread_mutex_unlock(&s->mu);
    lws_cancel_service(s->ctx);
}

void ws_server_drop(ws_server *s)
{
    pthread_mutex_lock(&s->mu);
    s->drop_pending = 1;
    pthread_mutex_unlock(&s->mu);
    lws_cancel_service(s->ctx);
}

void ws_server_silence(ws_server *s)
{
    pthread_mutex_lock(&s->mu);
    s->silent = 1;
    pthread_mutex_unlock(&s->mu);
}

static int read_counter(ws_server *s, const int *field)
{
    pthread_mutex_lock(&s->mu);
    int v = *field;
    pthread_mutex_unlock(&s->mu);
    return v;
}

int ws_server_connections(ws_server *s)
{
    return read_counter(s, &s->connections);
}

int ws_server_subscribes(ws_server *s)
{
    return read_counter(s, &s->subscribes);
}

int ws_server_bad_subscribes(ws_server *s)
{
    return read_counter(s, &s->bad_subscribes);
}

int ws_server_wait_subscribes(ws_server *s, int n, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 5) {
        if (ws_server_subscribes(s) >= n)
            return 1;
        sleep_ms(5);
    }
    return ws_server_subscribes(s) >= n;
}

int ws_server_wait_flushed(ws_server *s, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 5) {
        pthread_mutex_lock(&s->mu);
        int idle = !s->head && !s->drop_pending;
        pthread_mutex_unlock(&s->mu);
        if (idle)
            return 1;
        sleep_ms(5);
    }
    return 0;
}
