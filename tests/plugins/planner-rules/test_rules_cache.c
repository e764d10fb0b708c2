/*
 * The rule planner's shortcuts never change what it decides or writes:
 * text_fixed2 against printf's "%.2f" / "%+.2f", the volatility cache's
 * estimate against trend_realized_vol (the definition) within the bound
 * it claims, and the rule with its caches against the rule computing
 * everything exactly (trend_memory.exact_only), over a random walk whose
 * spreads are aimed at the bands and at the rounding boundaries of the
 * two-decimal texts, where an estimate off by one ulp would show.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text_build.h"
#include "trend_rule.h"
#include "trend_sizing.h"
#include "vol_cache.h"

#define MIN_MS 60000LL

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static double uniform(void) /* [0, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void printf2(char *out, size_t len, double x, int plus)
{
    snprintf(out, len, plus ? "%+.2f" : "%.2f", x);
}

/* When text_fixed2 is sure about x within err, printf agrees for x and
 * for values at, and just inside, err either side (and the neighbouring
 * doubles when err covers them). */
static int check_fixed2(double x, double err, int plus)
{
    char fast[TEXT_FIXED2_MAX], ref[400];
    int n = text_fixed2(fast, x, err, plus);
    if (n < 0)
        return 0;
    const double probes[] = {x,
                             x - err,
                             x + err,
                             nextafter(x, -INFINITY),
                             nextafter(x, INFINITY),
                             x - err * 0.999,
                             x + err * 0.999};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        if (i > 0 && !(err > 0 && fabs(probes[i] - x) <= err))
            continue; /* the promise is for values within err */
        printf2(ref, sizeof ref, probes[i], plus);
        cr_assert_str_eq(fast, ref, "x=%.17g err=%g probe=%.17g", x, err,
                         probes[i]);
    }
    cr_assert_eq((size_t)n, strlen(fast));
    return 1;
}

Test(rules_cache, fixed2_is_printf_or_says_it_is_not_sure)
{
    const double errs[] = {0, 1e-15, 1e-12, 1e-9, 1e-4};
    int sure = 0, tried = 0;
    for (int i = 0; i < 200000; i++) {
        double mag = pow(10, uniform() * 8 - 4); /* 1e-4 .. 1e4 */
        double x = (uniform() < 0.5 ? -mag : mag);
        double err = errs[i % 5];
        int plus = i & 1;
        tried++;
        sure += check_fixed2(x, err, plus);
    }
    /* the fast path must be the common one, or it saves nothing */
    cr_assert_gt(sure, tried * 9 / 10, "sure %d of %d", sure, tried);
    /* boundaries: k/100 + 1/200 is a half between two hundredths */
    for (int k = -300; k <= 300; k++) {
        double b = k / 100.0 + 0.005;
        for (int j = -40; j <= 40; j++) {
            double x = b;
            for (int u = 0; u < abs(j); u++)
                x = nextafter(x, j < 0 ? -INFINITY : INFINITY);
            check_fixed2(x, 0, 1);
            check_fixed2(x, 1e-15, 0);
        }
        /* exactly on it, printf's own rounding decides: never guess */
        cr_assert_lt(text_fixed2((char[TEXT_FIXED2_MAX]){0}, 0.125, 0, 0), 0);
    }
    const double specials[] = {0.0,    -0.0,   -0.001, 0.001, -0.004999,
                               1e-300, 99.995, 1e8,    -1e8};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        check_fixed2(specials[i], 0, 1);
        check_fixed2(specials[i], 0, 0);
    }
    char s[TEXT_FIXED2_MAX];
    cr_assert_eq(text_fixed2(s, -0.0, 0, 1), 5);
    cr_assert_str_eq(s, "-0.00");
    cr_assert_lt(text_fixed2(s, 0.001, 0.01, 1), 0, "sign not certain");
    cr_assert_lt(text_fixed2(s, 1e12, 0, 1), 0, "too large for the fast path");
    cr_assert_lt(text_fixed2(s, NAN, 0, 1), 0);
    cr_assert_lt(text_fixed2(s, INFINITY, 0, 1), 0);
}

