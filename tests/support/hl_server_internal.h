/*
 * hl_server_internal.h — the emulated exchange's state, shared by
 * hl_server.c (HTTP, /info, the test's controls) and
 * hl_server_exchange.c (/exchange: signatures, orders, matching).
 * Everything is guarded by `mu`.
 */
#ifndef TESTS_HL_SERVER_INTERNAL_H
#define TESTS_HL_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>

#include "hl_server.h"

#define HLS_COINS     16
#define HLS_ORDERS    256
#define HLS_FILLS     1024
#define HLS_FUNDS     256
#define HLS_TAKER_FEE 0.00045

typedef struct hls_coin {
    char name[16];
    int szd, max_lev, leverage;
    double mid, funding;
    double szi, entry; /* position: signed size, average entry */
} hls_coin;

/* Every order the exchange saw, for orderStatus; open triggers rest. */
typedef struct hls_order {
    int64_t oid, ts;
    int coin, is_buy, reduce_only;
    double px, orig_sz, sz; /* sz: what is left */
    char cloid[35];
    char status[24]; /* open, filled, canceled, rejected, triggered */
    int trigger, tp, position_tpsl;
    double trigger_px;
} hls_order;

typedef struct hls_fill {
    int64_t time, oid, tid;
    int coin, is_buy, liquidation;
    double px, sz, start, closed_pnl, fee;
    char dir[16];
} hls_fill;

typedef struct hls_funding {
    int64_t time;
    int coin;
    double usdc, szi, rate;
} hls_funding;

struct hl_server {
    hl_server_opts o;
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    hls_coin coins[HLS_COINS];
    int n_coins;
    double cash;
    hls_order orders[HLS_ORDERS];
    int n_orders;
    int64_t next_oid, next_tid;
    hls_fill fills[HLS_FILLS];
    int n_fills;
    hls_funding funds[HLS_FUNDS];
    int n_funds;
    uint64_t last_nonce;
    int drop_next, limit_next;
    int exchange_requests, bad_signatures, n_order_reqs, leverage_updates,
        cancels;
};

int64_t hls_now_ms(void);
/* A number as the API writes it: a decimal string without exponent. */
json_t *hls_num(double x);
int hls_coin_index(hl_server *s, const char *name);
/* Fills `sz` of coin at px (signed by is_buy) into the account; the
 * fill record gets oid. Caller holds mu. */
void hls_fill_now(hl_server *s, int coin, int is_buy, double sz, double px,
                  int64_t oid, int liquidation);
/* Fires the coin's triggers that its mid crosses. Caller holds mu. */
void hls_fire_triggers(hl_server *s, int coin);
/* The /exchange answer (malloc'd JSON) and its HTTP status; *drop set
 * when the connection is to close without it. Takes mu itself. */
char *hls_exchange(hl_server *s, const char *body, size_t len, int *status,
                   int *drop);

#endif
