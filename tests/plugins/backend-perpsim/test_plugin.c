/*
 * test_plugin.c — perpsim through its vtable, with a real host table
 * (host_services_new) and YAML parsed by the host's config loader: config
 * defaults and errors, records emitted through host->emit, candles,
 * external funding from a file, export/import.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_env.h"
#include "stderr_capture.h"
#include "temp_dir.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

#define T0  (472222LL * 3600000LL)
#define EPS 1e-9

typedef struct sink {
    perp_record recs[64];
    size_t n;
} sink;

static void capture(void *ud, const perp_record *rec)
{
    sink *s = ud;
    if (s->n < 64)
        s->recs[s->n++] = *rec;
}

static const char *const agent_syms[] = {"BTC-USD", "ETH-USD"};
static plugin_env env;
static sink out;
static void *self;

static const perp_backend_vtable *vt(void)
{
    const perp_plugin_descriptor *d = perp_plugin_entry();
    cr_assert_eq(d->kind, PERP_KIND_BACKEND);
    cr_assert_str_eq(d->name, "perpsim");
    return d->vtable;
}

static int create(const char *yaml)
{
    memset(&out, 0, sizeof out);
    cr_assert_eq(plugin_env_init(&env, yaml, agent_syms, 2), 0);
    env.ctx.emit = capture;
    env.ctx.emit_ud = &out;
    self = NULL;
    return plugin_env_create(&env, perp_plugin_entry(), &self);
}

static void finish(void)
{
    vt()->destroy(self);
    self = NULL;
    plugin_env_free(&env);
}

static perp_price price(const char *s, int64_t ts, double last)
{
    perp_price p = {ts, "", last, NAN, NAN};
    snprintf(p.symbol, sizeof p.symbol, "%s", s);
    return p;
}

static int submit(const char *s, double qty, double lev, int64_t ts,
                  perp_fill *f, char *why)
{
    perp_order o;
    memset(&o, 0, sizeof o);
    o.ts = ts;
    snprintf(o.symbol, sizeof o.symbol, "%s", s);
    o.qty = qty;
    o.leverage = lev;
    snprintf(o.reason, sizeof o.reason, "planner says so");
    return vt()->submit(self, &o, f, why, PERP_ERROR_MAX);
}

/* Built-in rules (Coinbase price ticks, Hyperliquid size steps) and the
 * issue's defaults. */
Test(plugin, defaults)
{
    cr_assert_eq(create("plugin: perpsim\n"), PERP_OK);
    perp_symbol_rules r;
    cr_assert_eq(vt()->rules(self, "BTC-USD", &r), PERP_OK);
    cr_assert_eq(r.tick_size, 0.01);
    cr_assert_eq(r.size_step, 0.00001);
    cr_assert_eq(r.min_notional, 5.0);
    cr_assert_eq(r.max_leverage, 5.0);
    cr_assert_eq(vt()->rules(self, "DOGE-USD", &r), PERP_OK);
    cr_assert_eq(r.tick_size, 0.00001);
    cr_assert_eq(r.size_step, 1.0);
    cr_assert_eq(vt()->rules(self, "PEPE-USD", &r), PERP_EINVAL);
    perp_account a;
    cr_assert_eq(vt()->account(self, &a), PERP_OK);
    cr_assert_eq(a.starting_equity, 10000.0);
    cr_assert_eq(a.equity, 10000.0);
    cr_assert_eq(a.n_positions, 0);
    finish();
}

/* A trade through the vtable emits a TRADE record equal to the fill:
 * starting 5000, fee 0, slippage 0, BTC tick 0.5 / step 0.001:
 * buy 0.1234 at 100000 -> 0.123 at 100000, IM 0.123 x 100000 / 5 = 2460. */
