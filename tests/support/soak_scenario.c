/*
 * soak_scenario.c — see soak_scenario.h.
 */
#include "soak_scenario.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "candles_server.h"
#include "chat_server.h"
#include "file_read.h"
#include "temp_dir.h"
#include "ws_server.h"

#define KEY_ENV  "PERP_SOAK_KEY"
#define SCHEDULE 100

/* A decision for one coin as the chat server's message content. */
static char *decision(const char *coin, const char *signal, double qty,
                      int leverage, double target, double stop)
{
    char content[1024];
    snprintf(content, sizeof content,
             "{\"positions\": {\"%s\": {\"coin\": \"%s\", \"signal\": \"%s\", "
             "\"quantity\": %g, \"leverage\": %d, \"confidence\": 0.6, "
             "\"risk_usd\": 20, \"exit_plan\": {\"profit_target\": %g, "
             "\"stop_loss\": %g, \"invalidation_condition\": \"soak\"}, "
             "\"justification\": \"soak schedule\"}}, "
             "\"notes_for_audience\": \"soak\"}",
             coin, coin, signal, qty, leverage, target, stop);
    return chat_completion_body(content, 1200, 80, 0.0001);
}

static char *hold(void)
{
    return chat_completion_body("{\"positions\": {}, \"notes_for_audience\": "
                                "\"holding\"}",
                                1200, 20, 0.0001);
}

/* Entry i of the schedule (body malloc'd into *owned). The faults sit at
 * fixed places among good answers that open, flip and close positions
 * on the first two coins; delay_ms is added to every good answer (live:
 * the planner thread busy while ticks arrive). */
static chat_reply entry(size_t i, const char *c1, const char *c2, int delay_ms,
                        int stall_ms, char **owned)
{
    chat_reply r = {200, NULL, NULL, delay_ms};
    *owned = NULL;
    switch (i) {
    case 2:
        r = (chat_reply){429, "{\"error\":{\"code\":429,\"message\":\"rate\"}}",
                         "0", 0};
        return r;
    case 4:
        r = (chat_reply){500, "{\"error\":{\"code\":500}}", NULL, 0};
        return r;
    case 5:
        r.body = "<html><body>502 Bad Gateway</body></html>";
        return r;
    case 6:
        *owned = chat_completion_body("I would buy some BTC here.", 100, 10, 0);
        break;
    case 7: /* leverage over the limit: rejected */
        *owned = decision(c1, "buy", 0.01, 50, 1e7, 1);
        break;
    case 10:
        r.body = "{\"choices\":[{\"message\":{\"content\":\"{\\\"positions";
        return r;
    case 12:
        r.body = "";
        return r;
    case 13: /* far beyond the margin: rejected */
        *owned = decision(c2, "sell", 1e12, 2, 1e-6, 1e9);
        break;
    case 50: /* past the planner's timeout */
        *owned = hold();
        r.delay_ms = stall_ms;
        break;
    default:
        switch (i % 6) {
        case 0:
            *owned = decision(c1, "buy", 0.01, 2, 1e7, 1);
            break;
        case 1:
            *owned = decision(c2, "sell", 0.5, 3, 1e-6, 1e9);
            break;
        case 2:
            *owned = decision(c1, "close", 0, 1, 1e7, 1);
            break;
        case 3:
            *owned = hold();
            break;
        case 4:
            *owned = decision(c2, "close", 0, 1, 1e-6, 1e9);
            break;
        default:
            *owned = decision(c1, "sell", 0.02, 2, 1e-6, 1e9);
            break;
        }
    }
    r.body = *owned;
    return r;
}

static const size_t FAULTS[] = {2, 4, 5, 6, 7, 10, 12, 13, 50};

size_t soak_schedule_len(void)
{
    return SCHEDULE;
}

size_t soak_schedule_faults(void)
{
    return sizeof FAULTS / sizeof *FAULTS;
}

static chat_server *start_chat(const char *c1, const char *c2, int delay_ms,
                               int stall_ms)
{
    chat_server *s = chat_server_start();
    if (!s)
        return NULL;
    chat_reply r[SCHEDULE];
    char *owned[SCHEDULE];
    for (size_t i = 0; i < SCHEDULE; i++)
        r[i] = entry(i, c1, c2, i % 3 ? delay_ms : delay_ms / 10, stall_ms,
                     &owned[i]);
    chat_server_script(s, r, SCHEDULE);
    chat_server_cycle(s);
    for (size_t i = 0; i < SCHEDULE; i++)
        free(owned[i]);
    return s;
}

static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* The checks every soak shares: exit status, sanitizer reports, flat
 * memory and descriptors. */
