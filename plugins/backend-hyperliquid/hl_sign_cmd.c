/*
 * hl_sign_cmd.c — see hl_sign_cmd.h.
 */
#include "hl_sign_cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_eip712.h"
#include "hl_hex.h"

#define MAX_INPUT (1 << 20)

static const char *const KNOWN_KEYS[] = {"private_key",
                                         "action",
                                         "nonce",
                                         "vault_address",
                                         "expires_after",
                                         "is_mainnet",
                                         "bytes_fields",
                                         "connection_id",
                                         "primary_type",
                                         "types",
                                         "domain",
                                         "message",
                                         NULL};

/* jansson's own messages may quote the text near the error, which can be
 * the key: say only where and what kind of error. */
static void json_error_line(const json_error_t *e, char *err, size_t err_len)
{
    const char *what;
    switch (json_error_code(e)) {
    case json_error_premature_end_of_input:
        what = "the input ends inside a value";
        break;
    case json_error_end_of_input_expected:
        what = "more than one JSON value";
        break;
    case json_error_invalid_utf8:
        what = "invalid UTF-8";
        break;
    case json_error_duplicate_key:
        what = "a key appears twice";
        break;
    case json_error_item_not_found:
        what = "empty input";
        break;
    default:
        what = "not valid JSON";
        break;
    }
    snprintf(err, err_len, "stdin:%d:%d: %s", e->line, e->column, what);
}

static int check_keys(const json_t *req, char *err, size_t err_len)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)req, key, v)
    {
        int known = 0;
        for (const char *const *k = KNOWN_KEYS; *k && !known; k++)
            known = strcmp(*k, key) == 0;
        if (!known) {
            snprintf(err, err_len, "unknown key \"%.40s\" (expected %s)", key,
                     "private_key, action, nonce, vault_address, "
                     "expires_after, is_mainnet, connection_id, "
                     "primary_type, types, domain, message, bytes_fields");
            return -1;
        }
    }
    return 0;
}

/* A non-negative integer member, or 0 when null/absent and optional. */
static int get_u64(const json_t *req, const char *key, int required,
                   uint64_t *out, char *err, size_t err_len)
{
    const json_t *v = json_object_get(req, key);
    *out = 0;
    if ((!v || json_is_null(v)) && !required)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        snprintf(err, err_len, "\"%s\": expected a non-negative integer%s", key,
                 required ? "" : " or null");
        return -1;
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_mainnet(const json_t *req, int required, int *out, char *err,
                       size_t err_len)
{
    const json_t *v = json_object_get(req, "is_mainnet");
    *out = json_is_true(v);
    if (v ? json_is_boolean(v) : !required)
        return 0;
    snprintf(err, err_len, "\"is_mainnet\": expected true or false");
    return -1;
}

static hl_signer *signer_from(const json_t *req, char *err, size_t err_len)
{
    const char *key = json_string_value(json_object_get(req, "private_key"));
    if (!key) {
        snprintf(err, err_len, "\"private_key\": expected a 0x hex string");
        return NULL;
    }
    return hl_signer_new(key, err, err_len);
}

static char *answer(const uint8_t *cid, const hl_signature *sig)
{
    char c[67], r[67], s[67];
    hl_hex_encode(sig->r, 32, r);
    hl_hex_encode(sig->s, 32, s);
    json_t *o = json_object();
    if (cid) {
        hl_hex_encode(cid, 32, c);
        json_object_set_new(o, "connection_id", json_string(c));
    }
    json_object_set_new(o, "r", json_string(r));
    json_object_set_new(o, "s", json_string(s));
    json_object_set_new(o, "v", json_integer(sig->v));
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* "bytes_fields": a list of key names, into a NULL-terminated array. */
static int bytes_fields(const json_t *req, const char **keys, size_t cap,
                        char *err, size_t err_len)
{
    const json_t *v = json_object_get(req, "bytes_fields");
    size_t i;
    json_t *k;
    keys[0] = NULL;
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) >= cap) {
        snprintf(err, err_len,
                 "\"bytes_fields\": expected a short list of "
                 "key names");
        return -1;
    }
    json_array_foreach(v, i, k)
    {
        if (!(keys[i] = json_string_value(k))) {
            snprintf(err, err_len, "\"bytes_fields\": expected key names");
            return -1;
        }
    }
    keys[json_array_size(v)] = NULL;
    return 0;
}

static int sign_l1(const json_t *req, const hl_signer *s, char **out, char *err,
                   size_t err_len)
{
    hl_l1_context c;
    uint8_t vault[20], cid[32];
    hl_signature sig;
    const char *bin[9];
    const json_t *va = json_object_get(req, "vault_address");
    if (get_u64(req, "nonce", 1, &c.nonce, err, err_len) ||
        get_u64(req, "expires_after", 0, &c.expires_after, err, err_len) ||
        get_mainnet(req, 1, &c.mainnet, err, err_len) ||
        bytes_fields(req, bin, 9, err, err_len))
        return -1;
    c.vault = NULL;
    if (va && !json_is_null(va)) {
        const char *t = json_string_value(va);
        if (!t || strlen(t) != 42 || hl_hex_decode(t, vault, 20) != 20) {
            snprintf(err, err_len,
                     "\"vault_address\": expected null or 0x "
                     "and 40 hex digits");
            return -1;
        }
        c.vault = vault;
    }
    const json_t *action = json_object_get(req, "action");
    if (!json_is_object(action)) {
        snprintf(err, err_len, "\"action\": expected an object");
        return -1;
    }
    if (hl_sign_l1(s, action, bin, &c, &sig, cid, err, err_len))
        return -1;
    *out = answer(cid, &sig);
    return 0;
}