Test(plugin, yaml_overrides_and_trade_record)
{
    cr_assert_eq(create("plugin: perpsim\nstarting_equity: 5000\n"
                        "max_leverage: 10\nfee_bps: 0\nslippage_bps: 0\n"
                        "funding: {model: none}\n"
                        "symbols:\n  BTC-USD: {tick_size: 0.5, size_step: "
                        "0.001}\n"),
                 PERP_OK);
    perp_price p = price("BTC-USD", T0, 100000);
    cr_assert_eq(vt()->on_price(self, &p), PERP_OK);
    perp_fill f;
    char why[PERP_ERROR_MAX] = "";
    cr_assert_eq(submit("BTC-USD", 0.1234, 5, T0, &f, why), PERP_OK, "%s", why);
    cr_assert_float_eq(f.qty, 0.123, EPS);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.recs[0].type, PERP_REC_TRADE);
    cr_assert_eq(out.recs[0].ts, T0);
    const perp_fill *rf = &out.recs[0].u.trade.fill;
    cr_assert_str_eq(rf->symbol, "BTC-USD");
    cr_assert_float_eq(rf->qty, 0.123, EPS);
    cr_assert_eq(rf->price, 100000.0);
    cr_assert_eq(rf->cause, PERP_CAUSE_ENTRY);
    cr_assert_str_eq(rf->reason, "planner says so");
    perp_account a;
    vt()->account(self, &a);
    cr_assert_float_eq(a.margin_used, 2460, 1e-9);
    cr_assert_eq(a.starting_equity, 5000.0);
    cr_assert_eq(submit("BTC-USD", 0.01, 11, T0, &f, why), PERP_EREJECT);
    cr_assert(strstr(why, "leverage 11 outside 1..10"), "%s", why);
    finish();
}

/* A liquidation emits LIQUIDATION then TRADE (cause liquidation); a
 * funding payment emits FUNDING. Long 0.9 BTC at 10x, fee and slippage 0:
 * liquidation price (0.9 x 100000 - 10000) / (0.9 x 0.97) = 91638.01; the
 * hourly payment at T0+1h with rate 0.0001/h: -0.9 x 100000 x 0.0001 =
 * -9. */
Test(plugin, liquidation_and_funding_records)
{
    cr_assert_eq(create("plugin: perpsim\nmax_leverage: 10\nfee_bps: 0\n"
                        "slippage_bps: 0\nfunding: {model: external}\n"
                        "symbols:\n  BTC-USD: {tick_size: 0.5, size_step: "
                        "0.001}\n"),
                 PERP_OK);
    perp_price p = price("BTC-USD", T0, 100000);
    vt()->on_price(self, &p);
    perp_funding_rate fr = {T0, "BTC-USD", 0.0001};
    cr_assert_eq(vt()->on_funding(self, &fr), PERP_OK);
    char why[PERP_ERROR_MAX];
    perp_fill f;
    cr_assert_eq(submit("BTC-USD", 0.9, 10, T0, &f, why), PERP_OK, "%s", why);
    perp_account a;
    vt()->account(self, &a);
    cr_assert_float_eq(a.positions[0].liquidation_price,
                       (90000.0 - 10000.0) / (0.9 * 0.97), 1e-6);
    p = price("BTC-USD", T0 + 3600000, 100000);
    vt()->on_price(self, &p);
    cr_assert_eq(out.n, 2);
    cr_assert_eq(out.recs[1].type, PERP_REC_FUNDING);
    cr_assert_float_eq(out.recs[1].u.funding.payment, -9.0, EPS);
    cr_assert_eq(out.recs[1].ts, T0 + 3600000);
    stderr_capture_begin();
    p = price("BTC-USD", T0 + 3600001, 90000);
    vt()->on_price(self, &p);
    char *log = stderr_capture_end();
    cr_assert(strstr(log, "liquidated BTC-USD"), "%s", log);
    free(log);
    /* The position's last millisecond of funding is settled first. */
    cr_assert_eq(out.n, 5);
    cr_assert_eq(out.recs[2].type, PERP_REC_FUNDING);
    cr_assert_float_eq(out.recs[2].u.funding.payment,
                       -0.9 * 90000 * 0.0001 / 3600000, 1e-15);
    cr_assert_eq(out.recs[3].type, PERP_REC_LIQUIDATION);
    cr_assert_float_eq(out.recs[3].u.liquidation.price, 90000, EPS);
    cr_assert_float_eq(out.recs[3].u.liquidation.penalty, 0.9 * 90000 * 0.0005,
                       EPS);
    cr_assert_eq(out.recs[4].type, PERP_REC_TRADE);
    cr_assert_eq(out.recs[4].u.trade.fill.cause, PERP_CAUSE_LIQUIDATION);
    finish();
}

