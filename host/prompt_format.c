/*
 * prompt_format.c — the number rules of the LLM rendering (see
 * prompt_format.h). Rounding is printf's (round half to even on the
 * binary value), applied once, so a price already on the tick grid
 * prints exactly as the exchange wrote it.
 */
#include "prompt_format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_DECIMALS 12

/* Drops trailing zeros after a decimal point, and the point itself; "-0"
 * becomes "0". */
static size_t tidy(char *s, size_t n)
{
    if (memchr(s, '.', n)) {
        while (n > 0 && s[n - 1] == '0')
            n--;
        if (n > 0 && s[n - 1] == '.')
            n--;
        s[n] = '\0';
    }
    if (n == 2 && s[0] == '-' && s[1] == '0') {
        s[0] = '0';
        s[1] = '\0';
        n = 1;
    }
    return n;
}

static size_t dash(char *out)
{
    out[0] = '-';
    out[1] = '\0';
    return 1;
}

size_t prompt_fmt_fixed(double x, int decimals, char out[PROMPT_NUM_MAX])
{
    if (!isfinite(x) || fabs(x) >= 1e30)
        return dash(out);
    if (decimals < 0)
        decimals = 0;
    if (decimals > MAX_DECIMALS)
        decimals = MAX_DECIMALS;
    int n = snprintf(out, PROMPT_NUM_MAX, "%.*f", decimals, x);
    return tidy(out, (size_t)n);
}

int prompt_step_decimals(double step)
{
    if (!isfinite(step) || !(step > 0))
        return -1;
    double scaled = step;
    for (int d = 0; d <= MAX_DECIMALS; d++) {
        if (fabs(scaled - nearbyint(scaled)) <= 1e-9 * fmax(1.0, scaled))
            return d;
        scaled *= 10.0;
    }
    return -1;
}

size_t prompt_fmt_sig(double x, int digits, char out[PROMPT_NUM_MAX])
{
    if (!isfinite(x) || fabs(x) >= 1e30)
        return dash(out);
    if (x == 0.0)
        return prompt_fmt_fixed(0.0, 0, out);
    int e = (int)floor(log10(fabs(x)));
    return prompt_fmt_fixed(x, digits - 1 - e, out);
}

size_t prompt_fmt_price(double x, double tick, char out[PROMPT_NUM_MAX])
{
    int d = prompt_step_decimals(tick);
    if (d < 0)
        return prompt_fmt_sig(x, 6, out);
    if (!isfinite(x))
        return dash(out);
    /* A tick that is not a power of ten (0.25, 0.5) needs the grid. */
    double on_grid = nearbyint(x / tick) * tick;
    return prompt_fmt_fixed(on_grid, d, out);
}

size_t prompt_fmt_indicator(double x, double mid, double tick,
                            char out[PROMPT_NUM_MAX])
{
    if (!isfinite(x))
        return dash(out);
    if (isfinite(mid) && mid > 0 && fabs(x) >= 0.5 * mid &&
        fabs(x) <= 2 * mid) {
        /* To the tick, but no finer than 5 significant digits: an EMA
         * of BTC reads 27275, of DOGE 0.08457. */
        int tick_d = prompt_step_decimals(tick);
        int sig5 = 4 - (int)floor(log10(fabs(x)));
        if (sig5 < 0)
            sig5 = 0;
        if (tick_d >= 0 && tick_d <= sig5)
            return prompt_fmt_price(x, tick, out);
        return prompt_fmt_fixed(x, sig5, out);
    }
    if (x == 0.0)
        return prompt_fmt_fixed(0.0, 0, out);
    int e = (int)floor(log10(fabs(x)));
    int d = 3 - e;
    if (fabs(x) >= 10 && d > 1)
        d = 1;
    return prompt_fmt_fixed(x, d, out);
}

size_t prompt_fmt_volume(double x, char out[PROMPT_NUM_MAX])
{
    if (!isfinite(x) || fabs(x) >= 1e30)
        return dash(out);
    if (x == 0.0)
        return prompt_fmt_fixed(0.0, 0, out);
    int e = (int)floor(log10(fabs(x)));
    if (e < 2)
        return prompt_fmt_fixed(x, 2 - e, out);
    /* Millions and billions with a suffix: as many tokens, and a long
     * digit run would read like a timestamp. */
    static const struct {
        int exp;
        const char *suffix;
    } big[] = {{9, "B"}, {6, "M"}};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        if (e >= big[i].exp) {
            double scaled = x / pow(10.0, big[i].exp);
            size_t n = prompt_fmt_fixed(scaled, 2 - (e - big[i].exp), out);
            snprintf(out + n, PROMPT_NUM_MAX - n, "%s", big[i].suffix);
            return n + 1;
        }
    double unit = pow(10.0, e - 2);
    return prompt_fmt_fixed(nearbyint(x / unit) * unit, 0, out);
}
