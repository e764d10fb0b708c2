/*
 * config_path.h — the rule for every path a pipeline file names (config
 * map keys of type PERP_CFG_PATH, the top-level plugin_path):
 *
 *   - ${VAR} and ${VAR:-default} are expanded first (at load);
 *   - an absolute path is kept; "~/" starts at $HOME;
 *   - a relative path written in the file follows the YAML file's folder,
 *     not the working directory, so a pipeline folder can be moved;
 *   - a relative default the host fills in from a plugin's config map
 *     follows the data folder (data_dir.h: share/perp), except for a key
 *     flagged PERP_CFG_OUTPUT (perpd writes there), which follows the
 *     YAML file's folder too.
 *
 * The resolved path replaces the node's text (plugins read it with
 * cfg_str); the text as written is kept, and an error about the node
 * names both (host_cfg_path_note).
 */
#ifndef HOST_CONFIG_PATH_H
#define HOST_CONFIG_PATH_H

#include <stddef.h>
#include <perp/sdk.h>

#include "config.h"

/* rel against the absolute folder base: "./" dropped, each leading "../"
 * takes one folder off base, "~/" is $HOME; an absolute rel is kept.
 * 0, or -1 if out is too small. */
int host_path_join(const char *base, const char *rel, char *out, size_t len);

/* Resolves scalar n in place by the rule above: against the data folder
 * when the host filled it from a default and !output, else against the
 * YAML file's folder. Empty and null values are left alone. PERP_OK, or
 * PERP_EINVAL / PERP_ENOMEM after logging under component. */
int host_cfg_resolve_path(const char *component, const perp_config_node *n,
                          int output);

/* Every PATH value of a plugin's node (after its defaults are filled):
 * keys, list items, nested and free-key mappings. PERP_OK or the first
 * failure of host_cfg_resolve_path. */
int host_config_map_paths(const char *component, const perp_config_node *node,
                          const perp_config_key *map);

/* For an error about node n: " (written 'prompts/x.md', relative to the
 * YAML file's folder /home/u/bot)", with "resolved to ..." added when msg
 * does not already show the resolved path; "" when n is not a resolved
 * path. */
void host_cfg_path_note(const perp_config_node *n, const char *msg, char *buf,
                        size_t len);

#endif
