/*
 * plugin.c — perpsim's backend vtable: reads the YAML (config.c), owns an
 * engine (engine.c), turns the engine's events into TRADE, FUNDING and
 * LIQUIDATION records through host->emit, and exports/imports the state
 * (state_json.c).
 */
#include <perp/sdk.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "rates_csv.h"
#include "state_json.h"

typedef struct perpsim {
    const perp_host *host; /* borrowed, valid until destroy */
    psim_engine eng;
} perpsim;

static void emit_fill(void *ud, const perp_fill *f)
{
    perpsim *ps = ud;
    perp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.type = PERP_REC_TRADE;
    rec.ts = f->ts;
    rec.u.trade.fill = *f;
    ps->host->emit(ps->host, &rec);
}

static void emit_funding(void *ud, int64_t ts, const perp_funding_record *r)
{
    perpsim *ps = ud;
    perp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.type = PERP_REC_FUNDING;
    rec.ts = ts;
    rec.u.funding = *r;
    ps->host->emit(ps->host, &rec);
}

static void emit_liquidation(void *ud, int64_t ts,
                             const perp_liquidation_record *r)
{
    perpsim *ps = ud;
    perp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.type = PERP_REC_LIQUIDATION;
    rec.ts = ts;
    rec.u.liquidation = *r;
    ps->host->emit(ps->host, &rec);
    ps->host->log(ps->host, PERP_LOG_WARN,
                  "liquidated %s qty=%g mark=%g penalty=%.2f equity=%.2f "
                  "maintenance=%.2f",
                  r->symbol, r->qty, r->price, r->penalty, r->equity_before,
                  r->maintenance_before);
}

static perp_status load_rates(perpsim *ps, const perp_config_node *cfg,
                              const char *path)
{
    char why[PERP_ERROR_MAX];
    size_t skipped = 0;
    if (psim_rates_load(&ps->eng, path, &skipped, why, sizeof why) != PERP_OK) {
        const perp_host *h = ps->host;
        const perp_config_node *at =
            h->cfg_child(h->cfg_child(cfg, "funding"), "file");
        return h->cfg_error(h, at ? at : cfg, "funding.file: %s", why);
    }
    ps->host->log(ps->host, PERP_LOG_INFO,
                  "funding: %zu rates from %s (%zu rows of other symbols)",
                  ps->eng.n_rates, path, skipped);
    return PERP_OK;
}

static perp_status ps_create(const perp_host *host, const perp_config_node *cfg,
                             void **self)
{
    *self = NULL;
    psim_config *c = malloc(sizeof *c);
    perpsim *ps = calloc(1, sizeof *ps);
    if (!c || !ps) {
        free(c);
        free(ps);
        return PERP_ENOMEM;
    }
    ps->host = host;
    int rc = psim_config_read(host, cfg, c);
    psim_events ev = {ps, emit_fill, emit_funding, emit_liquidation};
    if (rc == PERP_OK)
        rc = psim_init(&ps->eng, &c->params, c->symbols, c->n_symbols, &ev);
    if (rc == PERP_OK && c->funding_file &&
        c->params.funding_model == PSIM_FUNDING_EXTERNAL)
        rc = load_rates(ps, cfg, c->funding_file);
    free(c);
    if (rc != PERP_OK) {
        psim_free(&ps->eng);
        free(ps);
        return rc;
    }
    *self = ps;
    return PERP_OK;
}

static void ps_destroy(void *self)
{
    perpsim *ps = self;
    if (!ps)
        return;
    psim_free(&ps->eng);
    free(ps);
}

static perp_status ps_submit(void *self, const perp_order *o, perp_fill *fill,
                             char *why, size_t why_len)
{
    perpsim *ps = self;
    int64_t ts = o->ts ? o->ts : ps->host->now_ms(ps->host);
    perp_fill tmp;
    return psim_submit(&ps->eng, o, ts, fill ? fill : &tmp, why, why_len);
}

static perp_status ps_on_price(void *self, const perp_price *p)
{
    perpsim *ps = self;
    int idx = psim_find(&ps->eng, p->symbol);
    if (idx < 0)
        return PERP_EINVAL;
    return psim_on_price(&ps->eng, idx, p->ts, p->last, p->bid, p->ask);
}

static perp_status ps_on_candle(void *self, const perp_candle *c)
{
    perpsim *ps = self;
    int idx = psim_find(&ps->eng, c->symbol);
    if (idx < 0)
        return PERP_EINVAL;
    return psim_on_candle(&ps->eng, idx, c);
}

