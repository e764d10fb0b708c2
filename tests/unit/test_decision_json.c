/*
 * The decision parser against what models really send: fences, prose,
 * <think> blocks, wrong types, over-long strings, huge inputs.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision_json.h"

#define GOOD                                                                   \
    "{\"positions\":{\"BTC\":{\"coin\":\"BTC\",\"signal\":\"buy\","            \
    "\"quantity\":0.05,\"leverage\":5,\"confidence\":0.7,\"risk_usd\":50,"     \
    "\"exit_plan\":{\"profit_target\":72000,\"stop_loss\":66000,"              \
    "\"invalidation_condition\":\"4h close below EMA20\"},"                    \
    "\"justification\":\"trend up\"},"                                         \
    "\"ETH\":{\"coin\":\"ETH\",\"signal\":\"hold\",\"quantity\":0,"            \
    "\"leverage\":1,\"confidence\":0.5,\"risk_usd\":0,\"exit_plan\":"          \
    "{\"profit_target\":null,\"stop_loss\":null,"                              \
    "\"invalidation_condition\":\"\"},\"justification\":\"wait\"}},"           \
    "\"notes_for_audience\":\"long BTC\"}"

static perp_decision d;
static char err[256];

static const perp_coin_decision *coin(const char *name)
{
    for (size_t i = 0; i < d.n_coins; i++)
        if (strcmp(d.coins[i].coin, name) == 0)
            return &d.coins[i];
    cr_assert_fail("coin %s not in decision", name);
    return NULL;
}

static void check_good(void)
{
    cr_assert_eq(d.n_coins, 2);
    const perp_coin_decision *b = coin("BTC");
    cr_assert_eq(b->signal, PERP_SIGNAL_BUY);
    cr_assert_float_eq(b->quantity, 0.05, 1e-15);
    cr_assert_float_eq(b->leverage, 5, 1e-15);
    cr_assert_float_eq(b->confidence, 0.7, 1e-15);
    cr_assert_float_eq(b->risk_usd, 50, 1e-15);
    cr_assert_float_eq(b->exit_plan.profit_target, 72000, 1e-9);
    cr_assert_float_eq(b->exit_plan.stop_loss, 66000, 1e-9);
    cr_assert_str_eq(b->exit_plan.invalidation, "4h close below EMA20");
    cr_assert_str_eq(b->justification, "trend up");
    const perp_coin_decision *e = coin("ETH");
    cr_assert_eq(e->signal, PERP_SIGNAL_HOLD);
    cr_assert_float_eq(e->exit_plan.stop_loss, 0, 1e-15);
    cr_assert_str_eq(d.notes, "long BTC");
}

Test(decision_json, plain_object)
{
    cr_assert_eq(host_decision_from_json(GOOD, &d, err, sizeof err), PERP_OK);
    check_good();
    cr_assert_str_eq(d.error, "");
}

Test(decision_json, fenced_with_prose)
{
    const char *text = "Here is my decision:\n```json\n" GOOD
                       "\n```\nLet me know {if} you need more.";
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err), PERP_OK);
    check_good();
}

Test(decision_json, think_block_with_braces_first)
{
    const char *text = "<think>maybe {\"x\": 1} or {broken</think>\n" GOOD;
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err), PERP_OK);
    check_good();
}

Test(decision_json, signals_are_case_insensitive)
{
    const char *text = "{\"positions\":{\"SOL\":{\"signal\":\"SeLL\","
                       "\"quantity\":3},\"XRP\":{\"signal\":\"CLOSE\"}}}";
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err), PERP_OK);
    cr_assert_eq(coin("SOL")->signal, PERP_SIGNAL_SELL);
    cr_assert_float_eq(coin("SOL")->quantity, 3, 1e-15);
    /* absent leverage defaults to 1 (no leverage), absent quantity to 0 */
    cr_assert_float_eq(coin("SOL")->leverage, 1, 1e-15);
    cr_assert_eq(coin("XRP")->signal, PERP_SIGNAL_CLOSE);
    cr_assert_float_eq(coin("XRP")->quantity, 0, 1e-15);
}