/* Candles through the vtable walk intrabar; unknown symbols are refused. */
Test(plugin, candle_stop_and_unknown_symbol)
{
    cr_assert_eq(create("plugin: perpsim\nfunding: {model: none}\n"), PERP_OK);
    perp_price p = price("ETH-USD", T0, 2000);
    vt()->on_price(self, &p);
    char why[PERP_ERROR_MAX];
    perp_fill f;
    cr_assert_eq(submit("ETH-USD", 1, 2, T0, &f, why), PERP_OK, "%s", why);
    perp_exit_plan plan = {0, 1950, ""};
    cr_assert_eq(vt()->set_exit_plan(self, "ETH-USD", &plan), PERP_OK);
    perp_candle c = {T0 + 60000, 60000, "ETH-USD", 2000, 2010, 1940, 2005, 3};
    cr_assert_eq(vt()->on_candle(self, &c), PERP_OK);
    cr_assert_eq(out.n, 2);
    cr_assert_eq(out.recs[1].u.trade.fill.cause, PERP_CAUSE_STOP_LOSS);
    p = price("PEPE-USD", T0, 1);
    cr_assert_eq(vt()->on_price(self, &p), PERP_EINVAL);
    snprintf(c.symbol, sizeof c.symbol, "PEPE-USD");
    cr_assert_eq(vt()->on_candle(self, &c), PERP_EINVAL);
    finish();
}

Test(plugin, export_import_through_vtable)
{
    cr_assert_eq(create("plugin: perpsim\n"), PERP_OK);
    perp_price p = price("BTC-USD", T0, 100000);
    vt()->on_price(self, &p);
    char why[PERP_ERROR_MAX];
    perp_fill f;
    cr_assert_eq(submit("BTC-USD", 0.05, 2, T0, &f, why), PERP_OK, "%s", why);
    char *state = NULL;
    cr_assert_eq(vt()->export_state(self, &state), PERP_OK);
    void *first = self;
    perp_account a1;
    vt()->account(first, &a1);
    self = NULL;
    cr_assert_eq(plugin_env_create(&env, perp_plugin_entry(), &self), PERP_OK);
    cr_assert_eq(vt()->import_state(self, state), PERP_OK);
    perp_account a2;
    vt()->account(self, &a2);
    cr_assert_eq(a2.cash, a1.cash);
    cr_assert_eq(a2.n_positions, 1);
    cr_assert_eq(a2.positions[0].qty, a1.positions[0].qty);
    cr_assert_eq(a2.positions[0].entry_price, a1.positions[0].entry_price);
    stderr_capture_begin();
    cr_assert_eq(vt()->import_state(self, "{\"format\":1}"), PERP_EINVAL);
    char *log = stderr_capture_end();
    cr_assert(strstr(log, "import_state"), "%s", log);
    free(log);
    free(state);
    vt()->destroy(first);
    finish();
}

