/*
 * bench_observation — time to build and render one observation (five
 * symbols, 60 one-minute + 60 context candles each, five indicators with
 * ten values on each timeframe) to JSON, the planner's prompt payload
 * (target: under 1 ms); coin validations per second; and one plan() of
 * the rules planner loaded through the loader, as the agent calls it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_services.h"
#include "loader.h"
#include "observation_json.h"
#include "validator.h"

#define N_SYM     5
#define N_CANDLES 60
#define N_IND     5
#define N_VALUES  10

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

static void bench_render(const source *s, built *b)
{
    const int iters = 2000;
    size_t bytes = 0;
    double t0 = now_s();
    for (int i = 0; i < iters; i++) {
        build(s, b, i + 1);
        char *json = host_observation_to_json(&b->obs);
        bytes = strlen(json);
        free(json);
    }
    double per = (now_s() - t0) / iters;
    printf("observation build+render (5 symbols, 60+60 candles, 5x10 "
           "indicator values per timeframe): %.3f ms, %zu bytes of JSON\n",
           per * 1e3, bytes);
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
    printf("validation: %.2f M coin decisions/s (%.0f ns each; %d accepted)\n",
           iters / dt / 1e6, dt / iters * 1e9, ok);
}

static void no_emit(void *ud, const perp_record *r)
{
    (void)ud;
    (void)r;
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
        printf("rules planner plan() for 5 symbols: %.2f us\n",
               (now_s() - t0) / iters * 1e6);
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
    bench_validate(&b);
    bench_rules_plan(&b);
    return 0;
}
