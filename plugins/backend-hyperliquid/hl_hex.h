/*
 * hl_hex.h — "0x"-prefixed hex, the form every Hyperliquid address,
 * cloid, hash and signature part takes.
 */
#ifndef HL_HEX_H
#define HL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes hex (an optional "0x" prefix, then an even number of hex
 * digits, either case) into out. Returns the byte count, or -1 if the
 * text is not hex or needs more than cap bytes. */
int hl_hex_decode(const char *hex, uint8_t *out, size_t cap);

/* Writes "0x" and 2n lowercase digits, NUL-terminated: out must hold
 * 2n + 3 bytes. */
void hl_hex_encode(const uint8_t *p, size_t n, char *out);

#endif
