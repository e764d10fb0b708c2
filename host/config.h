/*
 * config.h — the YAML pipeline file as a read-only tree. Every node keeps
 * file:line:column; ${VAR} and ${VAR:-default} are expanded from the
 * environment at load. The tree owns all its strings; nodes handed out are
 * borrowed until host_config_free.
 */
#ifndef HOST_CONFIG_H
#define HOST_CONFIG_H

#include <stddef.h>
#include <perp/sdk.h>

typedef enum host_node_kind {
    HOST_NODE_SCALAR = 0,
    HOST_NODE_MAP = 1,
    HOST_NODE_SEQ = 2
} host_node_kind;

typedef struct host_config host_config;

/* NULL on error with one line in err: "file:line:col: what was expected,
 * what was found". An unset ${VAR} without default is an error naming the
 * variable (never a value). Expanded values of variables whose names look
 * secret (KEY, SECRET, TOKEN, PASSWORD, PRIVATE, DATABASE_URL) are
 * registered with host_secret_add. */
host_config *host_config_load(const char *path, char *err, size_t err_len);
host_config *host_config_parse(const char *text, const char *name, char *err,
                               size_t err_len);
/* As host_config_load, but a repeated key in a mapping is kept and
 * flagged instead of failing the load, so that `perpd check` reports
 * every error of a file in one pass. The caller must then say them
 * (host_cfg_say_duplicates) and refuse the file if there are any. */
host_config *host_config_load_keep_duplicates(const char *path, char *err,
                                              size_t err_len);
host_config *host_config_parse_keep_duplicates(const char *text,
                                               const char *name, char *err,
                                               size_t err_len);
void host_config_free(host_config *c);
const perp_config_node *host_config_root(const host_config *c);

host_node_kind host_cfg_kind(const perp_config_node *n);
const char *host_cfg_file(const perp_config_node *n);
/* The absolute folder of n's file, fixed when it was loaded (a text
 * parsed under a made-up name: that name's folder from the working
 * directory then). Relative paths in the file follow it. */
const char *host_cfg_dir(const perp_config_node *n);
int host_cfg_line(const perp_config_node *n);
int host_cfg_col(const perp_config_node *n);
/* "file:line:col" into buf. */
void host_cfg_where(const perp_config_node *n, char *buf, size_t len);

/* Map access: child by key (NULL if absent or n is not a map); keys by
 * index for iteration (n_keys == host_cfg_len for maps). */
const perp_config_node *host_cfg_child(const perp_config_node *n,
                                       const char *key);
const char *host_cfg_key_at(const perp_config_node *n, size_t i);
/* Sequences (and maps, by index): count and element. */
size_t host_cfg_len(const perp_config_node *n);
const perp_config_node *host_cfg_at(const perp_config_node *n, size_t i);
const char *host_cfg_scalar(const perp_config_node *n);
/* 1 if the scalar's text came wholly or partly from a secret variable. */
int host_cfg_is_secret(const perp_config_node *n);

/* Typed getters with defaults: PERP_OK, or PERP_EINVAL after logging
 * "file:line:col: key: expected <type>, found '<text>'" under component.
 * A secret's text is never quoted in an error. */
int host_cfg_get_str(const char *component, const perp_config_node *n,
                     const char *key, const char *def, const char **out);
int host_cfg_get_num(const char *component, const perp_config_node *n,
                     const char *key, double def, double *out);
int host_cfg_get_int(const char *component, const perp_config_node *n,
                     const char *key, int64_t def, int64_t *out);
int host_cfg_get_bool(const char *component, const perp_config_node *n,
                      const char *key, int def, int *out);
int host_cfg_get_duration_ms(const char *component, const perp_config_node *n,
                             const char *key, int64_t def, int64_t *out);
/* Parses "250ms" "15s" "5m" "6h" "1d" or bare seconds; -1 if malformed. */
int64_t host_parse_duration_ms(const char *text);
/* Every key of mapping n must be in `allowed` (NULL-terminated; plugin
 * and name always pass) and none repeated; each offender logged. */
