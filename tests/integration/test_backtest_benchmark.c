/*
 * `perpd backtest` against buy-and-hold (issue 16's acceptance):
 *   - on a constructed tape, a version that buys the equal-weight book at
 *     its first cycle and holds it has beta 1, alpha 0, no tracking error
 *     and an undefined information ratio (docs/benchmark.md), and every
 *     figure of it and of a trading version equals a recomputation here
 *     from its equity records and the prices the test wrote;
 *   - on the real 46-day tape in ../shared/history, three cadences (15m,
 *     1h, 4h) of the rules planner in one arena print a leaderboard with
 *     alpha, beta, information ratio, fees, funding, cost per decision and
 *     decisions a day, and the verdict with its interval; each version's
 *     figures equal a recomputation from its records and the CSV closes,
 *     and its records equal those it writes when run alone.
 *
 * The recomputation is written out again below from the definitions
 * (two-pass moments, no code shared with host/benchmark.c).
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

#define T0_S   1680000000LL
#define T0_MS  (T0_S * 1000)
#define N_BARS 300
#define YEAR_S (365.0 * 86400.0)
#define MAXSYM 5

static const char *shared_dir(void)
{
    const char *v = getenv("PERP_SHARED");
    return v && *v ? v : "../shared";
}

/* perpd backtest ARGS..., stdout and stderr into *out; exit code. */
static int backtest(char **out, const char *const *args)
{
    char *argv[32];
    char *perpd = perpd_path();
    size_t n = 0;
    argv[n++] = perpd;
    argv[n++] = "backtest";
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    int rc = run_process(argv, out);
    free(perpd);
    return rc;
}

static json_t *summary_of(const char *path, const char *version)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    cr_assert_not_null(root, "%s: %s", path, e.text);
    json_t *vs = json_object_get(root, "versions");
    for (size_t i = 0; i < json_array_size(vs); i++) {
        json_t *v = json_array_get(vs, i);
        if (!strcmp(json_string_value(json_object_get(v, "version")),
                    version)) {
            json_incref(v);
            json_decref(root);
            return v;
        }
    }
    cr_assert_fail("no version %s in %s", version, path);
    return NULL;
}

static double field(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* ----------------------------------------------------- the prices */

/* One symbol's closes: close_ms[i] is when bar i closed (open + 1 min). */
typedef struct closes {
    char symbol[16];
    long long *close_ms;
    double *close;
    size_t n;
} closes;

static void closes_free(closes *c)
{
    free(c->close_ms);
    free(c->close);
}

/* ts,open,high,low,close,volume rows (ts: open, Unix seconds). */
static closes read_csv(const char *path, const char *symbol)
{
    closes c = {0};
    snprintf(c.symbol, sizeof c.symbol, "%s", symbol);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t cap = 1024;
    c.close_ms = malloc(cap * sizeof *c.close_ms);
    c.close = malloc(cap * sizeof *c.close);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        long long ts;
        double o, h, l, x;
        if (sscanf(line, "%lld,%lf,%lf,%lf,%lf", &ts, &o, &h, &l, &x) != 5)
            continue;
        if (c.n == cap) {
            cap *= 2;
            c.close_ms = realloc(c.close_ms, cap * sizeof *c.close_ms);
            c.close = realloc(c.close, cap * sizeof *c.close);
        }
        c.close_ms[c.n] = (ts + 60) * 1000;
        c.close[c.n++] = x;
    }
    fclose(f);
    return c;
}

/* ---------------------------------------------------- the records */

typedef struct curve {
    long long *ts;
    double *eq;
    size_t n;
} curve;

/* The EQUITY records of one JSONL file, in order. */
static curve equity_of(const char *path)
{
    curve c = {0};
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t cap = 1024;
    c.ts = malloc(cap * sizeof *c.ts);
    c.eq = malloc(cap * sizeof *c.eq);
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        if (!strstr(line, "\"type\":\"equity\""))
            continue;
        json_t *r = json_loads(line, 0, NULL);
        cr_assert_not_null(r);
        if (c.n == cap) {
            cap *= 2;
            c.ts = realloc(c.ts, cap * sizeof *c.ts);
            c.eq = realloc(c.eq, cap * sizeof *c.eq);
        }
        c.ts[c.n] = jsonl_ts(r);
        c.eq[c.n++] = jsonl_num(r, "equity");
        json_decref(r);
    }
    free(line);
    fclose(f);
    return c;
}