static void judge(const soak_opts *o, soak_report *r, const char *log)
{
    static const char *const reports[] = {
        "WARNING: ThreadSanitizer", "ERROR: AddressSanitizer",
        "ERROR: LeakSanitizer", "runtime error:"};
    r->ok = 0;
    for (size_t i = 0; i < sizeof reports / sizeof *reports; i++) {
        const char *at = log ? strstr(log, reports[i]) : NULL;
        if (at) {
            snprintf(r->why, sizeof r->why, "sanitizer report in %s: %.600s",
                     r->log_path, at);
            return;
        }
    }
    if (r->w.status != 0) {
        snprintf(r->why, sizeof r->why, "perpd exited %d (see %s)", r->w.status,
                 r->log_path);
        return;
    }
    if (!proc_watch_flat(&r->w, o->warm, o->slack_kb, r->why, sizeof r->why))
        return;
    r->ok = 1;
}

int soak_replay(const soak_opts *o, soak_report *r)
{
    memset(r, 0, sizeof *r);
    chat_server *chat = start_chat("BTC", "ETH", 0, 400);
    if (!chat)
        return -1;
    char base[128], yaml[4096], path[1100], records[1100];
    chat_server_base_url(chat, base, sizeof base);
    snprintf(records, sizeof records, "%s/records.jsonl", o->workdir);
    snprintf(yaml, sizeof yaml,
             "agent:\n"
             "  version: soak-replay\n"
             "  cycle: 60s\n"
             "  symbols: [%s]\n"
             "  history: 60\n"
             "  observation_every: 1440\n"
             "feeds:\n"
             "  - plugin: replay\n"
             "    dir: %s\n"
             "    speed: max\n"
             "    cache_dir: %s/cache\n"
             "indicators:\n"
             "  - {plugin: rsi, name: rsi_7, period: 7}\n"
             "  - {plugin: ema, name: ema_20, period: 20}\n"
             "  - {plugin: macd, name: macd, fast: 12, slow: 26, signal: 9}\n"
             "  - {plugin: atr, name: atr_14, period: 14}\n"
             "planner:\n"
             "  plugin: openrouter\n"
             "  base_url: %s\n"
             "  model: soak/model\n"
             "  api_key_env: " KEY_ENV "\n"
             "  timeout: 200ms\n"
             "  max_retries: 1\n"
             "  backoff: 0s\n"
             "  max_retry_after: 0s\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "  starting_equity: 10000\n"
             "  max_leverage: 5\n"
             "limits:\n"
             "  min_notional: 5\n"
             "  max_exposure: 3\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s}\n",
             o->symbols, o->history, o->workdir, base, records);
    char *yp = temp_dir_write(o->workdir, "soak-replay.yaml", yaml);
    snprintf(r->log_path, sizeof r->log_path, "%s/perpd.log", o->workdir);
    setenv(KEY_ENV, "sk-soak-not-a-real-key", 1);
    char *argv[] = {(char *)o->perpd, "run", yp, NULL};
    int rc =
        proc_watch_run(argv, r->log_path, o->sample_ms, o->limit_ms, &r->w);
    r->llm_requests = chat_server_request_count(chat);
    chat_server_stop(chat);
    free(yp);
    (void)path;
    if (rc != 0) {
        snprintf(r->why, sizeof r->why, "cannot start %s", o->perpd);
        return 0;
    }
    char *log = file_read(r->log_path, NULL);
    const char *end = log ? strstr(log, "replay ended: events=") : NULL;
    if (end)
        sscanf(end, "replay ended: events=%lld cycles=%lld", &r->events,
               &r->cycles);
    r->records = count_lines(records);
    judge(o, r, log);
    if (r->ok && !end) {
        r->ok = 0;
        snprintf(r->why, sizeof r->why, "no \"replay ended\" line in %s",
                 r->log_path);
    }
    free(log);
    return 0;
}

/* ------------------------------------------------------------- live */

static const char *const PRODUCTS[] = {"BTC-USD", "ETH-USD"};

typedef struct ticker {
    ws_server *ws;
    atomic_int stop;
    atomic_llong sent;
    size_t drops;
    pthread_t thread;
} ticker;

static void ticker_json(char *out, size_t len, const char *product, long seq,
                        double price)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    struct tm tm;
    gmtime_r(&t.tv_sec, &tm);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len,
             "{\"type\":\"ticker\",\"sequence\":%ld,\"product_id\":\"%s\","
             "\"price\":\"%.2f\",\"volume_24h\":\"12345.67\","
             "\"best_bid\":\"%.2f\",\"best_ask\":\"%.2f\",\"side\":\"buy\","
             "\"time\":\"%s.%06ldZ\",\"trade_id\":%ld,\"last_size\":\"0.5\"}",
             seq, product, price, price - 0.5, price + 0.5, when,
             t.tv_nsec / 1000, seq * 10);
}

