/*
 * hl_action.c — see hl_action.h.
 */
#include "hl_action.h"

#include "hl_hex.h"

static const char *const TIF[] = {"Gtc", "Ioc", "Alo"};

static json_t *order_type(const hl_order_req *o)
{
    if (o->kind != HL_TRIGGER)
        return json_pack("{s:{s:s}}", "limit", "tif", TIF[o->kind]);
    /* Wire order: isMarket, triggerPx, tpsl. */
    return json_pack("{s:{s:b, s:s, s:s}}", "trigger", "isMarket",
                     o->trigger_is_market, "triggerPx", o->trigger_px, "tpsl",
                     o->tpsl_tp ? "tp" : "sl");
}

static json_t *order_wire(const hl_order_req *o)
{
    json_t *w = json_pack("{s:i, s:b, s:s, s:s, s:b, s:o}", "a", o->asset, "b",
                          o->is_buy, "p", o->px, "s", o->sz, "r",
                          o->reduce_only, "t", order_type(o));
    if (w && o->cloid[0] &&
        json_object_set_new(w, "c", json_string(o->cloid)) != 0) {
        json_decref(w);
        return NULL;
    }
    return w;
}

json_t *hl_order_action(const hl_order_req *orders, size_t n,
                        const char *grouping)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        if (json_array_append_new(list, order_wire(&orders[i])) != 0) {
            json_decref(list);
            return NULL;
        }
    return json_pack("{s:s, s:o, s:s}", "type", "order", "orders", list,
                     "grouping", grouping);
}

json_t *hl_cancel_action(int asset, int64_t oid)
{
    return json_pack("{s:s, s:[{s:i, s:I}]}", "type", "cancel", "cancels", "a",
                     asset, "o", (json_int_t)oid);
}

json_t *hl_cancel_cloid_action(int asset, const char *cloid)
{
    return json_pack("{s:s, s:[{s:i, s:s}]}", "type", "cancelByCloid",
                     "cancels", "asset", asset, "cloid", cloid);
}

json_t *hl_leverage_action(int asset, int is_cross, int leverage)
{
    return json_pack("{s:s, s:i, s:b, s:i}", "type", "updateLeverage", "asset",
                     asset, "isCross", is_cross, "leverage", leverage);
}

char *hl_exchange_body(json_t *action, const hl_l1_context *c,
                       const char *vault_text, const hl_signature *sig)
{
    char r[67], s[67];
    hl_hex_encode(sig->r, 32, r);
    hl_hex_encode(sig->s, 32, s);
    json_t *body = json_pack(
        "{s:O, s:I, s:{s:s, s:s, s:i}, s:o, s:o}", "action", action, "nonce",
        (json_int_t)c->nonce, "signature", "r", r, "s", s, "v", sig->v,
        "vaultAddress", vault_text ? json_string(vault_text) : json_null(),
        "expiresAfter",
        c->expires_after ? json_integer((json_int_t)c->expires_after)
                         : json_null());
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}