/* ------------------------------------------------ the recomputation */

typedef struct expect {
    size_t periods;
    double bh_return, excess, beta, alpha, te, ir;
    double first_bench_ts;
} expect;

/* docs/benchmark.md, again: at each equity snapshot the latest close of
 * every symbol at or before it; the book is bought with the starting
 * equity at the first snapshot where all have one; paired simple returns
 * between consecutive paired snapshots; population moments, two passes;
 * P = year / mean spacing of the paired snapshots. */
static expect recompute(const curve *v, const closes *px, size_t n_sym,
                        double start)
{
    expect x = {0};
    size_t at[MAXSYM] = {0};
    double units[MAXSYM] = {0};
    int started = 0;
    double *b = malloc(v->n * sizeof *b);
    for (size_t i = 0; i < v->n; i++) {
        double p[MAXSYM];
        int all = 1;
        for (size_t s = 0; s < n_sym; s++) {
            while (at[s] < px[s].n && px[s].close_ms[at[s]] <= v->ts[i])
                at[s]++;
            p[s] = at[s] ? px[s].close[at[s] - 1] : NAN;
            all &= at[s] > 0;
        }
        b[i] = NAN;
        if (!all)
            continue;
        if (!started) {
            for (size_t s = 0; s < n_sym; s++)
                units[s] = start / (double)n_sym / p[s];
            started = 1;
            x.first_bench_ts = (double)v->ts[i];
        }
        b[i] = 0;
        for (size_t s = 0; s < n_sym; s++)
            b[i] += units[s] * p[s];
    }
    double *rv = malloc(v->n * sizeof *rv), *rb = malloc(v->n * sizeof *rb);
    size_t k = 0, first = 0, last = 0, paired = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (isnan(b[i]))
            continue;
        if (paired++ == 0) {
            first = i;
        } else {
            rv[k] = v->eq[i] / v->eq[last] - 1;
            rb[k] = b[i] / b[last] - 1;
            k++;
        }
        last = i;
    }
    double mv = 0, mb = 0;
    for (size_t i = 0; i < k; i++) {
        mv += rv[i] / (double)k;
        mb += rb[i] / (double)k;
    }
    double vb = 0, cov = 0, va = 0, ma = mv - mb;
    for (size_t i = 0; i < k; i++) {
        vb += (rb[i] - mb) * (rb[i] - mb) / (double)k;
        cov += (rv[i] - mv) * (rb[i] - mb) / (double)k;
        double a = rv[i] - rb[i] - ma;
        va += a * a / (double)k;
    }
    double per_year = YEAR_S / ((double)(v->ts[last] - v->ts[first]) / 1000.0 /
                                (double)(paired - 1));
    x.periods = k;
    x.bh_return = (b[last] / b[first] - 1) * 100;
    x.excess = (v->eq[last] / v->eq[first] - b[last] / b[first]) * 100;
    x.beta = cov / vb;
    x.alpha = (mv - x.beta * mb) * per_year * 100;
    x.te = sqrt(va) * sqrt(per_year) * 100;
    x.ir = sqrt(va) < 1e-10 ? NAN : ma / sqrt(va) * sqrt(per_year);
    free(b);
    free(rv);
    free(rb);
    return x;
}

/* Relative tolerance: the host folds the moments in one pass (Welford),
 * the test in two. */
static void near(double got, double want, double rel, const char *what,
                 const char *version)
{
    cr_assert(fabs(got - want) <= rel * fmax(1.0, fabs(want)),
              "%s %s: %.17g vs recomputed %.17g", version, what, got, want);
}

static void check_against(json_t *s, const expect *x, const char *version)
{
    cr_assert_eq((size_t)field(s, "benchmark_periods"), x->periods, "%s",
                 version);
    near(field(s, "benchmark_return_pct"), x->bh_return, 1e-9,
         "buy-and-hold return", version);
    near(field(s, "excess_return_pct"), x->excess, 1e-9, "excess return",
         version);
    near(field(s, "beta"), x->beta, 1e-7, "beta", version);
    near(field(s, "alpha_pct"), x->alpha, 1e-7, "alpha", version);
    near(field(s, "tracking_error_pct"), x->te, 1e-7, "tracking error",
         version);
    if (isnan(x->ir))
        cr_assert(isnan(field(s, "information_ratio")), "%s: IR %g", version,
                  field(s, "information_ratio"));
    else
        near(field(s, "information_ratio"), x->ir, 1e-7, "IR", version);
}

