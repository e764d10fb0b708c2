/*
 * fuzz_decision.c — libFuzzer target for what an LLM sends back: the
 * chat-completions envelope (planner-openrouter's or_wire.c), the
 * decision text inside it (host/decision_json.c: fences, prose, <think>
 * blocks, any field of any type), the validator (host/validator.c)
 * against a real observation of the default pipeline, and the position
 * manager's order. The input is tried both as a response body and as the
 * message content itself, and the content also through the strict parser
 * (host->decision_from_json_strict, for script lines and stored
 * decisions).
 *
 * Oracles: a parse that fails says why; every string of the decision is
 * terminated within its array; a coin the validator passes for buy/sell
 * meets every limit recomputed here (finite size, leverage 1..max,
 * notional >= min, exposure and margin), and the order for it reaches the
 * decided target exactly; what the strict parser accepts, the lenient one
 * accepts and reads to the same decision.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decision_json.h"
#include "log.h"
#include "observation_fixture.h"
#include "or_wire.h"
#include "position_manager.h"
#include "validator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static obs_fixture *fixture;
static perp_observation *obs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    host_log_set_level((perp_log_level)(PERP_LOG_ERROR + 1));
    char err[256];
    fixture = obs_fixture_load("tests/fixtures/observation_default.json", err,
                               sizeof err);
    if (!fixture) {
        fprintf(stderr, "fuzz_decision: %s (run from the repository root)\n",
                err);
        abort();
    }
    obs = obs_fixture_obs(fixture);
    return 0;
}

static void check_terminated(const perp_decision *d)
{
    if (d->n_coins > PERP_MAX_SYMBOLS ||
        strnlen(d->notes, sizeof d->notes) == sizeof d->notes ||
        strnlen(d->error, sizeof d->error) == sizeof d->error)
        abort();
    for (size_t i = 0; i < d->n_coins; i++) {
        const perp_coin_decision *c = &d->coins[i];
        if (strnlen(c->coin, sizeof c->coin) == sizeof c->coin ||
            strnlen(c->justification, sizeof c->justification) ==
                sizeof c->justification ||
            strnlen(c->exit_plan.invalidation,
                    sizeof c->exit_plan.invalidation) ==
                sizeof c->exit_plan.invalidation)
            abort();
    }
}

static const perp_position *position_of(const char *symbol)
{
    for (size_t i = 0; i < obs->account.n_positions; i++)
        if (strcmp(obs->account.positions[i].symbol, symbol) == 0)
            return &obs->account.positions[i];
    return NULL;
}

/* The limits of a buy or sell the validator let through, recomputed. */
static void check_passed(const perp_coin_decision *c, const perp_market_view *m)
{
    if (!m || (c->signal != PERP_SIGNAL_BUY && c->signal != PERP_SIGNAL_SELL))
        return;
    const perp_limits *l = &obs->limits;
    double notional = c->quantity * m->mid;
    double others = 0;
    for (size_t i = 0; i < obs->account.n_positions; i++)
        if (strcmp(obs->account.positions[i].symbol, m->symbol) != 0)
            others += obs->account.positions[i].notional;
    if (!isfinite(c->quantity) || !(c->quantity > 0) || !(c->leverage >= 1) ||
        c->leverage > l->max_leverage || notional < l->min_notional ||
        (others + notional) / obs->account.equity > l->max_exposure + 1e-12 ||
        m->stale)
        abort(); /* an order that breaks a limit would have gone out */
    const perp_position *cur = position_of(m->symbol);
    perp_order o;
    perp_fill_cause cause;
    double target = c->signal == PERP_SIGNAL_BUY ? c->quantity : -c->quantity;
    if (host_pm_order_for(c, m->symbol, cur, obs->ts, &o, &cause)) {
        double after = (cur ? cur->qty : 0) + o.qty;
        if (fabs(after - target) > 1e-9 * fmax(1, fabs(target)))
            abort();
    }
}

/* The strict parser (script lines, stored decisions) on the same text:
 * what it accepts, the lenient one reads the same way. */
static void strict_agrees(const char *text, const perp_decision *lenient,
                          int lenient_rc)
{
    static perp_decision d;
    char err[PERP_ERROR_MAX] = "";
    int rc = host_decision_from_json_strict(text, &d, err, sizeof err);
    if (rc != PERP_OK) {
        if (!err[0])
            abort();
        return;
    }
    check_terminated(&d);
    if (lenient_rc != PERP_OK)
        abort(); /* one object with positions, which the LLM parser missed */
    char *a = host_decision_to_json(&d), *b = host_decision_to_json(lenient);
    if (!a || !b || strcmp(a, b) != 0)
        abort();
    free(a);
    free(b);
}

static void decide(const char *text)
{
    static perp_decision d;
    char err[PERP_ERROR_MAX];
    err[0] = '\0';
    int rc = host_decision_from_json(text, &d, err, sizeof err);
    if (rc != PERP_OK && !err[0])
        abort();
    strict_agrees(text, &d, rc);
    if (rc != PERP_OK)
        return;
    check_terminated(&d);
    for (size_t i = 0; i < d.n_coins; i++) {
        const perp_market_view *m = NULL;
        char why[PERP_ERROR_MAX];
        if (host_validate_decision(obs, &d.coins[i], &m, why, sizeof why))
            check_passed(&d.coins[i], m);
        else if (!why[0] || strchr(why, '\n'))
            abort();
    }
    char *json = host_decision_to_json(&d);
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 20)
        return 0;
    or_response r;
    int rc = or_response_parse((const char *)data, size, &r);
    if (rc != 0 && !r.error[0])
        abort(); /* refused without a reason */
    if (rc == 0 && r.content)
        decide(r.content);
    or_response_free(&r);

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    decide(text);
    free(text);
    return 0;
}
