/* config.c — perpsim's YAML (the keys and defaults are in config.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const psim_symbol_cfg builtin[] = {
    {"BTC-USD", 0.01, 0.00001}, {"ETH-USD", 0.01, 0.0001},
    {"SOL-USD", 0.01, 0.01},    {"DOGE-USD", 0.00001, 1.0},
    {"XRP-USD", 0.0001, 1.0},
};
#define N_BUILTIN (sizeof builtin / sizeof builtin[0])

/* A number in [lo, hi]; PERP_EINVAL with the key's location otherwise. */
static int num_in(const perp_host *h, const perp_config_node *n,
                  const char *key, double def, double lo, double hi,
                  double *out)
{
    if (h->cfg_num(h, n, key, def, out) != PERP_OK)
        return PERP_EINVAL;
    if (!(*out >= lo && *out <= hi)) {
        const perp_config_node *at = h->cfg_child(n, key);
        return h->cfg_error(h, at ? at : n, "%s: %g is outside %g..%g", key,
                            *out, lo, hi);
    }
    return PERP_OK;
}

static int read_account(const perp_host *h, const perp_config_node *n,
                        psim_params *p)
{
    int rc = PERP_OK;
    rc |= num_in(h, n, "starting_equity", p->starting_equity, 1e-9, 1e15,
                 &p->starting_equity);
    rc |=
        num_in(h, n, "max_leverage", p->max_leverage, 1, 100, &p->max_leverage);
    if (rc != PERP_OK)
        return PERP_EINVAL;
    rc |= num_in(h, n, "default_leverage", p->default_leverage, 1,
                 p->max_leverage, &p->default_leverage);
    rc |= num_in(h, n, "mm_rate", p->mm_rate, 1e-9, 0.999, &p->mm_rate);
    rc |= num_in(h, n, "fee_bps", p->fee_bps, 0, 1000, &p->fee_bps);
    rc |= num_in(h, n, "slippage_bps", p->slippage_bps, 0, 1000,
                 &p->slippage_bps);
    rc |= num_in(h, n, "liq_penalty_bps", p->liq_penalty_bps, 0, 1000,
                 &p->liq_penalty_bps);
    rc |= num_in(h, n, "min_notional", p->min_notional, 0, 1e12,
                 &p->min_notional);
    rc |= h->cfg_bool(h, n, "dry_run", 0, &p->dry_run);
    if (rc != PERP_OK)
        return PERP_EINVAL;
    if (p->mm_rate * p->max_leverage >= 1.0) {
        const perp_config_node *at = h->cfg_child(n, "mm_rate");
        return h->cfg_error(h, at ? at : n,
                            "mm_rate %g x max_leverage %g >= 1: a position "
                            "at max leverage would open below maintenance",
                            p->mm_rate, p->max_leverage);
    }
    return PERP_OK;
}

static int read_model(const perp_host *h, const perp_config_node *f,
                      psim_params *p)
{
    const char *model;
    if (h->cfg_str(h, f, "model", "heuristic", &model) != PERP_OK)
        return PERP_EINVAL;
    if (strcmp(model, "none") == 0)
        p->funding_model = PSIM_FUNDING_NONE;
    else if (strcmp(model, "heuristic") == 0)
        p->funding_model = PSIM_FUNDING_HEURISTIC;
    else if (strcmp(model, "external") == 0)
        p->funding_model = PSIM_FUNDING_EXTERNAL;
    else
        return h->cfg_error(h, h->cfg_child(f, "model"),
                            "model: expected none, heuristic or external, "
                            "found '%s'",
                            model);
    return PERP_OK;
}

static int read_funding(const perp_host *h, const perp_config_node *n,
                        psim_config *c)
{
    static const char *const keys[] = {"model", "cap",  "interval",
                                       "ema",   "file", NULL};
    psim_params *p = &c->params;
    const perp_config_node *f = h->cfg_child(n, "funding");
    if (!f)
        return PERP_OK;
    if (h->cfg_check_keys(h, f, keys) != PERP_OK ||
        read_model(h, f, p) != PERP_OK ||
        num_in(h, f, "cap", p->funding_cap_8h, 0, 1, &p->funding_cap_8h))
        return PERP_EINVAL;
    const perp_config_node *iv = h->cfg_child(f, "interval");
    const char *ivs = iv ? h->cfg_scalar(iv) : NULL;
    if (ivs && strcmp(ivs, "continuous") == 0)
        p->funding_interval_ms = 0;
    else if (h->cfg_duration_ms(h, f, "interval", p->funding_interval_ms,
                                &p->funding_interval_ms) != PERP_OK)
        return PERP_EINVAL;
    else if (p->funding_interval_ms <= 0)
        return h->cfg_error(h, iv, "interval: must be > 0 or continuous");
    if (h->cfg_duration_ms(h, f, "ema", p->funding_ema_ms,
                           &p->funding_ema_ms) != PERP_OK)
        return PERP_EINVAL;
    if (p->funding_ema_ms < 60000)
        return h->cfg_error(h, h->cfg_child(f, "ema"),
                            "ema: must be at least 1m");
    if (h->cfg_str(h, f, "file", NULL, &c->funding_file) != PERP_OK)
        return PERP_EINVAL;
    if (p->funding_model == PSIM_FUNDING_EXTERNAL && !c->funding_file)
        h->log(h, PERP_LOG_INFO,
               "funding: external model without file: rates come from the "
               "feed only");
    return PERP_OK;
}