Test(rules_cache, text_build_cuts_at_the_end)
{
    char buf[8];
    text_build t;
    text_start(&t, buf, sizeof buf);
    text_put(&t, "spread ");
    text_put_fixed2(&t, 1.234, 1);
    cr_assert_str_eq(buf, "spread ");
    text_start(&t, buf, sizeof buf);
    text_put_fixed2(&t, 1e300, 0); /* printf's path, cut */
    cr_assert_str_eq(buf, "1000000");
}

/* ------------------------------------------------- the candles */

#define N_WALK 6000
static perp_candle walk[N_WALK];

/* A random walk in three volatility regimes, a flat stretch (returns 0:
 * no variance) and one bad close (0) for the volatility to step over. */
static void make_walk(void)
{
    double p = 100;
    for (int i = 0; i < N_WALK; i++) {
        double vol = i < 2000 ? 1e-3 : i < 4000 ? 1e-4 : 5e-3;
        if (i >= 3000 && i < 3100)
            vol = 0; /* flat */
        p *= exp((uniform() - 0.5) * 3.4 * vol);
        walk[i] = (perp_candle){.ts = (1700000000000LL / MIN_MS + i) * MIN_MS,
                                .interval_ms = MIN_MS,
                                .open = p,
                                .high = p,
                                .low = p,
                                .close = p,
                                .volume = 1};
    }
    walk[4500].close = 0;
}

/* The estimate is within the bound it claims of the definition. */
static int check_estimate(vol_cache *vc, const perp_candle *c, size_t n,
                          int window)
{
    double sigma, rel;
    double exact = trend_realized_vol(c, n, window);
    if (!vol_cache_estimate(vc, c, n, window, &sigma, &rel))
        return 0;
    cr_assert(isfinite(exact) && exact > 0, "estimate %g where exact is %g",
              sigma, exact);
    cr_assert_lt(rel, 0.5);
    cr_assert_leq(fabs(sigma - exact), rel * exact, "n=%zu %.17g vs %.17g", n,
                  sigma, exact);
    return 1;
}

Test(rules_cache, volatility_estimate_within_its_bound)
{
    make_walk();
    static vol_cache vc; /* stepped a candle at a time */
    int windows[] = {3, 60, 240, VOL_CACHE_MAX + 1};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        memset(&vc, 0, sizeof vc);
        int used = 0, steps = 0;
        for (size_t n = 1; n <= N_WALK; n++) {
            /* the view slides: at most `history` candles, as the host's */
            size_t keep = n < 600 ? n : 600;
            steps++;
            used += check_estimate(&vc, walk + n - keep, keep, windows[w]);
        }
        /* no estimate in the flat stretch, next to the bad close, or
         * before a window is full; nearly everywhere else */
        cr_assert_gt(used, steps * 8 / 10, "window %d: %d of %d", windows[w],
                     used, steps);
    }
    /* a window longer than the cache: never an estimate */
    memset(&vc, 0, sizeof vc);
    double s, r;
    cr_assert_eq(vol_cache_estimate(&vc, walk, 2000, VOL_CACHE_MAX + 2, &s, &r),
                 0);
}

Test(rules_cache, volatility_cache_starts_over_on_a_jump_or_a_changed_bar)
{
    make_walk();
    static vol_cache vc;
    memset(&vc, 0, sizeof vc);
    cr_assert(check_estimate(&vc, walk, 500, 60));
    /* 200 candles later: more than a window is new */
    cr_assert(check_estimate(&vc, walk, 700, 60));
    /* backwards */
    cr_assert(check_estimate(&vc, walk, 650, 60));
    /* the newest bar again, with another close */
    static perp_candle c[700];
    memcpy(c, walk, sizeof c);
    c[649].close *= 1.01;
    cr_assert(check_estimate(&vc, c, 650, 60));
    /* the same again: served from the cache */
    cr_assert(check_estimate(&vc, c, 650, 60));
    memcpy(c, walk, sizeof c);
    c[650].close = -1; /* a bad newest close: no estimate */
    double s, r;
    cr_assert_eq(vol_cache_estimate(&vc, c, 651, 60, &s, &r), 0);
}

/* ------------------------------------- the rule, cached and exact */

enum { FAST, SLOW, HIST, RSI, N_IND };

typedef struct world {
    perp_indicator_value ind[N_IND], ctx_ind[1];
    double values[N_IND], ctx_value;
    perp_market_view mk;
    perp_observation obs;
} world;

