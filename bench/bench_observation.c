/*
 * bench_observation — time to build and render one observation (five
 * symbols, 60 one-minute + 60 context candles each, indicators with ten
 * values per output on each timeframe) to JSON, the planner's prompt
 * payload (target: under 1 ms), two ways: the render of a hand-filled
 * observation, and the agent's own path — host_obs_build's snapshot of
 * five host_markets fed through the indicator plugins of
 * config/replay.yaml, rendered, freed; coin validations per second; and
 * one plan() of the rules planner loaded through the loader, as the agent
 * calls it. Each figure is the best of several batches (the machine is
 * shared; the best batch is the least disturbed), printed beside an
 * in-run reference and the ratio: the render beside jansson building and
 * dumping the same numbers as a tree, validation beside the same limit
 * checks inlined without their messages, plan() beside the render of the
 * observation it reads.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "plugin_services.h"
#include "plugin_loader.h"
#include "market_state.h"
#include "observation_build.h"
#include "observation_json.h"
#include "plugin_instance.h"
#include "validator.h"

#define N_SYM     5
#define N_CANDLES 60
#define N_IND     5
#define N_VALUES  10

static void no_emit(void *ud, const perp_record *r)
{
    (void)ud;
    (void)r;
}

static const char *const symbols[N_SYM] = {"BTC-USD", "ETH-USD", "SOL-USD",
                                           "DOGE-USD", "XRP-USD"};
static const double mids[N_SYM] = {95123.45, 3312.871, 187.4312, 0.1723456,
                                   2.345678};
static const char *const ind_names[N_IND] = {"ema_20", "macd.hist", "rsi_7",
                                             "atr_14", "rv_15m"};

/* The pipeline's own storage the observation points into. */
typedef struct source {
    perp_candle c1m[N_SYM][N_CANDLES], cctx[N_SYM][N_CANDLES];
    double series[N_SYM][2][N_IND][N_VALUES];
} source;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_source(source *s)
{
    for (int k = 0; k < N_SYM; k++)
        for (int i = 0; i < N_CANDLES; i++) {
            double p = mids[k] * (1 + 0.001 * sin(i * 0.3 + k));
            perp_candle c = {.ts = 1767225600000 + i * 60000,
                             .interval_ms = 60000,
                             .open = p,
                             .high = p * 1.0007,
                             .low = p * 0.9993,
                             .close = p * 1.0002,
                             .volume = 12.345 + i};
            snprintf(c.symbol, sizeof c.symbol, "%s", symbols[k]);
            s->c1m[k][i] = c;
            c.interval_ms = 21600000;
            s->cctx[k][i] = c;
            for (int t = 0; t < 2; t++)
                for (int j = 0; j < N_IND && i < N_VALUES; j++)
                    s->series[k][t][j][i] = p * (0.01 * (j + 1)) + i * 1e-4;
        }
}

typedef struct built {
    perp_market_view mk[N_SYM];
    perp_indicator_value ind[N_SYM][2][N_IND];
    perp_observation obs;
} built;

static void build(const source *s, built *b, int64_t cycle)
{
    memset(&b->obs, 0, sizeof b->obs);
    for (int k = 0; k < N_SYM; k++) {
        perp_market_view *m = &b->mk[k];
        memset(m, 0, sizeof *m);
        snprintf(m->symbol, sizeof m->symbol, "%s", symbols[k]);
        perp_symbol_coin(symbols[k], m->coin);
        m->mid = mids[k];
        m->bid = mids[k] * 0.9999;
        m->ask = mids[k] * 1.0001;
        m->spread_bps = 2;
        m->volume_24h = 1234567.89;
        m->funding_rate_1h = 0.0000125;
        m->rules = (perp_symbol_rules){0.0001, 0.0001, 10, 20};
        m->candles_1m = s->c1m[k];
        m->n_candles_1m = N_CANDLES;
        m->candles_ctx = s->cctx[k];
        m->n_candles_ctx = N_CANDLES;
        for (int t = 0; t < 2; t++)
            for (int j = 0; j < N_IND; j++)
                b->ind[k][t][j] = (perp_indicator_value){
                    ind_names[j], NULL, s->series[k][t][j][N_VALUES - 1],
                    s->series[k][t][j], N_VALUES};
        m->ind_1m = b->ind[k][0];
        m->n_ind_1m = N_IND;
        m->ind_ctx = b->ind[k][1];
        m->n_ind_ctx = N_IND;
        m->regime = "trending_up";
    }
    b->obs.struct_size = sizeof b->obs;
    b->obs.ts = 1767225600000 + cycle * 60000;
    b->obs.cycle = cycle;
    b->obs.markets = b->mk;
    b->obs.n_markets = N_SYM;
    b->obs.account.equity = b->obs.account.available = 10000;
    b->obs.limits = (perp_limits){10, 5, 3, 0};
}