static perp_status ps_on_funding(void *self, const perp_funding_rate *r)
{
    perpsim *ps = self;
    int idx = psim_find(&ps->eng, r->symbol);
    if (idx < 0)
        return PERP_EINVAL;
    return psim_on_funding(&ps->eng, idx, r->ts, r->rate_1h);
}

static perp_status ps_account(void *self, perp_account *out)
{
    perpsim *ps = self;
    psim_account(&ps->eng, out);
    return PERP_OK;
}

static perp_status ps_rules(void *self, const char *symbol,
                            perp_symbol_rules *out)
{
    perpsim *ps = self;
    int idx = psim_find(&ps->eng, symbol);
    if (idx < 0)
        return PERP_EINVAL;
    psim_rules(&ps->eng, idx, out);
    return PERP_OK;
}

static perp_status ps_set_exit_plan(void *self, const char *symbol,
                                    const perp_exit_plan *plan)
{
    perpsim *ps = self;
    char why[PERP_ERROR_MAX];
    int idx = psim_find(&ps->eng, symbol);
    if (idx < 0) {
        ps->host->log(ps->host, PERP_LOG_WARN, "set_exit_plan: unknown %s",
                      symbol);
        return PERP_EINVAL;
    }
    int rc = psim_set_exit_plan(&ps->eng, idx, plan, why, sizeof why);
    if (rc != PERP_OK)
        ps->host->log(ps->host, PERP_LOG_WARN, "set_exit_plan: %s", why);
    return rc;
}

static perp_status ps_export_state(void *self, char **out)
{
    perpsim *ps = self;
    *out = psim_state_export(&ps->eng);
    return *out ? PERP_OK : PERP_ENOMEM;
}

static perp_status ps_import_state(void *self, const char *state)
{
    perpsim *ps = self;
    char why[PERP_ERROR_MAX];
    int rc = psim_state_import(&ps->eng, state, why, sizeof why);
    if (rc != PERP_OK)
        ps->host->log(ps->host, PERP_LOG_ERROR, "import_state: %s", why);
    return rc;
}

static perp_status ps_market_candle(void *self, const perp_candle *c)
{
    perpsim *ps = self;
    return psim_on_market_candle(&ps->eng, psim_find(&ps->eng, c->symbol), c);
}

static perp_status ps_slippage(void *self, const char *symbol, double notional,
                               perp_slippage *out)
{
    perpsim *ps = self;
    const psim_params *p = &ps->eng.p;
    int idx = psim_find(&ps->eng, symbol);
    if (idx < 0 || !out ||
        out->struct_size <
            offsetof(perp_slippage, volume_1m) + sizeof out->volume_1m)
        return PERP_EINVAL;
    const psim_impact_window *w = &ps->eng.sym[idx].impact;
    int sqrt_model = p->slippage_model == PSIM_SLIPPAGE_SQRT;
    memcpy(out->model, sqrt_model ? "sqrt" : "fixed", sqrt_model ? 5 : 6);
    out->bps = psim_slippage(&ps->eng, idx, notional);
    out->floor_bps = p->slippage_bps;
    out->k = sqrt_model ? p->impact_k : NAN;
    out->cap_bps = sqrt_model ? p->impact_cap_bps : NAN;
    out->window_ms = sqrt_model ? p->impact_window_ms : 0;
    out->sigma_1m = sqrt_model ? psim_impact_sigma(w) : NAN;
    out->volume_1m = sqrt_model ? psim_impact_volume(w) : NAN;
    return PERP_OK;
}

static const perp_backend_vtable vt = {
    .struct_size = sizeof(perp_backend_vtable),
    .create = ps_create,
    .destroy = ps_destroy,
    .submit = ps_submit,
    .on_price = ps_on_price,
    .on_candle = ps_on_candle,
    .on_funding = ps_on_funding,
    .account = ps_account,
    .rules = ps_rules,
    .set_exit_plan = ps_set_exit_plan,
    .export_state = ps_export_state,
    .import_state = ps_import_state,
    .market_candle = ps_market_candle,
    .slippage = ps_slippage,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_BACKEND, "perpsim", "1.0.0",
                        "perpetual-futures paper exchange: cross margin, "
                        "liquidation, funding, fees, fixed or size-aware "
                        "slippage, exit plans",
                        vt, psim_config_map)
