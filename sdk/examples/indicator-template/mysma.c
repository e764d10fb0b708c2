/*
 * mysma — a complete perpd indicator plugin: a simple moving average,
 * small enough to read in one sitting. Copy this folder, rename the
 * plugin, and change update().
 *
 * Definition (TA-Lib SMA): the mean of the last `period` closes; the
 * first value appears at index period - 1 (the period-th candle); NAN
 * before. O(1) per candle: a ring buffer of the window and its sum.
 *
 * YAML:   - {plugin: mysma, name: sma_10, period: 10}
 *
 * Its keys are declared once, in mysma_config: the host checks the YAML
 * against that table before create() (type, range, unknown keys with a
 * "did you mean", duplicates), fills in the defaults, and prints it for
 * `perpd plugins --describe mysma`. <perp/indicator.h> adds rows and
 * getters for a price `source:` and periods.
 */
#include <math.h>
#include <stdlib.h>

#include <perp/sdk.h> /* the only header a plugin needs */

typedef struct mysma {
    size_t period;
    double *ring; /* owned: the last `period` closes */
    size_t head;  /* next slot to overwrite (the oldest once full) */
    size_t seen;  /* candles folded in since create/reset */
    double sum;   /* sum of the ring */
} mysma;

/* The YAML keys: name, default, range, description; one row each. */
static const perp_config_key mysma_config[] = {
    PERP_CFG_INT("period", "20", 2, 100000, "closes averaged"), PERP_CFG_LAST};

/* create: read the config, allocate the state. The host has checked the
 * node against mysma_config, so period is an integer in 2..100000. The
 * host and the config node are borrowed and outlive the instance. */
static perp_status mysma_create(const perp_host *h, const perp_config_node *cfg,
                                void **self)
{
    int64_t period = 0;
    if (h->cfg_int(h, cfg, "period", 20, &period) != PERP_OK)
        return PERP_EINVAL; /* the host has logged file:line:col */
    mysma *s = calloc(1, sizeof *s);
    double *ring = calloc((size_t)period, sizeof *ring);
    if (!s || !ring) {
        free(s);
        free(ring);
        return PERP_ENOMEM;
    }
    s->period = (size_t)period;
    s->ring = ring;
    *self = s;
    return PERP_OK;
}

static void mysma_destroy(void *self)
{
    mysma *s = self;
    if (!s)
        return;
    free(s->ring);
    free(s);
}

static size_t mysma_output_count(void *self)
{
    (void)self;
    return 1; /* shown under the YAML name, e.g. "sma_10" */
}

static const char *mysma_output_name(void *self, size_t i)
{
    (void)self;
    return i == 0 ? "sma" : NULL;
}

/* update: fold in one closed candle, write output_count() values. prior
 * holds earlier indicators' outputs (unused here). */
static perp_status mysma_update(void *self, const perp_candle *c,
                                const double *prior, double *out)
{
    (void)prior;
    mysma *s = self;
    s->sum += c->close - s->ring[s->head]; /* the ring starts zeroed */
    s->ring[s->head] = c->close;
    s->head = (s->head + 1) % s->period;
    s->seen++;
    out[0] = s->seen >= s->period ? s->sum / (double)s->period : NAN;
    return PERP_OK;
}

static void mysma_reset(void *self)
{
    mysma *s = self;
    for (size_t i = 0; i < s->period; i++)
        s->ring[i] = 0.0;
    s->head = 0;
    s->seen = 0;
    s->sum = 0.0;
}

/* lookback: candles folded in before the first defined output (TA-Lib's
 * TA_SMA_Lookback = period - 1). The host fetches at least this many
 * candles at a live start and shows "warming_up" until they are in. */
static size_t mysma_lookback(void *self)
{
    const mysma *s = self;
    return s->period - 1;
}

static const perp_indicator_vtable mysma_vtable = {
    .struct_size = sizeof(perp_indicator_vtable),
    .create = mysma_create,
    .destroy = mysma_destroy,
    .output_count = mysma_output_count,
    .output_name = mysma_output_name,
    .update = mysma_update,
    .reset = mysma_reset,
    .lookback = mysma_lookback,
    /* bind, output_label and summary are optional: left NULL */
};

/* The one exported symbol: perp_plugin_entry, returning the descriptor
 * (with the config map: SDK 1.2). */
PERP_PLUGIN_WITH_CONFIG(PERP_KIND_INDICATOR, "mysma", "0.1.0",
                        "simple moving average (SDK template)", mysma_vtable,
                        mysma_config)
