/*
 * state_json.h — the engine's whole state as JSON, for persistence: cash,
 * totals, every symbol's market, position, exit plan, funding clock and
 * funding-model state. Doubles are written with 17 significant digits
 * (jansson's default), so a restore gives back the very same doubles;
 * unknown numbers (no price yet) are null.
 */
#ifndef PSIM_STATE_JSON_H
#define PSIM_STATE_JSON_H

#include <stddef.h>

#include "engine.h"

/* malloc'd JSON text (caller frees with free()), or NULL on ENOMEM. */
char *psim_state_export(const psim_engine *e);

/* Replaces e's state with the one in json. On any error e is untouched and
 * why holds one line (PERP_EINVAL). Symbols absent from json come back
 * flat without a price; a symbol e does not trade is an error. */
int psim_state_import(psim_engine *e, const char *json, char *why,
                      size_t why_len);

#endif
