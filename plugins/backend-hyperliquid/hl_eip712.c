/*
 * hl_eip712.c — see hl_eip712.h. Type strings, domain and hashStruct as
 * in EIP-712: hashStruct(m) = keccak(typeHash || encodeData(m)), digest
 * = keccak(0x19 0x01 || domainSeparator || hashStruct(message)).
 */
#include "hl_eip712.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_hex.h"
#include "hl_keccak.h"
#include "hl_msgpack.h"

static const char DOMAIN_TYPE[] = "EIP712Domain(string name,string "
                                  "version,uint256 chainId,address "
                                  "verifyingContract)";
static const char AGENT_TYPE[] = "Agent(string source,bytes32 connectionId)";

/* ------------------------------------------------------- L1 actions */

static void put_u64_be(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

void hl_connection_id(const uint8_t *msgpack, size_t len,
                      const hl_l1_context *c, uint8_t out[32])
{
    uint8_t tail[8 + 21 + 9];
    size_t n = 8;
    put_u64_be(tail, c->nonce);
    if (c->vault) {
        tail[n++] = 1;
        memcpy(tail + n, c->vault, 20);
        n += 20;
    } else {
        tail[n++] = 0;
    }
    if (c->expires_after) {
        tail[n++] = 0;
        put_u64_be(tail + n, c->expires_after);
        n += 8;
    }
    hl_keccak k;
    hl_keccak_init(&k);
    hl_keccak_update(&k, msgpack, len);
    hl_keccak_update(&k, tail, n);
    hl_keccak_final(&k, out);
}

/* uint256 big-endian of a small number. */
static void word_u64(uint8_t w[32], uint64_t v)
{
    memset(w, 0, 24);
    put_u64_be(w + 24, v);
}

static void keccak_str(const char *s, uint8_t out[32])
{
    hl_keccak256(s, strlen(s), out);
}

static void domain_separator(const char *name, const char *version,
                             uint64_t chain_id, const uint8_t contract[20],
                             uint8_t out[32])
{
    uint8_t enc[5 * 32];
    keccak_str(DOMAIN_TYPE, enc);
    keccak_str(name, enc + 32);
    keccak_str(version, enc + 64);
    word_u64(enc + 96, chain_id);
    memset(enc + 128, 0, 12);
    memcpy(enc + 140, contract, 20);
    hl_keccak256(enc, sizeof enc, out);
}

static void final_digest(const uint8_t domain[32], const uint8_t hs[32],
                         uint8_t out[32])
{
    uint8_t m[2 + 64];
    m[0] = 0x19;
    m[1] = 0x01;
    memcpy(m + 2, domain, 32);
    memcpy(m + 34, hs, 32);
    hl_keccak256(m, sizeof m, out);
}

/* The constant parts of every agent digest, computed once. */
static struct {
    uint8_t domain[32];     /* Exchange, 1, 1337, 0x0 */
    uint8_t agent_type[32]; /* keccak(AGENT_TYPE) */
    uint8_t source[2][32];  /* keccak("b"), keccak("a") */
} agent_consts;
static pthread_once_t agent_once = PTHREAD_ONCE_INIT;

static void agent_consts_init(void)
{
    static const uint8_t zero[20];
    domain_separator("Exchange", "1", 1337, zero, agent_consts.domain);
    keccak_str(AGENT_TYPE, agent_consts.agent_type);
    keccak_str("b", agent_consts.source[0]);
    keccak_str("a", agent_consts.source[1]);
}

void hl_agent_digest(const uint8_t connection_id[32], int mainnet,
                     uint8_t out[32])
{
    pthread_once(&agent_once, agent_consts_init);
    uint8_t enc[96], hs[32];
    memcpy(enc, agent_consts.agent_type, 32);
    memcpy(enc + 32, agent_consts.source[mainnet ? 1 : 0], 32);
    memcpy(enc + 64, connection_id, 32);
    hl_keccak256(enc, sizeof enc, hs);
    final_digest(agent_consts.domain, hs, out);
}

int hl_sign_l1(const hl_signer *s, const json_t *action,
               const char *const *bin_keys, const hl_l1_context *c,
               hl_signature *sig, uint8_t connection_id[32], char *err,
               size_t err_len)
{
    hl_bytes mp = {0};
    uint8_t cid[32], digest[32];
    if (hl_msgpack_json(action, bin_keys, &mp, err, err_len) != 0) {
        hl_bytes_free(&mp);
        return -1;
    }
    hl_connection_id(mp.data, mp.len, c, cid);
    hl_bytes_free(&mp);
    hl_agent_digest(cid, c->mainnet, digest);
    if (connection_id)
        memcpy(connection_id, cid, 32);
    if (hl_signer_sign(s, digest, sig) != 0) {
        snprintf(err, err_len, "secp256k1 refused to sign");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------ typed data, flat */

/* uintN from a JSON integer or a decimal / "0x" hex string. */
static int encode_uint(const json_t *v, uint8_t w[32])
{
    memset(w, 0, 32);
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            return -1;
        word_u64(w, (uint64_t)json_integer_value(v));
        return 0;
    }
    const char *t = json_string_value(v);
    if (!t || !*t)
        return -1;
    if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        char padded[67] = "0x";
        size_t digits = strlen(t + 2);
        if (digits == 0 || digits > 64)
            return -1;
        memset(padded + 2, '0', 64 - digits);
        memcpy(padded + 2 + 64 - digits, t + 2, digits + 1);
        return hl_hex_decode(padded, w, 32) == 32 ? 0 : -1;
    }
    for (; *t; t++) { /* decimal: w = w * 10 + digit, big-endian */
        if (!isdigit((unsigned char)*t))
            return -1;
        unsigned carry = (unsigned)(*t - '0');
        for (int i = 31; i >= 0; i--) {
            unsigned x = w[i] * 10u + carry;
            w[i] = (uint8_t)x;
            carry = x >> 8;
        }
        if (carry)
            return -1;
    }
    return 0;
}

/* encodeData of one field into w; -1 for a value of the wrong form. */
static int encode_field(const char *type, const json_t *v, uint8_t w[32])
{
    const char *t = json_string_value(v);
    memset(w, 0, 32);
    if (strcmp(type, "string") == 0) {
        if (!t)
            return -1;
        hl_keccak256(t, json_string_length(v), w);
        return 0;
    }
    if (strcmp(type, "address") == 0)
        return t && strlen(t) == 42 && hl_hex_decode(t, w + 12, 20) == 20 ? 0
                                                                          : -1;
    if (strcmp(type, "bytes32") == 0)
        return t && hl_hex_decode(t, w, 32) == 32 ? 0 : -1;
    if (strcmp(type, "bool") == 0) {
        if (!json_is_boolean(v))
            return -1;
        w[31] = json_is_true(v);
        return 0;
    }
    if (strncmp(type, "uint", 4) == 0)
        return encode_uint(v, w);
    return -1;
}

/* "Name(type1 name1,type2 name2)" into buf. */
static int type_string(const char *primary, const json_t *types, char *buf,
                       size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "%s(", primary), i;
    json_t *f;
    json_array_foreach(types, i, f)
    {
        const char *ft = json_string_value(json_object_get(f, "type"));
        const char *fn = json_string_value(json_object_get(f, "name"));
        if (!ft || !fn || n >= len)
            return -1;
        n +=
            (size_t)snprintf(buf + n, len - n, "%s%s %s", i ? "," : "", ft, fn);
    }
    if (n + 2 > len)
        return -1;
    memcpy(buf + n, ")", 2);
    return 0;
}

