/*
 * fuzz_prompt.c — libFuzzer target for the LLM prompt: the host's
 * renderer (host/prompt_render.c, prompt_format.c, prompt_tokens.c) on
 * hostile observations and options, and planner-openrouter's templates
 * (or_prompt.c: {{constant}} and {{observation}} filled into user-edited
 * prompt files).
 *
 * Input: 5 bytes of options (format and part flags, a token budget,
 * context candles, reason characters), then the system template, a NUL,
 * the user template, a NUL, and an observation document in the record's
 * JSON (read back by tests/support/observation_fixture.c: any number of
 * markets, candles, indicators, trades, any numbers and strings). Parts
 * left out take the shipped prompts and a real observation cut to one
 * market (tests/fuzz/prompt_obs_small.json).
 *
 * Oracles: rendering never fails on a well-formed observation; texts are
 * valid UTF-8 (they go into a JSON request) and their stated size is
 * theirs; a text within budget (not over_budget) is within tokens_max.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "log.h"
#include "observation_fixture.h"
#include "or_prompt.h"
#include "plugin_services.h"
#include "prompt_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static obs_fixture *fixture;
static char *system_md, *user_md;
static perp_host *host;
static const host_context ctx = {.version = "fuzz", .cycle_ms = 60000};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    host_log_set_level((perp_log_level)(PERP_LOG_ERROR + 1));
    char err[256];
    /* One market, a few rows: a whole cycle's observation (80 KB)
     * would cost the fuzzer most of its time in parsing. */
    fixture =
        obs_fixture_load("tests/fuzz/prompt_obs_small.json", err, sizeof err);
    system_md = file_read("config/prompts/system.md", NULL);
    user_md = file_read("config/prompts/user.md", NULL);
    host = host_services_new(&ctx, "openrouter");
    if (!fixture || !system_md || !user_md || !host) {
        fprintf(stderr, "fuzz_prompt: fixtures missing (run from the "
                        "repository root)\n");
        abort();
    }
    return 0;
}

/* The oracle's own loops are not what is being fuzzed: left out of the
 * coverage instrumentation, which would otherwise cost most of a run. */
#if defined(__clang__)
#define NOT_COVERED __attribute__((no_sanitize("coverage")))
#else
#define NOT_COVERED
#endif

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
NOT_COVERED static int utf8_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        size_t len = c < 0x80         ? 1
                     : (c >> 5) == 6  ? 2
                     : (c >> 4) == 14 ? 3
                     : (c >> 3) == 30 ? 4
                                      : 0;
        if (!len || (size_t)(e - p) < len)
            return 0;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        if ((len == 2 && c < 0xC2) || (len == 3 && c == 0xE0 && p[1] < 0xA0) ||
            (len == 3 && c == 0xED && p[1] >= 0xA0) ||
            (len == 4 && c == 0xF0 && p[1] < 0x90) || (len == 4 && c > 0xF4) ||
            (len == 4 && c == 0xF4 && p[1] >= 0x90))
            return 0;
        p += len;
    }
    return 1;
}

static void render(const perp_observation *obs, const uint8_t *o)
{
    /* The changing part under a budget (or_prompt_build renders both). */
    {
        perp_prompt_options opt = PERP_PROMPT_OPTIONS_INIT;
        opt.part = o[0] & 2 ? PERP_PROMPT_CONSTANT : PERP_PROMPT_CHANGING;
        opt.tokens_max = (int64_t)(o[1] | (o[2] << 8)) * (o[0] & 4 ? 4 : 1);
        opt.context_candles = o[3];
        opt.reason_chars = o[4];
        perp_prompt_text t = {.struct_size = sizeof t};
        if (host_prompt_render(obs, &opt, &t) != PERP_OK)
            abort();
        if (!t.text || strlen(t.text) != t.bytes || !utf8_ok(t.text, t.bytes))
            abort();
        if (opt.tokens_max > 0 && !t.over_budget &&
            t.tokens_est > opt.tokens_max)
            abort(); /* said within budget, yet over it */
        free(t.text);
    }
}

static void build(const perp_observation *obs, const char *sys,
                  const char *user, const uint8_t *o)
{
    or_config c;
    memset(&c, 0, sizeof c);
    c.system_prompt = (char *)sys;
    c.user_template = (char *)user;
    c.text_format = !(o[0] & 1);
    c.prompt_tokens_max = o[1] | (o[2] << 8);
    c.context_candles = o[3];
    c.reason_chars = o[4];
    or_prompt p;
    memset(&p, 0, sizeof p);
    if (or_prompt_build(host, &c, obs, &p) != PERP_OK)
        abort();
    if (!p.system || !p.user || !utf8_ok(p.system, strlen(p.system)) ||
        !utf8_ok(p.user, strlen(p.user)))
        abort();
    or_prompt_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t defaults[5] = {0, 0x70, 0x17, 2, 40};
    if (size > 1u << 20)
        return 0;
    const uint8_t *o = size >= 5 ? data : defaults;
    const uint8_t *rest = size >= 5 ? data + 5 : data;
    size_t left = size >= 5 ? size - 5 : 0;

    /* system \0 user \0 observation; missing parts take the defaults. */
    char *buf = malloc(left + 1);
    if (!buf)
        return 0;
    memcpy(buf, rest, left);
    buf[left] = '\0';
    char *sys = buf, *user = NULL, *doc = NULL;
    char *z = memchr(buf, '\0', left);
    if (z && z < buf + left) {
        user = z + 1;
        char *z2 = memchr(user, '\0', (size_t)(buf + left - user));
        if (z2 && z2 < buf + left)
            doc = z2 + 1;
    }
    /* Templates must be text the planner could have read from a file. */
    int sys_ok = utf8_ok(sys, strlen(sys));
    int user_ok = user && utf8_ok(user, strlen(user));

    obs_fixture *mine = NULL;
    if (doc && *doc) {
        char err[256];
        mine = obs_fixture_parse(doc, err, sizeof err);
    }
    const perp_observation *obs = obs_fixture_obs(mine ? mine : fixture);
    render(obs, o);
    build(obs, sys_ok && *sys ? sys : system_md, user_ok ? user : user_md, o);
    obs_fixture_free(mine);
    free(buf);
    return 0;
}
