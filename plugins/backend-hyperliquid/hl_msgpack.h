/*
 * hl_msgpack.h — an exchange action (a JSON value in wire form) encoded
 * as MessagePack the way the Hyperliquid SDKs hash it (python-msgpack's
 * defaults): maps and arrays in document order, strings as str with the
 * smallest header (fixstr, str8, str16, str32), integers in their
 * smallest form, true/false/null. Floats never appear in an action and
 * are refused.
 *
 * msgpack-c writes every header; this file only walks the JSON (jansson
 * keeps an object's keys in insertion order, which is the order the
 * exchange hashes).
 */
#ifndef HL_MSGPACK_H
#define HL_MSGPACK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A growing byte buffer. Owned by the caller: free data with free(). */
typedef struct hl_bytes {
    uint8_t *data;
    size_t len, cap;
} hl_bytes;

/* Appends n bytes; -1 when out of memory. */
int hl_bytes_add(hl_bytes *b, const void *p, size_t n);
void hl_bytes_free(hl_bytes *b);

/* Appends the encoding of v to out. bin_keys: NULL, or a NULL-terminated
 * list of object keys whose values are "0x…" hex strings to encode as
 * raw bytes (msgpack bin) — the Rust SDK serialises its typed addresses
 * that way in one action it hashes. 0, or -1 with a one-line reason in
 * err (a float, a bad bin value, out of memory). */
int hl_msgpack_json(const json_t *v, const char *const *bin_keys, hl_bytes *out,
                    char *err, size_t err_len);

#endif
