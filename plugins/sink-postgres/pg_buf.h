/*
 * pg_buf.h — a growable byte buffer, and the fields of PostgreSQL's COPY
 * text format written into it: tab-separated, one row a line, \N for
 * NULL, backslash escapes for tab, newline, carriage return and
 * backslash. COPY data is not SQL, so no value is ever parsed as a
 * statement. Doubles are written with 17 significant digits, so the
 * database holds exactly the double the engine computed.
 */
#ifndef PG_BUF_H
#define PG_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct pg_buf {
    char *p; /* owned; not NUL-terminated */
    size_t len, cap;
    int failed; /* an allocation failed: the content is incomplete */
} pg_buf;

void pg_buf_free(pg_buf *b);
void pg_buf_put(pg_buf *b, const void *s, size_t n);
void pg_buf_put_u32(pg_buf *b, uint32_t v); /* little-endian */
void pg_buf_put_i64(pg_buf *b, int64_t v);  /* little-endian */

/* Each appends one field and a tab; pg_copy_end_row turns the row's last
 * tab into a newline. */
void pg_copy_int(pg_buf *b, int64_t v);
void pg_copy_num(pg_buf *b, double v); /* NaN and +-Infinity as PG spells */
/* A price of 0 means "not set" in perp_exit_plan: NULL. */
void pg_copy_num_or_null_if_zero(pg_buf *b, double v);
/* NaN (a figure without a definition) as SQL NULL. */
void pg_copy_num_or_null(pg_buf *b, double v);
/* At most max bytes of s (a fixed array may lack its NUL); NULL -> \N.
 * Bytes that are not valid UTF-8 become '?', which the database would
 * otherwise refuse, losing the whole batch. */
void pg_copy_text(pg_buf *b, const char *s, size_t max);
void pg_copy_null(pg_buf *b);
void pg_copy_end_row(pg_buf *b);

#endif
