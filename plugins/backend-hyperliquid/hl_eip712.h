/*
 * hl_eip712.h — what a Hyperliquid signature signs.
 *
 * L1 actions (orders, cancels, leverage, ...): the action's msgpack bytes,
 * the nonce (u64 big-endian), the vault flag and address, and
 * expiresAfter when set, hashed with Keccak-256, give the "connection
 * id"; the phantom agent {source: "a" mainnet | "b" testnet, connectionId}
 * is then signed as EIP-712 typed data under the domain {"Exchange", "1",
 * chainId 1337, verifyingContract 0x0}.
 *
 * User-signed actions (transfers, withdrawals, approvals) are EIP-712
 * typed data of their own, with the types the caller gives.
 *
 * ../shared/signing/README.md states the rules; the tests reproduce every
 * vector of the official SDKs there.
 */
#ifndef HL_EIP712_H
#define HL_EIP712_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_signer.h"

/* Where an L1 action is signed. vault: NULL, or the 20-byte vault or
 * sub-account address. expires_after: 0 for none. */
typedef struct hl_l1_context {
    uint64_t nonce;
    const uint8_t *vault;
    uint64_t expires_after;
    int mainnet;
} hl_l1_context;

/* Keccak-256 of msgpack || nonce || vault part || expiry part. */
void hl_connection_id(const uint8_t *msgpack, size_t len,
                      const hl_l1_context *c, uint8_t out[32]);

/* The EIP-712 digest of the phantom agent for a connection id. */
void hl_agent_digest(const uint8_t connection_id[32], int mainnet,
                     uint8_t out[32]);

/* The whole L1 path for an action in wire form: msgpack, connection id,
 * digest, signature. connection_id may be NULL. 0, or -1 with a reason
 * in err. bin_keys as in hl_msgpack_json (NULL for every real action). */
int hl_sign_l1(const hl_signer *s, const json_t *action,
               const char *const *bin_keys, const hl_l1_context *c,
               hl_signature *sig, uint8_t connection_id[32], char *err,
               size_t err_len);

/* EIP-712 digest of typed data with one flat primary type:
 *   domain   {"name","version","chainId","verifyingContract"}
 *   types    [{"name","type"}, ...] of the primary type, in order;
 *            types string, address, bool, bytes32 and uint8..uint256
 *   message  an object holding every field of types (extra keys are
 *            ignored, as the SDKs ignore them).
 * 0, or -1 with a reason in err. */
int hl_typed_data_digest(const json_t *domain, const char *primary_type,
                         const json_t *types, const json_t *message,
                         uint8_t out[32], char *err, size_t err_len);

#endif
