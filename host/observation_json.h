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
/* Renders into w (appending), so a caller that renders every so often
 * reuses one buffer. */
struct host_jw;
void host_observation_render(const perp_observation *obs, struct host_jw *w);

#endif
