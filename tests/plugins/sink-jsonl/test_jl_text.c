/*
 * The JSONL sink's own writer (plugins/sink-jsonl/jl_text.h): reals are
 * what "%.17g" with jansson's touches gives, for a million values across
 * the whole double range, and for the values the fast path must hand to
 * snprintf; the JSON validator accepts exactly one JSON value.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jl_text.h"

/* jansson's own rendering of a real, the reference. */
static void reference(double x, char *out, size_t cap)
{
    json_t *j = json_real(x);
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(out, cap, "%s", s);
    free(s);
    json_decref(j);
}

static void check(double x)
{
    char got[48], want[64];
    jl_format_real(x, got);
    reference(x, want, sizeof want);
    cr_assert_str_eq(got, want, "%a", x);
}

Test(jl_text, reals_match_jansson_over_the_range)
{
    uint64_t s = 0x243F6A8885A308D3ull;
    for (int i = 0; i < 1000000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double x;
        if (i % 2) {
            uint64_t bits = s & 0x7FEFFFFFFFFFFFFFull; /* finite */
            memcpy(&x, &bits, sizeof x);
        } else {
            /* prices, sizes and P&L: a few decimals, any magnitude */
            x = (double)(int64_t)(s % 100000000) / pow(10, (double)(s % 9));
        }
        if (s & 1)
            x = -x;
        check(x);
    }
    const double edge[] = {0.0,     -0.0,    1.0,
                           0.1,     1e16,    1e17,
                           1e-5,    1e-4,    123456789012345678.0,
                           DBL_MAX, DBL_MIN, 5e-324,
                           0.3,     2.5,     1e21,
                           1e22,    1e-7,    10098.770002};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        check(edge[i]);
}

Test(jl_text, strings_escape_as_jansson_and_bad_bytes_become_marks)
{
    jl_buf b = {0};
    jl_str(&b, "a\"b\\c\n\t\x01/é", (size_t)-1);
    cr_assert_str_eq(b.p, "\"a\\\"b\\\\c\\n\\t\\u0001/é\"");
    jl_reset(&b);
    jl_str(&b,
           "x\xff"
           "y",
           (size_t)-1);
    cr_assert_str_eq(b.p, "\"x?y\"");
    jl_reset(&b);
    jl_str(&b, "abcdef", 3);
    cr_assert_str_eq(b.p, "\"abc\"");
    jl_free(&b);
}

Test(jl_text, validator_accepts_one_value_only)
{
    const char *good[] = {"{}",
                          "[]",
                          " {\"a\":[1,-2.5e3,true,false,null]} ",
                          "\"x\\u00e9\"",
                          "0",
                          "-0.5",
                          "{\"a\":{\"b\":[]}}"};
    const char *bad[] = {
        "",    "{",   "{\"a\"}",    "[1,]",    "01",      "1.", "{} {}",
        "nul", "\"a", "[\"\x01\"]", "{'a':1}", "\"\\x\"", "-",  "not json {"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(jl_json_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert(!jl_json_valid(bad[i]), "%s", bad[i]);
    char deep[1200];
    memset(deep, '[', 600);
    memset(deep + 600, ']', 600);
    deep[1199] = '\0';
    deep[1198] = ']';
    cr_assert(!jl_json_valid(deep), "nesting beyond 512 is refused");
}
