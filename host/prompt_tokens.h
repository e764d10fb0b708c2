/*
 * prompt_tokens.h — the host's token estimate for prompt text (the
 * prompt_tokens host service and the budget of prompt_render).
 *
 * A bytes-per-token estimate with two classes of bytes: ASCII digits and
 * everything else. One ratio cannot serve both a system prompt in English
 * (about 4 bytes a token) and the rendered observation (mostly numbers,
 * whose digits o200k splits into groups of at most three): digits and
 * the rest each get their own ratio, fitted by least squares (relative
 * error) against the o200k tokenizer (npm gpt-tokenizer) over rendered
 * prompts of the default pipeline, trimmed and untrimmed, and the system
 * prompt: within 5% on each, and on English prose it was not fitted on.
 * bench/bench_prompt.c prints both counts and the error; docs/prompt.md
 * records the calibration.
 */
#ifndef HOST_PROMPT_TOKENS_H
#define HOST_PROMPT_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#define PROMPT_DIGIT_BYTES_PER_TOKEN 1.2
#define PROMPT_OTHER_BYTES_PER_TOKEN 3.8

/* ceil(digits / DIGIT + others / OTHER); 0 for an empty text. */
int64_t prompt_tokens_estimate(const char *text, size_t len);

#endif