static int sign_connection_id(const json_t *req, const hl_signer *s, char **out,
                              char *err, size_t err_len)
{
    const char *t = json_string_value(json_object_get(req, "connection_id"));
    uint8_t cid[32], digest[32];
    hl_signature sig;
    int mainnet;
    if (!t || strlen(t) != 66 || hl_hex_decode(t, cid, 32) != 32) {
        snprintf(err, err_len,
                 "\"connection_id\": expected 0x and 64 hex digits");
        return -1;
    }
    if (get_mainnet(req, 1, &mainnet, err, err_len))
        return -1;
    hl_agent_digest(cid, mainnet, digest);
    if (hl_signer_sign(s, digest, &sig)) {
        snprintf(err, err_len, "secp256k1 refused to sign");
        return -1;
    }
    *out = answer(cid, &sig);
    return 0;
}

/* As the SDKs do, the chain name is filled in from is_mainnet when the
 * type has the field and the message lacks it. */
static int sign_typed(const json_t *req, const hl_signer *s, char **out,
                      char *err, size_t err_len)
{
    const char *primary =
        json_string_value(json_object_get(req, "primary_type"));
    const json_t *types = json_object_get(req, "types");
    json_t *msg = json_deep_copy(json_object_get(req, "message"));
    uint8_t digest[32];
    hl_signature sig;
    int mainnet, rc = -1;
    if (!primary || !*primary) {
        snprintf(err, err_len, "\"primary_type\": expected a type name");
    } else if (get_mainnet(req, 0, &mainnet, err, err_len) == 0) {
        if (json_is_object(msg) && !json_object_get(msg, "hyperliquidChain") &&
            json_object_get(req, "is_mainnet"))
            json_object_set_new(msg, "hyperliquidChain",
                                json_string(mainnet ? "Mainnet" : "Testnet"));
        if (hl_typed_data_digest(json_object_get(req, "domain"), primary, types,
                                 msg, digest, err, err_len) == 0) {
            if (hl_signer_sign(s, digest, &sig) == 0) {
                *out = answer(NULL, &sig);
                rc = 0;
            } else {
                snprintf(err, err_len, "secp256k1 refused to sign");
            }
        }
    }
    json_decref(msg);
    return rc;
}

/* Overwrites jansson's copy of the key before the tree is freed. */
static void wipe_key(json_t *req)
{
    json_t *k = json_object_get(req, "private_key");
    if (json_is_string(k))
        explicit_bzero((char *)json_string_value(k), json_string_length(k));
}

int hl_sign_json(const char *text, size_t len, char **out, char *err,
                 size_t err_len)
{
    json_error_t je;
    *out = NULL;
    json_t *req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!req) {
        json_error_line(&je, err, err_len);
        return -1;
    }
    int rc = -1;
    hl_signer *s = NULL;
    if (!json_is_object(req)) {
        snprintf(err, err_len, "expected one JSON object");
    } else if (check_keys(req, err, err_len) == 0 &&
               (s = signer_from(req, err, err_len)) != NULL) {
        if (json_object_get(req, "action"))
            rc = sign_l1(req, s, out, err, err_len);
        else if (json_object_get(req, "connection_id"))
            rc = sign_connection_id(req, s, out, err, err_len);
        else if (json_object_get(req, "primary_type"))
            rc = sign_typed(req, s, out, err, err_len);
        else
            snprintf(err, err_len,
                     "expected \"action\", \"connection_id\" or "
                     "\"primary_type\" beside the key");
        if (rc == 0 && !*out) {
            snprintf(err, err_len, "out of memory");
            rc = -1;
        }
    }
    hl_signer_free(s);
    wipe_key(req);
    json_decref(req);
    return rc;
}

/* All of stdin, at most MAX_INPUT bytes; NULL if larger or unreadable. */
static char *read_stdin(size_t *len)
{
    char *buf = malloc(MAX_INPUT + 1);
    size_t n = 0, got;
    if (!buf)
        return NULL;
    while (n <= MAX_INPUT &&
           (got = fread(buf + n, 1, MAX_INPUT + 1 - n, stdin)) > 0)
        n += got;
    if (n > MAX_INPUT || ferror(stdin)) {
        explicit_bzero(buf, n);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int sign_main(void)
{
    size_t len = 0;
    char err[PERP_ERROR_MAX], *out = NULL;
    char *in = read_stdin(&len);
    if (!in) {
        fprintf(stderr, "perpd hyperliquid sign: cannot read stdin (at most "
                        "1 MiB)\n");
        return 1;
    }
    int rc = hl_sign_json(in, len, &out, err, sizeof err);
    explicit_bzero(in, len);
    free(in);
    if (rc != 0) {
        fprintf(stderr, "perpd hyperliquid sign: %s\n", err);
        return 1;
    }
    printf("%s\n", out);
    free(out);
    return 0;
}

int hl_command(const perp_host *host, int argc, char **argv)
{
    (void)host;
    if (argc == 2 && strcmp(argv[1], "sign") == 0)
        return sign_main();
    fprintf(stderr,
            "usage: perpd hyperliquid sign < request.json\n"
            "  %s",
            HL_COMMAND_USAGE);
    return 2;
}