static void world_init(world *w, const trend_params *p)
{
    memset(w, 0, sizeof *w);
    strcpy(w->mk.symbol, "BTC-USD");
    strcpy(w->mk.coin, "BTC");
    w->mk.rules = (perp_symbol_rules){.tick_size = 0.0001,
                                      .size_step = 0.001,
                                      .min_notional = 10,
                                      .max_leverage = 20};
    static const char *names[N_IND] = {"ema_60", "ema_240", "macd.hist",
                                       "rsi_7"};
    for (int i = 0; i < N_IND; i++)
        w->ind[i] =
            (perp_indicator_value){names[i], NULL, NAN, &w->values[i], 1};
    w->mk.ind_1m = w->ind;
    w->mk.n_ind_1m = N_IND;
    w->ctx_ind[0] = (perp_indicator_value){"regime_ctx.regime", "trending_up",
                                           0, &w->ctx_value, 1};
    w->mk.ind_ctx = w->ctx_ind;
    w->mk.n_ind_ctx = 1;
    w->obs.struct_size = sizeof w->obs;
    w->obs.markets = &w->mk;
    w->obs.n_markets = 1;
    w->obs.account.equity = w->obs.account.cash = w->obs.account.available =
        10000;
    w->obs.limits =
        (perp_limits){.min_notional = 10, .max_leverage = 5, .max_exposure = 3};
    (void)p;
}

/* A spread to aim at: anywhere, or one ulp-scale step from a band or
 * from a half between two hundredths of the two-decimal text. */
static double aim(const trend_params *p)
{
    double u = uniform();
    if (u < 0.4)
        return (uniform() - 0.5) * 4;
    double edges[] = {p->enter_band, -p->enter_band, p->exit_band,
                      -p->exit_band,
                      (int)(uniform() * 400 - 200) / 100.0 + 0.005};
    double e = edges[(int)(uniform() * 5)];
    return e * (1 + (uniform() - 0.5) * 8e-16);
}

Test(rules_cache, cached_rule_decides_and_writes_as_the_exact_one)
{
    make_walk();
    trend_params p;
    trend_params_default(&p);
    static world w;
    world_init(&w, &p);
    static trend_memory cached, exact;
    memset(&cached, 0, sizeof cached);
    memset(&exact, 0, sizeof exact);
    exact.exact_only = 1;
    const char *regimes[] = {"trending_up", "trending_down", "ranging"};
    perp_coin_decision a, b;
    int decisions = 0, texts_with_spread = 0;
    for (size_t n = 300; n < N_WALK; n++) {
        size_t keep = n < 600 ? n : 600;
        w.mk.candles_1m = walk + n - keep;
        w.mk.n_candles_1m = keep;
        w.obs.ts = walk[n - 1].ts + MIN_MS;
        double close = walk[n - 1].close;
        double sh = trend_realized_vol(w.mk.candles_1m, keep, p.vol_window) *
                    sqrt(p.horizon_min);
        w.values[SLOW] = close;
        w.values[FAST] = close + aim(&p) * close * sh;
        w.values[HIST] = uniform() - 0.4;
        w.values[RSI] = 40 + uniform() * 30;
        for (int i = 0; i < N_IND; i++)
            w.ind[i].value = w.values[i];
        w.ctx_ind[0].label = regimes[(n / 97) % 3];
        /* a position now and then, entered long enough ago to exit */
        w.obs.account.n_positions = 0;
        if ((n / 50) % 3 == 1) {
            perp_position *pos = &w.obs.account.positions[0];
            memset(pos, 0, sizeof *pos);
            strcpy(pos->symbol, "BTC-USD");
            pos->qty = (n / 150) % 2 ? 1 : -1;
            pos->mark_price = pos->entry_price = close;
            pos->leverage = 3;
            pos->entry_ts = w.obs.ts - 200 * MIN_MS;
            w.obs.account.n_positions = 1;
        }
        trend_decide(&p, &w.obs, &w.mk, &cached, &a);
        trend_decide(&p, &w.obs, &w.mk, &exact, &b);
        cr_assert_eq(memcmp(&a, &b, sizeof a), 0,
                     "n=%zu: \"%s\" vs exact \"%s\"", n, a.justification,
                     b.justification);
        decisions++;
        texts_with_spread += strstr(a.justification, "spread") != NULL;
    }
    cr_assert_gt(texts_with_spread, decisions / 4, "%d of %d",
                 texts_with_spread, decisions);
}
