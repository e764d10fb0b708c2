/*
 * plugin_instance.c — open, create and destroy one plugin instance.
 */
#include "plugin_instance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

static int fail(const perp_config_node *node, const char *msg)
{
    char where[256];
    host_cfg_where(node, where, sizeof where);
    host_log(PERP_LOG_ERROR, "agent", "%s: %s", where, msg);
    return PERP_EINVAL;
}

int host_instance_open(host_instance *inst, const host_plugin_path *path,
                       perp_kind kind, const perp_config_node *node,
                       const char *component, const host_context *ctx)
{
    memset(inst, 0, sizeof *inst);
    if (!node || host_cfg_kind(node) != HOST_NODE_MAP)
        return fail(node, "expected a mapping with a `plugin:` key");
    const perp_config_node *pn = host_cfg_child(node, "plugin");
    const char *name = pn ? host_cfg_scalar(pn) : NULL;
    if (!name || !*name)
        return fail(node, "plugin: missing (the plugin's short name)");
    char err[512];
    if (host_plugin_open(path, name, kind, &inst->plugin, err, sizeof err) !=
        PERP_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "plugin '%s': %s", name, err);
        return fail(pn, msg);
    }
    inst->plugin_name = strdup(name);
    inst->name = strdup(component ? component : name);
    inst->vtable = inst->plugin.desc->vtable;
    inst->node = node;
    inst->host = inst->name ? host_services_new(ctx, inst->name) : NULL;
    if (!inst->plugin_name || !inst->name || !inst->host) {
        host_instance_close(inst);
        return fail(node, "out of memory");
    }
    const perp_common_vtable *vt = inst->vtable;
    int rc = vt->create(inst->host, node, &inst->self);
    if (rc != PERP_OK) {
        inst->self = NULL;
        char msg[300];
        snprintf(msg, sizeof msg, "plugin '%s' refused its configuration",
                 name);
        fail(node, msg);
        host_instance_close(inst);
        return rc < 0 ? rc : PERP_EINVAL;
    }
    return PERP_OK;
}

void host_instance_close(host_instance *inst)
{
    if (inst->vtable && inst->self) {
        const perp_common_vtable *vt = inst->vtable;
        vt->destroy(inst->self);
    }
    if (inst->host)
        host_services_free(inst->host);
    if (inst->plugin.dl)
        host_plugin_close(&inst->plugin);
    free(inst->name);
    free(inst->plugin_name);
    memset(inst, 0, sizeof *inst);
}
