/*
 * fuzz_hl_sign.c — libFuzzer target for `perpd hyperliquid sign`'s input
 * (backend-hyperliquid's hl_sign_cmd.c): one JSON request — an L1 action,
 * a connection id, or EIP-712 user-signed data with its own types and
 * domain — parsed, checked, hashed (MessagePack, Keccak-256, EIP-712)
 * and signed. The input is the request's bytes, as read from stdin.
 *
 * Oracles: a refusal says why; neither the answer nor an error ever
 * holds the request's private key (as given, or without its 0x; unless
 * the request gives the same text as another value too); an
 * answer is one JSON object whose r and s have 64 hex digits and v is 27
 * or 28.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hl_sign_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The request's private_key text (malloc'd) when it has one of 8+ chars. */
static char *key_of(const uint8_t *data, size_t size)
{
    json_t *req = json_loadb((const char *)data, size, 0, NULL);
    const char *k = json_string_value(json_object_get(req, "private_key"));
    char *copy = k && strlen(k) >= 8 ? strdup(k) : NULL;
    json_decref(req);
    return copy;
}

static int holds_key(const char *text, const char *key)
{
    if (!text || !key)
        return 0;
    const char *bare = strncasecmp(key, "0x", 2) == 0 ? key + 2 : key;
    return strcasestr(text, key) ||
           (strlen(bare) >= 8 && strcasestr(text, bare));
}

static int hex64(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || strlen(s) != 66 || strncmp(s, "0x", 2) != 0)
        return 0;
    return strspn(s + 2, "0123456789abcdef") == 64;
}

/* 1 when the key's text (without 0x, any case) is in the request more
 * than once: given again as another value (the connection id, an action
 * field), the answer may rightly echo that value. */
static int given_twice(const uint8_t *data, size_t size, const char *key)
{
    const char *bare = strncasecmp(key, "0x", 2) == 0 ? key + 2 : key;
    char *text = strndup((const char *)data, size);
    int n = 0;
    for (const char *p = text; p && (p = strcasestr(p, bare)) != NULL; p++)
        n++;
    free(text);
    return n > 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 20)
        return 0;
    char *key = key_of(data, size);
    if (key && given_twice(data, size, key)) {
        free(key);
        key = NULL; /* the other oracles still hold */
    }
    char *out = NULL;
    char err[512] = "";
    if (hl_sign_json((const char *)data, size, &out, err, sizeof err) == 0) {
        json_t *ans = out ? json_loads(out, 0, NULL) : NULL;
        json_int_t v = json_integer_value(json_object_get(ans, "v"));
        if (!ans || !hex64(json_object_get(ans, "r")) ||
            !hex64(json_object_get(ans, "s")) || (v != 27 && v != 28) ||
            holds_key(out, key))
            abort();
        json_decref(ans);
    } else if (!err[0] || holds_key(err, key)) {
        abort();
    }
    free(out);
    free(key);
    return 0;
}
