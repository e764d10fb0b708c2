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

static const perp_backend_vtable vtable = {
    .struct_size = sizeof(perp_backend_vtable),
    .create = hl_create,
    .destroy = hl_destroy,
};

PERP_PLUGIN_WITH_COMMAND(PERP_KIND_BACKEND, "hyperliquid", "0.1.0",
                         "Hyperliquid perpetuals (signing tool; trading "
                         "backend in progress)",
                         vtable, NULL, hl_command, HL_COMMAND_USAGE)