#define BATCHES 7

static double last_render_s; /* bench_render's figure, plan()'s reference */

/* The reference: the same candles and indicator series as a jansson
 * tree, dumped: what a general JSON library costs for the same numbers. */
static char *jansson_render(const perp_observation *o)
{
    json_t *mk = json_array();
    for (size_t k = 0; k < o->n_markets; k++) {
        const perp_market_view *m = &o->markets[k];
        json_t *c = json_array(), *ind = json_object();
        for (size_t i = 0; i < m->n_candles_1m; i++) {
            const perp_candle *x = &m->candles_1m[i];
            json_array_append_new(
                c, json_pack("[I,f,f,f,f,f]", (json_int_t)x->ts, x->open,
                             x->high, x->low, x->close, x->volume));
        }
        for (size_t i = 0; i < m->n_candles_ctx; i++) {
            const perp_candle *x = &m->candles_ctx[i];
            json_array_append_new(
                c, json_pack("[I,f,f,f,f,f]", (json_int_t)x->ts, x->open,
                             x->high, x->low, x->close, x->volume));
        }
        for (size_t j = 0; j < m->n_ind_1m + m->n_ind_ctx; j++) {
            const perp_indicator_value *v =
                j < m->n_ind_1m ? &m->ind_1m[j] : &m->ind_ctx[j - m->n_ind_1m];
            json_t *ser = json_array();
            for (size_t i = 0; i < v->series_len; i++)
                json_array_append_new(ser, json_real(v->series[i]));
            json_object_set_new(ind, v->name, ser);
        }
        json_array_append_new(mk, json_pack("{s:s,s:f,s:o,s:o}", "symbol",
                                            m->symbol, "mid", m->mid, "candles",
                                            c, "indicators", ind));
    }
    json_t *root =
        json_pack("{s:I,s:o}", "ts", (json_int_t)o->ts, "markets", mk);
    char *text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(root);
    return text;
}

static void bench_render(const source *s, built *b)
{
    const int iters = 500;
    size_t bytes = 0;
    double best = INFINITY;
    for (int r = 0; r < BATCHES; r++) {
        double t0 = now_s();
        for (int i = 0; i < iters; i++) {
            build(s, b, i + 1);
            char *json = host_observation_to_json(&b->obs);
            bytes = strlen(json);
            free(json);
        }
        double per = (now_s() - t0) / iters;
        best = per < best ? per : best;
    }
    double ref = INFINITY;
    size_t ref_bytes = 0;
    for (int r = 0; r < BATCHES; r++) {
        double t0 = now_s();
        for (int i = 0; i < iters; i++) {
            build(s, b, i + 1);
            char *json = jansson_render(&b->obs);
            ref_bytes = strlen(json);
            free(json);
        }
        double per = (now_s() - t0) / iters;
        ref = per < ref ? per : ref;
    }
    printf("observation build+render (5 symbols, 60+60 candles, 5x10 "
           "indicator values per timeframe): %.3f ms, %zu bytes of JSON; "
           "reference: jansson tree of its candles and series dumped "
           "%.3f ms (%zu bytes); ratio %.2f\n",
           best * 1e3, bytes, ref * 1e3, ref_bytes, best / ref);
    last_render_s = best;
}

/* config/replay.yaml's indicators, on both timeframes. */
static const char indicators_yaml[] =
    "indicators:\n"
    "  - {plugin: rsi, name: rsi_7, period: 7}\n"
    "  - {plugin: ema, name: ema_20, period: 20}\n"
    "  - {plugin: macd, name: macd, fast: 12, slow: 26, signal: 9}\n"
    "  - {plugin: volatility, name: rv_15m, window: 15}\n"
    "  - {plugin: atr, name: atr_14, period: 14}\n"
    "  - {plugin: regime, name: regime}\n";

