/*
 * parse.c — Coinbase Exchange WebSocket messages (ticker, heartbeat,
 * subscriptions, error) with jansson. Numbers arrive as decimal strings;
 * a JSON number is accepted too, anything else in a numeric field makes
 * the message malformed rather than silently zero.
 */
#include "parse.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/time.h>

static void vmalformed(cb_message *m, const char *fmt, va_list ap)
{
    vsnprintf(m->text, sizeof m->text, fmt, ap);
    m->kind = CB_MSG_MALFORMED;
}

/* Marks the message malformed with a reason; returns the kind. */
static cb_msg_kind malformed(cb_message *m, const char *fmt, ...)
    PERP_PRINTF(2, 3);
static cb_msg_kind malformed(cb_message *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmalformed(m, fmt, ap);
    va_end(ap);
    return CB_MSG_MALFORMED;
}

/* The same for helpers that report 0 / -1. */
static int malformed_at(cb_message *m, const char *fmt, ...) PERP_PRINTF(2, 3);
static int malformed_at(cb_message *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmalformed(m, fmt, ap);
    va_end(ap);
    return -1;
}

int cb_parse_time(const char *s, int64_t *out_ms)
{
    return perp_time_parse_ms(s, PERP_TIME_RFC3339, out_ms);
}

/* Plain decimals ("4388.01000000") without strtod, which is a tenth of the
 * parse: with at most 15 significant digits the digits form an integer
 * m < 2^53 and 10^k (k <= 22) is exact, so m / 10^k is one correctly
 * rounded division — the same double strtod returns (Clinger's fast
 * path). Anything else (exponents, more digits, signs other than a
 * leading '-', inf, nan) returns 0 and is left to strtod. */
static int fast_decimal(const char *s, double *out)
{
    static const double pow10[] = {
        1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    int neg = *p == '-';
    p += neg;
    uint64_t m = 0;
    int digits = 0, frac = 0, seen_dot = 0, any = 0;
    for (;; p++) {
        if (*p >= '0' && *p <= '9') {
            any = 1;
            if (m == 0 && *p == '0') {
                frac += seen_dot; /* leading zeros: not significant */
                continue;
            }
            if (++digits > 15)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
            frac += seen_dot;
        } else if (*p == '.' && !seen_dot) {
            seen_dot = 1;
        } else {
            break;
        }
    }
    if (*p || !any || frac > 22)
        return 0;
    double v = (double)m / pow10[frac];
    *out = neg ? -v : v;
    return 1;
}

/* A numeric field: decimal string or JSON number; absent or null is NAN.
 * -1 when present but not a finite number. */
static int num_field(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    *out = NAN;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return isfinite(*out) ? 0 : -1;
    }
    const char *s = json_string_value(v);
    if (!s || !*s)
        return -1;
    if (fast_decimal(s, out))
        return 0;
    char *end;
    double x = strtod(s, &end);
    if (*end || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

static int known_product(const cb_products *p, const char *id)
{
    if (!p || p->n == 0)
        return 1;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->ids[i], id) == 0)
            return 1;
    return 0;
}

/* product_id, time and (optional) sequence, shared by ticker and
 * heartbeat. 0, or -1 with m marked malformed. */
static int parse_common(json_t *root, const cb_products *products,
                        cb_message *m, const char *type)
{
    const char *id = json_string_value(json_object_get(root, "product_id"));
    if (!id)
        return malformed_at(m, "%s: product_id missing or not a string", type);
    if (strlen(id) >= PERP_SYMBOL_MAX || !known_product(products, id))
        return malformed_at(m, "%s: unknown product '%.40s'", type, id);
    snprintf(m->product, sizeof m->product, "%s", id);
    const char *t = json_string_value(json_object_get(root, "time"));
    if (!t || cb_parse_time(t, &m->ts) != 0)
        return malformed_at(m, "%s %s: time missing or not RFC 3339", type, id);
    json_t *seq = json_object_get(root, "sequence");
    if (seq && !json_is_integer(seq))
        return malformed_at(m, "%s %s: sequence is not an integer", type, id);
    m->sequence = seq ? (int64_t)json_integer_value(seq) : 0;
    if (m->sequence < 0)
        return malformed_at(m, "%s %s: negative sequence", type, id);
    return 0;
}

static cb_msg_kind parse_ticker(json_t *root, const cb_products *products,
                                cb_message *m)
{
    if (parse_common(root, products, m, "ticker") != 0)
        return CB_MSG_MALFORMED;
    perp_tick *t = &m->tick;
    static const struct {
        const char *key;
        size_t off;
    } fields[] = {
        {"price", offsetof(perp_tick, price)},
        {"best_bid", offsetof(perp_tick, bid)},
        {"best_ask", offsetof(perp_tick, ask)},
        {"best_bid_size", offsetof(perp_tick, bid_size)},
        {"best_ask_size", offsetof(perp_tick, ask_size)},
        {"last_size", offsetof(perp_tick, last_size)},
        {"volume_24h", offsetof(perp_tick, volume_24h)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        double *dst = (double *)((char *)t + fields[i].off);
        if (num_field(root, fields[i].key, dst) != 0)
            return malformed(m, "ticker %s: %s is not a number", m->product,
                             fields[i].key);
    }
    if (!(t->price > 0))
        return malformed(m, "ticker %s: price missing or not positive",
                         m->product);
    t->ts = m->ts;
    t->sequence = m->sequence;
    memcpy(t->symbol, m->product, sizeof t->symbol);
    m->kind = CB_MSG_TICKER;
    return m->kind;
}

static cb_msg_kind parse_error(json_t *root, cb_message *m)
{
    const char *msg = json_string_value(json_object_get(root, "message"));
    const char *why = json_string_value(json_object_get(root, "reason"));
    snprintf(m->text, sizeof m->text, "%.90s%s%.90s",
             msg ? msg : "(no message)", why ? ": " : "", why ? why : "");
    m->kind = CB_MSG_ERROR;
    return m->kind;
}

static cb_msg_kind dispatch(json_t *root, const cb_products *products,
                            cb_message *m)
{
    if (!json_is_object(root))
        return malformed(m, "not a JSON object");
    const char *type = json_string_value(json_object_get(root, "type"));
    if (!type)
        return malformed(m, "type missing or not a string");
    if (strcmp(type, "ticker") == 0)
        return parse_ticker(root, products, m);
    if (strcmp(type, "heartbeat") == 0) {
        if (parse_common(root, products, m, "heartbeat") != 0)
            return CB_MSG_MALFORMED;
        m->kind = CB_MSG_HEARTBEAT;
        return m->kind;
    }
    if (strcmp(type, "error") == 0)
        return parse_error(root, m);
    m->kind = strcmp(type, "subscriptions") == 0 ? CB_MSG_SUBSCRIPTIONS
                                                 : CB_MSG_OTHER;
    return m->kind;
}

cb_msg_kind cb_parse_message(const char *buf, size_t len,
                             const cb_products *products, cb_message *out)
{
    memset(out, 0, sizeof *out);
    out->tick.price = out->tick.bid = out->tick.ask = NAN;
    out->tick.bid_size = out->tick.ask_size = NAN;
    out->tick.last_size = out->tick.volume_24h = NAN;
    json_error_t je;
    /* No JSON_REJECT_DUPLICATES: it costs ~8% of the parse and a repeated
     * key is harmless here (the last one wins). */
    json_t *root = json_loadb(buf, len, 0, &je);
    if (!root)
        return malformed(out, "invalid JSON at byte %d: %.100s", je.position,
                         je.text);
    cb_msg_kind k = dispatch(root, products, out);
    json_decref(root);
    return k;
}
