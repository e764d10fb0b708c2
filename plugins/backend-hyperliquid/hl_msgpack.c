/*
 * hl_msgpack.c — see hl_msgpack.h.
 */
#include "hl_msgpack.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_hex.h"

int hl_bytes_add(hl_bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void hl_bytes_free(hl_bytes *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* msgpack-c's write callback: everything goes into an hl_bytes. */
static int write_cb(void *data, const char *buf, size_t len)
{
    return hl_bytes_add(data, buf, len);
}

typedef struct walk {
    msgpack_packer pk;
    const char *const *bin_keys;
    char *err;
    size_t err_len;
} walk;

static int is_bin_key(const walk *w, const char *key)
{
    for (const char *const *k = w->bin_keys; k && *k; k++)
        if (strcmp(*k, key) == 0)
            return 1;
    return 0;
}

static int pack_bin(walk *w, const char *key, const json_t *v)
{
    uint8_t raw[256];
    const char *hex = json_string_value(v);
    int n = hex ? hl_hex_decode(hex, raw, sizeof raw) : -1;
    if (n < 0) {
        snprintf(w->err, w->err_len,
                 "\"%.40s\": a bytes field must be a 0x-prefixed hex string",
                 key);
        return -1;
    }
    return msgpack_pack_bin(&w->pk, (size_t)n) ||
           msgpack_pack_bin_body(&w->pk, raw, (size_t)n);
}

static int pack_value(walk *w, const json_t *v);

static int pack_object(walk *w, const json_t *v)
{
    const char *key;
    json_t *item;
    if (msgpack_pack_map(&w->pk, json_object_size(v)))
        return -1;
    json_object_foreach((json_t *)v, key, item)
    {
        size_t klen = strlen(key);
        if (msgpack_pack_str(&w->pk, klen) ||
            msgpack_pack_str_body(&w->pk, key, klen))
            return -1;
        int rc =
            is_bin_key(w, key) ? pack_bin(w, key, item) : pack_value(w, item);
        if (rc)
            return -1;
    }
    return 0;
}

static int pack_value(walk *w, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return pack_object(w, v);
    case JSON_ARRAY: {
        size_t i;
        json_t *item;
        if (msgpack_pack_array(&w->pk, json_array_size(v)))
            return -1;
        json_array_foreach(v, i, item) if (pack_value(w, item)) return -1;
        return 0;
    }
    case JSON_STRING: {
        size_t n = json_string_length(v);
        return msgpack_pack_str(&w->pk, n) ||
               msgpack_pack_str_body(&w->pk, json_string_value(v), n);
    }
    case JSON_INTEGER:
        /* msgpack-c picks the smallest form, as python-msgpack does. */
        return msgpack_pack_int64(&w->pk, (int64_t)json_integer_value(v));
    case JSON_TRUE:
        return msgpack_pack_true(&w->pk);
    case JSON_FALSE:
        return msgpack_pack_false(&w->pk);
    case JSON_NULL:
        return msgpack_pack_nil(&w->pk);
    case JSON_REAL:
        snprintf(w->err, w->err_len,
                 "a number with a fraction or exponent in the action (%g): "
                 "prices and sizes go as strings, other numbers as integers",
                 json_real_value(v));
        return -1;
    }
    return -1;
}

int hl_msgpack_json(const json_t *v, const char *const *bin_keys, hl_bytes *out,
                    char *err, size_t err_len)
{
    walk w = {.bin_keys = bin_keys, .err = err, .err_len = err_len};
    err[0] = '\0';
    msgpack_packer_init(&w.pk, out, write_cb);
    if (pack_value(&w, v) == 0)
        return 0;
    if (!err[0])
        snprintf(err, err_len, "out of memory encoding the action");
    return -1;
}
