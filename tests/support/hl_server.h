/*
 * hl_server.h — a loopback stand-in for Hyperliquid's REST API, for the
 * tests of backend-hyperliquid and feed-hyperliquid-market
 * (libmicrohttpd, 127.0.0.1, ephemeral port).
 *
 * POST /exchange takes signed L1 actions — order (IOC/GTC limits, TP/SL
 * triggers, groupings na, normalTpsl, positionTpsl), cancel,
 * cancelByCloid, updateLeverage — and refuses any whose signature does
 * not recover to the expected signer, as the exchange does ("User or
 * API Wallet 0x… does not exist."). Recovering needs the signing code,
 * which lives in the plugin: the test hands it in as `recover`.
 * Orders are matched against the mid the test sets, with the exchange's
 * own checks and messages: minimum value $10, margin, reduce-only, IOC
 * that cannot cross. Fills pay a 0.045% taker fee and net by average
 * cost; triggers fire when set_mid crosses them.
 *
 * POST /info answers meta, allMids, metaAndAssetCtxs,
 * clearinghouseState, openOrders, frontendOpenOrders, userFills,
 * userFunding, orderStatus (by oid or cloid) and candleSnapshot (candles
 * from hl_server_candle, a formula).
 */
#ifndef TESTS_HL_SERVER_H
#define TESTS_HL_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_server hl_server;

/* The signer of an /exchange body (action, nonce, signature, vaultAddress,
 * expiresAfter) as "0x…" lowercase into addr; 0, or -1 if none. */
typedef int (*hl_server_recover_fn)(void *ud, const json_t *body,
                                    char addr[43]);

typedef struct hl_server_opts {
    const char *account; /* whose state /info serves; lowercase 0x… */
    const char *signer;  /* the only address /exchange accepts */
    hl_server_recover_fn recover;
    void *recover_ud;
    double account_value; /* USDC at start */
} hl_server_opts;

hl_server *hl_server_start(const hl_server_opts *o);
void hl_server_stop(hl_server *s);
/* "http://127.0.0.1:PORT" */
void hl_server_base_url(const hl_server *s, char *buf, size_t len);

/* The universe, in order (the asset index is the position). */
void hl_server_add_coin(hl_server *s, const char *coin, int sz_decimals,
                        int max_leverage, double mid);
/* A new mid; triggers it crosses fill at it, as exchange-made fills. */
void hl_server_set_mid(hl_server *s, const char *coin, double mid);
void hl_server_set_funding(hl_server *s, const char *coin, double rate_1h);
/* A funding payment to the account (usdc > 0 received) at time ms. */
void hl_server_pay_funding(hl_server *s, const char *coin, double usdc,
                           double rate, int64_t ms);
/* Closes the coin's position at px as a liquidation fill. */
void hl_server_liquidate(hl_server *s, const char *coin, double px);

/* The next /exchange request is carried out, then its connection closed
 * without an answer. */
void hl_server_drop_next_exchange(hl_server *s);
/* The next /exchange request gets HTTP 429. */
void hl_server_rate_limit_next(hl_server *s);

/* Counters and state, read under the server's lock. */
int hl_server_exchange_requests(hl_server *s); /* well signed or not */
int hl_server_bad_signatures(hl_server *s);
int hl_server_orders(hl_server *s); /* orders in order actions */
int hl_server_leverage_updates(hl_server *s);
int hl_server_cancels(hl_server *s);
double hl_server_position(hl_server *s, const char *coin);
int hl_server_leverage(hl_server *s, const char *coin);
int hl_server_open_triggers(hl_server *s, const char *coin);
/* The trigger price of the coin's open TP (tp=1) or SL; NAN if none. */
double hl_server_trigger_px(hl_server *s, const char *coin, int tp);
double hl_server_account_value(hl_server *s);

/* The market of candleSnapshot: candle `open_ms` of `interval_ms` for a
 * coin; deterministic. out = {open, high, low, close, volume}. */
void hl_server_candle(const char *coin, int64_t open_ms, int64_t interval_ms,
                      double out[5]);

#endif
