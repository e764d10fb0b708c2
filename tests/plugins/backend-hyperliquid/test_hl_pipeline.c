/*
 * test_hl_pipeline.c — `perpd run` with feed hyperliquid-market and
 * backend hyperliquid against local stand-ins of the exchange (the REST
 * emulator, which recovers the signer of every /exchange request, and a
 * WebSocket speaking Hyperliquid's protocol), a scripted planner and the
 * JSONL sink. The first order meets a rate limit and becomes a rejection
 * record carrying the exchange's answer; the next buys, the last closes.
 * A recognisable private key is planted in the environment: it is in no
 * log line and no record (the version record's config included).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "build_dir.h"
#include "hl_test_util.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"
#include "ws_server.h"

#define PLANTED                                                                \
    "0x5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7abcd"

static int on_frame(void *ud, const char *text, size_t len, char **reply)
{
    (void)ud;
    if (memmem(text, len, "\"ping\"", 6)) {
        *reply = strdup("{\"channel\":\"pong\"}");
        return 0;
    }
    *reply = strdup("{\"channel\":\"subscriptionResponse\",\"data\":{}}");
    return memmem(text, len, "\"subscribe\"", 11) ? 1 : -1;
}

typedef struct ticker {
    ws_server *ws;
    atomic_int stop;
} ticker;

/* The book every 100 ms, so the markets stay fresh. */
static void *tick_main(void *arg)
{
    ticker *t = arg;
    while (!atomic_load(&t->stop)) {
        char m[256];
        int n = snprintf(m, sizeof m,
                         "{\"channel\":\"bbo\",\"data\":{\"coin\":\"BTC\","
                         "\"time\":%lld,\"bbo\":[{\"px\":\"94999\",\"sz\":"
                         "\"1\",\"n\":1},{\"px\":\"95001\",\"sz\":\"1\","
                         "\"n\":1}]}}",
                         (long long)time(NULL) * 1000);
        ws_server_send(t->ws, m, (size_t)n);
        usleep(100000);
    }
    return NULL;
}

static void write_script(const char *dir)
{
    const char *buy =
        "{\"ts\": 0, \"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": "
        "\"buy\", \"quantity\": 0.01, \"leverage\": 5, \"confidence\": 0.8, "
        "\"exit_plan\": {\"profit_target\": 99000, \"stop_loss\": 90000, "
        "\"invalidation_condition\": \"\"}, \"justification\": \"long\"}}, "
        "\"notes_for_audience\": \"\"}\n";
    const char *close_ =
        "{\"ts\": 0, \"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": "
        "\"close\", \"quantity\": 0, \"leverage\": 5, \"confidence\": 0.8, "
        "\"justification\": \"flat\"}}, \"notes_for_audience\": \"\"}\n";
    char text[2048];
    snprintf(text, sizeof text, "%s%s%s", buy, buy, close_);
    free(temp_dir_write(dir, "script.jsonl", text));
}

static char *write_yaml(const char *dir, hl_server *s, ws_server *ws)
{
    char url[64], text[2048];
    hl_server_base_url(s, url, sizeof url);
    snprintf(text, sizeof text,
             "agent:\n  version: hl-it\n  cycle: 1s\n  symbols: [BTC-USD]\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n  - plugin: hyperliquid-market\n    url: %s\n"
             "    ws_url: ws://127.0.0.1:%d/ws\n    funding_every: 0s\n"
             "planner:\n  plugin: script\n  path: %s/script.jsonl\n"
             "backend:\n  plugin: hyperliquid\n  url: %s\n"
             "  private_key: ${HL_PIPE_PRIVATE_KEY}\n"
             "  account: \"%s\"\n  refresh: 200ms\n"
             "sinks:\n  - plugin: jsonl\n    path: %s/records.jsonl\n",
             test_build_dir(), url, ws_server_port(ws), dir, url, HL_ACCOUNT,
             dir);
    return temp_dir_write(dir, "agent.yaml", text);
}

static int leaks(const char *text)
{
    char upper[65];
    for (int i = 0; i < 64; i++)
        upper[i] = (char)toupper((unsigned char)PLANTED[2 + i]);
    upper[64] = '\0';
    return strstr(text, PLANTED + 2) || strstr(text, upper) ||
           memmem(text, strlen(text), PLANTED + 2, 16);
}

Test(hl_pipeline, trades_rejects_and_never_shows_the_key)
{
    char err[128];
    hl_signer *sg = hl_signer_new(PLANTED, err, sizeof err);
    cr_assert_not_null(sg);
    char signer[43];
    snprintf(signer, sizeof signer, "%s", hl_signer_address_text(sg));
    hl_signer_free(sg);
    hl_server_opts so = {.account = HL_ACCOUNT,
                         .signer = signer,
                         .recover = hl_test_recover,
                         .account_value = 10000};
    hl_server *s = hl_server_start(&so);
    cr_assert_not_null(s);
    hl_server_add_coin(s, "BTC", 5, 40, 95000);
    ws_server_opts wo = {.on_frame = on_frame};
    ws_server *ws = ws_server_start(&wo);
    cr_assert_not_null(ws);
    ticker t = {.ws = ws};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, tick_main, &t), 0);

    char *dir = temp_dir_new();
    write_script(dir);
    char *yaml = write_yaml(dir, s, ws);
    setenv("HL_PIPE_PRIVATE_KEY", PLANTED, 1);
    hl_server_rate_limit_next(s); /* the first /exchange request */
    char *perpd = perpd_path(), *out = NULL, *log = NULL;
    char *argv[] = {perpd, "run", yaml, "--max-cycles", "4", NULL};
    int rc = run_process_split(argv, &out, &log);
    atomic_store(&t.stop, 1);
    pthread_join(th, NULL);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, log);

    json_t *all = jsonl_records_read(dir);
    cr_assert_eq(jsonl_records_count(all, "rejection"), 1, "%s", log);
    json_t *rej = jsonl_records_nth(all, "rejection", 0);
    cr_expect(strstr(jsonl_str(rej, "reason"), "HTTP 429") != NULL, "%s",
              jsonl_str(rej, "reason"));
    cr_assert_eq(jsonl_records_count(all, "trade"), 2, "%s", log);
    json_t *buy = jsonl_records_nth(all, "trade", 0);
    json_t *sell = jsonl_records_nth(all, "trade", 1);
    cr_expect_str_eq(jsonl_str(buy, "side"), "buy");
    cr_expect_float_eq(jsonl_num(buy, "qty"), 0.01, 1e-12);
    cr_expect_float_eq(jsonl_num(buy, "price"), 95000, 1e-9);
    cr_expect_str_eq(jsonl_str(sell, "side"), "sell");
    cr_expect_str_eq(jsonl_str(sell, "cause"), "exit");
    cr_expect_eq(hl_server_position(s, "BTC"), 0);
    cr_expect_eq(hl_server_leverage(s, "BTC"), 5);
    cr_expect_eq(hl_server_bad_signatures(s), 0);
    cr_expect_eq(hl_server_open_triggers(s, "BTC"), 0, "TP/SL cancelled");
    cr_expect_geq(jsonl_records_count(all, "version"), 1);

    size_t len = 0;
    char *records = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/records.jsonl", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    FILE *mem = open_memstream(&records, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(f);
    fclose(mem);
    cr_expect(!leaks(records), "the key is in records.jsonl");
    cr_expect(!leaks(log), "the key is in perpd's log");
    cr_expect(!leaks(out), "the key is on perpd's stdout");
    free(records);
    json_decref(all);
    free(out);
    free(log);
    free(perpd);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
    ws_server_stop(ws);
    hl_server_stop(s);
}