typedef struct pipeline {
    host_config *cfg;
    host_plugin_path path;
    host_context ctx;
    host_market mk[N_SYM];
    perp_symbol_rules rules[N_SYM];
    int n_open;
} pipeline;

static int open_chains(pipeline *p, host_market *m)
{
    const perp_config_node *seq =
        host_cfg_child(host_config_root(p->cfg), "indicators");
    for (size_t i = 0; i < host_cfg_len(seq); i++) {
        const perp_config_node *node = host_cfg_at(seq, i);
        const char *name = host_cfg_scalar(host_cfg_child(node, "name"));
        host_indicator_chain *chains[2] = {&m->ind1m, &m->indctx};
        for (int t = 0; t < 2; t++) {
            host_instance inst;
            if (host_instance_open(&inst, &p->path, PERP_KIND_INDICATOR, node,
                                   name, &p->ctx) != PERP_OK ||
                host_indicator_chain_add(chains[t], &inst, name) != PERP_OK)
                return -1;
        }
    }
    return 0;
}

/* Five markets with 60 context candles seeded and 120 one-minute candles
 * folded through their indicators (each ring keeps the newest 60). */
static int pipeline_open(pipeline *p, const source *s)
{
    memset(p, 0, sizeof *p);
    char err[256], dir[512];
    const char *b = getenv("PERP_BUILD_DIR");
    snprintf(dir, sizeof dir, "%s/lib/perp", b ? b : "build");
    const char *dirs[1] = {dir};
    host_plugin_path_init(&p->path, dirs, 1);
    p->ctx = (host_context){.version = "bench", .emit = no_emit};
    p->cfg = host_config_parse(indicators_yaml, "bench", err, sizeof err);
    if (!p->cfg)
        return -1;
    for (int k = 0; k < N_SYM; k++) {
        host_market *m = &p->mk[k];
        if (host_market_init(m, symbols[k], 21600000, N_CANDLES, N_VALUES))
            return -1;
        p->n_open = k + 1;
        if (open_chains(p, m))
            return -1;
        perp_candle ctx[N_CANDLES];
        for (int i = 0; i < N_CANDLES; i++) {
            ctx[i] = s->cctx[k][i];
            ctx[i].ts = 1767225600000 - (N_CANDLES - i) * 21600000LL;
        }
        host_market_seed_ctx(m, ctx, N_CANDLES);
        for (int i = 0; i < 2 * N_CANDLES; i++) {
            perp_candle c = s->c1m[k][i % N_CANDLES];
            c.ts = 1767225600000 + i * 60000LL;
            host_market_on_candle(m, &c);
        }
        p->rules[k] = (perp_symbol_rules){0.0001, 0.0001, 10, 20};
    }
    return 0;
}

static void pipeline_close(pipeline *p)
{
    for (int k = 0; k < p->n_open; k++)
        host_market_free(&p->mk[k]);
    host_config_free(p->cfg);
    host_plugin_path_free(&p->path);
}

/* What the agent does each cycle: snapshot, render, free. */
static void bench_snapshot_render(const source *s)
{
    static pipeline p;
    if (pipeline_open(&p, s)) {
        printf("snapshot+render: not measured (plugins or config failed)\n");
        pipeline_close(&p);
        return;
    }
    perp_account acct = {.starting_equity = 10000, .equity = 10000};
    perp_metrics met = {0};
    perp_limits lim = {10, 5, 3, 0};
    host_obs_inputs in = {.version = "bench",
                          .ctx_interval_ms = 21600000,
                          .markets = p.mk,
                          .rules = p.rules,
                          .n_markets = N_SYM,
                          .account = &acct,
                          .metrics = &met,
                          .limits = &lim};
    const int iters = 500;
    size_t bytes = 0, n1m = 0, nctx = 0, nind = 0;
    double best = INFINITY;
    for (int r = 0; r < BATCHES; r++) {
        double t0 = now_s();
        for (int i = 0; i < iters; i++) {
            in.ts = 1767225600000 + 2 * N_CANDLES * 60000LL;
            in.cycle = i + 1;
            host_obs_snapshot *snap = host_obs_build(&in);
            char *json = snap ? host_observation_to_json(&snap->obs) : NULL;
            bytes = json ? strlen(json) : 0;
            n1m = snap ? snap->obs.markets[0].n_candles_1m : 0;
            nctx = snap ? snap->obs.markets[0].n_candles_ctx : 0;
            nind = snap ? snap->obs.markets[0].n_ind_1m : 0;
            free(json);
            host_obs_free(snap);
        }
        double per = (now_s() - t0) / iters;
        best = per < best ? per : best;
    }
    printf("observation snapshot+render, agent path (5 symbols, %zu+%zu "
           "candles, %zu indicator outputs x %d values per timeframe): "
           "%.3f ms, %zu bytes of JSON; reference: the hand-filled "
           "observation's build+render %.3f ms; ratio %.2f\n",
           n1m, nctx, nind, N_VALUES, best * 1e3, bytes, last_render_s * 1e3,
           last_render_s > 0 ? best / last_render_s : 0.0);
    pipeline_close(&p);
}

