/*
 * json_writer.h — appends JSON text to one growable buffer, for documents
 * rendered often enough that building a jansson tree first costs more than
 * the rendering (the observation: ~5,000 values per cycle).
 *
 * Output matches jansson's json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(10))
 * byte for byte for the same values: strings escape '"', '\\' and control
 * characters (\b \f \n \r \t, else \u00XX), pass UTF-8 through and leave
 * '/' alone; reals are printf "%.10g" with jansson's touches (".0" added to
 * integral values, exponent without '+' or leading zeros). Where jansson
 * would refuse a string (invalid UTF-8), this writer substitutes U+FFFD for
 * each maximal ill-formed subpart (Unicode 15, section 3.9), so a truncated
 * LLM text keeps its valid part. Non-finite reals are written as null.
 *
 * Ownership: the writer owns buf until host_jw_finish hands it over. After
 * an allocation failure every call is a no-op and finish returns NULL.
 */
#ifndef HOST_JSON_WRITER_H
#define HOST_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct host_jw {
    char *buf; /* owned; NUL-terminated once finished */
    size_t len, cap;
    int failed; /* 1 after an allocation failure */
} host_jw;

/* cap_hint: expected size in bytes (grows as needed). */
void host_jw_init(host_jw *w, size_t cap_hint);
/* The malloc'd NUL-terminated text (caller frees), or NULL if an
 * allocation failed; the writer is left empty either way. */
char *host_jw_finish(host_jw *w);
void host_jw_free(host_jw *w);
/* Empties the writer and keeps its buffer, so a document rendered every
 * cycle reuses one allocation. */
void host_jw_reset(host_jw *w);
/* The text so far, NUL-terminated, still owned by the writer (valid until
 * the next call on it); NULL after an allocation failure. */
const char *host_jw_text(host_jw *w);

/* Verbatim text (punctuation, literal keys known to need no escaping). */
void host_jw_raw(host_jw *w, const char *s, size_t n);
/* A comma unless the last byte written opened an object or array: call it
 * before every member or element. */
void host_jw_sep(host_jw *w);
/* A quoted, escaped string; NULL is written as null. */
void host_jw_string(host_jw *w, const char *s);
/* At most n bytes of s (stops early at a NUL), for fixed-size fields. */
void host_jw_stringn(host_jw *w, const char *s, size_t n);
void host_jw_int(host_jw *w, int64_t v);
/* "%.10g" as jansson prints it; NAN and infinities as null. */
void host_jw_real(host_jw *w, double x);
void host_jw_bool(host_jw *w, int b);
void host_jw_null(host_jw *w);

/* The text host_jw_real writes for a finite x, NUL-terminated in out;
 * returns its length. */
size_t host_jw_format_real(double x, char out[32]);
/* 1 if s is well-formed UTF-8 (what jansson accepts as a string). */
int host_jw_utf8_valid(const char *s);

#endif
