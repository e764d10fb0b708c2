/*
 * bench_prompt — the default pipeline's LLM prompt (five coins; a real
 * cycle of `make replay`, tests/fixtures/observation_default.json): its
 * bytes and estimated tokens, system and user message, as
 * planner-openrouter composes them (config/prompts/system.md with the
 * constant part, the changing part); the o200k count beside the estimate
 * when node and gpt-tokenizer are installed (`make deps`), with the
 * estimate's error; and the time to render it beside the time to render
 * the observation record's JSON from the same observation (in-run
 * reference), with the ratio. Best of several batches.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "observation_fixture.h"
#include "observation_json.h"
#include "prompt_render.h"
#include "prompt_tokens.h"

#define FIXTURE "tests/fixtures/observation_default.json"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while (m && (c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    if (m)
        fclose(m);
    return buf;
}

static char *render(const perp_observation *obs, perp_prompt_part part,
                    int64_t budget)
{
    perp_prompt_options o = PERP_PROMPT_OPTIONS_INIT;
    o.part = part;
    o.tokens_max = budget;
    perp_prompt_text t = {.struct_size = sizeof t};
    return host_prompt_render(obs, &o, &t) == PERP_OK ? t.text : NULL;
}

/* system.md with the constant part where {{constant}} stands. */
static char *system_message(const char *tpl, const char *constant)
{
    const char *at = strstr(tpl, "{{constant}}");
    size_t head = at ? (size_t)(at - tpl) : strlen(tpl);
    const char *tail = at ? at + 12 : "";
    size_t n = head + strlen(constant) + strlen(tail) + 3;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s%s", (int)head, tpl, at ? "" : "\n\n", constant,
             tail);
    return s;
}

/* o200k tokens through node, or -1 when node or the package is absent. */
static long o200k(const char *text)
{
    char path[] = "/tmp/bench_prompt_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "node webui/test/count_tokens.mjs %s 2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    long bytes = 0, tokens = -1;
    if (p) {
        if (fscanf(p, "%ld\t%ld", &bytes, &tokens) != 2)
            tokens = -1;
        pclose(p);
    }
    remove(path);
    return tokens;
}

static void line(const char *what, const char *text)
{
    size_t bytes = strlen(text);
    int64_t est = prompt_tokens_estimate(text, bytes);
    long real = o200k(text);
    printf("%-34s %6zu bytes  %5lld tokens estimated", what, bytes,
           (long long)est);
    if (real > 0)
        printf("  %5ld o200k (estimate %+.1f%%)", real,
               100.0 * ((double)est - (double)real) / (double)real);
    else
        printf("  (o200k: run `make deps` for node gpt-tokenizer)");
    printf("\n");
}

static void timing(const perp_observation *obs)
{
    const int iters = 300;
    double best_p = INFINITY, best_j = INFINITY;
    for (int r = 0; r < 7; r++) {
        double t0 = now_s();
        for (int i = 0; i < iters; i++)
            free(render(obs, PERP_PROMPT_CHANGING, 0));
        double t1 = now_s();
        for (int i = 0; i < iters; i++)
            free(host_observation_to_json(obs));
        double t2 = now_s();
        best_p = fmin(best_p, (t1 - t0) / iters);
        best_j = fmin(best_j, (t2 - t1) / iters);
    }
    double t0 = now_s();
    for (int i = 0; i < 30; i++)
        free(render(obs, PERP_PROMPT_CHANGING, 2000));
    double budget = (now_s() - t0) / 30;
    printf("render: prompt %.3f ms, record JSON %.3f ms (reference), ratio "
           "%.2f; with a 2,000-token budget (binary search) %.3f ms\n",
           best_p * 1e3, best_j * 1e3, best_p / best_j, budget * 1e3);
}

int main(void)
{
    char err[256];
    obs_fixture *f = obs_fixture_load(FIXTURE, err, sizeof err);
    char *tpl = read_all("config/prompts/system.md");
    if (!f || !tpl) {
        printf("bench_prompt: not measured (%s)\n",
               f ? "config/prompts/system.md unreadable" : err);
        obs_fixture_free(f);
        free(tpl);
        return 0;
    }
    const perp_observation *obs = obs_fixture_obs(f);
    char *constant = render(obs, PERP_PROMPT_CONSTANT, 0);
    char *changing = render(obs, PERP_PROMPT_CHANGING, 0);
    char *sys = system_message(tpl, constant);
    size_t n = strlen(sys) + strlen(changing) + 1;
    char *both = malloc(n);
    snprintf(both, n, "%s%s", sys, changing);
    char *record = host_observation_to_json(obs);
    printf("default pipeline, 5 coins, cycle %lld of make replay:\n",
           (long long)obs->cycle);
    line("system message (constant part)", sys);
    line("user message (changing part)", changing);
    line("prompt: system + user", both);
    line("observation record JSON (before)", record);
    timing(obs);
    free(record);
    free(both);
    free(sys);
    free(constant);
    free(changing);
    free(tpl);
    obs_fixture_free(f);
    return 0;
}
