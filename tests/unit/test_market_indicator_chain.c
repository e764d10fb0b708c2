/*
 * The per-symbol indicator pipeline (host/market_indicator_chain.h) with real
 * plugins from $PERP_BUILD_DIR/lib/perp: sma, macd and regime, opened from
 * YAML through host_instance_open as the agent does. Checked: output
 * names ("m.hist" for one of several), binding in YAML order, values and
 * series after each candle, labels, and find().
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "config.h"
#include "market_indicator_chain.h"
#include "stderr_capture.h"

#define MIN 60000LL
#define T0  1680000000000LL

/* Entries of the `indicators:` list below, by index. The regime's five
 * inputs are pointed at earlier outputs (any names will do for the
 * chain); the last regime keeps its default inputs (ema_20, ...), which
 * this chain does not have. */
static const char *const YAML = "indicators:\n"
                                "  - plugin: sma\n"
                                "    name: s3\n"
                                "    period: 3\n"
                                "  - plugin: macd\n"
                                "    name: m\n"
                                "    fast: 2\n"
                                "    slow: 3\n"
                                "    signal: 2\n"
                                "  - plugin: regime\n"
                                "    name: reg\n"
                                "    ema: s3\n"
                                "    macd: m.macd\n"
                                "    rsi: s3\n"
                                "    rv: m.signal\n"
                                "    rv_annual: m.hist\n"
                                "  - plugin: regime\n"
                                "    name: bad\n";

enum { E_SMA, E_MACD, E_REG, E_BAD };

typedef struct fixture {
    host_config *cfg;
    host_plugin_path path;
    host_context ctx;
    char plugdir[512];
} fixture;

static void setup(fixture *f)
{
    memset(f, 0, sizeof *f);
    char err[512];
    f->cfg = host_config_parse(YAML, "chain.yaml", err, sizeof err);
    cr_assert_not_null(f->cfg, "%s", err);
    snprintf(f->plugdir, sizeof f->plugdir, "%s/lib/perp", test_build_dir());
    const char *dirs[1] = {f->plugdir};
    host_plugin_path_init(&f->path, dirs, 1);
    f->ctx.version = "test";
}

static void teardown(fixture *f)
{
    host_plugin_path_free(&f->path);
    host_config_free(f->cfg);
}

/* Opens entry i and adds it under its `name:`; returns chain_add's rc. */
static int add(fixture *f, host_indicator_chain *c, size_t i)
{
    const perp_config_node *seq =
        host_cfg_child(host_config_root(f->cfg), "indicators");
    const perp_config_node *node = host_cfg_at(seq, i);
    const char *name = host_cfg_scalar(host_cfg_child(node, "name"));
    host_instance inst;
    cr_assert_eq(host_instance_open(&inst, &f->path, PERP_KIND_INDICATOR, node,
                                    name, &f->ctx),
                 PERP_OK, "entry %zu", i);
    return host_indicator_chain_add(c, &inst, name);
}

static void full_chain(fixture *f, host_indicator_chain *c, size_t series)
{
    host_indicator_chain_init(c, series);
    cr_assert_eq(add(f, c, E_SMA), PERP_OK);
    cr_assert_eq(add(f, c, E_MACD), PERP_OK);
    cr_assert_eq(add(f, c, E_REG), PERP_OK);
}

static perp_candle bar(int i, double close)
{
    perp_candle c;
    memset(&c, 0, sizeof c);
    c.ts = T0 + i * MIN;
    c.interval_ms = MIN;
    strcpy(c.symbol, "BTC-USD");
    c.open = c.high = c.low = c.close = close;
    c.volume = 1;
    return c;
}

Test(indicator_chain, outputs_are_named_in_yaml_order)
{
    fixture f;
    setup(&f);
    host_indicator_chain c;
    full_chain(&f, &c, 4);
    /* sma has one output (its YAML name alone); macd and regime have
     * three each, named <yaml name>.<output name>. */
    static const char *const want[] = {
        "s3",         "m.macd",         "m.signal",    "m.hist",
        "reg.regime", "reg.volatility", "reg.strength"};
    cr_assert_eq(c.n, 3);
    cr_assert_eq(c.n_out, 7);
    for (size_t i = 0; i < 7; i++) {
        cr_assert_str_eq(c.names[i], want[i]);
        cr_assert(isnan(c.values[i]), "%s defined before any candle", want[i]);
        cr_assert_eq(c.series[i].n, 0);
    }
    cr_assert_eq(c.e[E_SMA].first, 0);
    cr_assert_eq(c.e[E_MACD].first, 1);
    cr_assert_eq(c.e[E_REG].first, 4);
    cr_assert_str_eq(c.e[E_MACD].yaml_name, "m");
    cr_assert_eq(host_indicator_chain_find(&c, "macd"), &c.e[E_MACD]);
    cr_assert_eq(host_indicator_chain_find(&c, "regime"), &c.e[E_REG]);
    cr_assert_null(host_indicator_chain_find(&c, "rsi"));
    host_indicator_chain_free(&c);
    teardown(&f);
}

