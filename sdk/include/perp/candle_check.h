/*
 * perp/candle_check.h — the one definition of a valid history candle row,
 * shared by the replay feed (which refuses a CSV holding a bad row) and
 * `perpd history download` (which drops and counts such rows instead of
 * writing them), so the downloader never writes a file the replay feed
 * then refuses; the live warm-up applies it to backfilled candles too.
 * Header only: plugins cannot call host code.
 *
 * A row is an open time in Unix seconds on the interval's grid, after the
 * previous row's, with finite positive prices whose high and low contain
 * open and close, and a finite volume >= 0.
 */
#ifndef PERP_CANDLE_CHECK_H
#define PERP_CANDLE_CHECK_H

#include <stdint.h>

/* 9999-12-31T23:59:59Z. Later open times are corrupt rows, and bounding
 * them keeps ts * 1000 (milliseconds) far from int64 overflow. */
#define PERP_CANDLE_TS_MAX_S 253402300799LL

typedef enum perp_candle_fault {
    PERP_CANDLE_OK = 0,
    PERP_CANDLE_TS_NEGATIVE, /* open time before 1970 */
    PERP_CANDLE_TS_RANGE,    /* open time after the year 9999 */
    PERP_CANDLE_OFF_GRID,    /* open time not a multiple of the interval */
    PERP_CANDLE_NOT_AFTER,   /* open time not after the previous row's */
    PERP_CANDLE_NOT_FINITE,  /* a price or the volume is NAN or infinite */
    PERP_CANDLE_PRICE,       /* a price is zero or negative */
    PERP_CANDLE_VOLUME,      /* volume is negative */
    PERP_CANDLE_HIGH_LOW,    /* high/low do not contain open and close */
    PERP_CANDLE_FAULTS       /* count of the above, OK included */
} perp_candle_fault;

/* ts_s: open time, Unix seconds; interval_s > 0; prev_ts_s: the previous
 * row's open time, or a negative number for the first row. */
static inline perp_candle_fault
perp_candle_check(int64_t ts_s, int64_t interval_s, int64_t prev_ts_s,
                  double open, double high, double low, double close,
                  double volume)
{
    if (ts_s < 0)
        return PERP_CANDLE_TS_NEGATIVE;
    if (ts_s > PERP_CANDLE_TS_MAX_S)
        return PERP_CANDLE_TS_RANGE;
    if (interval_s <= 0 || ts_s % interval_s != 0)
        return PERP_CANDLE_OFF_GRID;
    if (prev_ts_s >= 0 && ts_s <= prev_ts_s)
        return PERP_CANDLE_NOT_AFTER;
    /* x - x is 0 for a finite x and NAN otherwise: one test each. */
    if (!(open - open == 0 && high - high == 0 && low - low == 0 &&
          close - close == 0 && volume - volume == 0))
        return PERP_CANDLE_NOT_FINITE;
    if (!(open > 0 && high > 0 && low > 0 && close > 0))
        return PERP_CANDLE_PRICE;
    if (volume < 0)
        return PERP_CANDLE_VOLUME;
    if (high < open || high < close || low > open || low > close)
        return PERP_CANDLE_HIGH_LOW;
    return PERP_CANDLE_OK;
}

/* The reason, as the replay feed words it in its file:line errors. */
static inline const char *perp_candle_fault_text(perp_candle_fault f)
{
    switch (f) {
    case PERP_CANDLE_OK:
        return "ok";
    case PERP_CANDLE_TS_NEGATIVE:
        return "ts before 1970";
    case PERP_CANDLE_TS_RANGE:
        return "ts after the year 9999";
    case PERP_CANDLE_OFF_GRID:
        return "ts not aligned to the replay interval";
    case PERP_CANDLE_NOT_AFTER:
        return "ts not after the previous row's";
    case PERP_CANDLE_NOT_FINITE:
        return "a price or the volume is not a finite number";
    case PERP_CANDLE_PRICE:
        return "prices must be positive";
    case PERP_CANDLE_VOLUME:
        return "volume is negative";
    case PERP_CANDLE_HIGH_LOW:
        return "high/low do not contain open and close";
    case PERP_CANDLE_FAULTS:
        break;
    }
    return "unknown fault";
}

#endif
