/*
 * hl_sign_cmd.h — `perpd hyperliquid sign`: one JSON object in, its
 * signature out, for users checking a signature by hand and for the
 * tests that reproduce the official SDKs' vectors.
 *
 * Input (the shape of ../shared/signing's cases), one of:
 *   L1 action   {"private_key", "action", "nonce", "vault_address"?,
 *                "expires_after"?, "is_mainnet", "bytes_fields"?}
 *   signed id   {"private_key", "connection_id", "is_mainnet"}
 *   user-signed {"private_key", "primary_type", "types", "domain",
 *                "message", "is_mainnet"?}
 * Output: {"connection_id": "0x…", "r": "0x…", "s": "0x…", "v": 27|28}
 * (no connection_id for user-signed data); r and s with 64 hex digits.
 * The key is never printed, nor quoted in an error.
 */
#ifndef HL_SIGN_CMD_H
#define HL_SIGN_CMD_H

#include <stddef.h>

#include <perp/sdk.h>

/* Signs the request in text (len bytes). 0 with *out the JSON answer
 * (malloc'd, caller frees), or -1 with one line in err. The caller wipes
 * text afterwards if it wants the key gone. */
int hl_sign_json(const char *text, size_t len, char **out, char *err,
                 size_t err_len);

/* The descriptor's `command`: argv[0] "hyperliquid", argv[1] "sign". */
int hl_command(const perp_host *host, int argc, char **argv);

#define HL_COMMAND_USAGE                                                       \
    "sign    read one JSON request on stdin, print its signature "             \
    "{connection_id, r, s, v}\n"

#endif