/* External rates from funding.file. */
Test(plugin, external_funding_file)
{
    char *dir = temp_dir_new();
    char line[128];
    snprintf(line, sizeof line, "ts,symbol,rate\n%lld,BTC-USD,0.0002\n",
             (long long)T0 / 1000);
    char *path = temp_dir_write(dir, "rates.csv", line);
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "plugin: perpsim\nfee_bps: 0\nslippage_bps: 0\n"
             "funding: {model: external, interval: 1h, file: %s}\n",
             path);
    cr_assert_eq(create(yaml), PERP_OK);
    perp_price p = price("BTC-USD", T0, 100000);
    vt()->on_price(self, &p);
    char why[PERP_ERROR_MAX];
    perp_fill f;
    cr_assert_eq(submit("BTC-USD", 0.1, 2, T0, &f, why), PERP_OK, "%s", why);
    p = price("BTC-USD", T0 + 2 * 3600000, 100000);
    vt()->on_price(self, &p);
    /* Two boundaries passed at once: one payment for the 2 h, -0.1 x
     * 100000 x 0.0002 x 2 = -4 (dated at the last boundary). */
    cr_assert_eq(out.n, 2);
    cr_assert_eq(out.recs[1].type, PERP_REC_FUNDING);
    cr_assert_float_eq(out.recs[1].u.funding.payment, -4.0, EPS);
    finish();
    temp_dir_remove(dir);
    free(path);
    free(dir);
}

/* Every bad config is refused at create with file:line:col. */
static void refused(const char *yaml, const char *needle)
{
    stderr_capture_begin();
    int rc = create(yaml);
    char *log = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL, "accepted: %s", yaml);
    cr_assert_null(self);
    cr_assert(strstr(log, needle), "log '%s' lacks '%s'", log, needle);
    cr_assert(strstr(log, "test.yaml:"), "no location: %s", log);
    free(log);
    plugin_env_free(&env);
}

Test(plugin, config_errors)
{
    refused("plugin: perpsim\nmax_leverage: 101\n", "max_leverage");
    refused("plugin: perpsim\nmax_leverage: 0.5\n", "max_leverage");
    refused("plugin: perpsim\nfees_bps: 2\n", "fees_bps");
    refused("plugin: perpsim\nfunding: {model: magic}\n", "magic");
    refused("plugin: perpsim\nfunding: {interval: 0}\n", "interval");
    refused("plugin: perpsim\nfunding: {rate: 1}\n", "rate");
    refused("plugin: perpsim\nmax_leverage: 50\n", "mm_rate");
    refused("plugin: perpsim\nstarting_equity: -5\n", "starting_equity");
    refused("plugin: perpsim\nsymbols: {FOO-USD: {tick_size: 1}}\n", "FOO-USD");
    refused("plugin: perpsim\nsymbols: {BTC-USD: {tick_size: 0}}\n",
            "tick_size");
    refused("plugin: perpsim\nfunding: {model: external, file: "
            "/nonexistent/rates.csv}\n",
            "/nonexistent/rates.csv");
    refused("plugin: perpsim\nslippage_model: linear\n", "linear");
    refused("plugin: perpsim\nslippage_model: sqrt\nslippage_bps: 20\n"
            "impact: {cap_bps: 10}\n",
            "impact.cap_bps 10 is below slippage_bps 20");
    refused("plugin: perpsim\nimpact: {window: 10s}\n", "window");
    refused("plugin: perpsim\nimpact: {kk: 1}\n", "kk");
}

/* The sqrt model from YAML, fed through market_candle and quoted through
 * slippage: BTC closes 20000 x 1.001^i, 2,000,000 USD a minute, so sigma
 * = 0.001 and V = 2,000,000 a minute (test_slippage.c); with k 2 an order
 * of 20,000 USD pays 2 x 0.001 x sqrt(0.01) x 10^4 = 2 bps, and a buy of
 * 0.5 BTC at 40,000 fills at 40000 x 1.0002 = 40008. Before any candle
 * the market is unknown: the cap. */
