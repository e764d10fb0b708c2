/* config.c — perpsim's YAML: psim_config_map, and the checks between
 * keys that its rows cannot say. */
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

static const perp_config_key funding_keys[] = {
    PERP_CFG_CHOICE("model", "heuristic", "none|heuristic|external",
                    "none; heuristic (from the premium); external (file "
                    "or feed rates)"),
    PERP_CFG_NUM("cap", "0.0001", 0, 1, "heuristic: largest |rate| per 8 h"),
    {.name = "interval",
     .type = PERP_CFG_DURATION,
     .default_value = "1h",
     .min = 1,
     .choices = "continuous",
     .flags = PERP_CFG_HAS_MIN,
     .description = "time between payments, or continuous accrual"},
    {.name = "ema",
     .type = PERP_CFG_DURATION,
     .default_value = "8h",
     .min = 60000,
     .flags = PERP_CFG_HAS_MIN,
     .description = "heuristic: smoothing of the premium"},
    PERP_CFG_FILE("file", NULL, "external: CSV of rates (ts,symbol,rate)"),
    PERP_CFG_LAST};

static const perp_config_key impact_keys[] = {
    PERP_CFG_NUM("k", "1", 0, 100,
                 "sqrt: bps = k x sigma x sqrt(notional / V) x 1e4"),
    PERP_CFG_DUR("window", "1d", 60000, 7 * 86400000.0,
                 "sqrt: candles sigma (per minute) and V (notional per "
                 "minute) are read over"),
    PERP_CFG_NUM("cap_bps", "500", 0, 10000,
                 "sqrt: the most an order pays (also while the window is "
                 "empty)"),
    PERP_CFG_LAST};

/* tick_size and size_step must be > 0; a symbol without built-in rules
 * needs both (checked in read_symbol_rules). */
static const perp_config_key symbol_keys[] = {
    {.name = "tick_size",
     .type = PERP_CFG_NUMBER,
     .description = "price step (> 0)"},
    {.name = "size_step",
     .type = PERP_CFG_NUMBER,
     .description = "quantity step (> 0)"},
    PERP_CFG_LAST};

const perp_config_key psim_config_map[] = {
    PERP_CFG_NUM("starting_equity", "10000", 1e-9, 1e15, "USD at start"),
    PERP_CFG_NUM("max_leverage", "5", 1, 100, "highest leverage accepted"),
    PERP_CFG_NUM("default_leverage", "1", 1, 100,
                 "leverage of an order that gives none (<= max_leverage)"),
    PERP_CFG_NUM("mm_rate", "0.03", 1e-9, 0.999,
                 "maintenance margin / notional (x max_leverage < 1)"),
    PERP_CFG_NUM("fee_bps", "2", 0, 1000, "taker fee per fill"),
    PERP_CFG_NUM("slippage_bps", "1", 0, 1000,
                 "price moved against every market order (fixed model); "
                 "the least an order pays (sqrt model)"),
    PERP_CFG_CHOICE("slippage_model", "fixed", "fixed|sqrt",
                    "fixed: slippage_bps whatever the size; sqrt: square-"
                    "root impact of the order's size on recent volume"),
    PERP_CFG_MAP("impact", impact_keys, "the sqrt model (docs/slippage.md)"),
    PERP_CFG_NUM("liq_penalty_bps", "5", 0, 1000,
                 "penalty on the notional of a liquidation"),
    PERP_CFG_NUM("min_notional", "5", 0, 1e12, "smallest order, USD"),
    PERP_CFG_MAP("funding", funding_keys, "funding payments"),
    PERP_CFG_MAP_OF("symbols", symbol_keys,
                    "rules per symbol, e.g. BTC-USD: {tick_size: 0.01, "
                    "size_step: 0.00001}; built in for BTC, ETH, SOL, "
                    "DOGE, XRP"),
    PERP_CFG_BOOLEAN("dry_run", "false", "accept orders without filling them"),
    PERP_CFG_LAST};

