/*
 * ticker_stream.c — see ticker_stream.h.
 */
#include "ticker_stream.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *send_tickers(void *arg)
{
    ticker *t = arg;
    for (long seq = 1; !atomic_load(&t->stop); seq++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        char when[64], msg[1024];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        double price = 42000 + (double)(seq % 37);
        snprintf(msg, sizeof msg,
                 "{\"type\":\"ticker\",\"sequence\":%ld,\"product_id\":"
                 "\"BTC-USD\",\"price\":\"%.2f\",\"best_bid\":\"%.2f\","
                 "\"best_ask\":\"%.2f\",\"time\":\"%s.%06ldZ\"}",
                 seq, price, price - 0.5, price + 0.5, when,
                 now.tv_nsec / 1000);
        ws_server_send(t->ws, msg, strlen(msg));
        usleep(50000);
    }
    return NULL;
}

void ticker_start(ticker *t)
{
    static const char *const products[] = {"BTC-USD"};
    ws_server_opts o = {
        .products = products, .n_products = 1, .heartbeat_ms = 200};
    t->ws = ws_server_start(&o);
    cr_assert_not_null(t->ws);
    atomic_store(&t->stop, 0);
    cr_assert_eq(pthread_create(&t->thread, NULL, send_tickers, t), 0);
}

void ticker_stop(ticker *t)
{
    atomic_store(&t->stop, 1);
    pthread_join(t->thread, NULL);
    ws_server_stop(t->ws);
}