Test(indicator_chain, an_indicator_binds_only_to_outputs_before_it)
{
    fixture f;
    setup(&f);
    host_indicator_chain c;
    host_indicator_chain_init(&c, 4);
    /* The regime first: s3 and m.macd do not exist yet, so bind() fails
     * and the chain stays empty (the instance is closed: ASan checks). */
    stderr_capture_begin();
    int rc = add(&f, &c, E_REG);
    char *log = stderr_capture_end();
    cr_assert_neq(rc, PERP_OK);
    cr_assert_eq(c.n, 0);
    cr_assert_eq(c.n_out, 0);
    cr_assert_not_null(strstr(log, "no earlier indicator output named 's3'"),
                       "log: %s", log);
    cr_assert_not_null(strstr(log, "indicator reg: cannot bind"), "log: %s",
                       log);
    free(log);
    /* After its inputs, the same entry binds. */
    cr_assert_eq(add(&f, &c, E_SMA), PERP_OK);
    cr_assert_eq(add(&f, &c, E_MACD), PERP_OK);
    cr_assert_eq(add(&f, &c, E_REG), PERP_OK);
    /* A regime with inputs no earlier indicator gives is refused and
     * leaves the chain as it was. */
    stderr_capture_begin();
    rc = add(&f, &c, E_BAD);
    log = stderr_capture_end();
    cr_assert_neq(rc, PERP_OK);
    cr_assert_eq(c.n, 3);
    cr_assert_eq(c.n_out, 7);
    cr_assert_not_null(strstr(log, "'ema_20'"), "log: %s", log);
    free(log);
    host_indicator_chain_free(&c);
    teardown(&f);
}

Test(indicator_chain, values_and_series_after_each_candle)
{
    fixture f;
    setup(&f);
    host_indicator_chain c;
    full_chain(&f, &c, 2);
    /* Closes 1, 2, 3, 4, 8. Worked by hand (TA-Lib definitions):
     *  SMA(3): NaN, NaN, 2, 3, (3+4+8)/3 = 5.
     *  MACD(2,3,2), as macd.c documents it: the line from index s-1 = 2
     *   (candle 3), signal and hist from s+g-2 = 3 (candle 4), TA-Lib's
     *   lookback. Both EMAs start at candle 3: slow = SMA(1,2,3) = 2, fast =
     *   SMA(2,3) = 2.5 (the last `fast` closes), line 0.5.
     *   Candle 4 (close 4): fast = 2.5 + 2/3 (4 - 2.5) = 3.5, slow = 2 +
     *   1/2 (4 - 2) = 3, line 0.5; signal = SMA(0.5, 0.5) = 0.5; hist 0.
     *   Candle 5 (close 8): fast = 3.5 + 2/3 (8 - 3.5) = 6.5, slow = 3 +
     *   1/2 (8 - 3) = 5.5, line 1; signal = 0.5 + 2/3 (1 - 0.5) = 5/6;
     *   hist = 1 - 5/6 = 1/6. */
    const double closes[5] = {1, 2, 3, 4, 8};
    for (int i = 0; i < 5; i++) {
        perp_candle k = bar(i, closes[i]);
        host_indicator_chain_update(&c, &k);
        if (i < 2)
            cr_assert(isnan(c.values[0]), "sma defined at candle %d", i + 1);
        if (i < 2)
            cr_assert(isnan(c.values[1]), "m.macd defined at candle %d", i + 1);
        if (i < 3)
            for (int j = 2; j <= 3; j++)
                cr_assert(isnan(c.values[j]), "%s defined at candle %d",
                          c.names[j], i + 1);
        if (i == 2)
            cr_assert_float_eq(c.values[1], 0.5, 1e-12);
    }
    cr_assert_float_eq(c.values[0], 5.0, 1e-12);
    cr_assert_float_eq(c.values[1], 1.0, 1e-12);
    cr_assert_float_eq(c.values[2], 5.0 / 6.0, 1e-12);
    cr_assert_float_eq(c.values[3], 1.0 / 6.0, 1e-12);
    /* Every output keeps its newest 2 values, oldest first. */
    double s[2];
    cr_assert_eq(host_value_series_copy(&c.series[0], s), 2);
    cr_assert_float_eq(s[0], 3.0, 1e-12);
    cr_assert_float_eq(s[1], 5.0, 1e-12);
    cr_assert_eq(host_value_series_copy(&c.series[3], s), 2);
    cr_assert_float_eq(s[0], 0.0, 1e-12);
    cr_assert_float_eq(s[1], 1.0 / 6.0, 1e-12);
    host_indicator_chain_free(&c);
    teardown(&f);
}

