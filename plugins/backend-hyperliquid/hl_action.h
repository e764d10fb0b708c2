/*
 * hl_action.h — exchange actions in wire form, as JSON with the keys in
 * the order the exchange hashes them (../shared/signing/README.md,
 * "Action key orders"), and the signed /exchange request body.
 *
 * Every builder returns a new jansson object (caller json_decref), or
 * NULL when out of memory. Prices and sizes are float_to_wire strings
 * the caller made (hl_wire.h).
 */
#ifndef HL_ACTION_H
#define HL_ACTION_H

#include <jansson.h>
#include <stdint.h>

#include "hl_eip712.h"
#include "hl_wire.h"

typedef enum hl_order_kind {
    HL_LIMIT_GTC = 0,
    HL_LIMIT_IOC = 1, /* a market order is an aggressive IOC limit */
    HL_LIMIT_ALO = 2,
    HL_TRIGGER = 3
} hl_order_kind;

/* One order of an "order" action. */
typedef struct hl_order_req {
    int asset;
    int is_buy;
    char px[HL_WIRE_MAX]; /* limit price (for a market trigger: the worst
                             fill price) */
    char sz[HL_WIRE_MAX];
    int reduce_only;
    hl_order_kind kind;
    int trigger_is_market;        /* HL_TRIGGER */
    char trigger_px[HL_WIRE_MAX]; /* HL_TRIGGER */
    int tpsl_tp;                  /* HL_TRIGGER: 1 "tp", 0 "sl" */
    char cloid[35];               /* "0x" + 32 hex digits, or "" */
} hl_order_req;

/* {"type":"order","orders":[...],"grouping":grouping}; grouping "na",
 * "normalTpsl" or "positionTpsl". */
json_t *hl_order_action(const hl_order_req *orders, size_t n,
                        const char *grouping);
/* {"type":"cancel","cancels":[{"a":asset,"o":oid}]} */
json_t *hl_cancel_action(int asset, int64_t oid);
/* {"type":"cancelByCloid","cancels":[{"asset":asset,"cloid":cloid}]} */
json_t *hl_cancel_cloid_action(int asset, const char *cloid);
/* {"type":"updateLeverage","asset":a,"isCross":b,"leverage":n} */
json_t *hl_leverage_action(int asset, int is_cross, int leverage);

/* The /exchange body: {"action","nonce","signature":{"r","s","v"},
 * "vaultAddress","expiresAfter"} with r and s as 64 hex digits and the
 * two optional keys null when unset. vault_text: NULL or "0x…". The
 * body takes its own reference to action. malloc'd text, or NULL. */
char *hl_exchange_body(json_t *action, const hl_l1_context *c,
                       const char *vault_text, const hl_signature *sig);

#endif
