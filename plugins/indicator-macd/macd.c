/*
 * indicator-macd — moving average convergence/divergence, as TA-Lib's
 * TA_MACD (default compatibility). Outputs "macd" (the line), "signal"
 * and "hist", shown as <name>.macd, <name>.signal, <name>.hist.
 *
 * Definition, for fast f, slow s (f < s), signal g, and EMA(n) of
 * indicator-ema (k = 2/(n+1)):
 *   TA-Lib seeds BOTH averages at the slow lookback s-1, not each at its
 *   own: ta_MACD.c calls its internal EMA with startIdx = s-1 for the
 *   fast one too, so
 *     slow[s-1] = mean(x[0 .. s-1])      (the usual SMA seed)
 *     fast[s-1] = mean(x[s-f .. s-1])    (the f closes ending at s-1)
 *   and both follow the EMA recurrence afterwards.
 *   macd[t]   = fast[t] - slow[t]                 from t = s-1
 *   signal    = EMA(g) of macd, seeded with mean(macd[s-1 .. s+g-2])
 *   hist[t]   = macd[t] - signal[t]               from t = s+g-2
 * First defined index: macd s-1 (25 for 12/26/9); signal and hist s+g-2
 * (33; TA_MACD_Lookback). TA-Lib reports all three from 33; the line's
 * values at 25..32 are the ones TA-Lib computes internally, shown here
 * because they are already final.
 *
 * Keys: macd_config below; fast must be below slow (TA-Lib swaps them
 * silently; a config error is clearer). O(1) per candle.
 */
#include <math.h>
#include <stdlib.h>
#include <perp/sdk.h>

#include <perp/indicator.h>

typedef struct macd_state {
    size_t fast, slow, signal;
    double kf, ks, kg;
    perp_price_source src;
    double *recent; /* owned ring of the last `fast` prices (fast seed) */
    size_t head;
    size_t seen;
    double slow_sum;
    double ema_fast, ema_slow;
    size_t lines; /* macd values produced, counted up to signal */
    double sig_sum;
    double sig;
} macd_state;

static void macd_reset(void *self)
{
    macd_state *s = self;
    s->head = 0;
    s->seen = 0;
    s->slow_sum = 0.0;
    s->ema_fast = s->ema_slow = NAN;
    s->lines = 0;
    s->sig_sum = 0.0;
    s->sig = NAN;
}

static const perp_config_key macd_config[] = {
    PERP_CFG_PERIOD("fast", "12", 2, "period of the fast EMA (below slow)"),
    PERP_CFG_PERIOD("slow", "26", 2, "period of the slow EMA"),
    PERP_CFG_PERIOD("signal", "9", 1, "period of the signal line's EMA"),
    PERP_CFG_PRICE_SOURCE, PERP_CFG_LAST};

static perp_status macd_read_cfg(const perp_host *h,
                                 const perp_config_node *cfg, macd_state *s)
{
    if (perp_cfg_period(h, cfg, "fast", 12, &s->fast) != PERP_OK ||
        perp_cfg_period(h, cfg, "slow", 26, &s->slow) != PERP_OK ||
        perp_cfg_period(h, cfg, "signal", 9, &s->signal) != PERP_OK ||
        perp_cfg_price_source(h, cfg, &s->src) != PERP_OK)
        return PERP_EINVAL;
    if (s->fast >= s->slow) {
        const perp_config_node *at = h->cfg_child(cfg, "fast");
        return h->cfg_error(h, at ? at : cfg,
                            "fast: expected a period below slow (%zu), "
                            "found %zu",
                            s->slow, s->fast);
    }
    return PERP_OK;
}

static perp_status macd_create(const perp_host *h, const perp_config_node *cfg,
                               void **self)
{
    macd_state tmp = {0};
    if (macd_read_cfg(h, cfg, &tmp) != PERP_OK)
        return PERP_EINVAL;
    macd_state *s = malloc(sizeof *s);
    double *recent = calloc(tmp.fast, sizeof *recent);
    if (!s || !recent) {
        free(s);
        free(recent);
        return PERP_ENOMEM;
    }
    *s = tmp;
    s->recent = recent;
    s->kf = 2.0 / (double)(s->fast + 1);
    s->ks = 2.0 / (double)(s->slow + 1);
    s->kg = 2.0 / (double)(s->signal + 1);
    macd_reset(s);
    *self = s;
    return PERP_OK;
}

