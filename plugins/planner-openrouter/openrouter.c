/*
 * planner-openrouter — asks any OpenAI-compatible chat-completions server
 * (OpenRouter by default) for a decision in the DESIGN.md schema.
 *
 * One plan(): render the observation into the user template, POST, retry
 * transport failures (429 and 5xx with backoff, honouring Retry-After up
 * to a cap; timeouts; connection errors), parse the answer with the
 * host's decision parser, ask once more with a repair note if it is
 * unparsable, and otherwise hold every coin with out->error set. Every
 * attempt is one LLM_CALL record. `record: FILE` keeps each answered
 * request's raw response by request hash; `replay: FILE` answers from it
 * without the network.
 *
 * Default model: deepseek/deepseek-v3.2, the released DeepSeek V3.2 (the
 * Python twin used the earlier deepseek/deepseek-v3.2-exp).
 *
 * The API key is read from the environment variable named by api_key_env;
 * it is only ever put in the Authorization header and is scrubbed from
 * anything the server sends back before that reaches a record or a log.
 */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "or_config.h"
#include "or_cost.h"
#include "or_http.h"
#include "or_prompt.h"
#include "or_store.h"
#include "or_wire.h"

#define OR_RAW_MAX     (64 * 1024) /* raw response kept in a record */
#define OR_REPAIR_ECHO 4096        /* previous answer echoed in a repair */

typedef struct planner {
    const perp_host *host; /* borrowed */
    or_config cfg;
    or_store *replay; /* owned, or NULL */
    int prompt_logged, answer_logged, over_warned;
} planner;

/* One attempt's outcome, as the LLM_CALL record shows it. */
typedef struct attempt {
    char status[32];
    char error[PERP_ERROR_MAX];
    char *raw; /* owned */
    double latency_ms;
    or_response resp;
    int retryable;
    int64_t retry_after_ms;
} attempt;

/* The host is shutting down: no new request, retry or wait. */
static int stopping(const planner *p)
{
    return PERP_HOST_HAS(p->host, stopping) && p->host->stopping(p->host);
}

static int stop_cb(void *ud)
{
    return stopping(ud);
}

/* Replaces every occurrence of the key in s (in place) with "***". */
static void scrub(const planner *p, char *s)
{
    const char *key = p->cfg.api_key;
    size_t kl = key ? strlen(key) : 0;
    if (!s || kl < 4)
        return;
    char *hit;
    while ((hit = strstr(s, key)) != NULL) {
        memcpy(hit, "***", 3);
        memmove(hit + 3, hit + kl, strlen(hit + kl) + 1);
    }
}

static void emit_call(const planner *p, const attempt *a, const char *hash,
                      int n)
{
    char raw[OR_RAW_MAX + 1];
    const char *shown = NULL;
    if (a->raw) {
        size_t len = strlen(a->raw);
        if (len > OR_RAW_MAX) {
            len = OR_RAW_MAX;
            while (len > 0 && ((unsigned char)a->raw[len] & 0xC0) == 0x80)
                len--;
        }
        memcpy(raw, a->raw, len);
        raw[len] = '\0';
        shown = raw;
    }
    perp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.type = PERP_REC_LLM_CALL;
    rec.ts = p->host->now_ms(p->host);
    rec.u.llm_call.model = p->cfg.model;
    rec.u.llm_call.status = a->status;
    rec.u.llm_call.request_hash = hash;
    rec.u.llm_call.raw_response = shown;
    rec.u.llm_call.error = a->error[0] ? a->error : NULL;
    rec.u.llm_call.latency_ms = a->latency_ms;
    rec.u.llm_call.prompt_tokens = a->resp.prompt_tokens;
    rec.u.llm_call.completion_tokens = a->resp.completion_tokens;
    rec.u.llm_call.cost_usd = or_cost_usd(&p->cfg, &a->resp);
    rec.u.llm_call.cached_tokens = a->resp.cached_tokens;
    rec.u.llm_call.attempt = n;
    p->host->emit(p->host, &rec);
}

