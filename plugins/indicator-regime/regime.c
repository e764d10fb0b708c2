/*
 * indicator-regime — classifies a symbol's market from the outputs of the
 * indicators before it (YAML order): trending_up, trending_down, ranging
 * or volatile_choppy, with a volatility level, a trend strength 0-100 and
 * a one-line summary. Outputs (shown as <name>.regime, ...):
 *   regime      0 trending_up, 1 trending_down, 2 ranging,
 *               3 volatile_choppy              (output_label: the word)
 *   volatility  0 low, 1 moderate, 2 high, 3 extreme (output_label too)
 *   strength    0..100
 * NAN (and NULL labels) until every input is defined.
 *
 * Inputs: config keys naming earlier outputs (regime_config below; the
 * defaults match the default pipeline), and the candle's close. The
 * rules and thresholds are in docs/indicators.md; regime_rules.h holds
 * them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <perp/sdk.h>

#include "regime_rules.h"

enum { IN_EMA, IN_MACD, IN_RSI, IN_RV, IN_RV_ANNUAL, IN_COUNT };

static const char *const in_keys[IN_COUNT] = {"ema", "macd", "rsi", "rv",
                                              "rv_annual"};
static const char *const in_defaults[IN_COUNT] = {
    "ema_20", "macd.macd", "rsi_7", "rv_15m.rv", "rv_15m.rv_annual"};

/* The inputs' rows repeat in_keys and in_defaults: a table row needs
 * constant strings. */
static const perp_config_key regime_config[] = {
    PERP_CFG_STR("ema", "ema_20", "earlier output: EMA of the close"),
    PERP_CFG_STR("macd", "macd.macd", "earlier output: the MACD line"),
    PERP_CFG_STR("rsi", "rsi_7", "earlier output: RSI"),
    PERP_CFG_STR("rv", "rv_15m.rv", "earlier output: per-candle realized vol"),
    PERP_CFG_STR("rv_annual", "rv_15m.rv_annual",
                 "earlier output: annualised realized vol"),
    REGIME_THRESHOLD_ROWS,
    PERP_CFG_LAST};

typedef struct regime_state {
    const perp_host *host;         /* borrowed */
    const char *in_name[IN_COUNT]; /* borrowed from the config tree */
    long in_index[IN_COUNT];       /* index into prior[], -1 unbound */
    regime_thresholds th;
    regime_result last;
    int have; /* last holds a classification */
    /* The summary is text for a reader; it is formatted when asked for,
     * not on every candle (a host shows one regime's summary a cycle). */
    regime_inputs last_in;
    int summary_stale;
    char summary[256];
} regime_state;

static perp_status regime_read_inputs(const perp_host *h,
                                      const perp_config_node *cfg,
                                      regime_state *s)
{
    for (int i = 0; i < IN_COUNT; i++) {
        if (h->cfg_str(h, cfg, in_keys[i], in_defaults[i], &s->in_name[i]) !=
            PERP_OK)
            return PERP_EINVAL;
        s->in_index[i] = -1;
    }
    return PERP_OK;
}

static perp_status regime_create(const perp_host *h,
                                 const perp_config_node *cfg, void **self)
{
    regime_state *s = calloc(1, sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    s->host = h;
    if (regime_read_inputs(h, cfg, s) != PERP_OK ||
        regime_read_thresholds(h, cfg, &s->th) != PERP_OK) {
        free(s);
        return PERP_EINVAL;
    }
    *self = s;
    return PERP_OK;
}

static void regime_destroy(void *self)
{
    free(self);
}

static void regime_reset(void *self)
{
    regime_state *s = self;
    s->have = 0;
    s->summary[0] = '\0';
}

static size_t regime_output_count(void *self)
{
    (void)self;
    return 3;
}

static const char *regime_output_name(void *self, size_t i)
{
    (void)self;
    static const char *const names[] = {"regime", "volatility", "strength"};
    return i < 3 ? names[i] : NULL;
}

static perp_status regime_bind(void *self, size_t n, const char *const *names)
{
    regime_state *s = self;
    int rc = PERP_OK;
    for (int i = 0; i < IN_COUNT; i++) {
        s->in_index[i] = -1;
        for (size_t k = 0; k < n; k++) {
            if (names[k] && strcmp(names[k], s->in_name[i]) == 0) {
                s->in_index[i] = (long)k;
                break;
            }
        }
        if (s->in_index[i] < 0) {
            s->host->log(s->host, PERP_LOG_ERROR,
                         "%s: no earlier indicator output named '%s' (list "
                         "it before the regime, or set %s: to its name)",
                         in_keys[i], s->in_name[i], in_keys[i]);
            rc = PERP_EINVAL;
        }
    }
    return rc;
}

static int regime_gather(const regime_state *s, const perp_candle *c,
                         const double *prior, regime_inputs *in)
{
    double v[IN_COUNT];
    for (int i = 0; i < IN_COUNT; i++) {
        if (s->in_index[i] < 0 || !prior)
            return 0;
        v[i] = prior[s->in_index[i]];
        if (isnan(v[i]))
            return 0;
    }
    in->close = c->close;
    in->ema = v[IN_EMA];
    in->macd = v[IN_MACD];
    in->rsi = v[IN_RSI];
    in->rv = v[IN_RV];
    in->rv_annual = v[IN_RV_ANNUAL];
    return !isnan(in->close);
}

static perp_status regime_update(void *self, const perp_candle *c,
                                 const double *prior, double *out)
{
    regime_state *s = self;
    regime_inputs in;
    s->have = regime_gather(s, c, prior, &in);
    if (!s->have) {
        out[0] = out[1] = out[2] = NAN;
        s->summary[0] = '\0';
        return PERP_OK;
    }
    s->last = regime_classify(&s->th, &in);
    out[0] = (double)s->last.regime;
    out[1] = (double)s->last.vol_level;
    out[2] = s->last.strength;
    s->last_in = in;
    s->summary_stale = 1;
    return PERP_OK;
}

static const char *regime_output_label(void *self, size_t i)
{
    regime_state *s = self;
    if (!s->have)
        return NULL;
    if (i == 0)
        return regime_name(s->last.regime);
    if (i == 1)
        return regime_vol_name(s->last.vol_level);
    return NULL;
}

static const char *regime_summary(void *self)
{
    regime_state *s = self;
    if (!s->have)
        return NULL;
    if (s->summary_stale) {
        regime_describe(&s->last_in, &s->last, s->summary, sizeof s->summary);
        s->summary_stale = 0;
    }
    return s->summary;
}

/* Defined from the first candle at which every input is: nothing of its
 * own to warm up. The host adds the warm-up of the indicators before it
 * (the SDK's rule for an indicator that binds to earlier outputs). */
static size_t regime_lookback(void *self)
{
    (void)self;
    return 0;
}

static const perp_indicator_vtable regime_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = regime_create,
    .destroy = regime_destroy,
    .output_count = regime_output_count,
    .output_name = regime_output_name,
    .bind = regime_bind,
    .update = regime_update,
    .reset = regime_reset,
    .output_label = regime_output_label,
    .summary = regime_summary,
    .lookback = regime_lookback,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "regime", "1.0.0",
                        "market regime, volatility level and trend strength",
                        regime_vtable, regime_config)
