/*
 * config_path.c — resolves the paths a pipeline names (config_path.h).
 * Joining is lexical on an absolute base that realpath() has already
 * freed of symlinks, so taking a folder off it for a leading "../" is
 * what the kernel would do; a ".." further in is left to the kernel.
 */
#include "config_path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_dir.h"
#include "log.h"

/* Longer tables are taken for a missing PERP_CFG_LAST (as the check). */
#define MAP_MAX_ROWS 512

int host_path_join(const char *base, const char *rel, char *out, size_t len)
{
    const char *home = getenv("HOME");
    if (rel[0] == '/')
        return snprintf(out, len, "%s", rel) < (int)len ? 0 : -1;
    if (rel[0] == '~' && (rel[1] == '/' || !rel[1]) && home && *home)
        return snprintf(out, len, "%s%s", home, rel + 1) < (int)len ? 0 : -1;
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", base) >= (int)sizeof dir)
        return -1;
    for (;;) {
        if (strncmp(rel, "./", 2) == 0) {
            rel += 2;
        } else if (strcmp(rel, ".") == 0) {
            rel += 1;
        } else if (strncmp(rel, "../", 3) == 0 || strcmp(rel, "..") == 0) {
            char *slash = strrchr(dir, '/');
            if (slash && slash != dir)
                *slash = '\0';
            else
                snprintf(dir, sizeof dir, "/");
            rel += rel[2] ? 3 : 2;
        } else {
            break;
        }
        while (*rel == '/')
            rel++;
    }
    const char *sep = !*rel || strcmp(dir, "/") == 0 ? "" : "/";
    return snprintf(out, len, "%s%s%s", dir, sep, rel) < (int)len ? 0 : -1;
}

static int path_error(const char *component, const perp_config_node *n,
                      const char *why)
{
    char where[512];
    host_cfg_where(n, where, sizeof where);
    host_log(PERP_LOG_ERROR, component, "%s: path '%.80s': %s", where,
             host_cfg_scalar(n), why);
    return PERP_EINVAL;
}

int host_cfg_resolve_path(const char *component, const perp_config_node *n,
                          int output)
{
    const char *text = host_cfg_scalar(n);
    if (!text || !*text || host_cfg_is_null(n) || text[0] == '/')
        return PERP_OK;
    int from_data = host_cfg_is_default(n) && !output;
    char base[PATH_MAX], out[PATH_MAX];
    if (from_data) {
        if (snprintf(base, sizeof base, "%s", host_data_dir()) >=
            (int)sizeof base)
            return path_error(component, n,
                              "the data folder's name is too "
                              "long");
    } else if (snprintf(base, sizeof base, "%s", host_cfg_dir(n)) >=
               (int)sizeof base) {
        return path_error(component, n, "the YAML file's folder is too long");
    }
    if (host_path_join(base, text, out, sizeof out) != 0)
        return path_error(component, n, "too long once resolved");
    if (host_cfg_set_path(n, out, from_data ? HOST_PATH_DATA : HOST_PATH_YAML))
        return PERP_ENOMEM;
    return PERP_OK;
}

/* ------------------------------------------------------- config map */

static int resolve_mapping(const char *component, const perp_config_node *node,
                           const perp_config_key *map);

/* One value of a row: a path, or a collection that may hold paths. */
static int resolve_value(const char *component, const perp_config_key *row,
                         const perp_config_node *v, perp_config_type item)
{
    if (item == PERP_CFG_PATH && host_cfg_kind(v) == HOST_NODE_SCALAR)
        return host_cfg_resolve_path(component, v,
                                     (row->flags & PERP_CFG_OUTPUT) != 0);
    if (row->children && host_cfg_kind(v) == HOST_NODE_MAP)
        return resolve_mapping(component, v, row->children);
    return PERP_OK;
}

static int resolve_row(const char *component, const perp_config_node *node,
                       const perp_config_key *row)
{
    const perp_config_node *v = host_cfg_child(node, row->name);
    if (!v)
        return PERP_OK;
    if (row->type == PERP_CFG_PATH)
        return resolve_value(component, row, v, PERP_CFG_PATH);
    int each = row->type == PERP_CFG_LIST || (row->type == PERP_CFG_MAPPING &&
                                              (row->flags & PERP_CFG_ANY_KEY));
    if (!each)
        return row->type == PERP_CFG_MAPPING
                   ? resolve_mapping(component, v, row->children)
                   : PERP_OK;
    for (size_t i = 0; i < host_cfg_len(v); i++) {
        int rc =
            resolve_value(component, row, host_cfg_at(v, i), row->item_type);
        if (rc != PERP_OK)
            return rc;
    }
    return PERP_OK;
}

static int resolve_mapping(const char *component, const perp_config_node *node,
                           const perp_config_key *map)
{
    if (host_cfg_kind(node) != HOST_NODE_MAP || !map)
        return PERP_OK;
    for (size_t i = 0; map[i].name && i < MAP_MAX_ROWS; i++) {
        int rc = resolve_row(component, node, &map[i]);
        if (rc != PERP_OK)
            return rc;
    }
    return PERP_OK;
}

int host_config_map_paths(const char *component, const perp_config_node *node,
                          const perp_config_key *map)
{
    return resolve_mapping(component ? component : "config", node, map);
}

/* ------------------------------------------------------------ notes */

void host_cfg_path_note(const perp_config_node *n, const char *msg, char *buf,
                        size_t len)
{
    host_path_base base;
    const char *written = host_cfg_path_written(n, &base);
    buf[0] = '\0';
    if (!written || len == 0)
        return;
    char folder[PATH_MAX + 64];
    if (base == HOST_PATH_DATA) {
        snprintf(folder, sizeof folder, "the data folder %s (%s)",
                 host_data_dir(),
                 host_data_origin_name(host_data_dir_origin()));
    } else {
        snprintf(folder, sizeof folder, "the YAML file's folder %s",
                 host_cfg_dir(n));
    }
    const char *resolved = host_cfg_scalar(n);
    const char *what = base == HOST_PATH_DATA ? "default" : "written";
    if (msg && resolved && strstr(msg, resolved))
        snprintf(buf, len, " (%s '%s', relative to %s)", what, written, folder);
    else
        snprintf(buf, len, " (%s '%s', resolved to %s: relative to %s)", what,
                 written, resolved ? resolved : "?", folder);
}
