/*
 * rules_config.h — the rule planner's YAML node read into trend_params.
 */
#ifndef RULES_RULES_CONFIG_H
#define RULES_RULES_CONFIG_H

#include "trend_rule.h"

/* The planner's YAML keys, checked by the host before create(); the
 * defaults are trend_params_default's. */
extern const perp_config_key rules_config_map[];

/* Starts from trend_params_default and applies the keys of cfg (NULL:
 * all defaults). Names are borrowed from the config tree. PERP_OK, or
 * PERP_EINVAL after the host logged file:line:col and why (the checks
 * between keys: bands, hysteresis). */
perp_status rules_config_read(const perp_host *h, const perp_config_node *cfg,
                              trend_params *p);

#endif
