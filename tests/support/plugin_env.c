/*
 * plugin_env.c — see plugin_env.h.
 */
#include "plugin_env.h"

#include "plugin_instance.h"

#include <stdio.h>
#include <string.h>

int plugin_env_init(plugin_env *e, const char *yaml, const char *const *symbols,
                    size_t n_symbols)
{
    char err[512];
    memset(e, 0, sizeof *e);
    e->cfg = host_config_parse(yaml, "test.yaml", err, sizeof err);
    if (!e->cfg) {
        fprintf(stderr, "plugin_env: %s\n", err);
        return -1;
    }
    e->ctx.version = "test";
    e->ctx.symbols = symbols;
    e->ctx.n_symbols = n_symbols;
    e->host = host_services_new(&e->ctx, "test");
    e->node = host_config_root(e->cfg);
    return e->host ? 0 : -1;
}

int plugin_env_create(plugin_env *e, const perp_plugin_descriptor *d,
                      void **self)
{
    host_services_set_entry(e->host, e->node, host_entry_keys(d->kind));
    return host_plugin_create(d, e->host, e->node, self);
}

void plugin_env_free(plugin_env *e)
{
    host_services_free(e->host);
    host_config_free(e->cfg);
    memset(e, 0, sizeof *e);
}
