/*
 * jl_text.h — the sink's own text writer for the records written every
 * cycle (equity, position, trade, and the host's JSON documents), so a
 * line costs a few hundred nanoseconds instead of a jansson tree, a
 * printf per number and, for an observation, a full re-parse.
 *
 * The output is byte for byte what the jansson path wrote (json_dumps
 * with JSON_COMPACT): reals as "%.17g" with jansson's touches (".0" on
 * integral values, no '+' or leading zeros in exponents), non-finite as
 * null, strings escaped as jansson escapes them, with each byte of
 * ill-formed UTF-8 replaced by '?' (the sink's rule for fixed fields).
 *
 * Ownership: a jl_buf owns its bytes; jl_reset keeps the allocation, so
 * steady state allocates nothing. After an allocation failure every call
 * is a no-op and jl_ok returns 0.
 */
#ifndef JL_TEXT_H
#define JL_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef struct jl_buf {
    char *p;
    size_t len, cap;
    int failed;
} jl_buf;

void jl_free(jl_buf *b);
void jl_reset(jl_buf *b);
int jl_ok(const jl_buf *b);
void jl_raw(jl_buf *b, const char *s, size_t n);
#define jl_lit(b, s) jl_raw((b), (s), sizeof(s) - 1)
void jl_int(jl_buf *b, int64_t v);
/* "%.17g" with jansson's touches; NAN and infinities as null. */
void jl_real(jl_buf *b, double x);
/* A quoted string of at most max bytes of s (stops at NUL); NULL: null. */
void jl_str(jl_buf *b, const char *s, size_t max);

/* The text "%.17g" plus jansson's touches gives for finite x; returns its
 * length (out holds at least 32 bytes). */
size_t jl_format_real(double x, char *out);
/* 1 if text is exactly one JSON value (RFC 8259, nesting at most 512),
 * with optional whitespace around it. */
int jl_json_valid(const char *text);

#endif
