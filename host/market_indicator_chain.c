/*
 * market_indicator_chain.c — per-symbol, per-timeframe indicator pipeline.
 */
#include "market_indicator_chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void host_indicator_chain_init(host_indicator_chain *c, size_t series_len)
{
    memset(c, 0, sizeof *c);
    c->series_len = series_len ? series_len : 1;
}

/* Grows the output arrays by k; PERP_OK or PERP_ENOMEM. */
static int grow_outputs(host_indicator_chain *c, size_t k)
{
    size_t n = c->n_out + k;
    char **names = realloc(c->names, (n ? n : 1) * sizeof *names);
    if (!names)
        return PERP_ENOMEM;
    c->names = names;
    double *values = realloc(c->values, (n ? n : 1) * sizeof *values);
    if (!values)
        return PERP_ENOMEM;
    c->values = values;
    host_value_series *s = realloc(c->series, (n ? n : 1) * sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    c->series = s;
    size_t *entry_of = realloc(c->entry_of, (n ? n : 1) * sizeof *entry_of);
    if (!entry_of)
        return PERP_ENOMEM;
    c->entry_of = entry_of;
    return PERP_OK;
}

/* "rsi_7" for a single output, "macd.hist" for one of several. */
static char *full_name(const char *yaml_name, const char *out, size_t n_out)
{
    if (n_out == 1 || !out || !*out)
        return strdup(yaml_name);
    size_t len = strlen(yaml_name) + strlen(out) + 2;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s.%s", yaml_name, out);
    return s;
}

static int add_outputs(host_indicator_chain *c, host_chain_entry *e)
{
    if (grow_outputs(c, e->n_out) != PERP_OK)
        return PERP_ENOMEM;
    for (size_t i = 0; i < e->n_out; i++) {
        size_t k = c->n_out + i;
        const char *on = e->vt->output_name(e->inst.self, i);
        c->names[k] = full_name(e->yaml_name, on, e->n_out);
        c->values[k] = NAN;
        c->entry_of[k] = c->n;
        if (!c->names[k] ||
            host_value_series_init(&c->series[k], c->series_len) != 0) {
            free(c->names[k]);
            for (size_t j = c->n_out; j < k; j++) {
                free(c->names[j]);
                host_value_series_free(&c->series[j]);
            }
            return PERP_ENOMEM;
        }
    }
    c->n_out += e->n_out;
    return PERP_OK;
}

/* The entry's warm-up (see host_chain_entry.warmup); the entries before
 * it are c->e[0 .. c->n). */
static size_t entry_warmup(const host_indicator_chain *c,
                           const host_chain_entry *e)
{
    if (!HOST_VT_HAS(e->vt, perp_indicator_vtable, lookback))
        return 0;
    size_t need = e->vt->lookback(e->inst.self) + 1;
    if (e->vt->bind) {
        size_t inputs = host_indicator_chain_warmup(c);
        if (inputs > 0)
            need += inputs - 1;
    }
    return need;
}

int host_indicator_chain_add(host_indicator_chain *c, host_instance *inst,
                             const char *yaml_name)
{
    const perp_indicator_vtable *vt = inst->vtable;
    host_chain_entry *arr = realloc(c->e, (c->n + 1) * sizeof *arr);
    if (!arr) {
        host_instance_close(inst);
        return PERP_ENOMEM;
    }
    c->e = arr;
    host_chain_entry *e = &c->e[c->n];
    memset(e, 0, sizeof *e);
    e->inst = *inst;
    memset(inst, 0, sizeof *inst);
    e->vt = vt;
    e->yaml_name = strdup(yaml_name);
    e->n_out = vt->output_count(e->inst.self);
    e->first = c->n_out;
    e->update = vt->update;
    e->self = e->inst.self;
    int rc = PERP_OK;
    if (!e->yaml_name)
        rc = PERP_ENOMEM;
    else if (vt->bind)
        rc = vt->bind(e->inst.self, c->n_out, (const char *const *)c->names);
    if (rc == PERP_OK)
        rc = add_outputs(c, e);
    if (rc == PERP_OK) {
        e->warmup = entry_warmup(c, e);
        if (e->warmup > c->warmup_max)
            c->warmup_max = e->warmup;
    }
    if (rc != PERP_OK) {
        host_log(PERP_LOG_ERROR, "agent", "indicator %s: %s", yaml_name,
                 rc == PERP_ENOMEM ? "out of memory"
                                   : "cannot bind to the indicators before it");
        host_instance_close(&e->inst);
        free(e->yaml_name);
        return rc;
    }
    c->n++;
    return PERP_OK;
}

void host_indicator_chain_free(host_indicator_chain *c)
{
    for (size_t i = 0; i < c->n; i++) {
        host_instance_close(&c->e[i].inst);
        free(c->e[i].yaml_name);
    }
    for (size_t i = 0; i < c->n_out; i++) {
        free(c->names[i]);
        host_value_series_free(&c->series[i]);
    }
    free(c->e);
    free(c->names);
    free(c->values);
    free(c->series);
    free(c->entry_of);
    memset(c, 0, sizeof *c);
}

void host_indicator_chain_update(host_indicator_chain *c,
                                 const perp_candle *candle)
{
    c->candles++;
    for (size_t i = 0; i < c->n; i++) {
        host_chain_entry *e = &c->e[i];
        double *out = &c->values[e->first];
        if (e->update(e->self, candle, c->values, out) != PERP_OK) {
            for (size_t k = 0; k < e->n_out; k++)
                out[k] = NAN;
        }
        for (size_t k = 0; k < e->n_out; k++)
            host_value_series_push(&c->series[e->first + k], out[k]);
    }
}

const char *host_indicator_chain_label(const host_indicator_chain *c,
                                       size_t out_index)
{
    if (out_index >= c->n_out)
        return NULL;
    const host_chain_entry *e = &c->e[c->entry_of[out_index]];
    return e->vt->output_label
               ? e->vt->output_label(e->self, out_index - e->first)
               : NULL;
}

const host_chain_entry *host_indicator_chain_find(const host_indicator_chain *c,
                                                  const char *plugin)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].inst.plugin_name, plugin) == 0)
            return &c->e[i];
    return NULL;
}

size_t host_indicator_chain_warmup(const host_indicator_chain *c)
{
    return c->warmup_max;
}

perp_warmup host_indicator_chain_output_warmup(const host_indicator_chain *c,
                                               size_t out_index)
{
    perp_warmup w = {0, 0};
    if (out_index >= c->n_out)
        return w;
    const host_chain_entry *e = &c->e[c->entry_of[out_index]];
    size_t need = e->warmup > UINT32_MAX ? UINT32_MAX : e->warmup;
    w.needed = (uint32_t)need;
    w.seen = (uint32_t)(c->candles < need ? c->candles : need);
    return w;
}
