/*
 * position_manager.c — a validated coin decision to at most one order.
 *
 * Target-position semantics (DESIGN.md): buy means "be long quantity",
 * sell "be short quantity", close "be flat", hold "keep". The order is
 * target - current, so repeating a decision never pyramids, a smaller
 * buy while long reduces, and sell while long flips in one order.
 * Client ids are derived from symbol and cycle time (one order per symbol
 * per cycle), so a replayed run produces the same ids.
 */
#include "position_manager.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Below this fraction of the position the difference is rounding, not a
 * decision to trade. */
#define PM_REL_EPS 1e-9

static int has_plan(const perp_exit_plan *x)
{
    return x->profit_target != 0.0 || x->stop_loss != 0.0 ||
           x->invalidation[0] != '\0';
}

static perp_fill_cause cause_for(double current, double target)
{
    if (current == 0.0)
        return PERP_CAUSE_ENTRY;
    if ((current > 0) != (target > 0) && target != 0.0)
        return PERP_CAUSE_FLIP;
    return fabs(target) > fabs(current) ? PERP_CAUSE_ENTRY : PERP_CAUSE_EXIT;
}

static double target_for(const perp_coin_decision *d, double current)
{
    switch (d->signal) {
    case PERP_SIGNAL_BUY:
        return d->quantity;
    case PERP_SIGNAL_SELL:
        return -d->quantity;
    case PERP_SIGNAL_CLOSE:
        return 0.0;
    case PERP_SIGNAL_HOLD:
        break;
    }
    return current;
}

int host_pm_order_for(const perp_coin_decision *d, const char *symbol,
                      const perp_position *current, int64_t now_ms,
                      perp_order *order, perp_fill_cause *cause)
{
    if (!d || !symbol || !order)
        return 0;
    double cur = current ? current->qty : 0.0;
    double target = target_for(d, cur);
    double delta = target - cur;
    if (!isfinite(delta) ||
        fabs(delta) <= PM_REL_EPS * fmax(fabs(target), fabs(cur)))
        return 0;

    memset(order, 0, sizeof *order);
    order->ts = now_ms;
    snprintf(order->symbol, sizeof order->symbol, "%s", symbol);
    order->qty = delta;
    order->type = PERP_ORDER_MARKET;
    perp_fill_cause c = cause_for(cur, target);
    /* A close keeps the position's own leverage; a decision sets it. */
    order->leverage = d->signal == PERP_SIGNAL_CLOSE && current
                          ? current->leverage
                          : d->leverage;
    order->reduce_only = c == PERP_CAUSE_EXIT;
    if (target != 0.0 && has_plan(&d->exit_plan)) {
        order->has_exit_plan = 1;
        order->exit_plan = d->exit_plan;
    }
    snprintf(order->reason, sizeof order->reason, "%s", d->justification);
    snprintf(order->client_id, sizeof order->client_id, "perpd-%.23s-%lld",
             symbol, (long long)now_ms);
    if (cause)
        *cause = c;
    return 1;
}
