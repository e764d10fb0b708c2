/*
 * decision_json.h — the decision schema (DESIGN.md) between JSON text and
 * perp_decision, in both directions. Parsing is hostile-input safe: any
 * text, any size, never crashes, never reads past the input.
 */
#ifndef HOST_DECISION_JSON_H
#define HOST_DECISION_JSON_H

#include <stddef.h>
#include <perp/sdk.h>

/* See perp_host.decision_from_json for the contract. */
int host_decision_from_json(const char *text, perp_decision *out, char *err,
                            size_t err_len);

/* See perp_host.decision_from_json_strict: text is exactly one JSON
 * object; its top-level "positions" is the decision; a key given twice
 * anywhere is refused. */
int host_decision_from_json_strict(const char *text, perp_decision *out,
                                   char *err, size_t err_len);

/* malloc'd JSON in the DESIGN.md schema; caller frees. */
char *host_decision_to_json(const perp_decision *d);
char *host_coin_decision_to_json(const perp_coin_decision *c);

#endif
