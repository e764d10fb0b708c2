/* state_json.c — export/import of the engine's state (see state_json.h). */
#include "state_json.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_FORMAT  "perpsim-state"
#define STATE_VERSION 1

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *symbol_json(const psim_symbol *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "symbol", json_string(s->name));
    json_object_set_new(o, "has_price", json_boolean(s->has_price));
    json_object_set_new(o, "mark", num(s->mark));
    json_object_set_new(o, "bid", num(s->bid));
    json_object_set_new(o, "ask", num(s->ask));
    json_object_set_new(o, "price_ts", json_integer(s->price_ts));
    json_object_set_new(o, "qty", num(s->qty));
    json_object_set_new(o, "entry", num(s->entry));
    json_object_set_new(o, "leverage", num(s->lev));
    json_object_set_new(o, "entry_ts", json_integer(s->entry_ts));
    json_object_set_new(o, "funding_ts", json_integer(s->funding_ts));
    json_object_set_new(o, "stop_loss", num(s->plan.stop_loss));
    json_object_set_new(o, "profit_target", num(s->plan.profit_target));
    json_object_set_new(o, "invalidation", json_string(s->plan.invalidation));
    json_object_set_new(o, "ema", num(s->ema));
    json_object_set_new(o, "ema_next_ts", json_integer(s->ema_next_ts));
    json_object_set_new(o, "ext_rate_1h", num(s->ext_rate_1h));
    json_object_set_new(o, "ext_rate_ts", json_integer(s->ext_rate_ts));
    return o;
}

char *psim_state_export(const psim_engine *e)
{
    json_t *root = json_object();
    if (!root)
        return NULL;
    json_object_set_new(root, "format", json_string(STATE_FORMAT));
    json_object_set_new(root, "version", json_integer(STATE_VERSION));
    json_object_set_new(root, "starting_equity", num(e->p.starting_equity));
    json_object_set_new(root, "cash", num(e->cash));
    json_object_set_new(root, "realized_pnl", num(e->realized));
    json_object_set_new(root, "fees_paid", num(e->fees));
    json_object_set_new(root, "funding_net", num(e->funding_net));
    json_object_set_new(root, "now", json_integer(e->now));
    json_object_set_new(root, "next_funding_ts",
                        json_integer(e->next_funding_ts));
    json_t *syms = json_array();
    for (size_t i = 0; i < e->n_symbols; i++)
        json_array_append_new(syms, symbol_json(&e->sym[i]));
    json_object_set_new(root, "symbols", syms);
    /* The running totals are kept by increments, so they differ from a
     * fresh sum in the last bits: a restore that only resummed would not
     * give back the same account, nor resync on the same update. */
    json_object_set_new(
        root, "totals",
        json_pack("{s:o, s:o, s:o, s:I}", "unrealized", num(e->u_total),
                  "maintenance", num(e->mm_total), "initial", num(e->im_total),
                  "since_resync", (json_int_t)e->updates_since_resync));
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    return text;
}

/* ------------------------------------------------------------- import */

typedef struct reader {
    char *why;
    size_t why_len;
    const char *where; /* "state" or the symbol's name */
    int failed;
} reader;

static void fail(reader *r, const char *fmt, ...) PERP_PRINTF(2, 3);
static void fail(reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = 1;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->why, r->why_len, "perpsim state: %s: %s", r->where, msg);
}

/* A finite number, or NAN for null when nullable. */
static double get_num(reader *r, const json_t *o, const char *key, int nullable)
{
    json_t *v = json_object_get(o, key);
    if (nullable && json_is_null(v))
        return NAN;
    if (!json_is_number(v)) {
        fail(r, "%s: expected a number", key);
        return NAN;
    }
    return json_number_value(v);
}

static int64_t get_int(reader *r, const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        fail(r, "%s: expected an integer", key);
        return 0;
    }
    return (int64_t)json_integer_value(v);
}

static void read_plan(reader *r, const json_t *o, psim_symbol *s)
{
    s->plan.stop_loss = get_num(r, o, "stop_loss", 0);
    s->plan.profit_target = get_num(r, o, "profit_target", 0);
    const char *inv = json_string_value(json_object_get(o, "invalidation"));
    if (!inv)
        fail(r, "invalidation: expected a string");
    else
        snprintf(s->plan.invalidation, sizeof s->plan.invalidation, "%s", inv);
    if (!(s->plan.stop_loss >= 0) || !(s->plan.profit_target >= 0))
        fail(r, "exit plan prices must be >= 0");
}

static void read_position(reader *r, const json_t *o, psim_symbol *s)
{
    s->qty = get_num(r, o, "qty", 0);
    s->entry = get_num(r, o, "entry", 0);
    s->lev = get_num(r, o, "leverage", 0);
    s->entry_ts = get_int(r, o, "entry_ts");
    s->funding_ts = get_int(r, o, "funding_ts");
    read_plan(r, o, s);
    if (r->failed || s->qty == 0.0) {
        s->qty = 0.0;
        return;
    }
    if (!(s->entry > 0) || !(s->lev >= 1.0 && s->lev <= 100.0))
        fail(r, "open position needs entry > 0 and leverage in 1..100");
    if (!s->has_price)
        fail(r, "open position without a mark price");
}

