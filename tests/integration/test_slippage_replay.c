/*
 * Size-aware slippage end to end, on six hours of the real tape in
 * ../shared/history (2023-04-10 00:00-06:00 UTC, no gaps): perpsim with
 * the sqrt model (k 1, window 1 h, floor 1 bps, cap 500), a script
 * planner that buys DOGE and BTC once. Every observation record says the
 * model in force, and for each market sigma, V and what orders of 1k,
 * 10k, 100k USD and of all available margin at max leverage pay; each
 * figure equals a recomputation here from the CSV candles replayed so
 * far (docs/slippage.md, written out again below), and the fills pay
 * what the quote said for their size.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

#define FROM_S  1681084800LL /* 2023-04-10T00:00:00Z */
#define TO_S    (FROM_S + 6 * 3600)
#define WINDOW  3600000LL
#define BUY_MS  ((FROM_S + 3 * 3600) * 1000LL)
#define MAX_ROW 400

static const char *shared_dir(void)
{
    const char *v = getenv("PERP_SHARED");
    return v && *v ? v : "../shared";
}

typedef struct bars {
    long long close_ms[MAX_ROW];
    double close[MAX_ROW], volume[MAX_ROW];
    int n;
} bars;

/* The candles the backtest replays: open time in [FROM, TO). */
static void read_bars(const char *symbol, bars *b)
{
    char path[1024], line[256];
    snprintf(path, sizeof path, "%s/history/%s_1m.csv", shared_dir(), symbol);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    b->n = 0;
    while (fgets(line, sizeof line, f)) {
        long long ts;
        double o, h, l, c, v;
        if (sscanf(line, "%lld,%lf,%lf,%lf,%lf,%lf", &ts, &o, &h, &l, &c, &v) !=
                6 ||
            ts < FROM_S || ts >= TO_S)
            continue;
        cr_assert_lt(b->n, MAX_ROW);
        b->close_ms[b->n] = (ts + 60) * 1000;
        b->close[b->n] = c;
        b->volume[b->n++] = v;
    }
    fclose(f);
    cr_assert_eq(b->n, 360, "%s: six hours without a gap", symbol);
}

/* sigma and V at time t: the candles closed in (t - 1 h, t]; each one's
 * return from the close before it (none for the first one replayed)
 * over the minutes between the closes. */
static void window_at(const bars *b, long long t, double *sigma, double *v)
{
    double r2 = 0, rmin = 0, notional = 0, minutes = 0;
    for (int i = 0; i < b->n; i++) {
        if (b->close_ms[i] > t || b->close_ms[i] <= t - WINDOW)
            continue;
        notional += b->close[i] * b->volume[i];
        minutes += 1;
        if (i > 0) {
            double r = b->close[i] / b->close[i - 1] - 1;
            r2 += r * r;
            rmin += (double)(b->close_ms[i] - b->close_ms[i - 1]) / 60000.0;
        }
    }
    *sigma = rmin > 0 ? sqrt(r2 / rmin) : NAN;
    *v = minutes > 0 ? notional / minutes : NAN;
}

static double bps_for(double sigma, double v, double notional)
{
    if (isnan(sigma) || !(v > 0))
        return 500;
    return fmin(500, fmax(1, sigma * sqrt(notional / v) * 1e4));
}

static double close_at(const bars *b, long long t)
{
    for (int i = 0; i < b->n; i++)
        if (b->close_ms[i] == t)
            return b->close[i];
    cr_assert_fail("no close at %lld", t);
    return NAN;
}

static char *write_config(const char *dir)
{
    char script[512];
    snprintf(script, sizeof script,
             "{\"ts\": %lld, \"positions\": {\"DOGE\": {\"coin\": \"DOGE\", "
             "\"signal\": \"buy\", \"quantity\": 60000, \"leverage\": 5, "
             "\"justification\": \"in\"}, \"BTC\": {\"coin\": \"BTC\", "
             "\"signal\": \"buy\", \"quantity\": 0.5, \"leverage\": 5, "
             "\"justification\": \"in\"}}}\n",
             (long long)BUY_MS);
    free(temp_dir_write(dir, "script.jsonl", script));
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             "agent:\n  version: slip\n  cycle: 15m\n"
             "  symbols: [BTC-USD, DOGE-USD]\n"
             "plugin_path: [%s/lib/perp]\nfeeds:\n  - {plugin: coinbase}\n"
             "indicators:\n  - {plugin: ema, name: ema_20, period: 20}\n"
             "planner: {plugin: script, path: %s/script.jsonl}\n"
             "backend:\n  plugin: perpsim\n  starting_equity: 10000\n"
             "  fee_bps: 2\n  slippage_bps: 1\n  slippage_model: sqrt\n"
             "  impact: {k: 1, window: 1h, cap_bps: 500}\n"
             "  funding: {model: none}\n"
             "sinks:\n  - {plugin: jsonl, path: %s/records.jsonl}\n",
             test_build_dir(), dir, dir);
    return temp_dir_write(dir, "slip.yaml", yaml);
}

