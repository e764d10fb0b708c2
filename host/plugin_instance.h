/*
 * plugin_instance.h — one created plugin instance: the loaded .so, its
 * own perp_host table (so its log lines carry its name) and its state.
 */
#ifndef HOST_PLUGIN_INSTANCE_H
#define HOST_PLUGIN_INSTANCE_H

#include "plugin_services.h"
#include "plugin_loader.h"

typedef struct host_instance {
    char *name;                   /* owned: component name in logs */
    char *plugin_name;            /* owned: the YAML `plugin:` short name */
    host_plugin plugin;           /* owned (dlclose on close) */
    perp_host *host;              /* owned */
    const void *vtable;           /* borrowed from the .so */
    void *self;                   /* owned through vtable->destroy */
    const perp_config_node *node; /* borrowed from the config tree */
} host_instance;

/* The keys of a plugin entry that the host reads itself ("plugin",
 * "name", and an indicator's "timeframe", which agent.c reads), as a
 * NULL-terminated list (static). */
const char *const *host_entry_keys(perp_kind kind);

/* What the host does to create an instance of plugin d: checks node
 * against d's config map and fills the defaults in (ABI 1.2; a plugin
 * without a map gets node as written), then calls create(h, node, self).
 * Every failure is logged with file:line:col: each map error as itself,
 * then, as for a create() that returns PERP_EINVAL, the entry's summary
 * "plugin 'x' refused its configuration"; any other failure as "plugin
 * 'x' failed to start (out of memory)" or "(error)". Returns PERP_OK, PERP_EINVAL (the
 * configuration) or the plugin's failure status (negative); *self is
 * NULL unless PERP_OK. */
int host_plugin_create(const perp_plugin_descriptor *d, const perp_host *h,
                       const perp_config_node *node, void **self);

/* Reads node's `plugin:` key, opens that plugin (of `kind`) from path and
 * creates it with host_plugin_create. component: the log name (NULL: the
 * plugin name). PERP_OK, or an error after logging with file:line:col.
 * On error *inst is left empty (safe to close). */
int host_instance_open(host_instance *inst, const host_plugin_path *path,
                       perp_kind kind, const perp_config_node *node,
                       const char *component, const host_context *ctx);
/* destroy(self), frees the host table, dlcloses. Safe on an empty one. */
void host_instance_close(host_instance *inst);

#endif