/* ---------------------------------------------- a constructed tape */

/* Bar i of symbol k closes at base_k (1 + 0.02 sin(i / (7 + 2k)) + 1e-4 i):
 * bar 0 closes exactly at the base, so the book and the version that buys
 * it at the first cycle hold the very same units (10000 / 2 / 20000 =
 * 0.25 BTC, 10000 / 2 / 1250 = 4 ETH, both on their size steps). */
static double px_of(int k, int i)
{
    const double base[2] = {20000, 1250};
    return base[k] * (1 + 0.02 * sin(i / (7.0 + 2 * k)) + 1e-4 * i);
}

static void write_tape(const char *dir)
{
    const char *sym[2] = {"BTC-USD", "ETH-USD"};
    for (int k = 0; k < 2; k++) {
        char *text = malloc(64 + N_BARS * 120);
        size_t len = (size_t)sprintf(text, "ts,open,high,low,close,volume\n");
        for (int i = 0; i < N_BARS; i++) {
            double c = px_of(k, i), o = i ? px_of(k, i - 1) : c;
            len +=
                (size_t)sprintf(text + len, "%lld,%.17g,%.17g,%.17g,%.17g,5\n",
                                T0_S + 60LL * i, o, fmax(o, c), fmin(o, c), c);
        }
        char name[64];
        snprintf(name, sizeof name, "%s_1m.csv", sym[k]);
        free(temp_dir_write(dir, name, text));
        free(text);
    }
}

/* The book at the first cycle (T0 + 1 min), held; and a trader that
 * flips BTC every 13 minutes. */
static void write_scripts(const char *dir)
{
    char line[1024];
    snprintf(line, sizeof line,
             "{\"ts\": %lld, \"positions\": {\"BTC\": {\"coin\": \"BTC\", "
             "\"signal\": \"buy\", \"quantity\": 0.25, \"leverage\": 1, "
             "\"justification\": \"the book\"}, \"ETH\": {\"coin\": \"ETH\", "
             "\"signal\": \"buy\", \"quantity\": 4, \"leverage\": 1, "
             "\"justification\": \"the book\"}}}\n",
             T0_MS + 60000LL);
    free(temp_dir_write(dir, "hold.jsonl", line));
    char *text = malloc(N_BARS * 300);
    size_t len = 0;
    for (int i = 1; i < N_BARS; i += 13)
        len += (size_t)sprintf(
            text + len,
            "{\"ts\": %lld, \"positions\": {\"BTC\": {\"coin\": \"BTC\", "
            "\"signal\": \"%s\", \"quantity\": 0.3, \"leverage\": 2, "
            "\"justification\": \"t%d\"}}}\n",
            T0_MS + 60000LL * i, (i / 13) % 2 ? "sell" : "buy", i);
    free(temp_dir_write(dir, "trade.jsonl", text));
    free(text);
}

static char *tape_yaml(const char *dir, const char *name, const char *script,
                       int fee_bps)
{
    char text[4096], file[128];
    snprintf(text, sizeof text,
             "agent:\n  version: %s\n  cycle: 60s\n"
             "  symbols: [BTC-USD, ETH-USD]\n"
             "plugin_path: [%s/lib/perp]\nfeeds:\n  - {plugin: coinbase}\n"
             "indicators:\n  - {plugin: ema, name: ema_20, period: 20}\n"
             "planner: {plugin: script, path: %s/%s}\n"
             "backend: {plugin: perpsim, starting_equity: 10000, "
             "max_leverage: 5, fee_bps: %d, slippage_bps: 0, "
             "funding: {model: none}}\n"
             "sinks:\n  - {plugin: jsonl, path: %s/%s.jsonl}\n",
             name, test_build_dir(), dir, script, fee_bps, dir, name);
    snprintf(file, sizeof file, "%s.yaml", name);
    return temp_dir_write(dir, file, text);
}