static json_t *market_in(json_t *obs, const char *symbol)
{
    json_t *ms = json_object_get(obs, "markets");
    for (size_t i = 0; i < json_array_size(ms); i++)
        if (!strcmp(jsonl_str(json_array_get(ms, i), "symbol"), symbol))
            return json_array_get(ms, i);
    cr_assert_fail("no %s", symbol);
    return NULL;
}

static void near(double got, double want, const char *what, long long ts)
{
    cr_assert(fabs(got - want) <= 1e-9 * fmax(1, fabs(want)),
              "%s at %lld: %.17g vs recomputed %.17g", what, ts, got, want);
}

Test(slippage_replay, observations_say_the_model_and_what_sizes_pay)
{
    char *dir = temp_dir_new();
    char *yaml = write_config(dir), data[1024], *out = NULL;
    snprintf(data, sizeof data, "%s/history", shared_dir());
    char *perpd = perpd_path();
    char *argv[] = {perpd,
                    "backtest",
                    yaml,
                    "--data",
                    data,
                    "--from",
                    "2023-04-10T00:00:00Z",
                    "--to",
                    "2023-04-10T06:00:00Z",
                    NULL};
    cr_assert_eq(run_process(argv, &out), 0, "%s", out);
    bars btc, doge;
    read_bars("BTC-USD", &btc);
    read_bars("DOGE-USD", &doge);
    json_t *all = jsonl_records_read(dir);
    json_t *obs = jsonl_records_of_type(all, "observation");
    cr_assert_eq(json_array_size(obs), 24, "a cycle every 15 minutes");
    const char *syms[2] = {"BTC-USD", "DOGE-USD"};
    const bars *bs[2] = {&btc, &doge};
    for (size_t i = 0; i < json_array_size(obs); i++) {
        json_t *o = json_object_get(json_array_get(obs, i), "data");
        long long ts = jsonl_ts(o);
        json_t *model = json_object_get(o, "slippage");
        cr_assert_str_eq(jsonl_str(model, "model"), "sqrt");
        cr_assert_eq(jsonl_num(model, "floor_bps"), 1);
        cr_assert_eq(jsonl_num(model, "k"), 1);
        cr_assert_eq(jsonl_num(model, "cap_bps"), 500);
        cr_assert_eq(jsonl_num(model, "window_ms"), WINDOW);
        double avail = jsonl_num(json_object_get(o, "account"), "available");
        for (int s = 0; s < 2; s++) {
            json_t *sl = json_object_get(market_in(o, syms[s]), "slippage");
            cr_assert_not_null(sl, "%s at %lld", syms[s], ts);
            double sigma, v;
            window_at(bs[s], ts, &sigma, &v);
            near(jsonl_num(sl, "sigma_1m"), sigma, "sigma", ts);
            near(jsonl_num(sl, "volume_1m"), v, "V", ts);
            json_t *q = json_object_get(sl, "quotes");
            cr_assert_eq(json_array_size(q), 4);
            const double want_n[4] = {1e3, 1e4, 1e5, avail * 5};
            for (size_t k = 0; k < 4; k++) {
                json_t *row = json_array_get(q, k);
                double n = json_number_value(json_array_get(row, 0));
                near(n, want_n[k], "notional", ts);
                near(json_number_value(json_array_get(row, 1)),
                     bps_for(sigma, v, n), "bps", ts);
            }
        }
    }
    /* The fills: at the close of the cycle's bar plus the impact of their
     * own notional, rounded up to the tick. */
    json_t *trades = jsonl_records_of_type(all, "trade");
    cr_assert_eq(json_array_size(trades), 2);
    const double ticks[2] = {0.01, 0.00001};
    for (size_t i = 0; i < 2; i++) {
        json_t *t = json_array_get(trades, i);
        int s = !strcmp(jsonl_str(t, "symbol"), "DOGE-USD");
        cr_assert_eq(jsonl_ts(t), BUY_MS);
        double c = close_at(bs[s], BUY_MS), sigma, v;
        window_at(bs[s], BUY_MS, &sigma, &v);
        double bps = bps_for(sigma, v, jsonl_num(t, "qty") * c);
        double want = ceil(c * (1 + bps / 1e4) / ticks[s] - 1e-9) * ticks[s];
        cr_assert_float_eq(jsonl_num(t, "price"), want, ticks[s] * 1e-6,
                           "%s: %.10g vs %.10g (%.3f bps)", syms[s],
                           jsonl_num(t, "price"), want, bps);
        /* BTC's book is deep (about the floor at this size); DOGE's is
         * not. */
        if (s == 1)
            cr_assert_gt(bps, 1.5, "DOGE pays more than the floor: %g", bps);
        cr_log_info("%s: %.10g at %.3f bps", syms[s], jsonl_num(t, "price"),
                    bps);
    }
    json_decref(trades);
    json_decref(obs);
    json_decref(all);
    free(perpd);
    free(out);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}
