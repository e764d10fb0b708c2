/*
 * hl_test_util.h — shared by backend-hyperliquid's tests: the emulated
 * exchange's signature check (recovering the signer with the plugin's
 * own EIP-712 code, which the official vectors prove), a backend created
 * against that exchange, and the records it emits. Header-only (static)
 * because tests/plugins/<dir>/ compiles each test file on its own.
 */
#ifndef HL_TEST_UTIL_H
#define HL_TEST_UTIL_H

#include <criterion/criterion.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/sdk.h>

#include "hl_eip712.h"
#include "hl_hex.h"
#include "hl_msgpack.h"
#include "hl_server.h"
#include "plugin_env.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

/* The SDK's public test key is the API wallet; it trades for ACCOUNT. */
#define HL_KEY                                                                 \
    "0x0123456789012345678901234567890123456789012345678901234567890123"
#define HL_SIGNER  "0x14791697260e4c9a71f18484c9f997b308e59325"
#define HL_ACCOUNT "0x5e9ee1089755c3435139848e47e6635505d5a13a"

static inline const perp_backend_vtable *hl_vt(void)
{
    return perp_plugin_entry()->vtable;
}

/* What the exchange does with an /exchange body: rebuild the connection
 * id from the action and nonce, the testnet agent digest, and recover
 * the address that signed it. */
static inline int hl_test_recover(void *ud, const json_t *body, char addr[43])
{
    (void)ud;
    const json_t *sig = json_object_get(body, "signature");
    const char *va = json_string_value(json_object_get(body, "vaultAddress"));
    hl_signature s = {.v = (int)json_integer_value(json_object_get(sig, "v"))};
    uint8_t vault[20], cid[32], digest[32], a[20];
    hl_bytes mp = {0};
    char err[128];
    const char *r = json_string_value(json_object_get(sig, "r"));
    const char *ss = json_string_value(json_object_get(sig, "s"));
    if (!r || !ss || hl_hex_decode(r, s.r, 32) != 32 ||
        hl_hex_decode(ss, s.s, 32) != 32 ||
        hl_msgpack_json(json_object_get(body, "action"), NULL, &mp, err,
                        sizeof err) != 0) {
        hl_bytes_free(&mp);
        return -1;
    }
    hl_l1_context c = {
        .nonce = (uint64_t)json_integer_value(json_object_get(body, "nonce")),
        .vault = va && hl_hex_decode(va, vault, 20) == 20 ? vault : NULL,
        .expires_after =
            (uint64_t)json_integer_value(json_object_get(body, "expiresAfter")),
        .mainnet = 0};
    hl_connection_id(mp.data, mp.len, &c, cid);
    hl_bytes_free(&mp);
    hl_agent_digest(cid, 0, digest);
    if (hl_recover_address(digest, &s, a) != 0)
        return -1;
    hl_hex_encode(a, 20, addr);
    return 0;
}

static inline hl_server *hl_test_server(double account_value)
{
    hl_server_opts o = {.account = HL_ACCOUNT,
                        .signer = HL_SIGNER,
                        .recover = hl_test_recover,
                        .account_value = account_value};
    hl_server *s = hl_server_start(&o);
    cr_assert_not_null(s, "emulated exchange did not start");
    hl_server_add_coin(s, "BTC", 5, 40, 95000);
    hl_server_add_coin(s, "ETH", 4, 25, 3000);
    return s;
}

/* Records the backend emitted, copied. */
typedef struct hl_records {
    perp_record rec[256];
    size_t n;
} hl_records;

static inline void hl_collect(void *ud, const perp_record *r)
{
    hl_records *rs = ud;
    if (rs->n < 256)
        rs->rec[rs->n++] = *r;
}

static inline const perp_record *hl_nth_of(const hl_records *rs,
                                           perp_record_type t, size_t k)
{
    for (size_t i = 0; i < rs->n; i++)
        if (rs->rec[i].type == t && k-- == 0)
            return &rs->rec[i];
    return NULL;
}

static inline size_t hl_count_of(const hl_records *rs, perp_record_type t)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++)
        n += rs->rec[i].type == t;
    return n;
}

static const char *const HL_SYMBOLS[] = {"BTC-USD", "ETH-USD"};

/* A backend on the emulated exchange; key_env names the variable that
 * holds the key (the YAML reads it as ${...}). */
static inline void *hl_test_backend(plugin_env *env, hl_server *s,
                                    hl_records *rs, const char *key_env,
                                    const char *extra)
{
    char url[64], yaml[1024];
    hl_server_base_url(s, url, sizeof url);
    snprintf(yaml, sizeof yaml,
             "plugin: hyperliquid\nurl: %s\nprivate_key: ${%s}\n"
             "account: \"%s\"\nrefresh: 100ms\nresolve_wait: 20ms\n%s",
             url, key_env, HL_ACCOUNT, extra ? extra : "");
    cr_assert_eq(plugin_env_init(env, yaml, HL_SYMBOLS, 2), 0);
    env->ctx.emit = hl_collect;
    env->ctx.emit_ud = rs;
    void *b = NULL;
    cr_assert_eq(plugin_env_create(env, perp_plugin_entry(), &b), PERP_OK);
    return b;
}

static inline perp_order hl_market(const char *symbol, double qty,
                                   double leverage, int reduce_only)
{
    perp_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.symbol, sizeof o.symbol, "%s", symbol);
    o.qty = qty;
    o.type = PERP_ORDER_MARKET;
    o.leverage = leverage;
    o.reduce_only = reduce_only;
    snprintf(o.reason, sizeof o.reason, "test order");
    static int seq;
    snprintf(o.client_id, sizeof o.client_id, "perpd-%s-%d", symbol, ++seq);
    return o;
}

/* Seen by the price stream: the backend's market orders take it as mid. */
static inline void hl_price(void *b, const char *symbol, double px)
{
    perp_price p = {.ts = 0, .last = px, .bid = px, .ask = px};
    snprintf(p.symbol, sizeof p.symbol, "%s", symbol);
    hl_vt()->on_price(b, &p);
}

static inline const perp_position *hl_position(const perp_account *a,
                                               const char *symbol)
{
    for (size_t i = 0; i < a->n_positions; i++)
        if (strcmp(a->positions[i].symbol, symbol) == 0)
            return &a->positions[i];
    return NULL;
}

#endif
