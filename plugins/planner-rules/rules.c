/*
 * planner-rules — a deterministic, slow trend-following planner that needs
 * no key (the default when no API key is set). The rule is in
 * trend_rule.c, its keys in rules_config.c, the reasoning and the measured
 * behaviour in docs/planner-rules.md. This file holds the plugin and the
 * per-market memory the rule keeps between cycles (when a position was
 * last seen to close, for the cooldown).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_config.h"
#include "trend_rule.h"

typedef struct rules {
    const perp_host *host; /* borrowed */
    int checked;           /* the pipeline's indicators were checked */
    trend_params p;        /* names borrowed from the config tree */
    size_t n_mem;
    char symbols[PERP_MAX_SYMBOLS][PERP_SYMBOL_MAX];
    trend_memory mem[PERP_MAX_SYMBOLS];
    trend_memory scratch; /* for a market beyond PERP_MAX_SYMBOLS */
    /* The notes of the last cycle and the counts they say: most cycles
     * say the same, so they are written once. */
    size_t notes_counts[3];
    char notes[PERP_NOTES_MAX + 1];
} rules;

static perp_status rules_create(const perp_host *host,
                                const perp_config_node *cfg, void **self)
{
    rules *r = calloc(1, sizeof *r);
    if (!r)
        return PERP_ENOMEM;
    if (rules_config_read(host, cfg, &r->p) != PERP_OK) {
        free(r);
        return PERP_EINVAL;
    }
    r->host = host;
    *self = r;
    return PERP_OK;
}

/* Appends ", name (where)" to buf, never past its end (len is clamped). */
static void note_missing(char *buf, size_t cap, size_t *len, const char *name,
                         const char *where)
{
    if (*len >= cap - 1)
        return;
    int w = snprintf(buf + *len, cap - *len, "%s%s%s", *len ? ", " : "", name,
                     where);
    if (w > 0)
        *len += (size_t)w < cap - *len ? (size_t)w : cap - 1 - *len;
}

/* A pipeline without the indicators the rule reads would hold forever
 * without a word; say once which names are missing. */
