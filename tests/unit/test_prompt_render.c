/*
 * The LLM rendering of the observation (host/prompt_render.c) on a real
 * cycle of the default pipeline: tests/fixtures/observation_default.json
 * is an observation record of `make replay` (config/replay.yaml, the
 * default pipeline's indicators on recorded history; 3 open positions, 10
 * round trips). Checked: the precision rules (docs/prompt.md), no
 * per-candle times, the budget's trimming order and its note, and that
 * the lossless observation JSON is untouched by the rendering.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observation_fixture.h"
#include "observation_json.h"
#include "prompt_render.h"
#include "prompt_tokens.h"

#define FIXTURE "tests/fixtures/observation_default.json"

static obs_fixture *fx;
static perp_observation *obs;

static void setup(void)
{
    char err[256];
    fx = obs_fixture_load(FIXTURE, err, sizeof err);
    cr_assert_not_null(fx, "%s", err);
    obs = obs_fixture_obs(fx);
    cr_assert_eq(obs->n_markets, 5);
}

static void teardown(void)
{
    obs_fixture_free(fx);
}

TestSuite(prompt_render, .init = setup, .fini = teardown);

static char *render(perp_prompt_part part, int64_t budget, perp_prompt_text *t)
{
    perp_prompt_options o = PERP_PROMPT_OPTIONS_INIT;
    o.part = part;
    o.tokens_max = budget;
    memset(t, 0, sizeof *t);
    t->struct_size = sizeof *t;
    cr_assert_eq(host_prompt_render(obs, &o, t), PERP_OK);
    cr_assert_not_null(t->text);
    cr_assert_eq(t->bytes, strlen(t->text));
    return t->text;
}

static const perp_market_view *market(const char *coin)
{
    for (size_t i = 0; i < obs->n_markets; i++)
        if (strcmp(obs->markets[i].coin, coin) == 0)
            return &obs->markets[i];
    cr_assert_fail("no market %s", coin);
    return NULL;
}

/* The line of coin's block that starts with prefix (malloc'd). */
static char *block_line(const char *text, const char *coin, const char *prefix)
{
    char head[32];
    snprintf(head, sizeof head, "\n## %s ", coin);
    const char *b = strstr(text, head);
    cr_assert_not_null(b, "no block for %s", coin);
    const char *end = strstr(b + 1, "\n## ");
    for (const char *l = strchr(b + 1, '\n'); l && (!end || l < end);
         l = strchr(l + 1, '\n')) {
        if (strncmp(l + 1, prefix, strlen(prefix)) == 0) {
            const char *e = strchr(l + 1, '\n');
            return strndup(l + 1, (size_t)(e - l - 1));
        }
    }
    cr_assert_fail("%s: no line starting '%s'", coin, prefix);
    return NULL;
}

static int decimals_of(const char *num)
{
    const char *dot = strchr(num, '.');
    return dot ? (int)strspn(dot + 1, "0123456789") : 0;
}

/* Significant digits as written: leading zeros do not count. */
static int sig_digits(const char *num)
{
    int n = 0, started = 0;
    for (const char *p = num; *p; p++) {
        if (!isdigit((unsigned char)*p))
            continue;
        if (*p != '0')
            started = 1;
        n += started;
    }
    return n;
}

