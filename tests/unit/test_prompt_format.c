/*
 * The number rules of the LLM rendering (host/prompt_format.h), each
 * against values worked by hand.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "prompt_format.h"

static const char *fmt_price(double x, double tick)
{
    static char b[PROMPT_NUM_MAX];
    prompt_fmt_price(x, tick, b);
    return b;
}

static const char *fmt_ind(double x, double mid, double tick)
{
    static char b[PROMPT_NUM_MAX];
    prompt_fmt_indicator(x, mid, tick, b);
    return b;
}

static const char *fmt_vol(double x)
{
    static char b[PROMPT_NUM_MAX];
    prompt_fmt_volume(x, b);
    return b;
}

Test(prompt_format, step_decimals)
{
    cr_assert_eq(prompt_step_decimals(0.01), 2);
    cr_assert_eq(prompt_step_decimals(0.00001), 5);
    cr_assert_eq(prompt_step_decimals(0.0001), 4);
    cr_assert_eq(prompt_step_decimals(0.5), 1);
    cr_assert_eq(prompt_step_decimals(0.25), 2);
    cr_assert_eq(prompt_step_decimals(1), 0);
    cr_assert_eq(prompt_step_decimals(NAN), -1);
    cr_assert_eq(prompt_step_decimals(0), -1);
}

Test(prompt_format, prices_to_the_tick)
{
    cr_assert_str_eq(fmt_price(27316.05, 0.01), "27316.05");
    cr_assert_str_eq(fmt_price(27900.0, 0.01), "27900");
    cr_assert_str_eq(fmt_price(27316.054999, 0.01), "27316.05");
    cr_assert_str_eq(fmt_price(0.08457, 0.00001), "0.08457");
    cr_assert_str_eq(fmt_price(0.0714, 0.00001), "0.0714");
    cr_assert_str_eq(fmt_price(0.084573, 0.00001), "0.08457");
    cr_assert_str_eq(fmt_price(100.3, 0.25), "100.25");    /* on the grid */
    cr_assert_str_eq(fmt_price(2.345678, NAN), "2.34568"); /* 6 sig */
    cr_assert_str_eq(fmt_price(NAN, 0.01), "-");
    cr_assert_str_eq(fmt_price(-0.001, 0.01), "0");
}

Test(prompt_format, indicators_four_significant_digits)
{
    /* mid 27316.05: RSI, MACD, ATR are far from it */
    cr_assert_str_eq(fmt_ind(62.78806126, 27316.05, 0.01), "62.8");
    cr_assert_str_eq(fmt_ind(-468.5536087, 27316.05, 0.01), "-468.6");
    cr_assert_str_eq(fmt_ind(13.26436667, 27316.05, 0.01), "13.3");
    cr_assert_str_eq(fmt_ind(0.1654708356, 27316.05, 0.01), "0.1655");
    cr_assert_str_eq(fmt_ind(0.0005036673569, 27316.05, 0.01), "0.0005037");
    cr_assert_str_eq(fmt_ind(5.197528815, 27316.05, 0.01), "5.198");
    cr_assert_str_eq(fmt_ind(123456.7, 1.0, 0.01), "123457"); /* whole */
    cr_assert_str_eq(fmt_ind(0, 1.0, 0.01), "0");
    /* near the price: a price, at most 5 significant digits */
    cr_assert_str_eq(fmt_ind(27300.35761, 27316.05, 0.01), "27300");
    cr_assert_str_eq(fmt_ind(1847.4123, 1849.49, 0.01), "1847.4");
    cr_assert_str_eq(fmt_ind(21.84671, 21.85, 0.01), "21.85");
    cr_assert_str_eq(fmt_ind(0.0845678, 0.08457, 0.00001), "0.08457");
    cr_assert_str_eq(fmt_ind(NAN, 1, 0.01), "-");
}

Test(prompt_format, volumes_three_significant_digits)
{
    cr_assert_str_eq(fmt_vol(78064.0966), "78100");
    cr_assert_str_eq(fmt_vol(293.13711), "293");
    cr_assert_str_eq(fmt_vol(2805318), "2.81M");
    cr_assert_str_eq(fmt_vol(2204000000.0), "2.2B");
    cr_assert_str_eq(fmt_vol(999999), "1000000");
    cr_assert_str_eq(fmt_vol(123456789), "123M");
    cr_assert_str_eq(fmt_vol(12.345), "12.3");
    cr_assert_str_eq(fmt_vol(0.012345), "0.0123");
    cr_assert_str_eq(fmt_vol(0), "0");
}

Test(prompt_format, fixed_and_sig)
{
    char b[PROMPT_NUM_MAX];
    prompt_fmt_fixed(0.94432, 1, b);
    cr_assert_str_eq(b, "0.9");
    prompt_fmt_fixed(-38.6511838, 2, b);
    cr_assert_str_eq(b, "-38.65");
    prompt_fmt_fixed(-0.04, 1, b);
    cr_assert_str_eq(b, "0");
    prompt_fmt_sig(0.0000125 * 100, 3, b);
    cr_assert_str_eq(b, "0.00125");
    prompt_fmt_sig(INFINITY, 3, b);
    cr_assert_str_eq(b, "-");
}
