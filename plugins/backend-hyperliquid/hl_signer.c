/*
 * hl_signer.c — see hl_signer.h.
 */
#include "hl_signer.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "hl_hex.h"
#include "hl_keccak.h"

struct hl_signer {
    uint8_t key[32]; /* first: the one field that must never leak */
    secp256k1_context *ctx;
    uint8_t address[20];
    char address_text[43];
};

void hl_address_of_pubkey(const uint8_t pub65[65], uint8_t address[20])
{
    uint8_t h[32];
    hl_keccak256(pub65 + 1, 64, h);
    memcpy(address, h + 12, 20);
}

static int derive_address(hl_signer *s)
{
    secp256k1_pubkey pk;
    uint8_t pub[65];
    size_t len = sizeof pub;
    if (!secp256k1_ec_pubkey_create(s->ctx, &pk, s->key) ||
        !secp256k1_ec_pubkey_serialize(s->ctx, pub, &len, &pk,
                                       SECP256K1_EC_UNCOMPRESSED))
        return -1;
    hl_address_of_pubkey(pub, s->address);
    hl_hex_encode(s->address, 20, s->address_text);
    return 0;
}

/* Blinds the context's precomputed tables with fresh randomness, as
 * libsecp256k1 recommends against side channels; signatures do not
 * change (the nonce stays RFC 6979's). 0 if no randomness could be had. */
static int randomize(secp256k1_context *ctx)
{
    uint8_t seed[32];
    int blinded = getrandom(seed, sizeof seed, 0) == (ssize_t)sizeof seed &&
                  secp256k1_context_randomize(ctx, seed);
    explicit_bzero(seed, sizeof seed);
    return blinded;
}

hl_signer *hl_signer_new(const char *key_hex, char *err, size_t err_len)
{
    hl_signer *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    /* Keep the key out of swap when the limit allows; not fatal. */
    (void)mlock(s, sizeof *s);
    const char *digits = key_hex;
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        digits += 2;
    if (strlen(digits) != 64 || hl_hex_decode(digits, s->key, 32) != 32) {
        snprintf(err, err_len,
                 "private key: expected 64 hex digits (32 bytes), with or "
                 "without 0x (the value is not shown)");
        hl_signer_free(s);
        return NULL;
    }
    s->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!s->ctx) {
        snprintf(err, err_len, "cannot create a secp256k1 context");
        hl_signer_free(s);
        return NULL;
    }
    if (!randomize(s->ctx)) {
        snprintf(err, err_len,
                 "cannot blind the secp256k1 context (no "
                 "randomness from getrandom)");
        hl_signer_free(s);
        return NULL;
    }
    if (!secp256k1_ec_seckey_verify(s->ctx, s->key) || derive_address(s)) {
        snprintf(err, err_len,
                 "private key: not a valid secp256k1 key (zero or not "
                 "below the curve order; the value is not shown)");
        hl_signer_free(s);
        return NULL;
    }
    return s;
}

void hl_signer_free(hl_signer *s)
{
    if (!s)
        return;
    if (s->ctx)
        secp256k1_context_destroy(s->ctx);
    explicit_bzero(s, sizeof *s);
    (void)munlock(s, sizeof *s);
    free(s);
}

const uint8_t *hl_signer_address(const hl_signer *s)
{
    return s->address;
}

const char *hl_signer_address_text(const hl_signer *s)
{
    return s->address_text;
}

int hl_signer_sign(const hl_signer *s, const uint8_t digest[32],
                   hl_signature *out)
{
    secp256k1_ecdsa_recoverable_signature sig;
    uint8_t rs[64];
    int recid = 0;
    /* NULL nonce function: RFC 6979 with HMAC-SHA256, no extra data. The
     * result is already low-s, with recid matching it. */
    if (!secp256k1_ecdsa_sign_recoverable(s->ctx, &sig, digest, s->key, NULL,
                                          NULL) ||
        !secp256k1_ecdsa_recoverable_signature_serialize_compact(s->ctx, rs,
                                                                 &recid, &sig))
        return -1;
    memcpy(out->r, rs, 32);
    memcpy(out->s, rs + 32, 32);
    out->v = 27 + recid;
    return 0;
}

int hl_recover_address(const uint8_t digest[32], const hl_signature *sig,
                       uint8_t address[20])
{
    const secp256k1_context *ctx = secp256k1_context_static;
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pk;
    uint8_t rs[64], pub[65];
    size_t len = sizeof pub;
    if (sig->v != 27 && sig->v != 28)
        return -1;
    memcpy(rs, sig->r, 32);
    memcpy(rs + 32, sig->s, 32);
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, rs,
                                                             sig->v - 27) ||
        !secp256k1_ecdsa_recover(ctx, &pk, &rsig, digest) ||
        !secp256k1_ec_pubkey_serialize(ctx, pub, &len, &pk,
                                       SECP256K1_EC_UNCOMPRESSED))
        return -1;
    hl_address_of_pubkey(pub, address);
    return 0;
}