Test(indicator_chain, labels_follow_the_regime_value)
{
    fixture f;
    setup(&f);
    host_indicator_chain c;
    full_chain(&f, &c, 2);
    const size_t reg = c.e[E_REG].first;
    /* Before its inputs are defined the regime has no value and no
     * label. Its inputs (s3, m.*) are all defined from candle 4 on. */
    for (int i = 0; i < 3; i++) {
        perp_candle k = bar(i, 100 + i);
        host_indicator_chain_update(&c, &k);
    }
    cr_assert(isnan(c.values[reg]));
    cr_assert_null(host_indicator_chain_label(&c, reg));
    perp_candle k = bar(3, 103);
    host_indicator_chain_update(&c, &k);
    /* regime.c's documented coding: 0 trending_up, 1 trending_down,
     * 2 ranging, 3 volatile_choppy; volatility 0 low .. 3 extreme. The
     * label must be the word for the value, whichever it is. */
    static const char *const kinds[] = {"trending_up", "trending_down",
                                        "ranging", "volatile_choppy"};
    static const char *const vols[] = {"low", "moderate", "high", "extreme"};
    double v = c.values[reg], vv = c.values[reg + 1];
    cr_assert(v >= 0 && v <= 3 && v == floor(v), "regime value %g", v);
    cr_assert(vv >= 0 && vv <= 3 && vv == floor(vv), "volatility %g", vv);
    cr_assert_str_eq(host_indicator_chain_label(&c, reg), kinds[(int)v]);
    cr_assert_str_eq(host_indicator_chain_label(&c, reg + 1), vols[(int)vv]);
    /* Outputs without labels, and indexes past the end. */
    cr_assert_null(host_indicator_chain_label(&c, reg + 2)); /* strength */
    cr_assert_null(host_indicator_chain_label(&c, 0));       /* sma: none */
    cr_assert_null(host_indicator_chain_label(&c, c.n_out));
    host_indicator_chain_free(&c);
    teardown(&f);
}

Test(indicator_chain, an_empty_chain_updates_and_frees)
{
    host_indicator_chain c;
    host_indicator_chain_init(&c, 0); /* 0 is taken as 1 */
    cr_assert_eq(c.series_len, 1);
    perp_candle k = bar(0, 1);
    host_indicator_chain_update(&c, &k);
    cr_assert_null(host_indicator_chain_label(&c, 0));
    cr_assert_null(host_indicator_chain_find(&c, "sma"));
    host_indicator_chain_free(&c);
}

/* Warm-up per entry, from the plugins' lookbacks (TA-Lib's): SMA(3)
 * lookback 2, so 3 candles; MACD(2, 3, 2) lookback (3 - 1) + (2 - 1) = 3,
 * so 4; the regime binds to earlier outputs: its own lookback 0 on top of
 * the largest before it, 0 + 1 + (4 - 1) = 4. Each output's "seen" counts
 * candles up to what it needs; the chain needs 4 in all. And where the
 * outputs really become defined agrees: the regime, on those inputs, at
 * the 4th candle (index 3). */
Test(indicator_chain, warmup_from_lookbacks_and_inputs)
{
    fixture f;
    setup(&f);
    host_indicator_chain c;
    full_chain(&f, &c, 4);
    cr_expect_eq(c.e[E_SMA].warmup, 3);
    cr_expect_eq(c.e[E_MACD].warmup, 4);
    cr_expect_eq(c.e[E_REG].warmup, 4);
    cr_expect_eq(host_indicator_chain_warmup(&c), 4);
    for (int i = 0; i < 2; i++) {
        perp_candle b = bar(i, 100 + i);
        host_indicator_chain_update(&c, &b);
    }
    perp_warmup w = host_indicator_chain_output_warmup(&c, 0);
    cr_expect(w.seen == 2 && w.needed == 3, "s3 %u/%u", w.seen, w.needed);
    w = host_indicator_chain_output_warmup(&c, 3); /* m.hist */
    cr_expect(w.seen == 2 && w.needed == 4, "m.hist %u/%u", w.seen, w.needed);
    w = host_indicator_chain_output_warmup(&c, 6); /* reg.strength */
    cr_expect(w.seen == 2 && w.needed == 4, "reg %u/%u", w.seen, w.needed);
    for (int i = 2; i < 10; i++) {
        perp_candle b = bar(i, 100 + i * (i % 2 ? 1.5 : 0.5));
        host_indicator_chain_update(&c, &b);
        if (i == 2)
            cr_expect(isnan(c.values[4]), "regime defined at index 2");
        if (i == 3)
            for (size_t k = 0; k < c.n_out; k++)
                cr_expect(isfinite(c.values[k]), "%s undefined at index 3",
                          c.names[k]);
    }
    w = host_indicator_chain_output_warmup(&c, 0);
    cr_expect(w.seen == 3 && w.needed == 3, "capped: %u/%u", w.seen, w.needed);
    cr_expect_eq(c.candles, 10);
    host_indicator_chain_free(&c);
    teardown(&f);
}