/* The slippage model, and that its cap is not under its floor. */
static perp_status read_slippage(const perp_host *h, const perp_config_node *n,
                                 psim_params *p)
{
    const char *model;
    if (h->cfg_str(h, n, "slippage_model", "fixed", &model) != PERP_OK)
        return PERP_EINVAL;
    p->slippage_model =
        strcmp(model, "sqrt") == 0 ? PSIM_SLIPPAGE_SQRT : PSIM_SLIPPAGE_FIXED;
    const perp_config_node *im = h->cfg_child(n, "impact");
    if (im &&
        (h->cfg_num(h, im, "k", p->impact_k, &p->impact_k) ||
         h->cfg_duration_ms(h, im, "window", p->impact_window_ms,
                            &p->impact_window_ms) ||
         h->cfg_num(h, im, "cap_bps", p->impact_cap_bps, &p->impact_cap_bps)))
        return PERP_EINVAL;
    if (p->slippage_model == PSIM_SLIPPAGE_SQRT &&
        p->impact_cap_bps < p->slippage_bps) {
        const perp_config_node *at = im ? h->cfg_child(im, "cap_bps") : NULL;
        return h->cfg_error(h, at ? at : n,
                            "impact.cap_bps %g is below slippage_bps %g, the "
                            "floor of the sqrt model",
                            p->impact_cap_bps, p->slippage_bps);
    }
    return PERP_OK;
}

static perp_status read_account(const perp_host *h, const perp_config_node *n,
                                psim_params *p)
{
    if (h->cfg_num(h, n, "starting_equity", p->starting_equity,
                   &p->starting_equity) ||
        h->cfg_num(h, n, "max_leverage", p->max_leverage, &p->max_leverage) ||
        h->cfg_num(h, n, "default_leverage", p->default_leverage,
                   &p->default_leverage) ||
        h->cfg_num(h, n, "mm_rate", p->mm_rate, &p->mm_rate) ||
        h->cfg_num(h, n, "fee_bps", p->fee_bps, &p->fee_bps) ||
        h->cfg_num(h, n, "slippage_bps", p->slippage_bps, &p->slippage_bps) ||
        h->cfg_num(h, n, "liq_penalty_bps", p->liq_penalty_bps,
                   &p->liq_penalty_bps) ||
        h->cfg_num(h, n, "min_notional", p->min_notional, &p->min_notional) ||
        h->cfg_bool(h, n, "dry_run", 0, &p->dry_run))
        return PERP_EINVAL;
    if (p->default_leverage > p->max_leverage) {
        const perp_config_node *at = h->cfg_child(n, "default_leverage");
        return h->cfg_error(h, at ? at : n,
                            "default_leverage: %g is above max_leverage %g",
                            p->default_leverage, p->max_leverage);
    }
    if (read_slippage(h, n, p) != PERP_OK)
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

static perp_status read_model(const perp_host *h, const perp_config_node *f,
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

static perp_status read_funding(const perp_host *h, const perp_config_node *n,
                                psim_config *c)
{
    psim_params *p = &c->params;
    const perp_config_node *f = h->cfg_child(n, "funding");
    if (!f)
        return PERP_OK;
    if (read_model(h, f, p) != PERP_OK ||
        h->cfg_num(h, f, "cap", p->funding_cap_8h, &p->funding_cap_8h))
        return PERP_EINVAL;
    const perp_config_node *iv = h->cfg_child(f, "interval");
    const char *ivs = iv ? h->cfg_scalar(iv) : NULL;
    if (ivs && strcmp(ivs, "continuous") == 0)
        p->funding_interval_ms = 0;
    else if (h->cfg_duration_ms(h, f, "interval", p->funding_interval_ms,
                                &p->funding_interval_ms) != PERP_OK)
        return PERP_EINVAL;
    if (h->cfg_duration_ms(h, f, "ema", p->funding_ema_ms,
                           &p->funding_ema_ms) != PERP_OK)
        return PERP_EINVAL;
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

static perp_status read_symbol_rules(const perp_host *h,
                                     const perp_config_node *sn,
                                     psim_symbol_cfg *s,
                                     const perp_config_node *at)
{
    if (sn && (h->cfg_num(h, sn, "tick_size", s->tick_size, &s->tick_size) ||
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

static perp_status read_symbols(const perp_host *h, const perp_config_node *n,
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

perp_status psim_config_read(const perp_host *h, const perp_config_node *node,
                             psim_config *out)
{
    memset(out, 0, sizeof *out);
    psim_params_default(&out->params);
    if (read_account(h, node, &out->params) != PERP_OK ||
        read_funding(h, node, out) != PERP_OK ||
        read_symbols(h, node, out) != PERP_OK)
        return PERP_EINVAL;
    return PERP_OK;
}