Test(decision_json, wrong_types_mark_only_that_coin)
{
    const char *text =
        "{\"positions\":{\"BTC\":{\"signal\":\"buy\",\"quantity\":\"lots\","
        "\"leverage\":2},\"ETH\":{\"signal\":\"buy\",\"quantity\":1,"
        "\"leverage\":[5]},\"SOL\":{\"signal\":\"moon\",\"quantity\":1},"
        "\"DOGE\":{\"signal\":\"buy\",\"quantity\":100,\"leverage\":2},"
        "\"XRP\":\"buy\"}}";
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err), PERP_OK);
    cr_assert_eq(d.n_coins, 5);
    cr_assert(isnan(coin("BTC")->quantity));
    cr_assert(isnan(coin("ETH")->quantity));
    cr_assert(isnan(coin("SOL")->quantity));
    cr_assert(isnan(coin("XRP")->quantity));
    cr_assert_float_eq(coin("DOGE")->quantity, 100, 1e-12);
    cr_assert_not_null(strstr(d.error, "BTC: quantity: expected number, "
                                       "found string"),
                       "error: %s", d.error);
    cr_assert_not_null(strstr(d.error, "SOL: signal 'moon'"), "%s", d.error);
}

Test(decision_json, coin_field_must_match_key)
{
    const char *text = "{\"positions\":{\"BTC\":{\"coin\":\"ETH\","
                       "\"signal\":\"buy\",\"quantity\":1}}}";
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err), PERP_OK);
    cr_assert(isnan(coin("BTC")->quantity));
}

Test(decision_json, positions_as_array)
{
    const char *text = "{\"positions\":[{\"coin\":\"BTC\",\"signal\":\"buy\","
                       "\"quantity\":0.1,\"leverage\":3}]}";
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err), PERP_OK);
    cr_assert_float_eq(coin("BTC")->quantity, 0.1, 1e-15);
}

/* Counts UTF-8 code points; returns -1 on an invalid sequence. */
static long utf8_chars(const char *s)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : 4;
        for (int k = 1; k < len; k++)
            if ((p[k] & 0xC0) != 0x80)
                return -1;
        p += len;
    }
    return n;
}

Test(decision_json, long_strings_cut_at_character_boundary)
{
    /* 600 x "é" (2 bytes each) = 1200 bytes: the 500-byte cap keeps 250
     * characters; 1500 x "€" (3 bytes) = 4500 bytes: the 1000-byte cap
     * keeps 333 characters (999 bytes) */
    size_t cap = 16384;
    char *text = malloc(cap);
    size_t n = (size_t)snprintf(text, cap,
                                "{\"positions\":{\"BTC\":{"
                                "\"signal\":\"hold\","
                                "\"justification\":\"");
    for (int i = 0; i < 600; i++)
        n += (size_t)snprintf(text + n, cap - n, "\xc3\xa9");
    n += (size_t)snprintf(text + n, cap - n, "\"}},\"notes_for_audience\":\"");
    for (int i = 0; i < 1500; i++)
        n += (size_t)snprintf(text + n, cap - n, "\xe2\x82\xac");
    snprintf(text + n, cap - n, "\"}");
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err), PERP_OK);
    cr_assert_eq(strlen(coin("BTC")->justification), 500);
    cr_assert_eq(utf8_chars(coin("BTC")->justification), 250);
    cr_assert_eq(strlen(d.notes), 999);
    cr_assert_eq(utf8_chars(d.notes), 333);
    cr_assert_not_null(strstr(d.error, "justification truncated"));
    cr_assert_not_null(strstr(d.error, "notes_for_audience truncated"));
    /* the cut is a note, not a rejection: the coin stays valid */
    cr_assert_float_eq(coin("BTC")->quantity, 0, 1e-15);
    free(text);
}