Test(plugin, sqrt_slippage_from_yaml_through_the_vtable)
{
    cr_assert_eq(create("plugin: perpsim\nstarting_equity: 1000000\n"
                        "fee_bps: 0\nslippage_bps: 0.5\n"
                        "slippage_model: sqrt\n"
                        "impact: {k: 2, window: 1h, cap_bps: 300}\n"),
                 PERP_OK);
    perp_slippage q = {.struct_size = sizeof q};
    cr_assert_eq(vt()->slippage(self, "BTC-USD", 20000, &q), PERP_OK);
    cr_assert_str_eq(q.model, "sqrt");
    cr_assert_eq(q.bps, 300);
    cr_assert_eq(q.floor_bps, 0.5);
    cr_assert_eq(q.k, 2);
    cr_assert_eq(q.cap_bps, 300);
    cr_assert_eq(q.window_ms, 3600000);
    cr_assert(isnan(q.sigma_1m) && isnan(q.volume_1m));
    double c = 20000;
    for (int i = 0; i < 61; i++) {
        perp_candle k = {.symbol = "BTC-USD",
                         .ts = T0 + i * 60000LL,
                         .interval_ms = 60000,
                         .open = c,
                         .high = c * 1.001,
                         .low = c,
                         .close = c * 1.001,
                         .volume = 2e6 / (c * 1.001)};
        cr_assert_eq(vt()->market_candle(self, &k), PERP_OK);
        c *= 1.001;
    }
    cr_assert_eq(out.n, 0, "statistics alone: no record");
    cr_assert_eq(vt()->slippage(self, "BTC-USD", 20000, &q), PERP_OK);
    cr_assert_float_eq(q.bps, 2.0, 1e-9);
    cr_assert_float_eq(q.sigma_1m, 0.001, 1e-12);
    cr_assert_float_eq(q.volume_1m, 2e6, 1e-6);
    perp_account a;
    vt()->account(self, &a);
    cr_assert_eq(a.n_positions, 0, "market_candle moved nothing");
    perp_price p = price("BTC-USD", T0 + 61 * 60000LL, 40000);
    vt()->on_price(self, &p);
    char why[PERP_ERROR_MAX];
    perp_fill f;
    cr_assert_eq(submit("BTC-USD", 0.5, 1, T0 + 61 * 60000LL, &f, why), PERP_OK,
                 "%s", why);
    cr_assert_float_eq(f.price, 40008.0, 1e-9);
    cr_assert_eq(vt()->slippage(self, "PEPE-USD", 1, &q), PERP_EINVAL);
    perp_slippage small = {.struct_size = 8};
    cr_assert_eq(vt()->slippage(self, "BTC-USD", 1, &small), PERP_EINVAL);
    finish();
}

/* The default is the seed's fixed model: slippage_bps whatever the size,
 * and market_candle changes nothing. */
Test(plugin, fixed_slippage_is_the_default)
{
    cr_assert_eq(create("plugin: perpsim\n"), PERP_OK);
    perp_slippage q = {.struct_size = sizeof q};
    for (double n = 1; n < 1e10; n *= 100) {
        cr_assert_eq(vt()->slippage(self, "DOGE-USD", n, &q), PERP_OK);
        cr_assert_str_eq(q.model, "fixed");
        cr_assert_eq(q.bps, 1.0);
        cr_assert_eq(q.floor_bps, 1.0);
    }
    finish();
}

Test(plugin, continuous_interval_and_dry_run_accepted)
{
    cr_assert_eq(create("plugin: perpsim\ndry_run: true\n"
                        "funding: {interval: continuous, ema: 4h}\n"),
                 PERP_OK);
    perp_price p = price("BTC-USD", T0, 100000);
    vt()->on_price(self, &p);
    char why[PERP_ERROR_MAX];
    perp_fill f;
    cr_assert_eq(submit("BTC-USD", 0.01, 1, T0, &f, why), PERP_EREJECT);
    cr_assert(strncmp(why, "dry_run:", 8) == 0, "%s", why);
    cr_assert_eq(out.n, 0);
    finish();
}