static void read_symbol(reader *r, const json_t *o, psim_engine *e)
{
    const char *name = json_string_value(json_object_get(o, "symbol"));
    if (!name) {
        fail(r, "symbols[]: entry without a symbol name");
        return;
    }
    int idx = psim_find(e, name);
    if (idx < 0) {
        fail(r, "holds %s, which this backend does not trade", name);
        return;
    }
    psim_symbol *s = &e->sym[idx];
    r->where = s->name;
    json_t *hp = json_object_get(o, "has_price");
    if (!json_is_boolean(hp))
        fail(r, "has_price: expected true or false");
    s->has_price = json_is_true(hp);
    s->mark = get_num(r, o, "mark", 1);
    s->bid = get_num(r, o, "bid", 1);
    s->ask = get_num(r, o, "ask", 1);
    s->price_ts = get_int(r, o, "price_ts");
    if (s->has_price && !(s->mark > 0 && s->bid > 0 && s->ask > 0))
        fail(r, "a symbol with a price needs mark, bid and ask > 0");
    read_position(r, o, s);
    s->ema = get_num(r, o, "ema", 0);
    s->ema_next_ts = get_int(r, o, "ema_next_ts");
    s->ext_rate_1h = get_num(r, o, "ext_rate_1h", 0);
    s->ext_rate_ts = get_int(r, o, "ext_rate_ts");
    s->ext_pos = 0;
    r->where = "state";
}

/* Resets every symbol to flat and unpriced, keeping rules and rates. */
static void clear_symbols(psim_engine *e)
{
    for (size_t i = 0; i < e->n_symbols; i++) {
        psim_symbol *s = &e->sym[i];
        s->qty = s->entry = s->lev = 0.0;
        s->mark = s->bid = s->ask = NAN;
        s->has_price = 0;
        s->price_ts = s->entry_ts = s->funding_ts = 0;
        memset(&s->plan, 0, sizeof s->plan);
        s->ema = s->ext_rate_1h = 0.0;
        s->ext_rate_ts = 0;
        s->ext_pos = 0;
    }
}

static void read_root(reader *r, const json_t *root, psim_engine *e)
{
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (!fmt || strcmp(fmt, STATE_FORMAT) != 0) {
        fail(r, "format: expected \"%s\"", STATE_FORMAT);
        return;
    }
    if (get_int(r, root, "version") != STATE_VERSION) {
        fail(r, "version: expected %d", STATE_VERSION);
        return;
    }
    e->p.starting_equity = get_num(r, root, "starting_equity", 0);
    e->cash = get_num(r, root, "cash", 0);
    e->realized = get_num(r, root, "realized_pnl", 0);
    e->fees = get_num(r, root, "fees_paid", 0);
    e->funding_net = get_num(r, root, "funding_net", 0);
    e->now = get_int(r, root, "now");
    e->next_funding_ts = get_int(r, root, "next_funding_ts");
    json_t *syms = json_object_get(root, "symbols");
    if (!json_is_array(syms)) {
        fail(r, "symbols: expected an array");
        return;
    }
    clear_symbols(e);
    size_t i;
    json_t *o;
    json_array_foreach(syms, i, o)
    {
        if (!json_is_object(o))
            fail(r, "symbols[%zu]: expected an object", i);
        else
            read_symbol(r, o, e);
    }
}

/* The exported running totals, when the state has them (older states
 * keep the fresh sums of psim_resync). */
static void restore_totals(json_t *root, psim_engine *e)
{
    json_t *t = json_object_get(root, "totals");
    json_t *u = json_object_get(t, "unrealized");
    json_t *mm = json_object_get(t, "maintenance");
    json_t *im = json_object_get(t, "initial");
    json_t *n = json_object_get(t, "since_resync");
    if (!json_is_number(u) || !json_is_number(mm) || !json_is_number(im) ||
        !json_is_integer(n) || json_integer_value(n) < 0)
        return;
    e->u_total = json_number_value(u);
    e->mm_total = json_number_value(mm);
    e->im_total = json_number_value(im);
    e->updates_since_resync = (uint32_t)json_integer_value(n);
}

int psim_state_import(psim_engine *e, const char *json, char *why,
                      size_t why_len)
{
    reader r = {why, why_len, "state", 0};
    json_error_t jerr;
    json_t *root = json_loads(json ? json : "", 0, &jerr);
    if (!json_is_object(root)) {
        fail(&r, "not a JSON object (%s at line %d)", jerr.text, jerr.line);
        json_decref(root);
        return PERP_EINVAL;
    }
    psim_engine *tmp = malloc(sizeof *tmp);
    if (!tmp) {
        json_decref(root);
        fail(&r, "out of memory");
        return PERP_ENOMEM;
    }
    *tmp = *e;
    read_root(&r, root, tmp);
    if (!r.failed) {
        *e = *tmp;
        psim_resync(e);
        restore_totals(root, e);
    }
    json_decref(root);
    free(tmp);
    return r.failed ? PERP_EINVAL : PERP_OK;
}