Test(decision_json, no_object_is_a_clear_error)
{
    cr_assert_eq(host_decision_from_json("I think we should buy BTC.", &d, err,
                                         sizeof err),
                 PERP_EINVAL);
    cr_assert_str_eq(err, "decision: no JSON object found");
    cr_assert_eq(
        host_decision_from_json("{\"action\":\"buy\"}", &d, err, sizeof err),
        PERP_EINVAL);
    cr_assert_not_null(strstr(err, "no \"positions\""), "%s", err);
    cr_assert_eq(host_decision_from_json("{\"positions\":{\"BTC\":{\"sig", &d,
                                         err, sizeof err),
                 PERP_EINVAL);
    cr_assert_not_null(strstr(err, "JSON error"), "%s", err);
    cr_assert_eq(host_decision_from_json(NULL, &d, err, sizeof err),
                 PERP_EINVAL);
    /* NaN is not JSON: the whole answer is unparsable */
    cr_assert_eq(host_decision_from_json("{\"positions\":{\"BTC\":{\"signal\":"
                                         "\"buy\",\"quantity\":NaN}}}",
                                         &d, err, sizeof err),
                 PERP_EINVAL);
}

Test(decision_json, five_megabytes_refused_without_crash)
{
    size_t n = 5u * 1024u * 1024u;
    char *text = malloc(n + 1);
    memcpy(text, GOOD, strlen(GOOD));
    memset(text + strlen(GOOD), ' ', n - strlen(GOOD));
    text[n] = '\0';
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err),
                 PERP_EINVAL);
    cr_assert_not_null(strstr(err, "over the 2097152 byte limit"), "%s", err);
    free(text);
}

Test(decision_json, a_megabyte_of_braces_is_refused)
{
    size_t n = 1u << 20;
    char *text = malloc(n + 1);
    memset(text, '{', n);
    text[n] = '\0';
    cr_assert_eq(host_decision_from_json(text, &d, err, sizeof err),
                 PERP_EINVAL);
    free(text);
}

Test(decision_json, render_and_parse_back)
{
    cr_assert_eq(host_decision_from_json(GOOD, &d, err, sizeof err), PERP_OK);
    d.coins[0].quantity = 0.1 + 0.2; /* not representable in short form */
    perp_decision first = d;
    char *json = host_decision_to_json(&first);
    cr_assert_not_null(json);
    cr_assert_eq(host_decision_from_json(json, &d, err, sizeof err), PERP_OK);
    cr_assert_eq(d.n_coins, first.n_coins);
    for (size_t i = 0; i < d.n_coins; i++)
        cr_assert_eq(memcmp(&d.coins[i], &first.coins[i], sizeof d.coins[i]), 0,
                     "coin %zu differs after a round trip", i);
    cr_assert_str_eq(d.notes, first.notes);
    free(json);
}

Test(decision_json, nan_renders_as_null)
{
    perp_coin_decision c;
    memset(&c, 0, sizeof c);
    strcpy(c.coin, "BTC");
    c.signal = PERP_SIGNAL_SELL;
    c.quantity = NAN;
    c.leverage = 2;
    char *json = host_coin_decision_to_json(&c);
    cr_assert_not_null(strstr(json, "\"quantity\":null"), "%s", json);
    cr_assert_not_null(strstr(json, "\"signal\":\"sell\""), "%s", json);
    cr_assert_not_null(strstr(json, "\"stop_loss\":null"), "%s", json);
    free(json);
}

/* Issue 15, item 7: the same coin twice ("buy 0.01", then "sell 0.02")
 * was parsed with the last one winning and traded. Two values for one
 * key are two instructions: the decision is refused with the key named,
 * in either parser and at any depth. */