Test(benchmark, holding_the_equal_weight_book_is_beta_1_alpha_0)
{
    char *dir = temp_dir_new();
    write_tape(dir);
    write_scripts(dir);
    char *hold = tape_yaml(dir, "hold", "hold.jsonl", 0);
    char *trade = tape_yaml(dir, "trade", "trade.jsonl", 2);
    char summary[1200], *out = NULL;
    snprintf(summary, sizeof summary, "%s/summary.json", dir);
    const char *args[] = {hold,        trade,   "--data", dir,
                          "--summary", summary, NULL};
    cr_assert_eq(backtest(&out, args), 0, "%s", out);
    cr_assert(strstr(out, "hold vs buy-and-hold: alpha"), "%s", out);

    json_t *h = summary_of(summary, "hold");
    /* The known answer. */
    cr_assert_float_eq(field(h, "beta"), 1.0, 1e-9);
    cr_assert_float_eq(field(h, "alpha_pct"), 0.0, 1e-6);
    cr_assert_float_eq(field(h, "tracking_error_pct"), 0.0, 1e-8);
    cr_assert(isnan(field(h, "information_ratio")), "IR: undefined");
    cr_assert_float_eq(field(h, "excess_return_pct"), 0.0, 1e-9);
    cr_assert_float_eq(field(h, "benchmark_return_pct"),
                       field(h, "total_return_pct"), 1e-9);
    cr_assert_gt(fabs(field(h, "benchmark_return_pct")), 0.5,
                 "the tape moves: %g", field(h, "benchmark_return_pct"));
    /* ... and the recomputation from the records, for both versions. */
    closes px[2];
    char path[1300];
    const char *sym[2] = {"BTC-USD", "ETH-USD"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s_1m.csv", dir, sym[k]);
        px[k] = read_csv(path, sym[k]);
    }
    const char *names[2] = {"hold", "trade"};
    for (int v = 0; v < 2; v++) {
        snprintf(path, sizeof path, "%s/%s.jsonl", dir, names[v]);
        curve c = equity_of(path);
        cr_assert_eq(c.n, N_BARS, "one snapshot a cycle");
        expect x = recompute(&c, px, 2, 10000);
        cr_assert_eq(x.first_bench_ts, (double)(T0_MS + 60000));
        json_t *s = summary_of(summary, names[v]);
        check_against(s, &x, names[v]);
        json_decref(s);
        free(c.ts);
        free(c.eq);
    }
    json_t *t = summary_of(summary, "trade");
    cr_assert_gt(field(t, "tracking_error_pct"), 1.0, "the trader deviates");
    cr_assert(!isnan(field(t, "information_ratio")));
    /* Gross, fees, funding and net add up. */
    cr_assert_float_eq(field(t, "gross_pnl") - field(t, "fees") +
                           field(t, "funding_net"),
                       field(t, "net_pnl"), 1e-9);
    cr_assert_float_eq(field(t, "net_pnl"), field(t, "final_equity") - 10000,
                       1e-9);
    cr_assert_gt(field(t, "fees"), 0);
    /* The curve the report and -j read carries the book. */
    json_t *bh =
        json_object_get(json_object_get(t, "equity_curve"), "benchmark");
    cr_assert_eq(json_array_size(bh), N_BARS);
    cr_assert_float_eq(json_number_value(json_array_get(bh, 0)), 10000, 1e-9);
    json_decref(t);
    json_decref(h);
    closes_free(&px[0]);
    closes_free(&px[1]);
    free(out);
    free(hold);
    free(trade);
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------------------- three cadences, the real tape */

/* The rules planner over replay.yaml's five symbols and the indicators it
 * reads, at one cadence; its records into dir/NAME.jsonl. */
static char *rules_yaml(const char *dir, const char *name, const char *cycle)
{
    char text[4096], file[128];
    snprintf(
        text, sizeof text,
        "agent:\n  version: rules-%s\n  cycle: %s\n"
        "  symbols: [BTC-USD, ETH-USD, SOL-USD, DOGE-USD, XRP-USD]\n"
        "  observation_every: 100000\n"
        "plugin_path: [%s/lib/perp]\nfeeds:\n  - {plugin: coinbase}\n"
        "indicators:\n"
        "  - {plugin: rsi, name: rsi_7, period: 7}\n"
        "  - {plugin: ema, name: ema_60, period: 60}\n"
        "  - {plugin: ema, name: ema_240, period: 240}\n"
        "  - {plugin: macd, name: macd, fast: 12, slow: 26, signal: 9}\n"
        "  - {plugin: rsi, name: rsi_7_ctx, period: 7, timeframe: context}\n"
        "  - {plugin: ema, name: ema_12_ctx, period: 12, timeframe: context}\n"
        "  - {plugin: macd, name: macd_ctx, fast: 6, slow: 13, signal: 5, "
        "timeframe: context}\n"
        "  - {plugin: volatility, name: rv_12_ctx, window: 12, timeframe: "
        "context}\n"
        "  - {plugin: regime, name: regime_ctx, timeframe: context, ema: "
        "ema_12_ctx, macd: macd_ctx.macd, rsi: rsi_7_ctx, rv: rv_12_ctx.rv, "
        "rv_annual: rv_12_ctx.rv_annual}\n"
        "planner: {plugin: rules}\n"
        "backend: {plugin: perpsim, starting_equity: 10000, max_leverage: 5, "
        "fee_bps: 2, slippage_bps: 1, funding: {model: heuristic}}\n"
        "limits: {min_notional: 5, max_exposure: 3}\n"
        "sinks:\n  - {plugin: jsonl, path: %s/%s.jsonl}\n",
        cycle, cycle, test_build_dir(), dir, name);
    snprintf(file, sizeof file, "%s.yaml", name);
    return temp_dir_write(dir, file, text);
}

/* The lines of one record type of dir/name.jsonl (version field and
 * all), one string each. */
static json_t *lines_of(const char *dir, const char *name, const char *type)
{
    char path[1200], key[64];
    snprintf(path, sizeof path, "%s/%s.jsonl", dir, name);
    snprintf(key, sizeof key, "\"type\":\"%s\"", type);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    json_t *out = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0)
        if (strstr(line, key))
            json_array_append_new(out, json_string(line));
    free(line);
    fclose(f);
    return out;
}

