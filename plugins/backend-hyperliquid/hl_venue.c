/*
 * hl_venue.c — talking to the exchange: /info requests, meta, and signed
 * /exchange actions (nonce, signature, body, the answer's envelope).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hl_action.h"
#include "hl_backend.h"

double hl_num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_number(v))
        return json_number_value(v);
    const char *t = json_string_value(v);
    char *end;
    if (!t || !*t)
        return NAN;
    double x = strtod(t, &end);
    return *end ? NAN : x;
}

const char *hl_str(const json_t *o, const char *key)
{
    const char *t = json_string_value(json_object_get(o, key));
    return t ? t : "";
}

json_t *hl_info(hl_backend *b, json_t *request)
{
    char *body = json_dumps(request, JSON_COMPACT);
    const char *type = json_string_value(json_object_get(request, "type"));
    json_decref(request);
    if (!body)
        return NULL;
    hl_http_result r;
    json_t *out = NULL;
    if (hl_http_post(&b->http, "/info", body, &r) != 0) {
        b->host->log(b->host, PERP_LOG_WARN, "info %s: %s", type, r.error);
    } else if (r.status != 200) {
        b->host->log(b->host, PERP_LOG_WARN, "info %s: HTTP %ld: %.160s", type,
                     r.status, r.body);
    } else if (!(out = json_loadb(r.body, r.len, 0, NULL))) {
        b->host->log(b->host, PERP_LOG_WARN, "info %s: answer is not JSON",
                     type);
    }
    hl_http_result_free(&r);
    free(body);
    return out;
}

hl_sym *hl_sym_find(hl_backend *b, const char *symbol)
{
    for (size_t i = 0; i < b->n_syms; i++)
        if (strcmp(b->syms[i].symbol, symbol) == 0)
            return &b->syms[i];
    return NULL;
}

hl_sym *hl_sym_of_coin(hl_backend *b, const char *coin)
{
    for (size_t i = 0; i < b->n_syms; i++)
        if (strcmp(b->syms[i].coin, coin) == 0)
            return &b->syms[i];
    return NULL;
}

perp_status hl_load_meta(hl_backend *b)
{
    json_t *meta = hl_info(b, json_pack("{s:s}", "type", "meta"));
    const json_t *u = json_object_get(meta, "universe");
    if (!json_is_array(u)) {
        json_decref(meta);
        return PERP_ERR;
    }
    perp_status rc = PERP_OK;
    for (size_t i = 0; i < b->n_syms; i++) {
        hl_sym *s = &b->syms[i];
        s->asset = -1;
        for (size_t k = 0; k < json_array_size(u); k++) {
            const json_t *a = json_array_get(u, k);
            const char *name = json_string_value(json_object_get(a, "name"));
            if (name && strcmp(name, s->coin) == 0) {
                s->asset = (int)k;
                s->sz_decimals =
                    (int)json_integer_value(json_object_get(a, "szDecimals"));
                s->max_leverage =
                    (int)json_integer_value(json_object_get(a, "maxLeverage"));
                break;
            }
        }
        if (s->asset < 0) {
            b->host->log(b->host, PERP_LOG_ERROR,
                         "%s: coin %s is not listed on this exchange's meta",
                         s->symbol, s->coin);
            rc = PERP_EINVAL;
        }
    }
    b->meta_loaded = rc == PERP_OK;
    json_decref(meta);
    return rc;
}

/* Strictly increasing millisecond nonces, as the exchange requires of
 * one signer. */
static uint64_t next_nonce(hl_backend *b)
{
    uint64_t now = (uint64_t)b->host->now_ms(b->host);
    b->last_nonce = now > b->last_nonce ? now : b->last_nonce + 1;
    return b->last_nonce;
}

/* {"status":"ok","response":R} or {"status":"err","response":"text"}. */
static hl_send_result read_envelope(const char *body, size_t len,
                                    json_t **response, char *why,
                                    size_t why_len)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    const char *status = json_string_value(json_object_get(root, "status"));
    json_t *resp = json_object_get(root, "response");
    hl_send_result rc = HL_SENT_FAILED;
    if (status && strcmp(status, "ok") == 0) {
        *response = json_incref(resp);
        rc = HL_SENT_OK;
    } else if (status && strcmp(status, "err") == 0) {
        snprintf(why, why_len, "%.200s",
                 json_is_string(resp) ? json_string_value(resp)
                                      : "the exchange refused the action");
        rc = HL_SENT_REFUSED;
    } else {
        snprintf(why, why_len, "unexpected answer from /exchange: %.120s",
                 body);
    }
    json_decref(root);
    return rc;
}

hl_send_result hl_send(hl_backend *b, json_t *action, json_t **response,
                       char *why, size_t why_len)
{
    hl_l1_context c = {.nonce = next_nonce(b), .mainnet = b->set.mainnet};
    hl_signature sig;
    *response = NULL;
    if (hl_sign_l1(b->signer, action, NULL, &c, &sig, NULL, why, why_len))
        return HL_SENT_FAILED;
    char *body = hl_exchange_body(action, &c, NULL, &sig);
    if (!body) {
        snprintf(why, why_len, "out of memory");
        return HL_SENT_FAILED;
    }
    hl_http_result r;
    hl_send_result rc;
    b->dirty = 1;
    if (hl_http_post(&b->http, "/exchange", body, &r) != 0) {
        snprintf(why, why_len, "network error: %s", r.error);
        rc = r.maybe_sent ? HL_SENT_UNKNOWN : HL_SENT_FAILED;
    } else if (r.status == 429) {
        snprintf(why, why_len, "rate limited (HTTP 429): %.160s", r.body);
        rc = HL_SENT_REFUSED;
    } else if (r.status >= 500) {
        snprintf(why, why_len, "HTTP %ld from /exchange", r.status);
        rc = HL_SENT_UNKNOWN; /* a gateway may fail after the node acted */
    } else if (r.status != 200) {
        snprintf(why, why_len, "HTTP %ld: %.180s", r.status, r.body);
        rc = HL_SENT_REFUSED;
    } else {
        rc = read_envelope(r.body, r.len, response, why, why_len);
    }
    hl_http_result_free(&r);
    free(body);
    return rc;
}