/* Tickers on both products every 20 ms; the connection dropped every
 * 15 s (perpd reconnects and resubscribes). */
static void *send_tickers(void *arg)
{
    ticker *t = arg;
    for (long seq = 1; !atomic_load(&t->stop); seq++) {
        char msg[1024];
        ticker_json(msg, sizeof msg, "BTC-USD", seq,
                    42000 + (double)(seq % 37) * 3);
        ws_server_send(t->ws, msg, strlen(msg));
        ticker_json(msg, sizeof msg, "ETH-USD", seq,
                    2300 + (double)(seq % 11) * 0.7);
        ws_server_send(t->ws, msg, strlen(msg));
        atomic_fetch_add(&t->sent, 2);
        if (seq % 750 == 0) {
            ws_server_drop(t->ws);
            t->drops++;
        }
        usleep(20000);
    }
    return NULL;
}

int soak_live(const soak_opts *o, soak_report *r)
{
    memset(r, 0, sizeof *r);
    candles_server_opts co = {.products = "BTC-USD,ETH-USD"};
    candles_server *rest = candles_server_start(&co);
    ws_server_opts wo = {
        .products = PRODUCTS, .n_products = 2, .heartbeat_ms = 200};
    ws_server *ws = rest ? ws_server_start(&wo) : NULL;
    chat_server *chat = ws ? start_chat("BTC", "ETH", 300, 1500) : NULL;
    if (!chat) {
        if (ws)
            ws_server_stop(ws);
        if (rest)
            candles_server_stop(rest);
        return -1;
    }
    char base[128], rest_url[128], yaml[4096], records[1100];
    chat_server_base_url(chat, base, sizeof base);
    candles_server_base_url(rest, rest_url, sizeof rest_url);
    snprintf(records, sizeof records, "%s/records.jsonl", o->workdir);
    snprintf(yaml, sizeof yaml,
             "agent:\n"
             "  version: soak-live\n"
             "  cycle: 1s\n"
             "  history: 20\n"
             "  symbols: [BTC-USD, ETH-USD]\n"
             "  observation_every: 10\n"
             "feeds:\n"
             "  - plugin: coinbase\n"
             "    url: ws://127.0.0.1:%d/\n"
             "    rest_url: %s\n"
             "indicators:\n"
             "  - {plugin: rsi, name: rsi_7, period: 7}\n"
             "  - {plugin: ema, name: ema_20, period: 20}\n"
             "planner:\n"
             "  plugin: openrouter\n"
             "  base_url: %s\n"
             "  model: soak/model\n"
             "  api_key_env: " KEY_ENV "\n"
             "  timeout: 1s\n"
             "  max_retries: 1\n"
             "  backoff: 0s\n"
             "  max_retry_after: 0s\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "  starting_equity: 10000\n"
             "  max_leverage: 5\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s}\n",
             ws_server_port(ws), rest_url, base, records);
    char *yp = temp_dir_write(o->workdir, "soak-live.yaml", yaml);
    snprintf(r->log_path, sizeof r->log_path, "%s/perpd.log", o->workdir);
    setenv(KEY_ENV, "sk-soak-not-a-real-key", 1);
    ticker t = {.ws = ws};
    atomic_init(&t.stop, 0);
    atomic_init(&t.sent, 0);
    int started = pthread_create(&t.thread, NULL, send_tickers, &t) == 0;
    char *argv[] = {(char *)o->perpd, "run", yp, NULL};
    int rc =
        proc_watch_run(argv, r->log_path, o->sample_ms, o->limit_ms, &r->w);
    if (started) {
        atomic_store(&t.stop, 1);
        pthread_join(t.thread, NULL);
    }
    r->ticks_sent = atomic_load(&t.sent);
    r->drops = t.drops;
    r->llm_requests = chat_server_request_count(chat);
    chat_server_stop(chat);
    ws_server_stop(ws);
    candles_server_stop(rest);
    free(yp);
    if (rc != 0) {
        snprintf(r->why, sizeof r->why, "cannot start %s", o->perpd);
        return 0;
    }
    char *log = file_read(r->log_path, NULL);
    r->records = count_lines(records);
    judge(o, r, log);
    if (r->ok && !r->w.stopped) {
        r->ok = 0;
        snprintf(r->why, sizeof r->why, "perpd ended before the limit (%s)",
                 r->log_path);
    }
    free(log);
    return 0;
}

void soak_report_free(soak_report *r)
{
    proc_watch_free(&r->w);
}
