/*
 * plugin.c — backend plugin "hyperliquid": the descriptor, and
 * `perpd hyperliquid sign` (hl_sign_cmd.c).
 *
 * This first step carries the signing library (hl_keccak, hl_msgpack,
 * hl_eip712, hl_signer, hl_wire) and the sign tool; the trading backend
 * comes next and until then create() says so instead of pretending.
 */
#include <perp/sdk.h>

#include "hl_sign_cmd.h"

static perp_status hl_create(const perp_host *host, const perp_config_node *cfg,
                             void **self)
{
    (void)cfg;
    *self = NULL;
    host->log(host, PERP_LOG_ERROR,
              "the Hyperliquid trading backend is not in this build yet "
              "(only `perpd hyperliquid sign` is)");
    return PERP_EUNSUPPORTED;
}

static void hl_destroy(void *self)
{
    (void)self;
}

/* The loader requires these of a backend. None is reachable while
 * create() refuses; step 2 replaces them with the trading backend. */
static perp_status hl_submit(void *self, const perp_order *o, perp_fill *f,
                             char *why, size_t why_len)
{
    (void)self, (void)o, (void)f, (void)why, (void)why_len;
    return PERP_EUNSUPPORTED;
}

static perp_status hl_on_price(void *self, const perp_price *p)
{
    (void)self, (void)p;
    return PERP_EUNSUPPORTED;
}

static perp_status hl_account(void *self, perp_account *out)
{
    (void)self, (void)out;
    return PERP_EUNSUPPORTED;
}

static perp_status hl_rules(void *self, const char *symbol,
                            perp_symbol_rules *out)
{
    (void)self, (void)symbol, (void)out;
    return PERP_EUNSUPPORTED;
}

static perp_status hl_set_exit_plan(void *self, const char *symbol,
                                    const perp_exit_plan *plan)
{
    (void)self, (void)symbol, (void)plan;
    return PERP_EUNSUPPORTED;
}

static const perp_backend_vtable vtable = {
    .struct_size = sizeof(perp_backend_vtable),
    .create = hl_create,
    .destroy = hl_destroy,
    .submit = hl_submit,
    .on_price = hl_on_price,
    .account = hl_account,
    .rules = hl_rules,
    .set_exit_plan = hl_set_exit_plan,
};

PERP_PLUGIN_WITH_COMMAND(PERP_KIND_BACKEND, "hyperliquid", "0.1.0",
                         "Hyperliquid perpetuals (signing tool; trading "
                         "backend in progress)",
                         vtable, NULL, hl_command, HL_COMMAND_USAGE)
