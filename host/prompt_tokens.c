/*
 * prompt_tokens.c — the two-class bytes-per-token estimate (see
 * prompt_tokens.h for where the ratios come from).
 */
#include "prompt_tokens.h"

#include <math.h>

int64_t prompt_tokens_estimate(const char *text, size_t len)
{
    if (!text || len == 0)
        return 0;
    size_t digits = 0;
    for (size_t i = 0; i < len; i++)
        digits += (unsigned char)(text[i] - '0') <= 9;
    double t = (double)digits / PROMPT_DIGIT_BYTES_PER_TOKEN +
               (double)(len - digits) / PROMPT_OTHER_BYTES_PER_TOKEN;
    return (int64_t)ceil(t);
}