static void same_records(const char *dir, const char *x, const char *y)
{
    const char *types[] = {"trade", "equity", "funding", "decision"};
    for (size_t t = 0; t < 4; t++) {
        json_t *a = lines_of(dir, x, types[t]), *b = lines_of(dir, y, types[t]);
        cr_assert_eq(json_array_size(a), json_array_size(b), "%s: %s vs %s",
                     types[t], x, y);
        for (size_t i = 0; i < json_array_size(a); i++)
            cr_assert_str_eq(json_string_value(json_array_get(a, i)),
                             json_string_value(json_array_get(b, i)),
                             "%s %zu of %s vs %s", types[t], i, x, y);
        json_decref(a);
        json_decref(b);
    }
}

/* The figures a summary holds that must not depend on the company. */
static void same_figures(json_t *a, json_t *b, const char *version)
{
    const char *keys[] = {"final_equity",
                          "sharpe",
                          "beta",
                          "alpha_pct",
                          "tracking_error_pct",
                          "information_ratio",
                          "benchmark_return_pct",
                          "fees",
                          "funding_net",
                          "gross_pnl",
                          "net_pnl",
                          "decisions_per_day",
                          "cost_per_decision"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        double x = field(a, keys[i]), y = field(b, keys[i]);
        cr_assert(x == y || (isnan(x) && isnan(y)), "%s %s: %.17g vs %.17g",
                  version, keys[i], x, y);
    }
    json_t *va = json_object_get(a, "verdict"),
           *vb = json_object_get(b, "verdict");
    cr_assert(json_equal(va, vb), "%s: the verdict differs", version);
    cr_assert_str_eq(json_string_value(json_object_get(a, "hash")),
                     json_string_value(json_object_get(b, "hash")));
}

