/*
 * observation_json.h — renders a perp_observation to the JSON text a
 * planner's prompt and the observation record carry. Prices keep their
 * significant digits (DOGE/XRP need more than three decimals).
 */
#ifndef HOST_OBSERVATION_JSON_H
#define HOST_OBSERVATION_JSON_H

#include <perp/sdk.h>

/* Returns a malloc'd NUL-terminated JSON document (caller frees), or NULL
 * on allocation failure. */
char *host_observation_to_json(const perp_observation *obs);

/* A decision as JSON in the DESIGN.md schema; malloc'd, caller frees. */
char *host_decision_to_json(const perp_decision *d);
char *host_coin_decision_to_json(const perp_coin_decision *c);

#endif