static void check_inputs(rules *r, const perp_market_view *m)
{
    const char *need[] = {r->p.fast, r->p.slow, r->p.macd_hist, r->p.rsi};
    char missing[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (need[i] && *need[i] && !trend_find(m->ind_1m, m->n_ind_1m, need[i]))
            note_missing(missing, sizeof missing, &len, need[i], " (1m)");
    if (r->p.ctx_ema && *r->p.ctx_ema &&
        !trend_find(m->ind_ctx, m->n_ind_ctx, r->p.ctx_ema))
        note_missing(missing, sizeof missing, &len, r->p.ctx_ema, " (context)");
    if (r->p.require_regime && r->p.regime && *r->p.regime &&
        !trend_find(m->ind_ctx, m->n_ind_ctx, r->p.regime) &&
        !trend_find(m->ind_1m, m->n_ind_1m, r->p.regime))
        note_missing(missing, sizeof missing, &len, r->p.regime, "");
    if (missing[0])
        r->host->log(r->host, PERP_LOG_WARN,
                     "indicators the rule reads are not in the pipeline: %s; "
                     "it will hold (see docs/planner-rules.md)",
                     missing);
}

static void rules_destroy(void *self)
{
    free(self);
}

/* The memory slot of symbol (markets come in the same order each cycle,
 * so slot `hint` first), created on first sight; NULL when full. */
static trend_memory *memory_of(rules *r, const char *symbol, size_t hint)
{
    if (hint < r->n_mem && strcmp(r->symbols[hint], symbol) == 0)
        return &r->mem[hint];
    for (size_t i = 0; i < r->n_mem; i++)
        if (strcmp(r->symbols[i], symbol) == 0)
            return &r->mem[i];
    if (r->n_mem == PERP_MAX_SYMBOLS)
        return NULL;
    snprintf(r->symbols[r->n_mem], PERP_SYMBOL_MAX, "%s", symbol);
    memset(&r->mem[r->n_mem], 0, sizeof r->mem[0]);
    return &r->mem[r->n_mem++];
}

static perp_status rules_plan(void *self, const perp_observation *obs,
                              perp_decision *out)
{
    rules *r = self;
    size_t entries = 0, exits = 0;
    if (!r->checked && obs->n_markets > 0) {
        check_inputs(r, &obs->markets[0]);
        r->checked = 1;
    }
    for (size_t i = 0; i < obs->n_markets && i < PERP_MAX_SYMBOLS; i++) {
        trend_memory *mem = memory_of(r, obs->markets[i].symbol, i);
        if (!mem) {
            memset(&r->scratch, 0, sizeof r->scratch);
            mem = &r->scratch;
        }
        perp_coin_decision *c = &out->coins[out->n_coins++];
        trend_decide(&r->p, obs, &obs->markets[i], mem, c);
        entries +=
            c->signal == PERP_SIGNAL_BUY || c->signal == PERP_SIGNAL_SELL;
        exits += c->signal == PERP_SIGNAL_CLOSE;
    }
    size_t holds = out->n_coins - entries - exits;
    if (!r->notes[0] || r->notes_counts[0] != entries ||
        r->notes_counts[1] != exits || r->notes_counts[2] != holds) {
        snprintf(r->notes, sizeof r->notes,
                 "Trend rule (%s vs %s, hysteresis %+.2f/%+.2f): %zu entr%s, "
                 "%zu exit%s, %zu hold%s.",
                 r->p.fast, r->p.slow, r->p.enter_band, -r->p.exit_band,
                 entries, entries == 1 ? "y" : "ies", exits,
                 exits == 1 ? "" : "s", holds, holds == 1 ? "" : "s");
        r->notes_counts[0] = entries;
        r->notes_counts[1] = exits;
        r->notes_counts[2] = holds;
    }
    memcpy(out->notes, r->notes, strlen(r->notes) + 1);
    return PERP_OK;
}

/* The per-market memory as text, one market a line: "SYMBOL HAD EXIT_TS"
 * (HAD: a position was open at the last cycle; EXIT_TS: when one was
 * last seen closed), so a restarted agent keeps its cooldowns. */
static perp_status rules_export(void *self, char **out)
{
    rules *r = self;
    size_t cap = 64 + r->n_mem * (PERP_SYMBOL_MAX + 32);
    char *s = malloc(cap);
    if (!s)
        return PERP_ENOMEM;
    size_t len = 0;
    s[0] = '\0';
    for (size_t i = 0; i < r->n_mem; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s %d %lld\n",
                                r->symbols[i], r->mem[i].had_position,
                                (long long)r->mem[i].last_exit_ts);
    *out = s;
    return PERP_OK;
}

static perp_status rules_import(void *self, const char *state)
{
    rules *r = self;
    rules fresh = *r;
    fresh.n_mem = 0;
    for (const char *line = state; line && *line;) {
        char sym[PERP_SYMBOL_MAX];
        int had, used = 0;
        long long exit_ts;
        if (sscanf(line, "%23s %d %lld%n", sym, &had, &exit_ts, &used) != 3 ||
            fresh.n_mem == PERP_MAX_SYMBOLS) {
            r->host->log(r->host, PERP_LOG_ERROR,
                         "import_state: expected lines of \"SYMBOL HAD "
                         "EXIT_TS\"");
            return PERP_EINVAL;
        }
        snprintf(fresh.symbols[fresh.n_mem], PERP_SYMBOL_MAX, "%s", sym);
        fresh.mem[fresh.n_mem].had_position = had != 0;
        fresh.mem[fresh.n_mem].last_exit_ts = exit_ts;
        fresh.n_mem++;
        line += used;
        while (*line == '\n' || *line == ' ')
            line++;
    }
    *r = fresh;
    return PERP_OK;
}

static const perp_planner_vtable rules_vtable = {
    .struct_size = sizeof(perp_planner_vtable),
    .create = rules_create,
    .destroy = rules_destroy,
    .plan = rules_plan,
    .export_state = rules_export,
    .import_state = rules_import,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_PLANNER, "rules", "2.0.0",
                        "deterministic slow trend following (EMA spread with "
                        "hysteresis, regime filter, volatility stops, risk "
                        "sizing); no key",
                        rules_vtable, rules_config_map)