static void bench_validate(built *b)
{
    perp_coin_decision d[N_SYM];
    for (int k = 0; k < N_SYM; k++) {
        memset(&d[k], 0, sizeof d[k]);
        snprintf(d[k].coin, sizeof d[k].coin, "%s", b->mk[k].coin);
        d[k].signal = PERP_SIGNAL_BUY;
        d[k].quantity = 1000.0 / mids[k];
        d[k].leverage = 3;
        d[k].exit_plan.stop_loss = mids[k] * 0.98;
        d[k].exit_plan.profit_target = mids[k] * 1.04;
    }
    const int iters = 2000000;
    int ok = 0;
    char why[256];
    double t0 = now_s();
    for (int i = 0; i < iters; i++)
        ok += host_validate_decision(&b->obs, &d[i % N_SYM], NULL, why,
                                     sizeof why);
    double dt = now_s() - t0;
    /* The reference: the checks' arithmetic inlined, no messages. */
    volatile int ref_ok = 0;
    const perp_limits *l = &b->obs.limits;
    double t1 = now_s();
    for (int i = 0; i < iters; i++) {
        const perp_coin_decision *c = &d[i % N_SYM];
        double px = mids[i % N_SYM], notional = c->quantity * px;
        ref_ok += c->leverage >= 1 && c->leverage <= l->max_leverage &&
                  notional >= l->min_notional &&
                  notional / c->leverage <= b->obs.account.available &&
                  c->exit_plan.stop_loss < px &&
                  c->exit_plan.profit_target > px;
    }
    double dref = now_s() - t1;
    printf("validation: %.2f M coin decisions/s (%.0f ns each; %d accepted); "
           "reference: the limit checks inlined %.1f ns (%d); ratio %.1f\n",
           iters / dt / 1e6, dt / iters * 1e9, ok, dref / iters * 1e9,
           (int)ref_ok, dt / dref);
}

/* The rules planner through its vtable, as the agent calls it. */
static void bench_rules_plan(built *b)
{
    const char *dir = getenv("PERP_BUILD_DIR");
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/lib/perp/rules.so", dir ? dir : "build");
    host_plugin pl;
    if (host_plugin_open_file(path, PERP_KIND_PLANNER, &pl, err, sizeof err)) {
        printf("rules planner plan(): not measured (%s)\n", err);
        return;
    }
    host_context ctx = {.version = "bench", .emit = no_emit};
    perp_host *h = host_services_new(&ctx, "rules");
    const perp_planner_vtable *vt = pl.desc->vtable;
    void *self = NULL;
    if (vt->create(h, NULL, &self) == PERP_OK) {
        const int iters = 200000;
        perp_decision d;
        double t0 = now_s();
        for (int i = 0; i < iters; i++) {
            memset(&d, 0, sizeof d);
            vt->plan(self, &b->obs, &d);
        }
        double per = (now_s() - t0) / iters;
        printf("rules planner plan() for 5 symbols: %.2f us; reference: "
               "rendering the observation it reads %.2f us; ratio %.3f\n",
               per * 1e6, last_render_s * 1e6,
               last_render_s > 0 ? per / last_render_s : 0.0);
        vt->destroy(self);
    }
    host_services_free(h);
    host_plugin_close(&pl);
}

int main(void)
{
    static source s;
    static built b;
    fill_source(&s);
    bench_render(&s, &b);
    bench_snapshot_render(&s);
    bench_validate(&b);
    bench_rules_plan(&b);
    return 0;
}