static void classify_http(const planner *p, const or_http_result *h, attempt *a)
{
    a->latency_ms = h->latency_ms;
    a->retry_after_ms = h->retry_after_ms;
    a->raw = strdup(h->body);
    scrub(p, a->raw);
    if (h->too_large) {
        snprintf(a->status, sizeof a->status, "too_large");
        snprintf(a->error, sizeof a->error, "response over %zu bytes, refused",
                 p->cfg.max_response);
    } else if (h->error[0]) {
        snprintf(a->status, sizeof a->status, "%s",
                 h->timed_out ? "timeout" : "transport");
        snprintf(a->error, sizeof a->error, "%s", h->error);
        a->retryable = 1;
    } else if (h->status != 200) {
        snprintf(a->status, sizeof a->status, "http_%ld", h->status);
        snprintf(a->error, sizeof a->error, "HTTP %ld: %.200s", h->status,
                 a->raw ? a->raw : "");
        a->retryable = h->status == 408 || h->status == 429 || h->status >= 500;
    }
    scrub(p, a->error);
}

/* Fills a->resp from a 200 body; an error inside it is retryable (the
 * provider failed after accepting the request). */
static void read_answer(const planner *p, attempt *a)
{
    if (a->status[0])
        return;
    if (or_response_parse(a->raw, strlen(a->raw), &a->resp) != 0) {
        snprintf(a->status, sizeof a->status, "bad_response");
        snprintf(a->error, sizeof a->error, "%s", a->resp.error);
        scrub(p, a->error);
        a->retryable = 1;
    }
}

static void fetch(planner *p, const char *body, const char *hash, attempt *a)
{
    memset(a, 0, sizeof *a);
    a->retry_after_ms = -1;
    a->resp.cost_usd = NAN;
    a->resp.cached_tokens = -1;
    if (p->replay) {
        const char *raw = or_store_find(p->replay, hash);
        if (!raw) {
            snprintf(a->status, sizeof a->status, "replay_missing");
            snprintf(a->error, sizeof a->error,
                     "replay: no recorded response for request %.16s... in "
                     "%s",
                     hash, p->cfg.replay);
            return;
        }
        a->raw = strdup(raw);
        read_answer(p, a);
        return;
    }
    or_http_opts o = {p->cfg.url,          p->cfg.api_key,    p->cfg.title,
                      p->cfg.referer,      p->cfg.connect_ms, p->cfg.timeout_ms,
                      p->cfg.max_response, stop_cb,           p};
    or_http_result h;
    or_http_post(&o, body, &h);
    classify_http(p, &h, a);
    /* The scrubbed copy: a server that echoes the key must not put it in
     * the file, nor (through a keyless replay) in the records. */
    if (!a->status[0] && p->cfg.record && a->raw) {
        char err[PERP_ERROR_MAX];
        if (or_store_append(p->cfg.record, hash, a->raw, err, sizeof err))
            p->host->log(p->host, PERP_LOG_ERROR, "%s", err);
    }
    or_http_result_free(&h);
    read_answer(p, a);
}

