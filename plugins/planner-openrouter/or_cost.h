/*
 * or_cost.h — what a call costs, and what a day of calls will cost,
 * said before it is spent: at the first plan() the prompt's estimated
 * size and the daily input cost at the model's price (or_config:
 * `prices`, price_*_per_mtok, the built-in row), and at the first answer
 * the measured cost (usage.cost, else the price) and its daily figure at
 * one call per agent.cycle.
 */
#ifndef OR_COST_H
#define OR_COST_H

#include <perp/sdk.h>

#include "or_config.h"
#include "or_prompt.h"
#include "or_wire.h"

/* usage.cost when the server sent it, else the price row applied to the
 * usage (cached prompt tokens at the cached price); 0 with no price. */
double or_cost_usd(const or_config *c, const or_response *r);

/* One INFO line: prompt tokens (estimated), calls a day, input cost. */
void or_cost_log_prompt(const perp_host *h, const or_config *c,
                        const or_prompt *p);
/* One INFO line: the first answer's usage and cost, and a day of them. */
void or_cost_log_answer(const perp_host *h, const or_config *c,
                        const or_response *r, double cost);

#endif
