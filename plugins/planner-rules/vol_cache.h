/*
 * vol_cache.h — the rule's realized volatility without 59 log() calls and
 * 59 dependent divisions per market per cycle.
 *
 * The exact figure is trend_realized_vol's (Welford over the log returns
 * of the last `window` closes), and the rule's decisions and texts are
 * defined by it. This cache keeps each candle's log return once computed
 * (a closed candle never changes), and gives the population variance of
 * the last window - 1 returns from plain sums of r and r^2, with a bound
 * on how far it can be from Welford's result. The rule uses the estimate
 * only where that bound cannot change what it decides or writes (a band
 * crossed, a rounded figure), and asks for the exact figure otherwise.
 */
#ifndef RULES_VOL_CACHE_H
#define RULES_VOL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <perp/sdk.h>

/* Returns kept: windows up to VOL_CACHE_MAX + 1 closes are served. */
#define VOL_CACHE_MAX 512

typedef struct vol_cache {
    int64_t last_ts;   /* open time of the newest candle cached; 0 empty */
    double last_close; /* its close: a different one starts over */
    size_t n;          /* returns held, <= VOL_CACHE_MAX */
    size_t head;       /* slot of the next return */
    /* Log returns (NAN for a close <= 0), each written twice, at slot and
     * slot + VOL_CACHE_MAX, so the newest k are contiguous. */
    double r[2 * VOL_CACHE_MAX];
} vol_cache;

/* Estimates sigma, the population standard deviation of the window - 1
 * log returns between the last `window` closes of c[0..n), after adding
 * the returns of candles newer than the cache's newest. Returns 1 with
 * *sigma and *rel, a bound on |sigma - exact| / exact with exact =
 * trend_realized_vol(c, n, window) (< 0.5); 0 when there is no estimate
 * to trust (too few candles, a close <= 0, a variance too small for the
 * sums, a window beyond the cache): then the caller computes the exact
 * figure. A zero vol_cache is an empty one. */
int vol_cache_estimate(vol_cache *vc, const perp_candle *c, size_t n,
                       int window, double *sigma, double *rel);

#endif