static int add_symbol(psim_config *c, const char *name, double tick,
                      double step)
{
    for (size_t i = 0; i < c->n_symbols; i++)
        if (strcmp(c->symbols[i].name, name) == 0)
            return PERP_OK;
    if (c->n_symbols == PSIM_MAX_SYMBOLS || strlen(name) >= PERP_SYMBOL_MAX)
        return PERP_EINVAL;
    psim_symbol_cfg *s = &c->symbols[c->n_symbols++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->tick_size = tick;
    s->size_step = step;
    return PERP_OK;
}

/* The universe: built-ins, then the agent's symbols (NAN rules: unknown). */
static int collect_symbols(const perp_host *h, psim_config *c)
{
    for (size_t i = 0; i < N_BUILTIN; i++)
        add_symbol(c, builtin[i].name, builtin[i].tick_size,
                   builtin[i].size_step);
    size_t n = h->symbol_count(h);
    for (size_t i = 0; i < n; i++) {
        if (add_symbol(c, h->symbol_at(h, i), NAN, NAN) != PERP_OK) {
            h->log(h, PERP_LOG_ERROR, "too many symbols or name too long: %s",
                   h->symbol_at(h, i));
            return PERP_EINVAL;
        }
    }
    return PERP_OK;
}

static int read_symbol_rules(const perp_host *h, const perp_config_node *sn,
                             psim_symbol_cfg *s, const perp_config_node *at)
{
    static const char *const keys[] = {"tick_size", "size_step", NULL};
    if (sn && (h->cfg_check_keys(h, sn, keys) != PERP_OK ||
               h->cfg_num(h, sn, "tick_size", s->tick_size, &s->tick_size) ||
               h->cfg_num(h, sn, "size_step", s->size_step, &s->size_step)))
        return PERP_EINVAL;
    if (!(s->tick_size > 0) || !(s->size_step > 0) || !isfinite(s->tick_size) ||
        !isfinite(s->size_step))
        return h->cfg_error(h, sn ? sn : at,
                            "symbols: %s needs tick_size > 0 and size_step > "
                            "0 (no built-in rules for it)",
                            s->name);
    return PERP_OK;
}

static int read_symbols(const perp_host *h, const perp_config_node *n,
                        psim_config *c)
{
    if (collect_symbols(h, c) != PERP_OK)
        return PERP_EINVAL;
    const perp_config_node *syms = h->cfg_child(n, "symbols");
    if (syms) {
        const char *allowed[PSIM_MAX_SYMBOLS + 1];
        for (size_t i = 0; i < c->n_symbols; i++)
            allowed[i] = c->symbols[i].name;
        allowed[c->n_symbols] = NULL;
        if (h->cfg_check_keys(h, syms, allowed) != PERP_OK)
            return PERP_EINVAL;
    }
    for (size_t i = 0; i < c->n_symbols; i++) {
        psim_symbol_cfg *s = &c->symbols[i];
        const perp_config_node *sn = syms ? h->cfg_child(syms, s->name) : NULL;
        if (read_symbol_rules(h, sn, s, syms ? syms : n) != PERP_OK)
            return PERP_EINVAL;
    }
    return PERP_OK;
}

int psim_config_read(const perp_host *h, const perp_config_node *node,
                     psim_config *out)
{
    static const char *const keys[] = {
        "starting_equity", "max_leverage", "default_leverage", "mm_rate",
        "fee_bps",         "slippage_bps", "liq_penalty_bps",  "min_notional",
        "funding",         "symbols",      "dry_run",          NULL};
    memset(out, 0, sizeof *out);
    psim_params_default(&out->params);
    if (node && h->cfg_check_keys(h, node, keys) != PERP_OK)
        return PERP_EINVAL;
    if (read_account(h, node, &out->params) != PERP_OK ||
        read_funding(h, node, out) != PERP_OK ||
        read_symbols(h, node, out) != PERP_OK)
        return PERP_EINVAL;
    return PERP_OK;
}
