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

/* Reads node's `plugin:` key, opens that plugin (of `kind`) from path and
 * calls create(host, node, &self). component: the log name (NULL: the
 * plugin name). PERP_OK, or an error after logging one line with
 * file:line:col. On error *inst is left empty (safe to close). */
int host_instance_open(host_instance *inst, const host_plugin_path *path,
                       perp_kind kind, const perp_config_node *node,
                       const char *component, const host_context *ctx);
/* destroy(self), frees the host table, dlcloses. Safe on an empty one. */
void host_instance_close(host_instance *inst);

#endif
