/*
 * or_cost.c — cost of a call and of a day of calls (see or_cost.h).
 */
#include "or_cost.h"

#include <math.h>
#include <stdio.h>

double or_cost_usd(const or_config *c, const or_response *r)
{
    if (isfinite(r->cost_usd))
        return r->cost_usd;
    if (!c->price_known)
        return 0.0;
    int64_t cached = r->cached_tokens > 0 ? r->cached_tokens : 0;
    if (cached > r->prompt_tokens)
        cached = r->prompt_tokens;
    return ((double)(r->prompt_tokens - cached) * c->price_in +
            (double)cached * c->price_cached +
            (double)r->completion_tokens * c->price_out) /
           1e6;
}

static double calls_a_day(const perp_host *h)
{
    int64_t ms = PERP_HOST_HAS(h, cycle_ms) ? h->cycle_ms(h) : 0;
    return ms > 0 ? 86400000.0 / (double)ms : 0.0;
}

void or_cost_log_prompt(const perp_host *h, const or_config *c,
                        const or_prompt *p)
{
    int64_t total = p->system_tokens + p->user_tokens;
    double per_day = calls_a_day(h);
    char price[192] = "no price known for this model (add it under "
                      "prices:)";
    if (c->price_known) {
        double call = (double)total * c->price_in / 1e6;
        snprintf(price, sizeof price,
                 "input at $%.4g per million (%s): $%.5f a call, $%.2f a "
                 "day before caching",
                 c->price_in, c->price_source, call, call * per_day);
    }
    h->log(h, PERP_LOG_INFO,
           "prompt ~%lld tokens a call (estimated: system %lld, user %lld; "
           "budget prompt_tokens_max %lld%s); %.0f calls a day; %s",
           (long long)total, (long long)p->system_tokens,
           (long long)p->user_tokens, (long long)c->prompt_tokens_max,
           p->cuts.over_budget ? ", over it" : "", per_day, price);
}

void or_cost_log_answer(const perp_host *h, const or_config *c,
                        const or_response *r, double cost)
{
    double per_day = calls_a_day(h);
    h->log(h, PERP_LOG_INFO,
           "first answer: %lld prompt tokens (%lld cached), %lld completion "
           "tokens, $%.5f (%s): about $%.2f a day at %.0f calls",
           (long long)r->prompt_tokens,
           (long long)(r->cached_tokens > 0 ? r->cached_tokens : 0),
           (long long)r->completion_tokens, cost,
           isfinite(r->cost_usd) ? "usage.cost"
           : c->price_known      ? c->price_source
                                 : "no price",
           cost * per_day, per_day);
}
