/*
 * market_candles.c — one symbol, one interval: folds ticks (or finer closed
 * candles) into UTC-aligned OHLCV buckets.
 *
 * State: at most one open bucket, the start of the next bucket to be
 * emitted (so every bucket is emitted exactly once, in order), the last
 * close (for gap fills) and a FIFO of closed candles the caller has not
 * taken yet (host_candles_* write at most `max` per call).
 */
#include "market_candles.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DAY_MS 86400000LL
/* A tick whose bucket lies further ahead than this many buckets is not
 * gap-filled bucket by bucket (a clock jump of years would otherwise
 * allocate billions of candles); the series restarts at it instead. */
#define MAX_GAP_FILL 100000

struct host_candle_builder {
    char symbol[PERP_SYMBOL_MAX];
    int64_t interval;

    int has_open;    /* a bucket is being built */
    perp_candle cur; /* the open bucket */

    int has_next;    /* next_ts is meaningful: a bucket was seen */
    int64_t next_ts; /* start of the first bucket not yet emitted */
    double last_close;

    perp_candle *pending; /* closed, not yet handed out; FIFO */
    size_t pend_head, pend_len, pend_cap;
    uint64_t late;
};

/* Floor to the interval with integer arithmetic; correct for negative ts
 * and independent of the process's time zone. */
static int64_t bucket_of(int64_t ts, int64_t interval)
{
    int64_t r = ts % interval;
    if (r < 0)
        r += interval;
    return ts - r;
}

host_candle_builder *host_candles_new(const char *symbol, int64_t interval_ms)
{
    if (!symbol || interval_ms <= 0)
        return NULL;
    if (interval_ms < DAY_MS ? DAY_MS % interval_ms != 0
                             : interval_ms % DAY_MS != 0)
        return NULL;
    host_candle_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    snprintf(b->symbol, sizeof b->symbol, "%s", symbol);
    b->interval = interval_ms;
    return b;
}

void host_candles_free(host_candle_builder *b)
{
    if (!b)
        return;
    free(b->pending);
    free(b);
}

static int pending_push(host_candle_builder *b, const perp_candle *c)
{
    if (b->pend_head > 0 && b->pend_head == b->pend_len) {
        b->pend_head = b->pend_len = 0;
    }
    if (b->pend_len == b->pend_cap) {
        if (b->pend_head > 0) {
            memmove(b->pending, b->pending + b->pend_head,
                    (b->pend_len - b->pend_head) * sizeof *b->pending);
            b->pend_len -= b->pend_head;
            b->pend_head = 0;
        }
        if (b->pend_len == b->pend_cap) {
            size_t cap = b->pend_cap ? b->pend_cap * 2 : 16;
            perp_candle *p = realloc(b->pending, cap * sizeof *p);
            if (!p)
                return -1;
            b->pending = p;
            b->pend_cap = cap;
        }
    }
    b->pending[b->pend_len++] = *c;
    return 0;
}

static size_t pending_take(host_candle_builder *b, perp_candle *out, size_t max)
{
    size_t n = b->pend_len - b->pend_head;
    if (n > max)
        n = max;
    if (n && out)
        memcpy(out, b->pending + b->pend_head, n * sizeof *out);
    b->pend_head += n;
    return n;
}

static void emit(host_candle_builder *b, const perp_candle *c)
{
    if (pending_push(b, c) != 0)
        host_log(PERP_LOG_ERROR, "candles",
                 "%s: out of memory, candle %lld lost", b->symbol,
                 (long long)c->ts);
    b->last_close = c->close;
    b->next_ts = c->ts + b->interval;
    b->has_next = 1;
}

/* Emits a zero-volume candle at the last close for every bucket from
 * next_ts up to (not including) `until`. */
static void fill_gap(host_candle_builder *b, int64_t until)
{
    if (!b->has_next)
        return;
    if ((until - b->next_ts) / b->interval > MAX_GAP_FILL) {
        host_log(PERP_LOG_WARN, "candles",
                 "%s: %lld buckets without data, series restarts at %lld",
                 b->symbol, (long long)((until - b->next_ts) / b->interval),
                 (long long)until);
        b->next_ts = until;
        return;
    }
    while (b->next_ts < until) {
        perp_candle c = {0};
        c.ts = b->next_ts;
        c.interval_ms = b->interval;
        memcpy(c.symbol, b->symbol, sizeof c.symbol);
        c.open = c.high = c.low = c.close = b->last_close;
        c.volume = 0;
        emit(b, &c);
    }
}

static void close_open(host_candle_builder *b)
{
    if (!b->has_open)
        return;
    fill_gap(b, b->cur.ts);
    emit(b, &b->cur);
    b->has_open = 0;
}

static void open_bucket(host_candle_builder *b, int64_t bucket, double open)
{
    memset(&b->cur, 0, sizeof b->cur);
    b->cur.ts = bucket;
    b->cur.interval_ms = b->interval;
    memcpy(b->cur.symbol, b->symbol, sizeof b->cur.symbol);
    b->cur.open = b->cur.high = b->cur.low = b->cur.close = open;
    b->has_open = 1;
}

/* Makes `bucket` the open bucket, closing and gap-filling what lies
 * before it. Returns 0, or -1 when the bucket is already closed (late). */
static int enter_bucket(host_candle_builder *b, int64_t bucket, double open)
{
    if (b->has_open && bucket == b->cur.ts)
        return 0;
    if ((b->has_open && bucket < b->cur.ts) ||
        (b->has_next && bucket < b->next_ts)) {
        b->late++;
        return -1;
    }
    close_open(b);
    fill_gap(b, bucket);
    open_bucket(b, bucket, open);
    return 0;
}

size_t host_candles_on_tick(host_candle_builder *b, int64_t ts, double price,
                            double size, perp_candle *out, size_t max)
{
    if (!isfinite(price) || price <= 0)
        return pending_take(b, out, max);
    if (enter_bucket(b, bucket_of(ts, b->interval), price) == 0) {
        perp_candle *c = &b->cur;
        if (price > c->high)
            c->high = price;
        if (price < c->low)
            c->low = price;
        c->close = price;
        if (isfinite(size) && size > 0)
            c->volume += size;
    }
    return pending_take(b, out, max);
}

size_t host_candles_on_candle(host_candle_builder *b, const perp_candle *in,
                              perp_candle *out, size_t max)
{
    int64_t bucket = bucket_of(in->ts, b->interval);
    if (in->interval_ms > b->interval || enter_bucket(b, bucket, in->open) != 0)
        return pending_take(b, out, max);
    perp_candle *c = &b->cur;
    if (in->high > c->high)
        c->high = in->high;
    if (in->low < c->low)
        c->low = in->low;
    c->close = in->close;
    c->volume += in->volume;
    /* The finer candle that ends the bucket closes it now, so a 6 h candle
     * is visible at its close time, not one tick later. */
    if (in->ts + in->interval_ms >= bucket + b->interval)
        close_open(b);
    return pending_take(b, out, max);
}

size_t host_candles_advance(host_candle_builder *b, int64_t now,
                            perp_candle *out, size_t max)
{
    if (b->has_open && b->cur.ts + b->interval <= now)
        close_open(b);
    if (b->has_next && !b->has_open)
        fill_gap(b, bucket_of(now, b->interval));
    return pending_take(b, out, max);
}

int host_candles_partial(const host_candle_builder *b, perp_candle *out)
{
    if (!b->has_open)
        return 0;
    if (out)
        *out = b->cur;
    return 1;
}

uint64_t host_candles_late(const host_candle_builder *b)
{
    return b->late;
}
