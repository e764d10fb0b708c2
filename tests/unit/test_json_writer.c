/*
 * The JSON writer against jansson, the renderer it replaces: reals must
 * print exactly as json_dumps(JSON_REAL_PRECISION(10)) prints them (glibc
 * "%.10g" plus jansson's touches), strings exactly as jansson escapes
 * them; ill-formed UTF-8 follows Unicode 15 section 3.9's "U+FFFD
 * substitution of maximal subparts" (its Table 3-8 example below).
 */
#include <criterion/criterion.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10))

/* jansson's text for one real. */
static void jansson_real(double x, char *out, size_t size)
{
    json_t *j = json_real(x);
    cr_assert_not_null(j);
    char *s = json_dumps(j, FLAGS);
    snprintf(out, size, "%s", s);
    free(s);
    json_decref(j);
}

static void check_real(double x)
{
    char want[64], got[32];
    jansson_real(x, want, sizeof want);
    size_t n = host_jw_format_real(x, got);
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    cr_assert_str_eq(got, want, "x = %.17g (bits %016llx)", x,
                     (unsigned long long)bits);
    cr_assert_eq(n, strlen(want));
}

/* xorshift64*: a fixed sequence, so a failure reproduces. */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717u;
}

Test(json_writer, reals_at_the_edges)
{
    const double xs[] = {
        1,
        -1,
        0.1,
        0.5,
        2,
        10,
        100,
        1e9,
        1e10,
        1e-4,
        1e-5,
        0.0001234,
        0.00001234,
        1234567890,
        12345678901,
        9999999999,
        9999999999.5,
        99999.999995,
        9.9999999995,
        9.99999999949,
        0.123456789,
        95123.45,
        0.1723456,
        1e21,
        1e22,
        1e23,
        1e-18,
        1e-19,
        1e27,
        1e28,
        1e36,
        1e37,
        1e100,
        1e-100,
        1e300,
        DBL_MAX,
        DBL_MIN,
        DBL_TRUE_MIN,
        5e-324,
        9007199254740992.0,
        1.0 / 3,
        2.0 / 3,
        0.3,
        1234567890.5,
        1234567891.5, /* exact ties: glibc rounds half to even */
        12345678905,
        0.0000125,
        -0.00001234,
        6.543211,
        1e6 + 2};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        check_real(xs[i]);
        check_real(-xs[i]);
    }
    char b[32];
    host_jw_format_real(0.0, b);
    cr_assert_str_eq(b, "0.0");
    host_jw_format_real(-0.0, b);
    cr_assert_str_eq(b, "-0.0");
}

Test(json_writer, random_bit_patterns_match_jansson)
{
    for (int i = 0; i < 40000; i++) {
        uint64_t bits = next();
        double x;
        memcpy(&x, &bits, sizeof x);
        if (isfinite(x))
            check_real(x);
    }
}

/* Short decimals (prices, sizes) hit the rounding boundary often: values
 * with 10 to 12 significant digits at every exponent a market shows. */
Test(json_writer, decimal_prices_match_jansson)
{
    for (int i = 0; i < 60000; i++) {
        uint64_t mant = next() % 1000000000000u;
        int e = (int)(next() % 40) - 24;
        double x = (double)mant * pow(10, e);
        check_real(x);
        check_real(nextafter(x, INFINITY));
        check_real(nextafter(x, 0));
    }
}

static char *render_string(const char *s, size_t n)
{
    host_jw w;
    host_jw_init(&w, 4); /* tiny: exercises growth */
    host_jw_stringn(&w, s, n);
    return host_jw_finish(&w);
}

static void check_string_as_jansson(const char *s)
{
    json_t *j = json_string(s);
    cr_assert_not_null(j, "jansson refused a valid string");
    char *want = json_dumps(j, FLAGS);
    char *got = render_string(s, strlen(s));
    cr_assert_str_eq(got, want);
    free(want);
    free(got);
    json_decref(j);
}

Test(json_writer, strings_escape_as_jansson)
{
    check_string_as_jansson("");
    check_string_as_jansson("plain text / slash");
    check_string_as_jansson("quote \" backslash \\ end\\");
    check_string_as_jansson("\"\\\"\\");
    char ctl[40];
    for (int c = 1; c < 0x20; c++)
        ctl[c - 1] = (char)c;
    strcpy(ctl + 31, "\x7f"
                     "x");
    check_string_as_jansson(ctl);
    check_string_as_jansson("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80"
                            " \xe2\x80\xa8 \xef\xbf\xbf \xf4\x8f\xbf\xbf");
    char big[5000];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = "ab\"\n\\\xc3\xa9"[i % 7];
    big[sizeof big - 1] = '\0';
    /* the cut may split the two-byte é: keep it whole */
    if ((unsigned char)big[sizeof big - 2] == 0xc3)
        big[sizeof big - 2] = 'z';
    check_string_as_jansson(big);
}

/* Unicode 15, section 3.9, Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF
 * 64 is a FFFD FFFD FFFD b FFFD c FFFD FFFD d. */
Test(json_writer, ill_formed_utf8_gets_maximal_subpart_replacement)
{
    const char in[] = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
#define R "\xEF\xBF\xBD"
    char *got = render_string(in, sizeof in - 1);
    cr_assert_str_eq(got, "\"a" R R R "b" R "c" R R "d\"");
    free(got);
    /* overlong C0 80 (two lead errors), surrogate ED A0 80 (ED then two
     * stray continuations), F4 90 past U+10FFFF, a truncated tail */
    got = render_string("\xC0\x80|\xED\xA0\x80|\xF4\x90\x80\x80|\xE2\x82", 64);
    cr_assert_str_eq(got, "\"" R R "|" R R R "|" R R R R "|" R "\"");
    free(got);
    cr_assert(!host_jw_utf8_valid("ok\xE2\x82"));
    cr_assert(host_jw_utf8_valid("ok\xE2\x82\xAC"));
#undef R
}

Test(json_writer, stringn_stops_at_bound_or_nul)
{
    char *got = render_string("abcdef", 3);
    cr_assert_str_eq(got, "\"abc\"");
    free(got);
    got = render_string("ab\0cd", 5);
    cr_assert_str_eq(got, "\"ab\"");
    free(got);
}

Test(json_writer, document_with_separators_ints_and_literals)
{
    host_jw w;
    host_jw_init(&w, 1);
    host_jw_raw(&w, "{", 1);
    host_jw_sep(&w);
    host_jw_raw(&w, "\"a\":[", 5);
    const int64_t ints[] = {0, -1, INT64_MAX, INT64_MIN, 1767225600000};
    for (int i = 0; i < 5; i++) {
        host_jw_sep(&w);
        host_jw_int(&w, ints[i]);
    }
    host_jw_sep(&w);
    host_jw_real(&w, NAN);
    host_jw_sep(&w);
    host_jw_real(&w, -INFINITY);
    host_jw_sep(&w);
    host_jw_bool(&w, 1);
    host_jw_sep(&w);
    host_jw_bool(&w, 0);
    host_jw_sep(&w);
    host_jw_string(&w, NULL);
    host_jw_raw(&w, "]}", 2);
    char *s = host_jw_finish(&w);
    cr_assert_str_eq(s, "{\"a\":[0,-1,9223372036854775807,"
                        "-9223372036854775808,1767225600000,null,null,"
                        "true,false,null]}");
    free(s);
}