static int read_domain(const json_t *d, uint8_t out[32], char *err,
                       size_t err_len)
{
    const char *name = json_string_value(json_object_get(d, "name"));
    const char *version = json_string_value(json_object_get(d, "version"));
    const json_t *chain = json_object_get(d, "chainId");
    const char *contract =
        json_string_value(json_object_get(d, "verifyingContract"));
    uint8_t chain_w[32], addr[20];
    if (!name || !version || !chain || encode_uint(chain, chain_w) != 0 ||
        !contract || strlen(contract) != 42 ||
        hl_hex_decode(contract, addr, 20) != 20) {
        snprintf(err, err_len,
                 "domain: expected {name, version, chainId, "
                 "verifyingContract (0x + 40 hex digits)}");
        return -1;
    }
    for (int i = 0; i < 24; i++)
        if (chain_w[i]) {
            snprintf(err, err_len, "domain: chainId too large");
            return -1;
        }
    uint64_t id = 0;
    for (int i = 24; i < 32; i++)
        id = id << 8 | chain_w[i];
    domain_separator(name, version, id, addr, out);
    return 0;
}

int hl_typed_data_digest(const json_t *domain, const char *primary_type,
                         const json_t *types, const json_t *message,
                         uint8_t out[32], char *err, size_t err_len)
{
    char tstr[1024];
    uint8_t dom[32], hs[32];
    size_t n = json_array_size(types);
    if (!json_is_array(types) || n == 0 || n > 32 || !json_is_object(message) ||
        type_string(primary_type, types, tstr, sizeof tstr) != 0) {
        snprintf(err, err_len,
                 "types: expected a list of at most 32 {name, type}, and "
                 "message an object");
        return -1;
    }
    if (read_domain(domain, dom, err, err_len) != 0)
        return -1;
    uint8_t *enc = malloc(32 * (n + 1));
    if (!enc) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    keccak_str(tstr, enc);
    for (size_t i = 0; i < n; i++) {
        const json_t *f = json_array_get(types, i);
        const char *fn = json_string_value(json_object_get(f, "name"));
        const char *ft = json_string_value(json_object_get(f, "type"));
        if (encode_field(ft, json_object_get(message, fn),
                         enc + 32 * (i + 1)) != 0) {
            snprintf(err, err_len,
                     "message.%.60s: missing, or not a valid %.20s", fn, ft);
            free(enc);
            return -1;
        }
    }
    hl_keccak256(enc, 32 * (n + 1), hs);
    free(enc);
    final_digest(dom, hs, out);
    return 0;
}
