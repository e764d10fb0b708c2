/*
 * hl_state.c — what a restart needs that the exchange does not keep:
 * the starting equity, realized P&L, fees and funding since the start,
 * how far fills and funding have been recorded, the leverage set and the
 * exit plans. Never the key, nor anything derived from it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hl_backend.h"

char *hl_state_export(const hl_backend *b)
{
    json_t *plans = json_object(), *lev = json_object();
    for (size_t i = 0; i < b->n_syms; i++) {
        const hl_sym *s = &b->syms[i];
        if (s->plan.profit_target > 0 || s->plan.stop_loss > 0)
            json_object_set_new(plans, s->symbol,
                                json_pack("{s:f, s:f}", "profit_target",
                                          s->plan.profit_target, "stop_loss",
                                          s->plan.stop_loss));
        if (s->leverage_set > 0)
            json_object_set_new(lev, s->coin, json_integer(s->leverage_set));
    }
    json_t *own = json_array();
    size_t n_own = b->n_own < HL_OWN_OIDS ? b->n_own : HL_OWN_OIDS;
    for (size_t i = 0; i < n_own; i++)
        json_array_append_new(own, json_integer(b->own[i]));
    json_t *o = json_pack(
        "{s:i, s:b, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:o, s:o}", "version", 1,
        "have_start", b->have_start, "starting_equity",
        isfinite(b->starting_equity) ? b->starting_equity : 0, "realized_pnl",
        b->realized, "fees_paid", b->fees, "funding_net", b->funding,
        "start_ms", (json_int_t)b->start_ms, "fill_mark",
        (json_int_t)b->fill_mark, "funding_mark", (json_int_t)b->funding_mark,
        "exit_plans", plans, "leverage", lev);
    /* Our own orders' fills were recorded at submit: a restart must not
     * take them for fills the exchange made. */
    json_object_set_new(o, "own_oids", own);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}

perp_status hl_state_import(hl_backend *b, const char *text)
{
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    if (!json_is_object(o)) {
        b->host->log(b->host, PERP_LOG_ERROR, "state: line %d: %s", e.line,
                     e.text);
        json_decref(o);
        return PERP_EINVAL;
    }
    if (json_integer_value(json_object_get(o, "version")) != 1) {
        b->host->log(b->host, PERP_LOG_ERROR,
                     "state: not a hyperliquid state of version 1");
        json_decref(o);
        return PERP_EINVAL;
    }
    b->have_start = json_is_true(json_object_get(o, "have_start"));
    b->starting_equity = hl_num(o, "starting_equity");
    b->realized = hl_num(o, "realized_pnl");
    b->fees = hl_num(o, "fees_paid");
    b->funding = hl_num(o, "funding_net");
    b->start_ms = json_integer_value(json_object_get(o, "start_ms"));
    b->fill_mark = json_integer_value(json_object_get(o, "fill_mark"));
    b->funding_mark = json_integer_value(json_object_get(o, "funding_mark"));
    b->n_seen = 0;
    const char *key;
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(o, "own_oids"), i, v)
        hl_remember_own_oid(b, json_integer_value(v));
    json_object_foreach(json_object_get(o, "exit_plans"), key, v)
    {
        hl_sym *s = hl_sym_find(b, key);
        if (s) {
            s->plan.profit_target = hl_num(v, "profit_target");
            s->plan.stop_loss = hl_num(v, "stop_loss");
        }
    }
    json_object_foreach(json_object_get(o, "leverage"), key, v)
    {
        hl_sym *s = hl_sym_of_coin(b, key);
        if (s)
            s->leverage_set = (int)json_integer_value(v);
    }
    json_decref(o);
    b->dirty = 1;
    return PERP_OK;
}
