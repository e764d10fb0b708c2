/*
 * perp/indicator.h — helpers an indicator plugin needs besides sdk.h:
 * which price of a candle it reads (`source:`) and its period keys, as
 * config-map rows and as getters. Header-only, part of the installed SDK
 * (the built-in indicators use it exactly as a third-party one does).
 *
 *   static const perp_config_key my_config[] = {
 *       PERP_CFG_PERIOD("period", "14", 2, "candles averaged"),
 *       PERP_CFG_PRICE_SOURCE,
 *       PERP_CFG_LAST};
 *   ...in create():
 *   if (perp_cfg_period(h, cfg, "period", 14, &s->period) != PERP_OK ||
 *       perp_cfg_price_source(h, cfg, &s->src) != PERP_OK)
 *       return PERP_EINVAL;
 *   ...in update():
 *   double x = perp_price_source_value(s->src, candle);
 */
#ifndef PERP_INDICATOR_H
#define PERP_INDICATOR_H

#include <string.h>

#include <perp/sdk.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum perp_price_source {
    PERP_SRC_OPEN = 0,
    PERP_SRC_HIGH = 1,
    PERP_SRC_LOW = 2,
    PERP_SRC_CLOSE = 3,
    PERP_SRC_HL2 = 4,  /* (high + low) / 2 */
    PERP_SRC_HLC3 = 5, /* (high + low + close) / 3 */
    PERP_SRC_OHLC4 = 6 /* (open + high + low + close) / 4 */
} perp_price_source;

/* In enum order; the choices of the `source` row. */
#define PERP_PRICE_SOURCE_CHOICES "open|high|low|close|hl2|hlc3|ohlc4"

/* The `source` row of a config map (default close). */
#define PERP_CFG_PRICE_SOURCE                                                  \
    PERP_CFG_CHOICE("source", "close", PERP_PRICE_SOURCE_CHOICES,              \
                    "price read from each candle")

/* A period row: an integer from lo to 100000 (TA-Lib's upper bound). */
#define PERP_CFG_PERIOD(n, def, lo, desc) PERP_CFG_INT(n, def, lo, 100000, desc)

static inline double perp_price_source_other(perp_price_source s,
                                             const perp_candle *c)
{
    switch (s) {
    case PERP_SRC_OPEN:
        return c->open;
    case PERP_SRC_HIGH:
        return c->high;
    case PERP_SRC_LOW:
        return c->low;
    case PERP_SRC_HL2:
        return (c->high + c->low) / 2.0;
    case PERP_SRC_HLC3:
        return (c->high + c->low + c->close) / 3.0;
    case PERP_SRC_OHLC4:
        return (c->open + c->high + c->low + c->close) / 4.0;
    case PERP_SRC_CLOSE:
    default:
        return c->close;
    }
}

/* The close (the default) behind one well-predicted compare, ahead of
 * the jump table the switch compiles to; marked likely so that the close
 * falls through and the other sources are the ones that jump (a taken
 * branch per update otherwise). */
#if defined(__GNUC__)
#define PERP_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define PERP_LIKELY(x) (x)
#endif
static inline double perp_price_source_value(perp_price_source s,
                                             const perp_candle *c)
{
    return PERP_LIKELY(s == PERP_SRC_CLOSE) ? c->close
                                            : perp_price_source_other(s, c);
}

/* Reads `source` (default close). A 1.2 host has checked it against the
 * row's choices; an older one has not, hence the refusal here. */
static inline perp_status perp_cfg_price_source(const perp_host *h,
                                                const perp_config_node *cfg,
                                                perp_price_source *out)
{
    static const char *const names[] = {"open", "high", "low",  "close",
                                        "hl2",  "hlc3", "ohlc4"};
    const char *s = NULL;
    if (h->cfg_str(h, cfg, "source", "close", &s) != PERP_OK)
        return PERP_EINVAL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (perp_price_source)i;
            return PERP_OK;
        }
    }
    const perp_config_node *at = h->cfg_child(cfg, "source");
    return h->cfg_error(h, at ? at : cfg,
                        "source: expected one of open, high, low, close, "
                        "hl2, hlc3, ohlc4, found '%s'",
                        s);
}

/* Reads period `key` (default def) as a count. A 1.2 host has checked
 * the row's range; a value below 1, which no arithmetic on a window
 * survives, is still refused for older hosts. */
static inline perp_status perp_cfg_period(const perp_host *h,
                                          const perp_config_node *cfg,
                                          const char *key, int64_t def,
                                          size_t *out)
{
    int64_t v = 0;
    if (h->cfg_int(h, cfg, key, def, &v) != PERP_OK)
        return PERP_EINVAL;
    if (v < 1) {
        const perp_config_node *at = h->cfg_child(cfg, key);
        return h->cfg_error(h, at ? at : cfg, "%s: expected at least 1", key);
    }
    *out = (size_t)v;
    return PERP_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* PERP_INDICATOR_H */
