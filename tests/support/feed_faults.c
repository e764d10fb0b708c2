/*
 * feed_faults.c — see feed_faults.h.
 */
#include "feed_faults.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ws_server.h"

struct feed_faults {
    ws_server *ws;
    char product[32];
    const char *products[1]; /* the server keeps the pointer */
    double price;
    pthread_t thread;
    pthread_mutex_t mu; /* seq, last, sending */
    long seq;
    char last[512];
    int paused;
    atomic_int stop;
};

static void ticker_text(feed_faults *f, long seq, char *out, size_t len)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    double p = f->price + (double)(seq % 23) - 11;
    snprintf(out, len,
             "{\"type\":\"ticker\",\"sequence\":%ld,\"product_id\":\"%s\","
             "\"price\":\"%.2f\",\"best_bid\":\"%.2f\",\"best_ask\":\"%.2f\","
             "\"side\":\"buy\",\"time\":\"%s.%06ldZ\",\"trade_id\":%ld,"
             "\"last_size\":\"0.01\"}",
             seq, f->product, p, p - 0.5, p + 0.5, when, now.tv_nsec / 1000,
             seq);
}

/* Caller holds mu. */
static void send_seq(feed_faults *f, long seq)
{
    char msg[512];
    ticker_text(f, seq, msg, sizeof msg);
    ws_server_send(f->ws, msg, strlen(msg));
    memcpy(f->last, msg, sizeof msg);
}

static void *ticker_main(void *arg)
{
    feed_faults *f = arg;
    while (!atomic_load(&f->stop)) {
        pthread_mutex_lock(&f->mu);
        if (!f->paused)
            send_seq(f, ++f->seq);
        pthread_mutex_unlock(&f->mu);
        usleep(50000);
    }
    return NULL;
}

feed_faults *feed_faults_start(const char *product, double price)
{
    feed_faults *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    snprintf(f->product, sizeof f->product, "%s", product);
    f->price = price;
    f->products[0] = f->product;
    ws_server_opts o = {
        .products = f->products, .n_products = 1, .heartbeat_ms = 200};
    f->ws = ws_server_start(&o);
    pthread_mutex_init(&f->mu, NULL);
    if (!f->ws || pthread_create(&f->thread, NULL, ticker_main, f) != 0) {
        if (f->ws)
            ws_server_stop(f->ws);
        pthread_mutex_destroy(&f->mu);
        free(f);
        return NULL;
    }
    return f;
}

void feed_faults_stop(feed_faults *f)
{
    if (!f)
        return;
    atomic_store(&f->stop, 1);
    pthread_join(f->thread, NULL);
    ws_server_stop(f->ws);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

int feed_faults_port(const feed_faults *f)
{
    return ws_server_port(f->ws);
}

/* Malformed each in its own way: not JSON, cut short, the wrong shape,
 * wrong types, impossible values, a product never subscribed, a 60 KB
 * value. */
static void send_garbage(feed_faults *f)
{
    char big[60000];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\0';
    char *huge = NULL;
    if (asprintf(&huge,
                 "{\"type\":\"ticker\",\"product_id\":\"%s\","
                 "\"price\":\"%s\"}",
                 f->product, big) < 0)
        huge = NULL;
    char t[FEED_GARBAGE_COUNT][512];
    int n = 0;
    snprintf(t[n++], sizeof t[0], "not json at all");
    snprintf(t[n++], sizeof t[0], "{\"type\":\"ticker\",\"sequence\":");
    snprintf(t[n++], sizeof t[0], "[1,2,3]");
    snprintf(t[n++], sizeof t[0], "{\"type\":\"ticker\"}");
#define TICK(fields)                                                           \
    snprintf(t[n++], sizeof t[0],                                              \
             "{\"type\":\"ticker\",\"sequence\":%ld,\"product_id\":\"%s\","    \
             "%s}",                                                            \
             f->seq + 1000000, f->product, fields)
    TICK("\"price\":\"abc\",\"time\":\"2026-01-01T00:00:00Z\"");
    TICK("\"price\":\"NaN\",\"time\":\"2026-01-01T00:00:00Z\"");
    TICK("\"price\":\"-5\",\"time\":\"2026-01-01T00:00:00Z\"");
    TICK("\"price\":\"0\",\"time\":\"2026-01-01T00:00:00Z\"");
    TICK("\"price\":42000,\"time\":\"yesterday\"");
    TICK("\"price\":\"1e999\",\"time\":\"2026-01-01T00:00:00Z\"");
#undef TICK
    snprintf(t[n++], sizeof t[0],
             "{\"type\":\"ticker\",\"sequence\":%ld,\"product_id\":"
             "\"NOPE-USD\",\"price\":\"1\",\"time\":\"2026-01-01T00:00:00Z\"}",
             f->seq + 2000000);
    for (int i = 0; i < n; i++)
        ws_server_send(f->ws, t[i], strlen(t[i]));
    if (huge)
        ws_server_send(f->ws, huge, strlen(huge));
    free(huge);
}

void feed_faults_inject(feed_faults *f, feed_fault k, int arg)
{
    pthread_mutex_lock(&f->mu);
    switch (k) {
    case FEED_GARBAGE:
        send_garbage(f);
        break;
    case FEED_DUPLICATE:
        if (f->last[0])
            ws_server_send(f->ws, f->last, strlen(f->last));
        break;
    case FEED_REORDER:
        send_seq(f, f->seq + 2);
        send_seq(f, f->seq + 1);
        f->seq += 2;
        break;
    case FEED_GAP:
        f->seq += 5;
        break;
    case FEED_DROP:
        ws_server_drop(f->ws);
        break;
    case FEED_STALL:
        f->paused = 1;
        ws_server_silence(f->ws);
        break;
    }
    pthread_mutex_unlock(&f->mu);
    if (k == FEED_STALL) {
        usleep((useconds_t)arg * 1000);
        pthread_mutex_lock(&f->mu);
        f->paused = 0;
        pthread_mutex_unlock(&f->mu);
    }
}

int feed_faults_wait_subscribes(feed_faults *f, int n, int timeout_ms)
{
    return ws_server_wait_subscribes(f->ws, n, timeout_ms);
}

int feed_faults_subscribes(feed_faults *f)
{
    return ws_server_subscribes(f->ws);
}