/* The numbers after the first ':' of a closes line. */
static size_t closes_of(const char *line, double *out, size_t cap, int *max_dec)
{
    const char *p = strchr(line, ':');
    p = p ? strchr(p + 1, ':') : NULL; /* "from 22:16:" */
    cr_assert_not_null(p);
    size_t n = 0;
    *max_dec = 0;
    char *save = NULL, *copy = strdup(p + 1);
    for (char *tok = strtok_r(copy, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        char *end;
        double x = strtod(tok, &end);
        cr_assert(*end == '\0', "not a number: '%s'", tok);
        int d = decimals_of(tok);
        *max_dec = d > *max_dec ? d : *max_dec;
        if (n < cap)
            out[n++] = x;
    }
    free(copy);
    return n;
}

static void check_closes_tick_exact(const char *text, const char *coin,
                                    int tick_decimals)
{
    const perp_market_view *m = market(coin);
    char *line = block_line(text, coin, "1m closes from ");
    double v[128];
    int max_dec;
    size_t n = closes_of(line, v, 128, &max_dec);
    cr_assert_eq(n, m->n_candles_1m, "%s: %zu closes", coin, n);
    cr_assert_leq(max_dec, tick_decimals, "%s: %d decimals", coin, max_dec);
    double scale = pow(10, tick_decimals);
    for (size_t i = 0; i < n; i++) {
        /* on the tick grid, and the exchange's own close */
        cr_assert_float_eq(v[i] * scale, nearbyint(v[i] * scale), 1e-6);
        cr_assert_float_eq(v[i], m->candles_1m[i].close, 1e-9, "%s %zu", coin,
                           i);
    }
    free(line);
}

Test(prompt_render, prices_are_tick_exact_for_btc_and_doge)
{
    perp_prompt_text t;
    char *text = render(PERP_PROMPT_CHANGING, 0, &t);
    check_closes_tick_exact(text, "BTC", 2);
    check_closes_tick_exact(text, "DOGE", 5);
    /* the price line too */
    char *line = block_line(text, "DOGE", "");
    free(line);
    cr_assert_not_null(strstr(text, "## BTC price 27"));
    free(t.text);
}

static void check_row_numbers(const char *text, const char *coin,
                              int tick_decimals)
{
    char *head = block_line(text, coin, "6h candles from ");
    free(head);
    char find[32];
    snprintf(find, sizeof find, "\n## %s ", coin);
    const char *p = strstr(strstr(text, find), "6h candles from ");
    p = strchr(p, '\n') + 1;
    int rows = 0;
    while (isdigit((unsigned char)*p) && strncmp(p, "1m indicators", 13)) {
        char tok[5][32];
        cr_assert_eq(sscanf(p, "%31s %31s %31s %31s %31s", tok[0], tok[1],
                            tok[2], tok[3], tok[4]),
                     5);
        for (int k = 0; k < 4; k++)
            cr_assert_leq(decimals_of(tok[k]), tick_decimals, "%s", tok[k]);
        /* volume: 3 significant digits */
        double vol = strtod(tok[4], NULL);
        vol *= strchr(tok[4], 'M') ? 1e6 : strchr(tok[4], 'B') ? 1e9 : 1;
        char redo[64];
        snprintf(redo, sizeof redo, "%.3g", vol);
        cr_assert_float_eq(strtod(redo, NULL), vol, 1e-9 * fmax(1, vol),
                           "volume %s has more than 3 significant digits",
                           tok[4]);
        rows++;
        p = strchr(p, '\n') + 1;
    }
    cr_assert_eq(rows, 2, "%s: %d context rows (default 2)", coin, rows);
}

Test(prompt_render, context_rows_to_the_tick_volumes_three_digits)
{
    perp_prompt_text t;
    char *text = render(PERP_PROMPT_CHANGING, 0, &t);
    check_row_numbers(text, "BTC", 2);
    check_row_numbers(text, "DOGE", 5);
    free(t.text);
}

/* Every number on the indicator lines of coin keeps the documented
 * digits: 4 significant (1 decimal from 10 up), whole numbers whole, and
 * values within a factor 2 of the price at most 5 significant digits and
 * the tick's decimals. */
static void check_indicator_digits(const char *text, const char *coin,
                                   int tick_decimals, size_t *values)
{
    const perp_market_view *m = market(coin);
    char find[32];
    snprintf(find, sizeof find, "\n## %s ", coin);
    const char *b = strstr(text, find);
    const char *end = strstr(b + 1, "\n## ");
    const char *p = strstr(b, "1m indicators:");
    cr_assert(p && p < end);
    for (; p && p < end; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        const char *e = strchr(p, '\n');
        char *line = strndup(p, (size_t)(e - p));
        char *save = NULL;
        for (char *tok = strtok_r(line, " ,", &save); tok;
             tok = strtok_r(NULL, " ,", &save)) {
            char *stop;
            double x = strtod(tok, &stop);
            if (stop == tok || *stop != '\0' || isalpha((unsigned char)*tok))
                continue;
            (*values)++;
            int sig = sig_digits(tok), dec = decimals_of(tok);
            int near = fabs(x) >= 0.5 * m->mid && fabs(x) <= 2 * m->mid;
            if (!strchr(tok, '.'))
                continue; /* whole numbers are never rounded */
            if (near)
                cr_assert(sig <= 5 && dec <= tick_decimals, "%s: %s", coin,
                          tok);
            else
                cr_assert(sig <= 4 && (fabs(x) < 10 || dec <= 1),
                          "%s: %s has more digits than documented", coin, tok);
        }
        free(line);
        if (!e || e + 1 >= end)
            break;
    }
}

Test(prompt_render, indicators_keep_the_documented_digits)
{
    perp_prompt_text t;
    char *text = render(PERP_PROMPT_CHANGING, 0, &t);
    const char *coins[5] = {"BTC", "ETH", "SOL", "DOGE", "XRP"};
    const int dec[5] = {2, 2, 2, 5, 4};
    size_t values = 0;
    for (int i = 0; i < 5; i++)
        check_indicator_digits(text, coins[i], dec[i], &values);
    /* 23 outputs a coin, 3 values each, labels aside: all were read */
    cr_assert_geq(values, 5 * 19 * 3, "%zu values", values);
    /* percentages to 1 decimal */
    const char *pct[] = {"win rate ", "max drawdown ", ", return ",
                         ", spread "};
    for (size_t i = 0; i < 4; i++)
        for (const char *p = strstr(text, pct[i]); p;
             p = strstr(p + 1, pct[i])) {
            char num[32];
            cr_assert_eq(sscanf(p + strlen(pct[i]), "%31[-0-9.]", num), 1);
            cr_assert_leq(decimals_of(num), 1, "%s%s", pct[i], num);
        }
    free(t.text);
}

Test(prompt_render, no_per_candle_timestamps)
{
    perp_prompt_text t;
    char *text = render(PERP_PROMPT_CHANGING, 0, &t);
    /* no epoch milliseconds or seconds (10+ digits) anywhere */
    size_t run = 0;
    for (const char *p = text; *p; p++) {
        run = isdigit((unsigned char)*p) ? run + 1 : 0;
        cr_assert_lt(run, 10, "a %zu-digit number: a timestamp?", run);
    }
    /* one start time per series: a single HH:MM on the closes line */
    char *line = block_line(text, "ETH", "1m closes from ");
    int times = 0;
    for (const char *p = line; p[0] && p[1] && p[2]; p++)
        times += p[0] == ':' && isdigit((unsigned char)p[1]) &&
                 isdigit((unsigned char)p[2]);
    cr_assert_eq(times, 1, "%s", line);
    free(line);
    free(t.text);
}

Test(prompt_render, everything_the_planner_needs_is_there)
{
    perp_prompt_text t;
    char *text = render(PERP_PROMPT_CHANGING, 0, &t);
    for (size_t i = 0; i < obs->n_markets; i++) {
        const perp_market_view *m = &obs->markets[i];
        for (size_t k = 0; k < m->n_ind_1m + m->n_ind_ctx; k++) {
            const perp_indicator_value *v =
                k < m->n_ind_1m ? &m->ind_1m[k] : &m->ind_ctx[k - m->n_ind_1m];
            const char *dot = strchr(v->name, '.');
            cr_assert_not_null(strstr(text, dot ? dot + 1 : v->name), "%s",
                               v->name);
        }
    }
    cr_assert_not_null(strstr(text, "## Account\nequity "));
    cr_assert_not_null(strstr(text, " invalidation: "));
    cr_assert_not_null(strstr(text, "; target "));
    cr_assert_not_null(strstr(text, "## Round trips, newest first\n"));
    cr_assert_not_null(strstr(text, "## Metrics of this version\n"));
    cr_assert_not_null(strstr(text, "## Feedback on the last cycle\n"));
    size_t trips = 0;
    for (const char *p = strstr(text, "## Round trips");
         (p = strstr(p, " -> ")); p++)
        trips++;
    cr_assert_eq(trips, 10);
    free(t.text);

    text = render(PERP_PROMPT_CONSTANT, 0, &t);
    cr_assert_not_null(strstr(text, "How to read"));
    cr_assert_not_null(strstr(text, "\nBTC 0.01 0.00001 5 5\n"));
    cr_assert_not_null(strstr(text, "\nDOGE 0.00001 1 5 5\n"));
    cr_assert_not_null(strstr(text, "Limits: min notional 5 USD"));
    free(t.text);
}

Test(prompt_render, lossless_record_is_unchanged)
{
    char *before = host_observation_to_json(obs);
    perp_prompt_text a, b;
    render(PERP_PROMPT_CHANGING, 2000, &a);
    render(PERP_PROMPT_CONSTANT, 0, &b);
    char *after = host_observation_to_json(obs);
    cr_assert_str_eq(before, after);
    /* the record keeps full precision and per-candle times */
    cr_assert_not_null(strstr(before, "\"candles_1m\":[[16821"));
    char ema[64];
    snprintf(ema, sizeof ema, "%.10g", market("BTC")->ind_1m[1].value);
    cr_assert_not_null(strstr(before, ema), "%s", ema);
    free(a.text);
    free(b.text);
    free(before);
    free(after);
}

Test(prompt_render, constant_part_is_constant)
{
    perp_prompt_text a, b;
    render(PERP_PROMPT_CONSTANT, 0, &a);
    obs->cycle++;
    obs->ts += 60000;
    ((perp_market_view *)obs->markets)[0].mid += 1;
    render(PERP_PROMPT_CONSTANT, 0, &b);
    cr_assert_str_eq(a.text, b.text);
    free(a.text);
    free(b.text);
}

/* Over budget: oldest candles (context rows, then one-minute rows) go
 * first, then series values, then the oldest round trips; never a later
 * stage before an earlier one is exhausted. */
Test(prompt_render, budget_of_2000_trims_in_order_and_says_so)
{
    perp_prompt_text full, t;
    render(PERP_PROMPT_CHANGING, 0, &full);
    cr_assert_gt(full.tokens_est, 2000);
    char *text = render(PERP_PROMPT_CHANGING, 2000, &t);
    cr_assert_leq(t.tokens_est, 2000);
    cr_assert_eq(t.over_budget, 0);
    cr_assert_eq(t.tokens_est, prompt_tokens_estimate(text, strlen(text)));
    /* the default pipeline at 2,000: every candle row goes, then series */
    cr_assert_eq(t.context_candles_cut, 2);
    cr_assert_eq(t.candles_1m_cut, 60);
    cr_assert_gt(t.series_cut, 0);
    cr_assert_null(strstr(text, "1m closes from"));
    cr_assert_null(strstr(text, "6h candles from"));
    cr_assert_not_null(
        strstr(text, "Trimmed to fit the prompt budget, oldest first: 6h "
                     "candles 2->0 a coin, 1m closes 60->0, indicator "
                     "series 3->"),
        "%.300s", text);
    free(full.text);
    free(t.text);
}

Test(prompt_render, trimming_order_holds_at_every_budget)
{
    perp_prompt_text t;
    for (int64_t budget = 4000; budget >= 300; budget -= 100) {
        char *text = render(PERP_PROMPT_CHANGING, budget, &t);
        if (!t.over_budget)
            cr_assert_leq(t.tokens_est, budget);
        if (t.candles_1m_cut)
            cr_assert_eq(t.context_candles_cut, 2, "budget %lld",
                         (long long)budget);
        if (t.series_cut)
            cr_assert_eq(t.candles_1m_cut, 60);
        if (t.trades_cut)
            cr_assert_eq(t.series_cut, 2);
        int told = strstr(text, "Trimmed to fit") != NULL;
        cr_assert_eq(told, t.context_candles_cut + t.candles_1m_cut +
                                   t.series_cut + t.trades_cut >
                               0);
        free(t.text);
    }
    /* nothing left to cut: said, and over */
    render(PERP_PROMPT_CHANGING, 100, &t);
    cr_assert_eq(t.over_budget, 1);
    cr_assert_eq(t.trades_cut, 10);
    cr_assert_not_null(strstr(t.text, "round trips 10->0"));
    free(t.text);
}

Test(prompt_render, small_structs_and_bad_arguments)
{
    /* a caller that knows only struct_size and part: defaults */
    perp_prompt_options o = PERP_PROMPT_OPTIONS_INIT;
    o.struct_size = offsetof(perp_prompt_options, part) + sizeof o.part;
    o.tokens_max = 5; /* past its size: ignored */
    perp_prompt_text t = {.struct_size =
                              offsetof(perp_prompt_text, text) + sizeof t.text};
    t.bytes = 12345;
    cr_assert_eq(host_prompt_render(obs, &o, &t), PERP_OK);
    cr_assert_eq(t.bytes, 12345, "bytes is past the caller's struct");
    cr_assert_not_null(strstr(t.text, "1m closes from"));
    free(t.text);
    o.struct_size = 2;
    cr_assert_eq(host_prompt_render(obs, &o, &t), PERP_EINVAL);
    o = (perp_prompt_options)PERP_PROMPT_OPTIONS_INIT;
    o.part = 7;
    t.struct_size = sizeof t;
    cr_assert_eq(host_prompt_render(obs, &o, &t), PERP_EINVAL);
    cr_assert_eq(host_prompt_render(NULL, &o, &t), PERP_EINVAL);
}

Test(prompt_render, hostile_text_stays_on_its_line)
{
    const char *fb[2] = {"line one\nline two\t\x01 end", "\xff\xfe bad utf8"};
    obs->feedback = fb;
    obs->n_feedback = 2;
    perp_prompt_text t;
    char *text = render(PERP_PROMPT_CHANGING, 0, &t);
    cr_assert_not_null(strstr(text, "- line one line two   end\n"));
    cr_assert_not_null(strstr(text, "- ?? bad utf8\n"));
    free(t.text);
}

/* The slippage model in the constant part and each coin's figures in its
 * block (sqrt model), from hand-set values; the fixed model is one
 * constant line and nothing per coin; none at all when the backend does
 * not say or the observation predates the member. */
Test(prompt_render, slippage_model_and_what_sizes_pay)
{
    perp_market_slippage sl[5];
    memset(sl, 0, sizeof sl);
    for (size_t i = 0; i < 5; i++) {
        sl[i] = (perp_market_slippage){.floor_bps = 1,
                                       .k = 1,
                                       .cap_bps = 500,
                                       .window_ms = 86400000,
                                       .sigma_1m = 0.00042,
                                       .volume_1m = 312000,
                                       .notional = {1e3, 1e4, 1e5, 48210},
                                       .bps = {1, 1.19, 3.76, 2.61}};
        memcpy(sl[i].model, "sqrt", 5);
    }
    sl[3].sigma_1m = NAN; /* DOGE: window still empty */
    sl[3].volume_1m = NAN;
    for (size_t k = 0; k < 4; k++)
        sl[3].bps[k] = 500;
    obs->slippage = sl;
    perp_prompt_text c, t;
    char *constant = render(PERP_PROMPT_CONSTANT, 0, &c);
    cr_assert(strstr(constant,
                     "Slippage, square-root impact: bps = 1 x sigma x "
                     "sqrt(order USD / V) x 10000, at least 1, at most 500 "
                     "(also while sigma or V is unknown); sigma = 1m "
                     "volatility, V = USD traded a minute, both over the last "
                     "1d"),
              "%s", constant);
    char *text = render(PERP_PROMPT_CHANGING, 0, &t);
    char *btc = block_line(text, "BTC", "slippage:");
    cr_assert_str_eq(btc, "slippage: sigma 4.2 bp/min, V 312k USD/min; 1k 1 "
                          "bps, 10k 1.19, 100k 3.76, max 48.2k 2.61");
    char *doge = block_line(text, "DOGE", "slippage:");
    cr_assert_str_eq(doge, "slippage: sigma -, V -; 1k 500 bps, 10k 500, "
                           "100k 500, max 48.2k 500");
    free(btc);
    free(doge);
    free(c.text);
    free(t.text);
    /* The fixed model: one constant line, nothing per coin. */
    for (size_t i = 0; i < 5; i++)
        memcpy(sl[i].model, "fixed", 6);
    constant = render(PERP_PROMPT_CONSTANT, 0, &c);
    cr_assert(strstr(constant, "Slippage: fixed 1 bps of the price on every "
                               "market order, whatever its size.\n"),
              "%s", constant);
    text = render(PERP_PROMPT_CHANGING, 0, &t);
    cr_assert_null(strstr(text, "slippage:"), "%s", text);
    free(c.text);
    free(t.text);
    /* Not said; and an observation of ABI 1.2 before the member. */
    obs->slippage = NULL;
    constant = render(PERP_PROMPT_CONSTANT, 0, &c);
    cr_assert_null(strstr(constant, "Slippage"));
    free(c.text);
    obs->slippage = sl;
    obs->struct_size = offsetof(perp_observation, slippage);
    constant = render(PERP_PROMPT_CONSTANT, 0, &c);
    cr_assert_null(strstr(constant, "Slippage"));
    free(c.text);
    obs->struct_size = sizeof *obs;
    obs->slippage = NULL;
}

/* An output short of its candles says how far it is, in the text as in
 * the observation record's "warming_up" (host/observation_json.c): "-"
 * alone would read as missing data. */
Test(prompt_render, an_indicator_warming_up_says_how_far)
{
    const perp_market_view *saved_markets = obs->markets;
    const perp_market_warmup *saved_warmup = obs->warmup;
    perp_market_view mv[5];
    memcpy(mv, obs->markets, sizeof mv);
    const perp_market_view *btc = market("BTC");
    size_t b = (size_t)(btc - obs->markets);
    cr_assert_geq(mv[b].n_ind_1m, 2);
    perp_indicator_value ind[64];
    cr_assert_leq(mv[b].n_ind_1m, 64);
    memcpy(ind, mv[b].ind_1m, mv[b].n_ind_1m * sizeof ind[0]);
    ind[0].value = NAN;
    ind[0].series = NULL;
    ind[0].series_len = 0;
    ind[0].label = NULL;
    mv[b].ind_1m = ind;
    perp_warmup w1m[64] = {{0}};
    w1m[0] = (perp_warmup){.seen = 12, .needed = 26};
    w1m[1] = (perp_warmup){.seen = 26, .needed = 26}; /* warm: its values */
    perp_market_warmup wu[5] = {{0}};
    wu[b].ind_1m = w1m;
    obs->markets = mv;
    obs->warmup = wu;

    perp_prompt_text t;
    char *text = render(PERP_PROMPT_CHANGING, 0, &t);
    char want[128];
    snprintf(want, sizeof want, "%s warming up 12/26", ind[0].name);
    const char *at = strstr(text, want);
    cr_assert_not_null(at, "no '%s' in BTC's block:\n%s", want, text);
    const char *again = strstr(at + strlen(want), "warming up");
    cr_assert_eq(again, NULL, "only the cold output says so: %s", text);
    free(t.text);
    /* The reading guide (constant part) explains the words. */
    text = render(PERP_PROMPT_CONSTANT, 0, &t);
    cr_assert_not_null(strstr(text, "\"warming up 12/26\""));
    free(t.text);
    obs->markets = saved_markets;
    obs->warmup = saved_warmup;
}
