/*
 * plugin_config_map.h — a plugin's config map (SDK 1.2) applied by the
 * host: the plugin's YAML node is checked against the map before create()
 * (types, ranges, allowed values, unknown keys with a "did you mean",
 * duplicates, required keys, nested mappings and lists), each error one
 * "file:line:col: ..." line; then the map's defaults are filled into the
 * node so the plugin's getters find them.
 */
#ifndef HOST_PLUGIN_CONFIG_MAP_H
#define HOST_PLUGIN_CONFIG_MAP_H

#include <stddef.h>
#include <perp/sdk.h>

/* Checks node (a plugin entry's mapping; NULL passes) against map.
 * entry_keys: the keys of the entry the host itself owns ("plugin",
 * "name", an indicator's "timeframe"), NULL-terminated; they pass at the
 * top level. Every error is logged under component. PERP_OK or
 * PERP_EINVAL. A secret key's value is registered with the redactor
 * whether or not it passes. */
int host_config_map_check(const char *component, const perp_config_node *node,
                          const perp_config_key *map,
                          const char *const *entry_keys);

/* Fills map's defaults into node (after a passing check): absent or null
 * keys with a default get it, absent mappings whose children have
 * defaults are added. PERP_OK or PERP_ENOMEM. */
int host_config_map_fill(const perp_config_node *node,
                         const perp_config_key *map);

/* A map that contradicts itself (a default of the wrong type or out of
 * its range or choices, a required or secret key with a default, a name
 * twice, min above max, an unknown type): 0, or -1 with one line in why
 * naming the row. Checked when a plugin loads. */
int host_config_map_lint(const perp_config_key *map, char *why, size_t why_len);

/* "a string", "an integer in 2..100000", "one of open, high, low" ...:
 * what a row accepts, as errors and `plugins --describe` say it. */
void host_config_map_expected(const perp_config_key *row, char *buf,
                              size_t len);

/* Formats ms as the largest whole unit: 90000 -> "90s", 3600000 -> "1h". */
void host_config_map_duration(int64_t ms, char *buf, size_t len);

#endif
