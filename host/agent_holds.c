/*
 * agent_holds.c — runs of unchanged holds, written once.
 */
#include "agent_holds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision_json.h"

int host_hold_run_init(host_hold_run *r, int64_t max_cycles)
{
    memset(r, 0, sizeof *r);
    r->max_cycles = max_cycles;
    r->last = calloc(1, sizeof *r->last);
    return r->last ? PERP_OK : PERP_ENOMEM;
}

void host_hold_run_free(host_hold_run *r)
{
    free(r->last);
    memset(r, 0, sizeof *r);
}

static int has_exit_plan(const perp_exit_plan *p)
{
    return p->profit_target != 0 || p->stop_loss != 0 || p->invalidation[0];
}

int host_decision_is_hold(const perp_decision *d)
{
    if (d->error[0])
        return 0;
    for (size_t i = 0; i < d->n_coins && i < PERP_MAX_SYMBOLS; i++)
        if (d->coins[i].signal != PERP_SIGNAL_HOLD ||
            has_exit_plan(&d->coins[i].exit_plan))
            return 0;
    return 1;
}

/* Copies only what d uses: a whole perp_decision is 27 KB. */
static void copy_decision(perp_decision *dst, const perp_decision *d)
{
    size_t n = d->n_coins < PERP_MAX_SYMBOLS ? d->n_coins : PERP_MAX_SYMBOLS;
    dst->n_coins = n;
    memcpy(dst->coins, d->coins, n * sizeof d->coins[0]);
    memcpy(dst->notes, d->notes, sizeof dst->notes);
    dst->error[0] = '\0';
}

int host_hold_run_add(host_hold_run *r, const perp_decision *d, int64_t ts)
{
    if (!r->last)
        return 0;
    if (r->count == 0)
        r->first_ts = ts;
    r->last_ts = ts;
    r->count++;
    copy_decision(r->last, d);
    return r->max_cycles > 0 && r->count >= r->max_cycles;
}

/* json is "{...}"; returns it with the held member before the last '}'. */
static char *with_held(char *json, const host_hold_run *r)
{
    size_t len = strlen(json);
    char tail[128];
    int n = snprintf(tail, sizeof tail,
                     ",\"held\":{\"cycles\":%lld,\"from\":%lld,\"to\":%lld}}",
                     (long long)r->count, (long long)r->first_ts,
                     (long long)r->last_ts);
    if (len < 2 || json[len - 1] != '}' || n < 0 || n >= (int)sizeof tail)
        return json;
    char *out = realloc(json, len + (size_t)n);
    if (!out)
        return json;
    memcpy(out + len - 1, tail, (size_t)n + 1);
    return out;
}

char *host_hold_run_take(host_hold_run *r, int64_t *ts)
{
    if (!r->last || r->count == 0)
        return NULL;
    char *json = host_decision_to_json(r->last);
    if (json && r->count > 1)
        json = with_held(json, r);
    *ts = r->last_ts;
    r->count = 0;
    return json;
}