/* In slices, so a stop request ends the wait within 100 ms. */
static void sleep_ms(const planner *p, int64_t ms)
{
    while (ms > 0 && !stopping(p)) {
        int64_t slice = ms < 100 ? ms : 100;
        struct timespec ts = {0, (long)slice * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
        ms -= slice;
    }
}

static int64_t backoff_ms(const planner *p, const attempt *a, int retry)
{
    if (a->retry_after_ms >= 0)
        return a->retry_after_ms < p->cfg.max_retry_after_ms
                   ? a->retry_after_ms
                   : p->cfg.max_retry_after_ms;
    int64_t ms = p->cfg.backoff_ms;
    for (int i = 1; i < retry && ms < p->cfg.max_backoff_ms; i++)
        ms *= 2;
    return ms < p->cfg.max_backoff_ms ? ms : p->cfg.max_backoff_ms;
}

/* Sends body until an answer parses as a decision, a retry budget ends or
 * a non-retryable failure. Returns 1 with *out filled; 0 when the last
 * answer arrived but was unparsable (*answer, malloc'd, holds its start
 * for a repair); -1 on any other failure. why says what went wrong. */
static int exchange(planner *p, const char *body, int *n_attempt,
                    perp_decision *out, char *why, size_t why_len,
                    char **answer)
{
    char hash[OR_HASH_HEX];
    or_hash(body, hash);
    for (int retry = 0;; retry++) {
        attempt a;
        fetch(p, body, hash, &a);
        int ok = 0;
        if (!a.status[0]) {
            char err[200] = "";
            const char *content = a.resp.content ? a.resp.content : "";
            ok = p->host->decision_from_json(p->host, content, out, err,
                                             sizeof err) == PERP_OK;
            snprintf(a.status, sizeof a.status, ok ? "ok" : "unparsable");
            if (!ok) {
                snprintf(a.error, sizeof a.error, "%.200s%s%.16s", err,
                         a.resp.finish_reason[0] ? "; finish_reason " : "",
                         a.resp.finish_reason);
                free(*answer);
                *answer =
                    a.resp.content ? strndup(content, OR_REPAIR_ECHO) : NULL;
            }
        }
        emit_call(p, &a, hash, ++*n_attempt);
        if (ok && !p->answer_logged) {
            p->answer_logged = 1;
            or_cost_log_answer(p->host, &p->cfg, &a.resp,
                               or_cost_usd(&p->cfg, &a.resp));
        }
        snprintf(why, why_len, "%s", a.error);
        int again =
            !ok && a.retryable && retry < p->cfg.max_retries && !stopping(p);
        int result = ok ? 1 : strcmp(a.status, "unparsable") == 0 ? 0 : -1;
        if (again)
            sleep_ms(p, backoff_ms(p, &a, retry + 1));
        free(a.raw);
        or_response_free(&a.resp);
        if (!again)
            return result;
    }
}

static void hold_all(const perp_observation *obs, perp_decision *out,
                     const char *why)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < obs->n_markets && i < PERP_MAX_SYMBOLS; i++) {
        perp_coin_decision *c = &out->coins[out->n_coins++];
        snprintf(c->coin, sizeof c->coin, "%s", obs->markets[i].coin);
        c->signal = PERP_SIGNAL_HOLD;
        c->leverage = 1;
        snprintf(c->justification, sizeof c->justification,
                 "planner unavailable this cycle; holding");
    }
    snprintf(out->error, sizeof out->error, "openrouter: %s", why);
}

/* Once: the prompt's size and cost; every time it is over budget after
 * every cut, a warning the first time. */
static void say_prompt(planner *p, const or_prompt *pr)
{
    if (!p->prompt_logged) {
        p->prompt_logged = 1;
        or_cost_log_prompt(p->host, &p->cfg, pr);
    }
    if (pr->cuts.over_budget && !p->over_warned) {
        p->over_warned = 1;
        p->host->log(p->host, PERP_LOG_WARN,
                     "prompt over prompt_tokens_max %lld after every cut "
                     "(~%lld tokens): sent as it is; raise the budget or "
                     "show less",
                     (long long)p->cfg.prompt_tokens_max,
                     (long long)(pr->system_tokens + pr->user_tokens));
    }
}

