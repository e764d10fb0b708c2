/*
 * hl_keccak.c — the Keccak-256 sponge over nettle's permutation; see
 * hl_keccak.h.
 */
#include "hl_keccak.h"

#include <nettle/sha3.h>
#include <string.h>

/* nettle's state is the same 25 little-endian lanes; the cast below
 * relies on that layout, which this assertion pins. */
_Static_assert(sizeof(struct sha3_state) == 25 * sizeof(uint64_t),
               "nettle sha3_state is 25 64-bit lanes");

void hl_keccak_init(hl_keccak *k)
{
    memset(k, 0, sizeof *k);
}

/* XORs one byte into the state at byte offset i (lanes are little
 * endian, so byte i is bits 8*(i%8) of lane i/8). */
static inline void xor_byte(hl_keccak *k, size_t i, uint8_t b)
{
    k->a[i / 8] ^= (uint64_t)b << (8 * (i % 8));
}

static void permute(hl_keccak *k)
{
    sha3_permute((struct sha3_state *)(void *)k->a);
}

void hl_keccak_update(hl_keccak *k, const void *data, size_t len)
{
    const uint8_t *p = data;
    /* Whole lanes when aligned to one: the common case for long input. */
    while (len > 0) {
        if (k->fill % 8 == 0 && len >= 8) {
            uint64_t lane = 0;
            for (int i = 7; i >= 0; i--)
                lane = lane << 8 | p[i];
            k->a[k->fill / 8] ^= lane;
            k->fill += 8;
            p += 8;
            len -= 8;
        } else {
            xor_byte(k, k->fill++, *p++);
            len--;
        }
        if (k->fill == HL_KECCAK_RATE) {
            permute(k);
            k->fill = 0;
        }
    }
}

void hl_keccak_final(hl_keccak *k, uint8_t out[32])
{
    /* Keccak's pad10*1 with the domain byte 0x01; when the message ends
     * one byte short of the rate both land in that last byte (0x81). */
    xor_byte(k, k->fill, 0x01);
    xor_byte(k, HL_KECCAK_RATE - 1, 0x80);
    permute(k);
    for (size_t i = 0; i < 32; i++)
        out[i] = (uint8_t)(k->a[i / 8] >> (8 * (i % 8)));
    memset(k, 0, sizeof *k);
}

void hl_keccak256(const void *data, size_t len, uint8_t out[32])
{
    hl_keccak k;
    hl_keccak_init(&k);
    hl_keccak_update(&k, data, len);
    hl_keccak_final(&k, out);
}