static void macd_destroy(void *self)
{
    macd_state *s = self;
    if (!s)
        return;
    free(s->recent);
    free(s);
}

static size_t macd_output_count(void *self)
{
    (void)self;
    return 3;
}

static const char *macd_output_name(void *self, size_t i)
{
    (void)self;
    static const char *const names[] = {"macd", "signal", "hist"};
    return i < 3 ? names[i] : NULL;
}

/* Mean of the last `fast` prices, oldest first, as TA-Lib sums them. */
static double macd_fast_seed(const macd_state *s)
{
    double sum = 0.0;
    for (size_t i = 0; i < s->fast; i++)
        sum += s->recent[(s->head + i) % s->fast];
    return sum / (double)s->fast;
}

/* Folds x into both EMAs; returns the macd line or NAN before s-1. */
static double macd_line(macd_state *s, double x)
{
    s->seen++;
    if (s->seen <= s->slow) {
        s->recent[s->head] = x;
        s->head = s->head + 1 == s->fast ? 0 : s->head + 1;
        s->slow_sum += x;
        if (s->seen < s->slow)
            return NAN;
        s->ema_slow = s->slow_sum / (double)s->slow;
        s->ema_fast = macd_fast_seed(s);
    } else {
        s->ema_fast = (x - s->ema_fast) * s->kf + s->ema_fast;
        s->ema_slow = (x - s->ema_slow) * s->ks + s->ema_slow;
    }
    return s->ema_fast - s->ema_slow;
}

static void macd_signal(macd_state *s, double line)
{
    s->lines++;
    if (s->lines < s->signal) {
        s->sig_sum += line;
    } else if (s->lines == s->signal) {
        s->sig_sum += line;
        s->sig = s->sig_sum / (double)s->signal;
    } else {
        s->sig = (line - s->sig) * s->kg + s->sig;
    }
}

/* Before the signal's seed is complete (the cold branch). */
static void macd_warm_up(macd_state *s, double x, double *out)
{
    double line = macd_line(s, x);
    if (!isnan(line))
        macd_signal(s, line);
    out[0] = line;
    out[1] = s->sig;
    out[2] = isnan(s->sig) ? NAN : line - s->sig;
}

static perp_status macd_update(void *self, const perp_candle *c,
                               const double *prior, double *out)
{
    (void)prior;
    macd_state *s = self;
    double x = perp_price_source_value(s->src, c);
    if (s->lines < s->signal) {
        macd_warm_up(s, x, out);
        return PERP_OK;
    }
    /* Steady state: both averages and the signal are seeded; the same
     * recurrences as macd_line and macd_signal without their counters. */
    double fast = (x - s->ema_fast) * s->kf + s->ema_fast;
    double slow = (x - s->ema_slow) * s->ks + s->ema_slow;
    double line = fast - slow;
    double sig = (line - s->sig) * s->kg + s->sig;
    s->ema_fast = fast;
    s->ema_slow = slow;
    s->sig = sig;
    out[0] = line;
    out[1] = sig;
    out[2] = line - sig;
    return PERP_OK;
}

/* TA_MACD_Lookback: the slow EMA's seed (slow - 1), then the
 * signal EMA's (signal - 1); the line alone is defined 8 candles earlier
 * (12/26/9), but the lookback is when every output is. */
static size_t macd_lookback(void *self)
{
    const macd_state *s = self;
    return s->slow + s->signal - 2;
}

static const perp_indicator_vtable macd_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = macd_create,
    .destroy = macd_destroy,
    .output_count = macd_output_count,
    .output_name = macd_output_name,
    .bind = NULL,
    .update = macd_update,
    .reset = macd_reset,
    .output_label = NULL,
    .summary = NULL,
    .lookback = macd_lookback,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "macd", "1.0.0",
                        "MACD line, signal and histogram (TA-Lib MACD "
                        "seeding)",
                        macd_vtable, macd_config)
