/*
 * market_backfill.c — a feed's backfill, checked and gap-filled.
 */
#include "market_backfill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_loader.h"

int host_feed_has_backfill(const perp_feed_vtable *vt)
{
    return vt && HOST_VT_HAS(vt, perp_feed_vtable, backfill);
}

static void drop(host_backfill_drops *d, perp_candle_fault f, int64_t ts_s)
{
    if (!d)
        return;
    if (d->count[f]++ == 0)
        d->first_ts_s[f] = ts_s;
    d->total++;
}

/* Keeps the candles of c[0..n) that pass the replay feed's checks (in
 * order, after *prev_s), moved to the front; returns how many. */
static size_t keep_valid(perp_candle *c, size_t n, int64_t interval_ms,
                         int64_t from_ms, int64_t to_ms, int64_t *prev_s,
                         host_backfill_drops *d)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t ts_s = c[i].ts / 1000;
        if (c[i].ts < from_ms || c[i].ts >= to_ms) {
            if (d && d->outside++ == 0)
                d->first_outside_s = ts_s;
            if (d)
                d->total++;
            continue;
        }
        perp_candle_fault f =
            c[i].ts % 1000 != 0 || c[i].interval_ms != interval_ms
                ? PERP_CANDLE_OFF_GRID
                : perp_candle_check(ts_s, interval_ms / 1000, *prev_s,
                                    c[i].open, c[i].high, c[i].low, c[i].close,
                                    c[i].volume);
        if (f != PERP_CANDLE_OK) {
            drop(d, f, ts_s);
            continue;
        }
        *prev_s = ts_s;
        c[w++] = c[i];
    }
    return w;
}

int host_backfill_range(const perp_feed_vtable *vt, void *self,
                        const char *symbol, int64_t interval_ms,
                        int64_t from_ms, int64_t to_ms, size_t chunk,
                        int (*stop)(void *ud), void *stop_ud, perp_candle **out,
                        size_t *n, host_backfill_drops *drops)
{
    if (!host_feed_has_backfill(vt))
        return PERP_EUNSUPPORTED;
    if (interval_ms < 1000 || interval_ms % 1000 || chunk == 0)
        return PERP_EINVAL;
    int64_t prev_s = *n ? (*out)[*n - 1].ts / 1000 : -1;
    for (int64_t t = from_ms; t < to_ms;) {
        if (stop && stop(stop_ud))
            return PERP_ERR;
        int64_t left = (to_ms - t) / interval_ms;
        size_t k = left < (int64_t)chunk ? (size_t)left : chunk;
        int64_t end = t + (int64_t)k * interval_ms;
        /* Room for more rows than buckets: a venue that sends rows off
         * its grid gets them counted as dropped, not a failed call. */
        size_t room = 2 * k + 16;
        perp_candle *grown = realloc(*out, (*n + room) * sizeof *grown);
        if (!grown)
            return PERP_ENOMEM;
        *out = grown;
        size_t got = 0;
        int rc = vt->backfill(self, symbol, interval_ms, t, end, *out + *n,
                              room, &got);
        if (rc != PERP_OK)
            return rc;
        *n += keep_valid(*out + *n, got > room ? room : got, interval_ms, t,
                         end, &prev_s, drops);
        t = end;
    }
    return PERP_OK;
}

/* c[0..n): valid, ascending. Writes the grid [c[0].ts, end) to a new
 * array, a missing bucket being the previous close with no volume, and
 * keeps the newest count. */
static int fill_gaps(const perp_candle *c, size_t n, int64_t interval_ms,
                     int64_t end, size_t count, perp_candle **out,
                     size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (n == 0 || c[0].ts >= end)
        return PERP_OK;
    size_t total = (size_t)((end - c[0].ts) / interval_ms);
    size_t first = total > count ? total - count : 0;
    perp_candle *all = calloc(total - first ? total - first : 1, sizeof *all);
    if (!all)
        return PERP_ENOMEM;
    perp_candle last = c[0];
    size_t j = 0, k = 0;
    for (size_t b = 0; b < total; b++) {
        int64_t t = c[0].ts + (int64_t)b * interval_ms;
        if (j < n && c[j].ts == t) {
            last = c[j++];
        } else {
            perp_candle fill = last;
            fill.ts = t;
            fill.open = fill.high = fill.low = last.close;
            fill.volume = 0;
            last = fill;
        }
        if (b >= first)
            all[k++] = last;
    }
    *out = all;
    *n_out = k;
    return PERP_OK;
}

int host_backfill_recent(const perp_feed_vtable *vt, void *self,
                         const char *symbol, int64_t interval_ms, size_t count,
                         int64_t now_ms, perp_candle **out, size_t *n,
                         host_backfill_drops *drops)
{
    *out = NULL;
    *n = 0;
    if (count == 0 || interval_ms <= 0 || now_ms < 0)
        return PERP_OK;
    /* Buckets starting before `end` have closed by now_ms. */
    int64_t end = now_ms - now_ms % interval_ms;
    int64_t start = end - (int64_t)count * interval_ms;
    perp_candle *raw = NULL;
    size_t n_raw = 0;
    int rc = host_backfill_range(vt, self, symbol, interval_ms, start, end,
                                 count, NULL, NULL, &raw, &n_raw, drops);
    if (rc == PERP_OK)
        rc = fill_gaps(raw, n_raw, interval_ms, end, count, out, n);
    free(raw);
    return rc;
}

void host_backfill_drops_text(const host_backfill_drops *d, char *buf,
                              size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (!d || d->total == 0)
        return;
    size_t used = 0;
    const char *sep = ": ";
    int w = snprintf(buf, len, "%zu row%s the replay feed refuses %s dropped",
                     d->total, d->total == 1 ? "" : "s",
                     d->total == 1 ? "was" : "were");
    for (int f = 1; f <= PERP_CANDLE_FAULTS && w >= 0; f++) {
        used += (size_t)w;
        if (used >= len)
            return;
        size_t k = f < PERP_CANDLE_FAULTS ? d->count[f] : d->outside;
        const char *why = f < PERP_CANDLE_FAULTS
                              ? perp_candle_fault_text((perp_candle_fault)f)
                              : "outside the range asked for";
        int64_t first =
            f < PERP_CANDLE_FAULTS ? d->first_ts_s[f] : d->first_outside_s;
        w = k ? snprintf(buf + used, len - used, "%s%zu %s (first ts %lld)",
                         sep, k, why, (long long)first)
              : 0;
        if (k)
            sep = ", ";
    }
}
