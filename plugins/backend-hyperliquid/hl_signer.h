/*
 * hl_signer.h — a secp256k1 key that signs 32-byte digests the way
 * Ethereum wallets do: RFC 6979 deterministic nonce, low s, and a
 * recovery id, giving {r, s, v = 27 + recid}.
 *
 * libsecp256k1 (Bitcoin Core's curve library, with its recovery module)
 * does the curve work: constant-time signing, and the exact signatures
 * the official SDKs produce (eth-account and alloy sign the same way).
 * OpenSSL 3.0 can sign on secp256k1 but gives no recovery id.
 *
 * The key: 32 bytes held in one locked, wiped allocation, never logged,
 * printed, stored or put in an error message. An hl_signer is read-only
 * after creation and may be used from several threads.
 */
#ifndef HL_SIGNER_H
#define HL_SIGNER_H

#include <stddef.h>
#include <stdint.h>

typedef struct hl_signer hl_signer;

typedef struct hl_signature {
    uint8_t r[32], s[32];
    int v; /* 27 or 28 */
} hl_signature;

/* From "0x" + 64 hex digits (or the 64 digits alone). NULL with a reason
 * in err that never quotes the key. */
hl_signer *hl_signer_new(const char *key_hex, char *err, size_t err_len);
/* Wipes the key and frees. NULL is a no-op. */
void hl_signer_free(hl_signer *s);

/* The signer's 20-byte address (the last 20 bytes of the Keccak-256 of
 * its uncompressed public key) and its "0x…" lowercase text (43 bytes). */
const uint8_t *hl_signer_address(const hl_signer *s);
const char *hl_signer_address_text(const hl_signer *s);

/* Signs a digest. 0, or -1 (libsecp256k1 refused; cannot happen with a
 * key that passed hl_signer_new). */
int hl_signer_sign(const hl_signer *s, const uint8_t digest[32],
                   hl_signature *out);

/* The address that signed digest, as the exchange recovers it. 0, or -1
 * for a signature that recovers no key (bad v, r or s). */
int hl_recover_address(const uint8_t digest[32], const hl_signature *sig,
                       uint8_t address[20]);

/* The address of a 65-byte uncompressed public key (0x04 || X || Y). */
void hl_address_of_pubkey(const uint8_t pub65[65], uint8_t address[20]);

#endif
