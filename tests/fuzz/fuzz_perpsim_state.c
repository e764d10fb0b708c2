/*
 * fuzz_perpsim_state.c — libFuzzer target for perpsim's state import
 * (backend-perpsim's state_json.c), the text a restart reads back from
 * the database or a file: any bytes as the state of an engine trading
 * BTC-USD, ETH-USD and DOGE-USD. Without the 0x00 byte the input is the
 * state; a state that imports is then driven on: prices (with stops and
 * liquidation), funding, an order and a close.
 *
 * Oracles: a refused state says why and leaves the engine as it was (its
 * export unchanged); an accepted one exports and imports again to the
 * very same text, and the engine keeps working on it without undefined
 * behaviour (float-to-integer overflow included).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "state_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const psim_symbol_cfg symbols[] = {{"BTC-USD", 0.01, 0.00001},
                                          {"ETH-USD", 0.01, 0.0001},
                                          {"DOGE-USD", 0.00001, 1}};

static void on_fill(void *ud, const perp_fill *f)
{
    (void)ud;
    if (!isfinite(f->price) || !isfinite(f->qty))
        abort();
}
static void on_funding(void *ud, int64_t ts, const perp_funding_record *r)
{
    (void)ud;
    (void)ts;
    (void)r;
}
static void on_liq(void *ud, int64_t ts, const perp_liquidation_record *r)
{
    (void)ud;
    (void)ts;
    (void)r;
}

static void start(psim_engine *e)
{
    psim_params p;
    psim_params_default(&p);
    p.funding_model = PSIM_FUNDING_HEURISTIC;
    psim_events ev = {NULL, on_fill, on_funding, on_liq};
    if (psim_init(e, &p, symbols, 3, &ev) != PERP_OK)
        abort();
}

static void drive(psim_engine *e)
{
    int64_t t = e->now > 0 && e->now < INT64_MAX / 2 ? e->now : 1700000000000;
    for (int i = 0; i < 3; i++) {
        psim_on_price(e, i, t + 60000,
                      i == 0   ? 27000
                      : i == 1 ? 1800
                               : 0.07,
                      NAN, NAN);
        psim_on_funding(e, i, t + 3600000, 0.0001);
    }
    perp_order o = {.ts = t + 120000,
                    .symbol = "BTC-USD",
                    .qty = 0.01,
                    .type = PERP_ORDER_MARKET,
                    .leverage = 2};
    perp_fill f;
    char why[256];
    psim_submit(e, &o, t + 120000, &f, why, sizeof why);
    perp_account a;
    psim_account(e, &a);
    for (int i = 0; i < 3; i++) {
        psim_liquidation_price(e, i);
        perp_order c = {.ts = t + 180000,
                        .type = PERP_ORDER_MARKET,
                        .reduce_only = 1,
                        .leverage = 1};
        memcpy(c.symbol, symbols[i].name, sizeof c.symbol);
        c.qty = -e->sym[i].qty;
        if (c.qty != 0 && isfinite(c.qty))
            psim_submit(e, &c, t + 180000, &f, why, sizeof why);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 20 || memchr(data, 0, size))
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* One engine for every input: psim_init sets all of it afresh and
     * psim_free releases what an input made, so nothing carries over. */
    static psim_engine engine;
    psim_engine *e = &engine;
    start(e);
    char *before = psim_state_export(e);
    char why[256] = "";
    if (psim_state_import(e, text, why, sizeof why) != PERP_OK) {
        char *after = psim_state_export(e);
        if (!why[0] || strcmp(before, after) != 0)
            abort(); /* refused, yet changed, or no reason */
        free(after);
    } else {
        char *once = psim_state_export(e);
        if (psim_state_import(e, once, why, sizeof why) != PERP_OK)
            abort(); /* our own export refused */
        char *twice = psim_state_export(e);
        if (strcmp(once, twice) != 0)
            abort();
        free(once);
        free(twice);
        drive(e);
    }
    free(before);
    psim_free(e);
    free(text);
    return 0;
}
