/*
 * bench_slippage.c — what the size-aware slippage model costs perpsim
 * (loaded with the host's loader from $PERP_BUILD_DIR/lib/perp): market
 * orders a second under the sqrt model (a day of one-minute candles in
 * its window) beside the same orders under the fixed model, in the same
 * run, and the ratio; the same for quotes (the host asks 4 per market per
 * cycle for the observation) and for market_candle, the window's update,
 * beside on_candle's price walk.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "plugin_loader.h"
#include "plugin_services.h"

#define ORDERS  2000000L
#define QUOTES  20000000L
#define CANDLES 4000000L
#define T0      1680000000000LL

static const char *const syms[1] = {"ETH-USD"};

static void discard(void *ud, const perp_record *r)
{
    (void)ud;
    (void)r;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct sim {
    const perp_backend_vtable *vt;
    host_config *cfg;
    void *self;
} sim;

static int open_sim(sim *s, const perp_backend_vtable *vt, perp_host *host,
                    const char *yaml)
{
    char err[512];
    s->vt = vt;
    s->self = NULL;
    s->cfg = host_config_parse(yaml, "bench.yaml", err, sizeof err);
    if (!s->cfg || vt->create(host, host_config_root(s->cfg), &s->self)) {
        fprintf(stderr, "bench_slippage: create failed %s\n", err);
        return -1;
    }
    return 0;
}

static void close_sim(sim *s)
{
    s->vt->destroy(s->self);
    host_config_free(s->cfg);
}

static perp_candle candle(long i)
{
    double c = 2000 * (1 + 0.01 * sin((double)i / 37.0));
    perp_candle k = {.symbol = "ETH-USD",
                     .ts = T0 + i * 60000,
                     .interval_ms = 60000,
                     .open = c,
                     .high = c * 1.001,
                     .low = c * 0.999,
                     .close = c,
                     .volume = 50 + (double)(i % 17)};
    return k;
}

/* A day of candles into the window, and a price. */
static void prime(sim *s)
{
    for (long i = 0; i < 1440; i++) {
        perp_candle k = candle(i);
        s->vt->on_candle(s->self, &k);
        s->vt->market_candle(s->self, &k);
    }
}

static double orders(sim *s)
{
    perp_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.symbol, sizeof o.symbol, "ETH-USD");
    o.leverage = 2;
    o.ts = T0 + 1440 * 60000;
    perp_fill f;
    char why[PERP_ERROR_MAX];
    double t0 = now_s();
    for (long n = 0; n < ORDERS; n++) {
        o.qty = n % 2 ? -0.5 - (double)(n % 7) : 0.5 + (double)(n % 7);
        if (s->vt->submit(s->self, &o, &f, why, sizeof why) != PERP_OK) {
            fprintf(stderr, "bench_slippage: order: %s\n", why);
            return 0;
        }
    }
    return ORDERS / (now_s() - t0);
}

static double quotes(sim *s, double *sink)
{
    perp_slippage q = {.struct_size = sizeof q};
    double t0 = now_s();
    for (long n = 0; n < QUOTES; n++) {
        s->vt->slippage(s->self, "ETH-USD", 1000.0 * (double)(n % 1000), &q);
        *sink += q.bps;
    }
    return QUOTES / (now_s() - t0);
}

static double candles_in(sim *s, int window)
{
    double t0 = now_s();
    for (long i = 1440; i < 1440 + CANDLES; i++) {
        perp_candle k = candle(i);
        if (window)
            s->vt->market_candle(s->self, &k);
        else
            s->vt->on_candle(s->self, &k);
    }
    return CANDLES / (now_s() - t0);
}

int main(void)
{
    const char *bdir = getenv("PERP_BUILD_DIR");
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/lib/perp/perpsim.so",
             bdir ? bdir : "build");
    host_plugin pl;
    if (host_plugin_open_file(path, PERP_KIND_BACKEND, &pl, err, sizeof err) !=
        PERP_OK) {
        fprintf(stderr, "bench_slippage: %s\n", err);
        return 1;
    }
    const perp_backend_vtable *vt = pl.desc->vtable;
    host_context ctx = {
        .version = "bench", .symbols = syms, .n_symbols = 1, .emit = discard};
    perp_host *host = host_services_new(&ctx, "perpsim");
    sim fixed, sq;
    if (open_sim(&fixed, vt, host,
                 "plugin: perpsim\nstarting_equity: 1000000000\n"
                 "funding: {model: none}\n") ||
        open_sim(&sq, vt, host,
                 "plugin: perpsim\nstarting_equity: 1000000000\n"
                 "funding: {model: none}\nslippage_model: sqrt\n"
                 "impact: {k: 1, window: 1d, cap_bps: 500}\n"))
        return 1;
    prime(&fixed);
    prime(&sq);
    double sink = 0;
    double of = orders(&fixed), os = orders(&sq);
    double qf = quotes(&fixed, &sink), qs = quotes(&sq, &sink);
    double cw = candles_in(&sq, 1), cp = candles_in(&fixed, 0);
    printf("perpsim slippage models (one core)\n");
    printf("  market orders, sqrt model: %.2f M/s (fixed model %.2f M/s, "
           "ratio %.2f)\n",
           os / 1e6, of / 1e6, os / of);
    printf("  quotes, sqrt model: %.1f M/s (fixed model %.1f M/s, ratio "
           "%.2f; the host asks 4 a coin a cycle under sqrt, 1 under fixed)\n",
           qs / 1e6, qf / 1e6, qs / qf);
    printf("  market_candle (1-day window): %.1f M candles/s (on_candle's "
           "price walk %.1f M/s, ratio %.2f)\n",
           cw / 1e6, cp / 1e6, cw / cp);
    close_sim(&fixed);
    close_sim(&sq);
    host_services_free(host);
    host_plugin_close(&pl);
    return isfinite(sink) ? 0 : 1;
}