int host_cfg_check_keys(const char *component, const perp_config_node *n,
                        const char *const *allowed);

/* Scalar parsers the getters use: 1 and *out set, or 0. A number is
 * finite; a bool is true/false/yes/no/on/off (any case). */
int host_parse_number(const char *s, double *out);
int host_parse_int64(const char *s, int64_t *out);
int host_parse_bool(const char *s, int *out);
/* "'text'" (shortened, control characters as '?'), or "a secret value
 * (not shown)", "a mapping", "a list": what an error says it found. */
void host_cfg_describe(const perp_config_node *v, char *buf, size_t len);

/* ---- for the config map (plugin_config_map.c) ---- */
/* Key i of mapping n as a node (its position), or NULL. */
const perp_config_node *host_cfg_key_node(const perp_config_node *n, size_t i);
/* 1 for a plain "", "~" or "null": the getters treat it as absent. */
int host_cfg_is_null(const perp_config_node *n);
/* 1 if the scalar's text came wholly or partly from a ${VAR}. */
int host_cfg_from_env(const perp_config_node *n);
/* For a key node: the earlier key of the same name in its mapping (the
 * file was loaded keeping duplicates), else NULL. */
const perp_config_node *host_cfg_duplicate_of(const perp_config_node *key);
/* Logs "file:line:col: duplicate key 'k' (first at line L, column C)"
 * under component for each repeated key of n (and below it when deep)
 * not said before, each once over the tree's life. Returns how many
 * repeated keys there are, said now or earlier. */
size_t host_cfg_say_duplicates(const char *component, const perp_config_node *n,
                               int deep);
/* The same for one key node: 1 if it repeats an earlier key (said now
 * or before), else 0. */
int host_cfg_say_duplicate_key(const char *component,
                               const perp_config_node *key);
/* The host's only changes to a loaded tree, for config-map defaults:
 * fill_scalar gives mapping `map` the entry key: text when key is absent
 * (or null in the file); fill_map adds an empty mapping under key when
 * absent. Added entries carry map's position and stay out of the JSON
 * snapshot, which shows the file as written. Returns the value node
 * (the file's own when present), or NULL when out of memory or when map
 * is not a mapping (fill_map: or key holds something else). */
const perp_config_node *host_cfg_fill_scalar(const perp_config_node *map,
                                             const char *key, const char *text);
const perp_config_node *host_cfg_fill_map(const perp_config_node *map,
                                          const char *key);
/* The scalar is a secret (a config-map secret key): its text is
 * registered with the log redactor and never quoted or snapshotted. */
void host_cfg_mark_secret(const perp_config_node *n);

/* 1 if the host filled n in from a config-map default (not in the file). */
int host_cfg_is_default(const perp_config_node *n);

/* What a resolved PATH value was relative to. */
typedef enum host_path_base {
    HOST_PATH_YAML = 1, /* the YAML file's folder */
    HOST_PATH_DATA = 2  /* the data folder (a relative default) */
} host_path_base;

/* A PATH value resolved by the host (config_path.c): scalar n's text
 * becomes `resolved` (copied); the text it had is kept for errors and
 * the JSON snapshot, which shows the file as written. 0, or -1 (not a
 * scalar, out of memory). Resolving again keeps the first text. */
int host_cfg_set_path(const perp_config_node *n, const char *resolved,
                      host_path_base base);
/* The text of a resolved PATH value before resolution (and its base),
 * or NULL if n was not changed by host_cfg_set_path. */
const char *host_cfg_path_written(const perp_config_node *n,
                                  host_path_base *base);

/* A JSON rendering of the tree with secret scalars replaced by "***"
 * (the version's config snapshot). malloc'd, caller frees. */
char *host_config_to_json_redacted(const perp_config_node *n);

#endif
