/*
 * rates_csv.h — reads external funding rates for the engine from a CSV
 * file with the header `ts,symbol,rate`: ts in Unix seconds (UTC), symbol
 * as the agent names it ("BTC-USD"), rate a fraction per hour (positive:
 * longs pay shorts). Rows of symbols the engine does not trade are skipped
 * (counted in *skipped).
 */
#ifndef PSIM_RATES_CSV_H
#define PSIM_RATES_CSV_H

#include <stddef.h>

#include "engine.h"

/* Loads path into e (psim_set_rate_table). PERP_OK, or PERP_EINVAL with
 * "path:line: what is wrong" in why. */
int psim_rates_load(psim_engine *e, const char *path, size_t *skipped,
                    char *why, size_t why_len);

#endif
