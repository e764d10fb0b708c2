/*
 * hl_keccak.h — Keccak-256 as Ethereum uses it (the original Keccak
 * padding 0x01, not FIPS SHA3-256's 0x06), on nettle's sha3_permute.
 *
 * nettle ships the Keccak-f[1600] permutation but pads only the FIPS way,
 * and OpenSSL 3.0 has no Keccak-256 at all; so the sponge (absorb at a
 * rate of 136 bytes, pad, squeeze 32 bytes) is written here and the
 * permutation, the part worth trusting a library with, is nettle's.
 */
#ifndef HL_KECCAK_H
#define HL_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define HL_KECCAK_RATE 136 /* bytes absorbed per permutation */

/* An incremental hash: init, update any number of times, final. */
typedef struct hl_keccak {
    uint64_t a[25];
    size_t fill; /* bytes absorbed into the current block */
} hl_keccak;

void hl_keccak_init(hl_keccak *k);
void hl_keccak_update(hl_keccak *k, const void *data, size_t len);
/* Pads, squeezes 32 bytes into out and wipes the state. */
void hl_keccak_final(hl_keccak *k, uint8_t out[32]);

/* One-shot Keccak-256 of len bytes. */
void hl_keccak256(const void *data, size_t len, uint8_t out[32]);

#endif
