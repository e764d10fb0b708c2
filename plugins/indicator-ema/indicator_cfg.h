/*
 * indicator_cfg.h — config helpers shared by the built-in indicator
 * plugins (header-only: every plugin compiles on its own, so each includes
 * this file by relative path instead of linking a common object).
 *
 * `source:` picks the price an indicator reads from each candle; periods
 * are integers checked against the ranges TA-Lib accepts.
 */
#ifndef INDICATOR_CFG_H
#define INDICATOR_CFG_H

#include <string.h>
#include <perp/sdk.h>

typedef enum ind_source {
    IND_SRC_OPEN,
    IND_SRC_HIGH,
    IND_SRC_LOW,
    IND_SRC_CLOSE,
    IND_SRC_HL2,  /* (high + low) / 2 */
    IND_SRC_HLC3, /* (high + low + close) / 3 */
    IND_SRC_OHLC4 /* (open + high + low + close) / 4 */
} ind_source;

static const char *const ind_source_names[] = {"open", "high", "low",  "close",
                                               "hl2",  "hlc3", "ohlc4"};

static inline double ind_source_other(ind_source s, const perp_candle *c)
{
    switch (s) {
    case IND_SRC_OPEN:
        return c->open;
    case IND_SRC_HIGH:
        return c->high;
    case IND_SRC_LOW:
        return c->low;
    case IND_SRC_HL2:
        return (c->high + c->low) / 2.0;
    case IND_SRC_HLC3:
        return (c->high + c->low + c->close) / 3.0;
    case IND_SRC_OHLC4:
        return (c->open + c->high + c->low + c->close) / 4.0;
    case IND_SRC_CLOSE:
    default:
        return c->close;
    }
}

/* The close (the default) behind one well-predicted compare, ahead of
 * the jump table the switch compiles to; marked likely so that the close
 * falls through and the other sources are the ones that jump (a taken
 * branch per update otherwise). */
#if defined(__GNUC__)
#define IND_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define IND_LIKELY(x) (x)
#endif
static inline double ind_source_value(ind_source s, const perp_candle *c)
{
    return IND_LIKELY(s == IND_SRC_CLOSE) ? c->close : ind_source_other(s, c);
}

/* Reads `source:` (default close). PERP_OK or PERP_EINVAL after logging
 * where the bad value is and which values are accepted. */
static inline int ind_cfg_source(const perp_host *h,
                                 const perp_config_node *cfg, ind_source *out)
{
    const char *s = NULL;
    if (h->cfg_str(h, cfg, "source", "close", &s) != PERP_OK)
        return PERP_EINVAL;
    size_t n = sizeof ind_source_names / sizeof ind_source_names[0];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, ind_source_names[i]) == 0) {
            *out = (ind_source)i;
            return PERP_OK;
        }
    }
    const perp_config_node *at = h->cfg_child(cfg, "source");
    return h->cfg_error(h, at ? at : cfg,
                        "source: expected one of open, high, low, close, "
                        "hl2, hlc3, ohlc4, found '%s'",
                        s);
}

/* Reads integer `key` (default def) and checks lo <= value <= hi. */
static inline int ind_cfg_period(const perp_host *h,
                                 const perp_config_node *cfg, const char *key,
                                 int64_t def, int64_t lo, int64_t hi,
                                 size_t *out)
{
    int64_t v = 0;
    if (h->cfg_int(h, cfg, key, def, &v) != PERP_OK)
        return PERP_EINVAL;
    if (v < lo || v > hi) {
        const perp_config_node *at = h->cfg_child(cfg, key);
        return h->cfg_error(h, at ? at : cfg,
                            "%s: expected an integer in %lld..%lld, found %lld",
                            key, (long long)lo, (long long)hi, (long long)v);
    }
    *out = (size_t)v;
    return PERP_OK;
}

/* Keys the host itself reads from an indicator's node, accepted by every
 * indicator besides its own. */
#define IND_HOST_KEYS "timeframe", "timeframes"

#endif
