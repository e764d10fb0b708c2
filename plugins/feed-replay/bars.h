/*
 * bars.h — the replay's in-memory candle row and the CSV reader.
 *
 * The CSV is the history format: header "ts,open,high,low,close,volume",
 * ts = open time in Unix seconds, rows strictly ascending and aligned to
 * the interval, checked by perp/candle_check.h (the rules `perpd history
 * download` applies to what it writes). Any deviation is an error naming
 * file:line and what was wrong; no row is ever skipped.
 */
#ifndef RP_BARS_H
#define RP_BARS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rp_bar {
    int64_t ts; /* open time, Unix seconds */
    double open, high, low, close, volume;
} rp_bar;

/* Parses text[0..len) (the file's contents; path is for messages).
 * 0 with *out (malloc'd) and *n, or -1 with err "path:line: what". */
int rp_csv_parse(const char *path, const char *text, size_t len,
                 int64_t interval_s, rp_bar **out, size_t *n, char *err,
                 size_t err_len);

#endif
