/*
 * perp/utf8.h — UTF-8 validation for text a plugin writes out, header only.
 *
 * Text from a language model, an exchange or a cut at a byte limit can
 * hold bytes that are not UTF-8; JSON writers and PostgreSQL refuse such
 * text, and a record must not be lost for one bad byte. Sinks check each
 * sequence with perp_utf8_len and replace what fails, so every writer
 * agrees on what valid means (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF).
 */
#ifndef PERP_UTF8_H
#define PERP_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (avail bytes readable, >= 1),
 * or 0 when the bytes there are not one. */
static inline size_t perp_utf8_len(const unsigned char *s, size_t avail)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = (s[0] & 0xE0) == 0xC0   ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (n == 0 || n > avail || (n == 2 && s[0] < 0xC2) ||
        (n == 4 && s[0] > 0xF4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((n == 3 && s[0] == 0xE0 && s[1] < 0xA0) ||
        (n == 3 && s[0] == 0xED && s[1] >= 0xA0) ||
        (n == 4 && s[0] == 0xF0 && s[1] < 0x90) ||
        (n == 4 && s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

#endif /* PERP_UTF8_H */
