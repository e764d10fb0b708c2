/*
 * bench_hl_sign.c — what one signed Hyperliquid order costs: the order
 * action built in wire form, msgpack-encoded, hashed with Keccak-256
 * into the connection id, the EIP-712 agent digest, and the recoverable
 * ECDSA signature (backend-hyperliquid's own code, compiled in: the
 * plugin exports nothing but its descriptor). The reference is one bare
 * libsecp256k1 signature of a 32-byte digest in the same run, so the
 * ratio says how much the rest adds. Target: < 40 µs per signed order.
 */
#include <jansson.h>
#include <secp256k1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../plugins/backend-hyperliquid/hl_action.c"
#include "../plugins/backend-hyperliquid/hl_eip712.c"
#include "../plugins/backend-hyperliquid/hl_hex.c"
#include "../plugins/backend-hyperliquid/hl_keccak.c"
#include "../plugins/backend-hyperliquid/hl_msgpack.c"
#include "../plugins/backend-hyperliquid/hl_signer.c"
#include "../plugins/backend-hyperliquid/hl_wire.c"

#define N      4000
#define PASSES 5
#define KEY    "0x0123456789012345678901234567890123456789012345678901234567890123"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static volatile unsigned sink;

/* One market order as the backend sends it: an IOC limit with a cloid. */
static void signed_order(const hl_signer *s, int i)
{
    hl_order_req o = {.asset = 0, .is_buy = i & 1, .kind = HL_LIMIT_IOC};
    hl_float_to_wire(hl_round_price(95123.4 + i % 100, 5), o.px);
    hl_float_to_wire(hl_round_size(0.00123 + (i % 7) * 1e-5, 5), o.sz);
    snprintf(o.cloid, sizeof o.cloid, "0x%032x", (unsigned)i);
    json_t *a = hl_order_action(&o, 1, "na");
    hl_l1_context c = {.nonce = 1735689600000ull + (uint64_t)i};
    hl_signature sig;
    char err[128];
    if (!a || hl_sign_l1(s, a, NULL, &c, &sig, NULL, err, sizeof err) != 0)
        abort();
    sink += sig.r[0];
    json_decref(a);
}

static double per_signed_order_us(const hl_signer *s)
{
    double best = 1e9;
    for (int p = 0; p < PASSES; p++) {
        double t0 = now_s();
        for (int i = 0; i < N; i++)
            signed_order(s, i);
        double us = (now_s() - t0) / N * 1e6;
        best = us < best ? us : best;
    }
    return best;
}

/* The reference: libsecp256k1 alone, a plain (non-recoverable) ECDSA
 * signature with the same nonce function, key and blinded context. */
static double per_bare_signature_us(void)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t key[32], digest[32] = {1}, seed[32] = {7};
    hl_hex_decode(KEY, key, 32);
    if (!ctx || !secp256k1_context_randomize(ctx, seed))
        abort();
    double best = 1e9;
    for (int p = 0; p < PASSES; p++) {
        double t0 = now_s();
        for (int i = 0; i < N; i++) {
            secp256k1_ecdsa_signature sig;
            digest[0] = (uint8_t)i;
            digest[1] = (uint8_t)(i >> 8);
            if (!secp256k1_ecdsa_sign(ctx, &sig, digest, key, NULL, NULL))
                abort();
            sink += sig.data[0];
        }
        double us = (now_s() - t0) / N * 1e6;
        best = us < best ? us : best;
    }
    secp256k1_context_destroy(ctx);
    return best;
}

/* The parts apart: msgpack of the action, and the two Keccak steps. */
static void parts(double *msgpack_us, double *hash_us)
{
    hl_order_req o = {.asset = 0,
                      .is_buy = 1,
                      .px = "95123",
                      .sz = "0.00123",
                      .kind = HL_LIMIT_IOC,
                      .cloid = "0x0000000000000000000000000000002a"};
    json_t *a = hl_order_action(&o, 1, "na");
    hl_bytes mp = {0};
    char err[128];
    double t0 = now_s();
    for (int i = 0; i < N * 10; i++) {
        mp.len = 0;
        if (hl_msgpack_json(a, NULL, &mp, err, sizeof err))
            abort();
    }
    *msgpack_us = (now_s() - t0) / (N * 10) * 1e6;
    hl_l1_context c = {.nonce = 1735689600000ull};
    uint8_t cid[32], dig[32];
    t0 = now_s();
    for (int i = 0; i < N * 10; i++) {
        c.nonce++;
        hl_connection_id(mp.data, mp.len, &c, cid);
        hl_agent_digest(cid, 0, dig);
        sink += dig[0];
    }
    *hash_us = (now_s() - t0) / (N * 10) * 1e6;
    hl_bytes_free(&mp);
    json_decref(a);
}

int main(void)
{
    char err[128];
    hl_signer *s = hl_signer_new(KEY, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bench_hl_sign: %s\n", err);
        return 1;
    }
    double order = per_signed_order_us(s);
    double bare = per_bare_signature_us();
    double mp, hash;
    parts(&mp, &hash);
    printf("hyperliquid signed order (action, msgpack, Keccak, ECDSA + "
           "recovery): %.1f us (best of %d x %d; target < 40 us)\n",
           order, PASSES, N);
    printf("  reference, one bare secp256k1 signature in this run: %.1f us; "
           "ratio %.2f\n",
           bare, order / bare);
    printf("  parts: msgpack of the action %.2f us, connection id + EIP-712 "
           "digest (3 Keccak-256) %.2f us\n",
           mp, hash);
    hl_signer_free(s);
    return 0;
}
