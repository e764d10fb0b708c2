/*
 * bars.h — the replay's candle row and the CSV reader.
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

/* Receives parsed rows in order, a batch at a time: 0, or -1 to stop
 * the parse (err set by the sink). */
typedef int (*rp_rows_fn)(void *ud, const rp_bar *rows, size_t n, char *err,
                          size_t err_len);

/* Reads the CSV from fd (path is for messages) a megabyte at a time and
 * hands its rows to put in batches, so a year of candles never sits in
 * memory as text or as rows. 0 with *n rows, or -1 with err "path:line:
 * what" (or the sink's error). */
int rp_csv_read(int fd, const char *path, int64_t interval_s, rp_rows_fn put,
                void *ud, size_t *n, char *err, size_t err_len);

#endif
