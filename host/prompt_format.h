/*
 * prompt_format.h — how numbers read in the LLM rendering of an
 * observation (prompt_render.c). Each rule keeps the digits that carry
 * information and no more, since every digit group is a token paid on
 * every cycle (docs/prompt.md):
 *   price     rounded to the tick, printed with the tick's decimals and
 *             trailing zeros dropped (BTC 27316.05, DOGE 0.08457); an
 *             unknown tick (NAN or <= 0): 6 significant digits
 *   indicator 4 significant digits, at most 1 decimal from 10 up (RSI
 *             62.8), whole numbers never rounded (-468.6, 13.26,
 *             0.0005037); a value within a factor of 2 of the price is
 *             printed as a price
 *   volume    3 significant digits (78064.1 -> 78100, 293.137 -> 293),
 *             millions and billions as 2.81M, 2.2B
 *   percent   1 decimal (spread in bps too)
 *   money     2 decimals (USD)
 * Non-finite values print as "-". Every function writes a NUL-terminated
 * text of at most PROMPT_NUM_MAX bytes into out and returns its length.
 */
#ifndef HOST_PROMPT_FORMAT_H
#define HOST_PROMPT_FORMAT_H

#include <stddef.h>

#define PROMPT_NUM_MAX 48

/* Decimals of a step (0.01 -> 2, 0.00001 -> 5, 0.5 -> 1, 1 -> 0); -1 if
 * the step is not finite and positive or needs more than 12. */
int prompt_step_decimals(double step);

size_t prompt_fmt_price(double x, double tick, char out[PROMPT_NUM_MAX]);
size_t prompt_fmt_indicator(double x, double mid, double tick,
                            char out[PROMPT_NUM_MAX]);
size_t prompt_fmt_sig(double x, int digits, char out[PROMPT_NUM_MAX]);
size_t prompt_fmt_volume(double x, char out[PROMPT_NUM_MAX]);
size_t prompt_fmt_fixed(double x, int decimals, char out[PROMPT_NUM_MAX]);

#endif
