/*
 * plugin_env.h — what a plugin's create() needs in a test: a perp_host
 * table from host_services_new and the plugin's YAML node parsed from a
 * string by the real config loader.
 */
#ifndef TESTS_PLUGIN_ENV_H
#define TESTS_PLUGIN_ENV_H

#include <stddef.h>
#include <perp/sdk.h>

#include "config.h"
#include "plugin_services.h"

typedef struct plugin_env {
    host_context ctx;             /* the table borrows it: keep in place */
    host_config *cfg;             /* owned */
    perp_host *host;              /* owned */
    const perp_config_node *node; /* the root mapping of the YAML */
} plugin_env;

/* yaml: the plugin's own node, e.g. "plugin: replay\ndir: x\n". symbols
 * are the agent's (borrowed: must outlive the env). 0, or -1 with the
 * config error printed. */
int plugin_env_init(plugin_env *e, const char *yaml, const char *const *symbols,
                    size_t n_symbols);
/* Creates plugin d on e's node as the host does (host_plugin_create:
 * the config map's check and defaults, then create): PERP_OK with *self
 * set, or the failure status with *self NULL. */
int plugin_env_create(plugin_env *e, const perp_plugin_descriptor *d,
                      void **self);
void plugin_env_free(plugin_env *e);

#endif
