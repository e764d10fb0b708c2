/*
 * ind_harness.c — see ind_harness.h.
 */
#include "ind_harness.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plugin_instance.h"
#include "plugin_services.h"

static const host_context ind_ctx = {.version = "test"};

/* Weak: every test binary links this file, and only the plugin tests
 * have a plugin (and so perp_plugin_entry) compiled in. */
#pragma weak perp_plugin_entry

/* The descriptor whose vtable is vt, if it is the plugin under test. */
static const perp_plugin_descriptor *
descriptor_of(const perp_indicator_vtable *vt)
{
    const perp_plugin_descriptor *d =
        perp_plugin_entry ? perp_plugin_entry() : NULL;
    return d && d->vtable == vt ? d : NULL;
}

int ind_open(ind_instance *inst, const perp_indicator_vtable *vt,
             const char *yaml)
{
    memset(inst, 0, sizeof *inst);
    char err[512];
    host_config *cfg = host_config_parse(yaml, "test.yaml", err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "ind_open: %s\n", err);
        return PERP_EINVAL;
    }
    perp_host *h = host_services_new(&ind_ctx, "indicator-test");
    if (!h) {
        host_config_free(cfg);
        return PERP_ENOMEM;
    }
    /* As the host does: the plugin's config map first, then create. */
    void *self = NULL;
    const perp_plugin_descriptor *d = descriptor_of(vt);
    const perp_config_node *node = host_config_root(cfg);
    host_services_set_entry(h, node, host_entry_keys(PERP_KIND_INDICATOR));
    int rc = d ? host_plugin_create(d, h, node, &self)
               : vt->create(h, node, &self);
    if (rc != PERP_OK) {
        host_services_free(h);
        host_config_free(cfg);
        return rc;
    }
    inst->cfg = cfg;
    inst->host = h;
    inst->vt = vt;
    inst->self = self;
    inst->n_out = vt->output_count(self);
    return PERP_OK;
}

void ind_close(ind_instance *inst)
{
    if (inst->vt && inst->self)
        inst->vt->destroy(inst->self);
    if (inst->host)
        host_services_free(inst->host);
    if (inst->cfg)
        host_config_free(inst->cfg);
    memset(inst, 0, sizeof *inst);
}

int ind_feed(ind_instance *inst, const perp_candle *c, double *out)
{
    return inst->vt->update(inst->self, c, NULL, out);
}

static int parse_row(const char *line, perp_candle *c)
{
    long long ts = 0;
    if (sscanf(line, "%lld,%lf,%lf,%lf,%lf,%lf", &ts, &c->open, &c->high,
               &c->low, &c->close, &c->volume) != 6)
        return -1;
    c->ts = (int64_t)ts * 1000;
    c->interval_ms = 60000;
    return 0;
}

perp_candle *ind_history(const char *file, size_t *n)
{
    const char *shared = getenv("PERP_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/history/%s",
             shared && *shared ? shared : "../shared", file);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ind_history: cannot open %s\n", path);
        abort();
    }
    size_t cap = 1 << 16, len = 0;
    perp_candle *v = malloc(cap * sizeof *v);
    char line[256];
    while (v && fgets(line, sizeof line, f)) {
        if (len == cap) {
            cap *= 2;
            perp_candle *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
        }
        memset(&v[len], 0, sizeof v[len]);
        snprintf(v[len].symbol, sizeof v[len].symbol, "%.*s",
                 (int)(strcspn(file, "_")), file);
        if (parse_row(line, &v[len]) == 0)
            len++;
    }
    fclose(f);
    if (!v || len < 1000) {
        fprintf(stderr, "ind_history: %s: too few rows\n", path);
        abort();
    }
    *n = len;
    return v;
}

perp_candle ind_flat_candle(double price, int64_t ts)
{
    perp_candle c;
    memset(&c, 0, sizeof c);
    c.ts = ts;
    c.interval_ms = 60000;
    snprintf(c.symbol, sizeof c.symbol, "TEST-USD");
    c.open = c.high = c.low = c.close = price;
    return c;
}

int ind_close_rel(double a, double b, double rel)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    if (a == b)
        return 1;
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b));
}

double *ind_run(ind_instance *inst, const perp_candle *candles, size_t n)
{
    double *out = malloc(n * inst->n_out * sizeof *out);
    if (!out)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (ind_feed(inst, &candles[i], &out[i * inst->n_out]) != PERP_OK) {
            fprintf(stderr, "ind_run: update failed at %zu\n", i);
            abort();
        }
    }
    return out;
}

size_t ind_first_mismatch(const double *got, size_t n_out, size_t col,
                          const double *want, size_t n, size_t first,
                          double rel)
{
    for (size_t i = 0; i < n; i++) {
        double g = got[i * n_out + col];
        int ok = i < first ? isnan(g) && isnan(want[i])
                           : isfinite(g) && ind_close_rel(g, want[i], rel);
        if (!ok) {
            fprintf(stderr, "index %zu: plugin %.17g, batch %.17g\n", i, g,
                    want[i]);
            return i;
        }
    }
    return n;
}

size_t ind_history_mismatch(const perp_indicator_vtable *vt, const char *yaml,
                            const char *file, ind_batch_fn batch, size_t period,
                            size_t first, double rel, size_t *n)
{
    *n = 0;
    ind_instance in;
    if (ind_open(&in, vt, yaml) != PERP_OK) {
        fprintf(stderr, "ind_history_mismatch: create refused %s\n", yaml);
        ind_close(&in);
        return SIZE_MAX;
    }
    perp_candle *c = ind_history(file, n);
    double *close = malloc(*n * sizeof *close);
    double *want = malloc(*n * sizeof *want);
    if (!close || !want)
        abort();
    for (size_t i = 0; i < *n; i++)
        close[i] = c[i].close;
    batch(c, close, *n, period, want);
    double *got = ind_run(&in, c, *n);
    size_t bad = ind_first_mismatch(got, in.n_out, 0, want, *n, first, rel);
    ind_close(&in);
    free(got);
    free(want);
    free(close);
    free(c);
    return bad;
}

int ind_warmup(const perp_indicator_vtable *vt, const char *yaml,
               size_t *lookback, size_t *first)
{
    ind_instance inst;
    *lookback = *first = SIZE_MAX;
    int rc = ind_open(&inst, vt, yaml);
    if (rc != PERP_OK)
        return rc;
    if (vt->struct_size >=
            offsetof(perp_indicator_vtable, lookback) + sizeof vt->lookback &&
        vt->lookback)
        *lookback = vt->lookback(inst.self);
    size_t n = 0;
    perp_candle *c = ind_history("BTC-USD_1m.csv", &n);
    double out[16];
    for (size_t i = 0; i < n && i < 100000 && inst.n_out <= 16; i++) {
        ind_feed(&inst, &c[i], out);
        size_t k = 0;
        while (k < inst.n_out && isfinite(out[k]))
            k++;
        if (k == inst.n_out) {
            *first = i;
            break;
        }
    }
    free(c);
    ind_close(&inst);
    return PERP_OK;
}
