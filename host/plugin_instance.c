/*
 * plugin_instance.c — open, create and destroy one plugin instance.
 */
#include "plugin_instance.h"
#include "crash_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_path.h"
#include "log.h"
#include "plugin_config_map.h"
#include "plugin_probe.h"

#include <perp/quote.h>

static int fail(const perp_config_node *node, const char *msg)
{
    char where[256];
    host_cfg_where(node, where, sizeof where);
    host_log(PERP_LOG_ERROR, "agent", "%s: %s", where, msg);
    return PERP_EINVAL;
}

const char *const *host_entry_keys(perp_kind kind)
{
    static const char *const common[] = {"plugin", "name", NULL};
    static const char *const indicator[] = {"plugin", "name", "timeframe",
                                            NULL};
    return kind == PERP_KIND_INDICATOR ? indicator : common;
}

/* Why create() failed, in words: a refused configuration is the user's
 * to fix; anything else is the plugin's or the machine's. */
static int say_create_failed(const perp_plugin_descriptor *d,
                             const perp_config_node *node, int rc)
{
    char msg[300];
    if (rc == PERP_EINVAL)
        snprintf(msg, sizeof msg, "plugin '%s' refused its configuration",
                 d->name);
    else
        snprintf(msg, sizeof msg, "plugin '%s' failed to start (%s)", d->name,
                 rc == PERP_ENOMEM ? "out of memory" : "error");
    fail(node, msg);
    return rc < 0 ? rc : PERP_ERR;
}

/* A plugin from outside perpd's folders, tried in a child first: 0, or
 * PERP_ERR once said when the child died (plugin_probe.h). */
static int probe(const perp_plugin_descriptor *d, const char *so_path,
                 const perp_host *h, const perp_config_node *node)
{
    char why[200], msg[700], shown[PERP_QUOTE_LEN];
    if (!host_plugin_probe_wanted(so_path) ||
        host_plugin_probe(d, h, node, why, sizeof why) == PERP_OK)
        return 0;
    snprintf(msg, sizeof msg,
             "plugin '%s' (%s) %s when perpd tried it in a child process "
             "first: not loaded",
             d->name, perp_shorten(so_path, shown, sizeof shown), why);
    fail(node, msg);
    return PERP_ERR;
}

/* host_plugin_create for a plugin loaded from so_path (NULL: not tried
 * in a child first). */
static int create_at(const perp_plugin_descriptor *d, const char *so_path,
                     const perp_host *h, const perp_config_node *node,
                     void **self)
{
    *self = NULL;
    const perp_config_key *map =
        HOST_DESC_HAS(d, config_map) ? d->config_map : NULL;
    int refused = 0;
    if (map) {
        refused = host_config_map_check("config", node, map,
                                        host_entry_keys(d->kind)) != PERP_OK;
        if (!refused && host_config_map_fill(node, map) != PERP_OK)
            return say_create_failed(d, node, PERP_ENOMEM);
        /* Paths follow the YAML's folder (defaults: the data folder). */
        int rc = refused ? PERP_OK : host_config_map_paths("config", node, map);
        if (rc != PERP_OK)
            return say_create_failed(d, node, rc);
    } else {
        /* A 1.1 plugin would read the first of a repeated key. */
        refused = host_cfg_say_duplicates("config", node, 1) > 0;
    }
    if (refused)
        return say_create_failed(d, node, PERP_EINVAL); /* the summary */
    if (probe(d, so_path, h, node) != 0)
        return PERP_ERR;
    const perp_common_vtable *vt = d->vtable;
    host_crash_report_enter(d->name, "create");
    int rc = vt->create(h, node, self);
    host_crash_report_leave();
    if (rc == PERP_OK)
        return PERP_OK;
    *self = NULL;
    return say_create_failed(d, node, rc);
}

int host_plugin_create(const perp_plugin_descriptor *d, const perp_host *h,
                       const perp_config_node *node, void **self)
{
    return create_at(d, NULL, h, node, self);
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
    host_services_set_entry(inst->host, node, host_entry_keys(kind));
    if (inst->plugin.desc->abi_major == 1)
        host_services_set_plugin_abi(inst->host, inst->plugin.desc->abi_minor);
    int rc = create_at(inst->plugin.desc, inst->plugin.path, inst->host, node,
                       &inst->self);
    if (rc != PERP_OK)
        host_instance_close(inst);
    return rc;
}

void host_instance_close(host_instance *inst)
{
    if (inst->vtable && inst->self) {
        const perp_common_vtable *vt = inst->vtable;
        host_crash_report_enter(inst->plugin.desc->name, "destroy");
        vt->destroy(inst->self);
        host_crash_report_leave();
    }
    if (inst->host)
        host_services_free(inst->host);
    if (inst->plugin.dl)
        host_plugin_close(&inst->plugin);
    free(inst->name);
    free(inst->plugin_name);
    memset(inst, 0, sizeof *inst);
}