Test(decision_json, a_key_given_twice_refuses_the_decision)
{
    static const struct {
        const char *text, *reason;
    } cases[] = {
        {"{\"positions\":{\"BTC\":{\"signal\":\"buy\",\"quantity\":0.01},"
         "\"BTC\":{\"signal\":\"sell\",\"quantity\":0.02}}}",
         "decision: duplicate key 'BTC' (line 1, column 54)"},
        {"{\"positions\":{\"BTC\":{\"signal\":\"buy\",\"quantity\":0.01,"
         "\"quantity\":5}}}",
         "decision: duplicate key 'quantity' (line 1, column 53)"},
        {"{\"positions\":{},\"positions\":{\"BTC\":{\"signal\":\"buy\"}}}",
         "decision: duplicate key 'positions' (line 1, column 17)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_expect_eq(
            host_decision_from_json(cases[i].text, &d, err, sizeof err),
            PERP_EINVAL, "%s", cases[i].text);
        cr_expect_str_eq(err, cases[i].reason);
        cr_expect_eq(d.n_coins, 0);
        cr_expect_eq(
            host_decision_from_json_strict(cases[i].text, &d, err, sizeof err),
            PERP_EINVAL);
        cr_expect_str_eq(err, cases[i].reason);
    }
    /* In an LLM's prose: the duplicate decision is refused, not skipped
     * for a later object. */
    cr_expect_eq(host_decision_from_json(
                     "Here: ```json\n{\"positions\":{\"BTC\":{\"signal\":"
                     "\"buy\"},\"BTC\":{\"signal\":\"sell\"}}}\n``` or "
                     "{\"positions\":{}}",
                     &d, err, sizeof err),
                 PERP_EINVAL);
    cr_expect(strstr(err, "duplicate key 'BTC'"), "%s", err);
    /* A duplicate in a <think> block that is no decision is passed over. */
    cr_expect_eq(
        host_decision_from_json("<think>{\"a\":1,\"a\":2}</think> " GOOD, &d,
                                err, sizeof err),
        PERP_OK, "%s", err);
    check_good();
}

/* Issue 15, item 8: a script line with no top-level "positions" but a
 * nested one inside another key had the nested buy traded, because the
 * lenient scanner tries every later '{'. The strict parser reads the
 * top level only. */
Test(decision_json, strict_reads_the_top_level_only)
{
    cr_assert_eq(host_decision_from_json_strict(GOOD, &d, err, sizeof err),
                 PERP_OK, "%s", err);
    check_good();
    static const struct {
        const char *text, *reason;
    } bad[] = {
        {"{\"ts\":1,\"other\":{\"positions\":{\"BTC\":{\"signal\":\"buy\","
         "\"quantity\":1}}}}",
         "decision: no top-level \"positions\" object (a decision's coins "
         "are read from there only)"},
        {"{\"notes_for_audience\":\"{\\\"positions\\\":{}}\"}",
         "decision: no top-level \"positions\" object (a decision's coins "
         "are read from there only)"},
        {"```json\n" GOOD "\n```",
         "decision: JSON error at line 1 column 1: '[' or '{' expected near "
         "'`'"},
        {"[" GOOD "]", "decision: expected one JSON object, found array"},
        {"\"text\"", "decision: JSON error at line 1 column 6: '[' or '{' "
                     "expected near '\"text\"'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(
            host_decision_from_json_strict(bad[i].text, &d, err, sizeof err),
            PERP_EINVAL, "%s", bad[i].text);
        cr_expect_str_eq(err, bad[i].reason);
        cr_expect_eq(d.n_coins, 0);
    }
    /* Nothing may follow the object (column: the last of "trailing"). */
    cr_expect_eq(host_decision_from_json_strict(GOOD " trailing words", &d, err,
                                                sizeof err),
                 PERP_EINVAL);
    char want[160];
    snprintf(want, sizeof want,
             "decision: JSON error at line 1 column %zu: end of file "
             "expected near 'trailing'",
             strlen(GOOD) + 9);
    cr_expect_str_eq(err, want);
    /* The lenient parser still finds the nested one: that is why a
     * strict format must not use it. */
    cr_expect_eq(host_decision_from_json(bad[0].text, &d, err, sizeof err),
                 PERP_OK);
    cr_expect_eq(d.n_coins, 1);
}
