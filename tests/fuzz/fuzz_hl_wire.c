/*
 * fuzz_hl_wire.c — libFuzzer target for what backend-hyperliquid hashes
 * and signs: the MessagePack encoding of an action (hl_msgpack.c) and the
 * numbers on the wire (hl_wire.c: float_to_wire, float_to_int, price and
 * size rounding, the price rule). The first 8 bytes are a double, the 9th
 * a decimals count, the rest an action as JSON.
 *
 * Oracles: float_to_wire's text has no exponent, no trailing zero, reads
 * back within 1e-12 of x; float_to_int's digits read back to x * 10^d
 * within 1e-3; a rounded price passes the price rule; the encoding of an
 * action decodes (msgpack-c's own unpacker) to the same value, every map
 * in document order, and the whole buffer is consumed (for actions at
 * most 32 containers deep, the unpacker's own limit).
 */
#include <jansson.h>
#include <math.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_msgpack.h"
#include "hl_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_numbers(double x, int decimals)
{
    char w[HL_WIRE_MAX];
    if (hl_float_to_wire(x, w) == 0) {
        size_t n = strlen(w);
        if (n == 0 || n >= HL_WIRE_MAX || strpbrk(w, "eEn") ||
            (strchr(w, '.') && (w[n - 1] == '0' || w[n - 1] == '.')) ||
            strcmp(w, "-0") == 0 || fabs(strtod(w, NULL) - x) >= 1e-12)
            abort();
    }
    char digits[64];
    if (hl_float_to_int(x, decimals, digits, sizeof digits) == 0) {
        double back = strtod(digits, NULL);
        double want = x * pow(10.0, decimals);
        if (strpbrk(digits, ".eE") ||
            fabs(back - want) > 1e-3 + 1e-15 * fabs(want))
            abort();
    }
    for (int sz = 0; sz <= 6; sz++) {
        double px = hl_round_price(x, sz);
        if (isnan(px))
            continue;
        char t[64];
        if (hl_float_to_wire(px, t) == 0 && !hl_price_valid(t, 6 - sz))
            abort(); /* the exchange would refuse our own rounding */
        hl_round_size(x, sz);
    }
}

/* 1 if the unpacked object equals the JSON value, maps in order. */
static int same(const msgpack_object *o, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (o->type != MSGPACK_OBJECT_MAP ||
            o->via.map.size != json_object_size(v))
            return 0;
        const char *key;
        json_t *val;
        uint32_t i = 0;
        json_object_foreach((json_t *)v, key, val)
        {
            const msgpack_object_kv *kv = &o->via.map.ptr[i++];
            if (kv->key.type != MSGPACK_OBJECT_STR ||
                kv->key.via.str.size != strlen(key) ||
                (kv->key.via.str.size &&
                 memcmp(kv->key.via.str.ptr, key, kv->key.via.str.size)) ||
                !same(&kv->val, val))
                return 0;
        }
        return 1;
    }
    case JSON_ARRAY:
        if (o->type != MSGPACK_OBJECT_ARRAY ||
            o->via.array.size != json_array_size(v))
            return 0;
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (!same(&o->via.array.ptr[i], json_array_get(v, i)))
                return 0;
        return 1;
    case JSON_STRING:
        return o->type == MSGPACK_OBJECT_STR &&
               o->via.str.size == json_string_length(v) &&
               (o->via.str.size == 0 || /* ptr may then be NULL */
                memcmp(o->via.str.ptr, json_string_value(v), o->via.str.size) ==
                    0);
    case JSON_INTEGER: {
        json_int_t n = json_integer_value(v);
        if (n >= 0)
            return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
                   o->via.u64 == (uint64_t)n;
        return o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && o->via.i64 == n;
    }
    case JSON_TRUE:
        return o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
    case JSON_FALSE:
        return o->type == MSGPACK_OBJECT_BOOLEAN && !o->via.boolean;
    case JSON_NULL:
        return o->type == MSGPACK_OBJECT_NIL;
    case JSON_REAL:
        return 0; /* refused by the encoder */
    }
    return 0;
}

/* msgpack-c's unpacker holds at most 32 nested containers
 * (MSGPACK_EMBED_STACK_SIZE in msgpack/unpack_define.h) and says
 * MSGPACK_UNPACK_NOMEM_ERROR past that, whatever the bytes: deeper
 * actions (the backend's own are 5 deep) are beyond this oracle. */
#define DECODER_DEPTH 32

/* Containers nested in v (a scalar: 0). */
static int depth_of(const json_t *v)
{
    int most = 0;
    if (json_is_object(v)) {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val)
        {
            int d = depth_of(val);
            most = d > most ? d : most;
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int d = depth_of(json_array_get(v, i));
            most = d > most ? d : most;
        }
    } else {
        return 0;
    }
    return most + 1;
}

static void check_action(const char *text, size_t len)
{
    json_error_t je;
    /* The backend builds actions with jansson in insertion order. */
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY, &je);
    if (!v)
        return;
    hl_bytes out = {0};
    char err[256];
    if (hl_msgpack_json(v, NULL, &out, err, sizeof err) == 0) {
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        size_t off = 0;
        int rc = msgpack_unpack_next(&u, (const char *)out.data, out.len, &off);
        if (depth_of(v) > DECODER_DEPTH) {
            if (rc != MSGPACK_UNPACK_NOMEM_ERROR)
                abort(); /* the decoder's limit is not what we think */
        } else if (rc != MSGPACK_UNPACK_SUCCESS || off != out.len ||
                   !same(&u.data, v)) {
            abort(); /* the bytes hashed are not the action */
        }
        msgpack_unpacked_destroy(&u);
    } else if (!err[0]) {
        abort();
    }
    hl_bytes_free(&out);
    /* With addresses as raw bytes, as the Rust SDK hashes one action. */
    static const char *const bin_keys[] = {"destination", "user", NULL};
    hl_bytes bin = {0};
    hl_msgpack_json(v, bin_keys, &bin, err, sizeof err);
    hl_bytes_free(&bin);
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9 || size > 1u << 20)
        return 0;
    double x;
    memcpy(&x, data, sizeof x);
    check_numbers(x, data[8] % 12);
    check_action((const char *)data + 9, size - 9);
    return 0;
}