Test(benchmark, three_cadences_of_the_rules_on_the_46_day_tape)
{
    char *dir = temp_dir_new();
    char data[1024];
    snprintf(data, sizeof data, "%s/history", shared_dir());
    const char *cycles[3] = {"15m", "1h", "4h"};
    char *arena[3], *alone[3], name[32], version[32];
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "arena-%s", cycles[i]);
        arena[i] = rules_yaml(dir, name, cycles[i]);
        snprintf(name, sizeof name, "alone-%s", cycles[i]);
        alone[i] = rules_yaml(dir, name, cycles[i]);
    }
    char summary[1200], one[1200], *out = NULL;
    snprintf(summary, sizeof summary, "%s/arena.json", dir);
    const char *args[] = {arena[0], arena[1],    arena[2], "--data",
                          data,     "--summary", summary,  NULL};
    cr_assert_eq(backtest(&out, args), 0, "%s", out);
    /* The leaderboard's columns and the verdict with its intervals. */
    const char *want[] = {"leaderboard:",
                          "alpha %",
                          "beta",
                          "IR",
                          "fees",
                          "funding",
                          "$/dec",
                          "dec/d",
                          "net P&L",
                          "against buy-and-hold",
                          "rules-15m vs buy-and-hold: alpha",
                          "rules-1h vs buy-and-hold: alpha",
                          "rules-4h vs buy-and-hold: alpha",
                          "95% CI",
                          "rules-15m vs rules-1h: Sharpe",
                          "gross P&L",
                          "information ratio",
                          "decisions per day"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(out, want[i]), "no '%s' in:\n%s", want[i], out);
    cr_assert(strstr(out, "rules-1h reads the markets of rules-15m"), "%s",
              out);
    free(out);

    closes px[MAXSYM];
    const char *sym[MAXSYM] = {"BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD",
                               "XRP-USD"};
    char path[1300];
    for (int k = 0; k < MAXSYM; k++) {
        snprintf(path, sizeof path, "%s/%s_1m.csv", data, sym[k]);
        px[k] = read_csv(path, sym[k]);
    }
    const double per_day[3] = {96, 24, 6};
    for (int i = 0; i < 3; i++) {
        snprintf(version, sizeof version, "rules-%s", cycles[i]);
        json_t *s = summary_of(summary, version);
        /* Against the records and the CSV closes. */
        snprintf(path, sizeof path, "%s/arena-%s.jsonl", dir, cycles[i]);
        curve c = equity_of(path);
        expect x = recompute(&c, px, MAXSYM, 10000);
        /* XRP's file starts 2023-04-01T21:03Z: the book starts at the
         * first cycle after its first close. */
        cr_assert_geq(x.first_bench_ts, 1680383040000.0);
        cr_assert_lt(x.first_bench_ts, 1680383040000.0 + 4 * 3600000.0);
        check_against(s, &x, version);
        cr_assert_gt(x.periods, 100);
        /* A decision every cycle: 96, 24, 6 a day. */
        cr_assert_float_eq(field(s, "decisions_per_day"), per_day[i], 0.05,
                           "%s: %g", version, field(s, "decisions_per_day"));
        cr_assert_float_eq(field(s, "cost_per_decision"), 0, 1e-12);
        json_t *v = json_object_get(s, "verdict");
        cr_assert(json_is_number(json_object_get(v, "lo")) &&
                      json_is_number(json_object_get(v, "hi")),
                  "%s: an interval", version);
        cr_assert_leq(field(v, "lo"), field(v, "alpha_pct"));
        cr_assert_geq(field(v, "hi"), field(v, "alpha_pct"));
        /* Alone: the same records and the same figures. */
        snprintf(one, sizeof one, "%s/alone-%s.json", dir, cycles[i]);
        const char *a1[] = {alone[i], "--data", data, "--summary", one, NULL};
        cr_assert_eq(backtest(&out, a1), 0, "%s", out);
        free(out);
        char an[32], al[32];
        snprintf(an, sizeof an, "arena-%s", cycles[i]);
        snprintf(al, sizeof al, "alone-%s", cycles[i]);
        same_records(dir, an, al);
        json_t *o = summary_of(one, version);
        same_figures(s, o, version);
        json_decref(o);
        json_decref(s);
        free(c.ts);
        free(c.eq);
    }
    for (int k = 0; k < MAXSYM; k++)
        closes_free(&px[k]);
    for (int i = 0; i < 3; i++) {
        free(arena[i]);
        free(alone[i]);
    }
    temp_dir_remove(dir);
    free(dir);
}
