/*
 * plugin.c — backend plugin "hyperliquid": trading on Hyperliquid's
 * perpetuals (testnet unless `network: mainnet`), and `perpd hyperliquid
 * sign` (hl_sign_cmd.c).
 *
 * YAML (hl_config.c has the map):
 *   backend:
 *     plugin: hyperliquid
 *     private_key: ${HL_PRIVATE_KEY}     # an API wallet's key
 *     account: ${HL_ACCOUNT_ADDRESS}     # the account it trades for
 *
 * Orders, cancels and leverage are signed L1 actions (hl_eip712.c); the
 * account, open TP/SL orders, fills and funding are read from /info
 * (hl_sync.c). Market orders are IOC limits bounded by slippage_bps.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hl_backend.h"
#include "hl_sign_cmd.h"

static int stopping(void *ud)
{
    const perp_host *h = ud;
    return PERP_HOST_HAS(h, stopping) ? h->stopping(h) : 0;
}

static void hl_destroy(void *self)
{
    hl_backend *b = self;
    if (!b)
        return;
    hl_signer_free(b->signer); /* wipes the key */
    free(b);
}

static perp_status read_symbols(hl_backend *b)
{
    const perp_host *h = b->host;
    b->n_syms = h->symbol_count(h);
    if (b->n_syms > PERP_MAX_SYMBOLS)
        b->n_syms = PERP_MAX_SYMBOLS;
    for (size_t i = 0; i < b->n_syms; i++) {
        hl_sym *s = &b->syms[i];
        snprintf(s->symbol, sizeof s->symbol, "%s", h->symbol_at(h, i));
        perp_symbol_coin(s->symbol, s->coin);
        s->asset = -1;
        s->bid = s->ask = s->last = NAN;
    }
    return PERP_OK;
}

static perp_status hl_create(const perp_host *host, const perp_config_node *cfg,
                             void **self)
{
    *self = NULL;
    hl_backend *b = calloc(1, sizeof *b);
    if (!b)
        return PERP_ENOMEM;
    b->host = host;
    if (hl_config_read(b, cfg) != PERP_OK) {
        hl_destroy(b);
        return PERP_EINVAL;
    }
    b->http = (hl_http){.base_url = b->set.url,
                        .connect_timeout_ms = b->set.connect_timeout_ms,
                        .timeout_ms = b->set.timeout_ms,
                        .max_body = 16u << 20,
                        .stop = stopping,
                        .stop_ud = (void *)host};
    read_symbols(b);
    b->start_ms = host->now_ms(host);
    /* A coin the exchange does not list is a config error; an exchange
     * out of reach is not: meta is read again when first needed. */
    perp_status rc = hl_load_meta(b);
    if (rc == PERP_EINVAL) {
        hl_destroy(b);
        return PERP_EINVAL;
    }
    if (rc != PERP_OK)
        host->log(host, PERP_LOG_WARN,
                  "%s unreachable for now; trading starts when it answers",
                  b->set.url);
    host->log(host, PERP_LOG_INFO, "%s, account %s, signer %s",
              b->set.mainnet ? "mainnet" : "testnet", b->account,
              hl_signer_address_text(b->signer));
    *self = b;
    return PERP_OK;
}

static perp_status hl_vt_submit(void *self, const perp_order *o,
                                perp_fill *fill, char *why, size_t why_len)
{
    return hl_submit(self, o, fill, why, why_len);
}

/* Prices bound market orders; the exchange marks positions itself. The
 * poll for fills it makes on its own rides on the price stream. */
static perp_status hl_on_price(void *self, const perp_price *p)
{
    hl_backend *b = self;
    hl_sym *s = hl_sym_find(b, p->symbol);
    if (s) {
        s->bid = p->bid;
        s->ask = p->ask;
        s->last = p->last;
    }
    hl_sync(b, 0);
    return PERP_OK;
}

static perp_status hl_account(void *self, perp_account *out)
{
    hl_backend *b = self;
    perp_status rc = hl_sync(b, 0);
    if (rc != PERP_OK && !b->synced_at)
        return rc;
    *out = b->acc;
    for (size_t i = 0; i < out->n_positions; i++) {
        hl_sym *s = hl_sym_find(b, out->positions[i].symbol);
        if (s)
            out->positions[i].exit_plan = s->plan;
    }
    return PERP_OK;
}

/* Prices have at most 5 significant figures and 6 - szDecimals decimals:
 * the step at the current price is the larger of the two limits. */
static perp_status hl_rules(void *self, const char *symbol,
                            perp_symbol_rules *out)
{
    hl_backend *b = self;
    hl_sym *s = hl_sym_find(b, symbol);
    if (!s || s->asset < 0)
        return PERP_EINVAL;
    double px = isfinite(s->last) ? s->last : s->pos.mark_price;
    double tick = pow(10, -(6 - s->sz_decimals));
    if (isfinite(px) && px > 0)
        tick = fmax(tick, pow(10, floor(log10(px)) - 4));
    out->tick_size = tick;
    out->size_step = pow(10, -s->sz_decimals);
    out->min_notional = 10; /* "Order must have minimum value of $10." */
    out->max_leverage = s->max_leverage;
    return PERP_OK;
}

static perp_status hl_set_exit_plan(void *self, const char *symbol,
                                    const perp_exit_plan *plan)
{
    hl_backend *b = self;
    hl_sym *s = hl_sym_find(b, symbol);
    if (!s || s->asset < 0)
        return PERP_EINVAL;
    s->plan = *plan;
    return hl_place_exit_plan(b, s);
}

static perp_status hl_export(void *self, char **out)
{
    *out = hl_state_export(self);
    return *out ? PERP_OK : PERP_ENOMEM;
}

static perp_status hl_import(void *self, const char *state)
{
    return hl_state_import(self, state);
}

static const perp_backend_vtable vtable = {
    .struct_size = sizeof(perp_backend_vtable),
    .create = hl_create,
    .destroy = hl_destroy,
    .submit = hl_vt_submit,
    .on_price = hl_on_price,
    .account = hl_account,
    .rules = hl_rules,
    .set_exit_plan = hl_set_exit_plan,
    .export_state = hl_export,
    .import_state = hl_import,
};

PERP_PLUGIN_WITH_COMMAND(PERP_KIND_BACKEND, "hyperliquid", "1.0.0",
                         "Hyperliquid perpetuals: signed orders, TP/SL, "
                         "account and fills (testnet by default)",
                         vtable, hl_config_map, hl_command, HL_COMMAND_USAGE)
