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
void host_config_free(host_config *c);
const perp_config_node *host_config_root(const host_config *c);

host_node_kind host_cfg_kind(const perp_config_node *n);
const char *host_cfg_file(const perp_config_node *n);
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
int host_cfg_check_keys(const char *component, const perp_config_node *n,
                        const char *const *allowed);

/* A JSON rendering of the tree with secret scalars replaced by "***"
 * (the version's config snapshot). malloc'd, caller frees. */
char *host_config_to_json_redacted(const perp_config_node *n);

#endif
