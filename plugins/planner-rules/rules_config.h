/*
 * rules_config.h — the rule planner's YAML node read into trend_params.
 */
#ifndef RULES_RULES_CONFIG_H
#define RULES_RULES_CONFIG_H

#include "trend_rule.h"

/* Starts from trend_params_default and applies the keys of cfg (NULL:
 * all defaults). Names are borrowed from the config tree. PERP_OK, or
 * PERP_EINVAL after the host logged file:line:col and why. */
int rules_config_read(const perp_host *h, const perp_config_node *cfg,
                      trend_params *p);

#endif