static perp_status or_plan(void *self, const perp_observation *obs,
                           perp_decision *out)
{
    planner *p = self;
    or_prompt pr;
    if (or_prompt_build(p->host, &p->cfg, obs, &pr) != PERP_OK) {
        hold_all(obs, out, "cannot render the observation");
        return PERP_OK;
    }
    say_prompt(p, &pr);
    if (!p->cfg.api_key && !p->replay) {
        hold_all(obs, out, "no API key");
        or_prompt_free(&pr);
        return PERP_OK;
    }
    or_request rq = {p->cfg.model,
                     pr.system,
                     pr.user,
                     NULL,
                     NULL,
                     p->cfg.temperature,
                     p->cfg.max_tokens,
                     p->cfg.format,
                     p->cfg.require_parameters,
                     obs};
    char why[PERP_ERROR_MAX] = "";
    char *answer = NULL;
    int n_attempt = 0, rc = -1;
    char *body = or_request_body(&rq);
    if (body)
        rc = exchange(p, body, &n_attempt, out, why, sizeof why, &answer);
    if (rc == 0 && p->cfg.repair && !stopping(p)) {
        char note[PERP_ERROR_MAX];
        snprintf(note, sizeof note, "%s", why);
        rq.bad_answer = answer ? answer : "";
        rq.repair_note = note;
        free(body);
        body = or_request_body(&rq);
        rc = body ? exchange(p, body, &n_attempt, out, why, sizeof why, &answer)
                  : -1;
    }
    if (rc != 1) {
        p->host->log(p->host, PERP_LOG_WARN, "holding this cycle: %s", why);
        hold_all(obs, out, why);
    }
    free(answer);
    free(body);
    or_prompt_free(&pr);
    return PERP_OK;
}

static perp_status or_create(const perp_host *host, const perp_config_node *cfg,
                             void **self)
{
    planner *p = calloc(1, sizeof *p);
    if (!p)
        return PERP_ENOMEM;
    p->host = host;
    if (or_config_read(host, cfg, &p->cfg) != PERP_OK) {
        or_config_free(&p->cfg);
        free(p);
        return PERP_EINVAL;
    }
    if (p->cfg.replay) {
        char err[PERP_ERROR_MAX];
        p->replay = or_store_load(p->cfg.replay, err, sizeof err);
        if (!p->replay) {
            host->log(host, PERP_LOG_ERROR, "%s", err);
            or_config_free(&p->cfg);
            free(p);
            return PERP_EINVAL;
        }
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    *self = p;
    return PERP_OK;
}

static void or_destroy(void *self)
{
    planner *p = self;
    if (!p)
        return;
    or_store_free(p->replay);
    or_config_free(&p->cfg);
    free(p);
    curl_global_cleanup();
}

/* A backtest answers from the replay cassette, or it would pay: one
 * call a cycle, the prompt about 4 characters a token (system prompt,
 * template and the observation), the answer up to a tenth of max_tokens
 * (decisions are short). USD at price_in/out_per_mtok; NAN when they are
 * not set, so the refusal says the price is unknown. */
static int or_backtest_cost(void *self, int64_t cycles,
                            size_t observation_bytes, int64_t *calls,
                            double *usd)
{
    planner *p = self;
    if (p->replay)
        return PERP_OK;
    size_t fixed = (p->cfg.system_prompt ? strlen(p->cfg.system_prompt) : 0) +
                   (p->cfg.user_template ? strlen(p->cfg.user_template) : 0);
    double in = (double)(fixed + observation_bytes) / 4.0;
    double out = (double)p->cfg.max_tokens / 10.0;
    *calls = cycles;
    double per_mtok = p->cfg.price_in_per_mtok + p->cfg.price_out_per_mtok;
    *usd = per_mtok > 0 ? (double)cycles *
                              (in * p->cfg.price_in_per_mtok +
                               out * p->cfg.price_out_per_mtok) /
                              1e6
                        : NAN;
    return PERP_EUNSUPPORTED;
}

static const perp_planner_vtable or_vtable = {
    .struct_size = sizeof(perp_planner_vtable),
    .create = or_create,
    .destroy = or_destroy,
    .plan = or_plan,
    .backtest_cost = or_backtest_cost,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_PLANNER, "openrouter", "1.0.0",
                        "LLM planner over an OpenAI-compatible "
                        "chat-completions API",
                        or_vtable, or_config_map)
