/*
 * test_secrets_everywhere.c — issue 14 item 5: recognisable values planted
 * in every secret perpd takes (the LLM key in OPENROUTER_API_KEY, the
 * database password inside DATABASE_URL, the Hyperliquid private key),
 * then every command run with them in the environment: check, plugins
 * (list, --describe-all), history download (local Coinbase REST), migrate,
 * metrics (and a metrics call whose URL cannot connect), a replay and a
 * backtest with --report against the local chat server (one of whose
 * answers echoes the Authorization header back, another an HTTP 401 that
 * does), a live run against the local Coinbase WebSocket, chat and
 * Hyperliquid servers with the dashboard inside, the sign command, and
 * every dashboard endpoint through `perpd serve`. None of the secrets, in
 * any form (as given, upper or lower case, a 16-character prefix,
 * percent-encoded, base64 at every alignment, JSON-escaped; the
 * Hyperliquid key also as hex without 0x, as its 32 raw bytes and their
 * base64), is in any output, any file the runs wrote (logs, records,
 * spool, replay cache, the LLM record file, the HTML report, the summary)
 * or the database (pg_dump of it). The planted values hold '/', '+', '=',
 * '@', ':', '&' and '"', which those encodings change, and the database
 * password goes into DATABASE_URL percent-encoded, as a URL needs it.
 * The private cluster listens on its Unix socket only.
 *
 * It lives with backend-hyperliquid's tests because the Hyperliquid
 * emulator checks signatures with the plugin's own code.
 */
#include <ctype.h>
#include <dirent.h>
#include <glob.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build_dir.h"
#include "candles_server.h"
#include "chat_server.h"
#include "dash_serve.h"
#include "file_read.h"
#include "hl_test_util.h"
#include "http_client.h"
#include "jsonl_records.h"
#include "pg_cluster.h"
#include "run_process.h"
#include "temp_dir.h"
#include "ws_server.h"

/* Each secret holds bytes that change under percent-encoding, base64
 * and JSON escaping ('/', '+', '=', '@', ':', '"', '&'), so each
 * encoded form below is a form of its own to look for. */
#define LLM_KEY     "sk-or-v1-PLANTEDLLMKEY7f3a/9c1e+5b2d=4f6a8c0e"
#define DB_PASSWORD "PlantedDbPw/7+q@e:9=z&w\"x"
#define HL_PLANTED                                                             \
    "0x5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7abcd"

/* One form of one secret: the bytes to look for. */
typedef struct secret_form {
    char what[96];
    unsigned char *b;
    size_t len;
} secret_form;

static secret_form g_forms[96];
static size_t g_n_forms;

static void add_form(const char *secret, const char *form, const void *b,
                     size_t len)
{
    if (len < 8 || g_n_forms == sizeof g_forms / sizeof g_forms[0])
        return;
    for (size_t i = 0; i < g_n_forms; i++)
        if (g_forms[i].len == len && memcmp(g_forms[i].b, b, len) == 0)
            return; /* the same bytes as a form already listed */
    secret_form *f = &g_forms[g_n_forms++];
    snprintf(f->what, sizeof f->what, "%s (%s)", secret, form);
    f->b = malloc(len);
    cr_assert_not_null(f->b);
    memcpy(f->b, b, len);
    f->len = len;
}

static void add_case_forms(const char *secret, const char *form, const char *s,
                           size_t n)
{
    char *up = strndup(s, n), *low = strndup(s, n);
    cr_assert(up && low);
    for (size_t i = 0; i < n; i++) {
        up[i] = (char)toupper((unsigned char)up[i]);
        low[i] = (char)tolower((unsigned char)low[i]);
    }
    char what[64];
    add_form(secret, form, s, n);
    snprintf(what, sizeof what, "%s, upper case", form);
    add_form(secret, what, up, n);
    snprintf(what, sizeof what, "%s, lower case", form);
    add_form(secret, what, low, n);
    free(up);
    free(low);
}

/* %XX for every byte but letters, digits and "-._~" (upper- or
 * lower-case hex digits). */
static void add_percent_forms(const char *secret, const char *s)
{
    char up[512], low[512];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) {
            up[k] = low[k] = (char)*p;
            k++;
        } else {
            snprintf(up + k, 4, "%%%02X", *p);
            snprintf(low + k, 4, "%%%02x", *p);
            k += 3;
        }
    }
    add_form(secret, "percent-encoded", up, k);
    add_form(secret, "percent-encoded, lower-case hex", low, k);
}

/* Base64 of b[0..n) wherever it starts in a longer text: for each of
 * the 3 byte alignments, the characters that depend on b alone. */
static void add_base64_forms(const char *secret, const unsigned char *b,
                             size_t n)
{
    static const char std[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t a = 0; a < 3; a++) {
        unsigned char buf[256] = {0};
        cr_assert_lt(a + n, sizeof buf);
        memcpy(buf + a, b, n);
        size_t bits = 8 * (a + n), chars = bits / 6, skip = (8 * a + 5) / 6;
        char enc[400], url[400];
        for (size_t i = 0; i < chars; i++) {
            size_t at = 6 * i;
            unsigned v = (unsigned)buf[at / 8] << 8 |
                         (at / 8 + 1 < a + n ? buf[at / 8 + 1] : 0);
            v = (v >> (10 - at % 8)) & 63;
            enc[i] = std[v];
            url[i] = v == 62 ? '-' : v == 63 ? '_' : std[v];
        }
        char what[64];
        snprintf(what, sizeof what, "base64, alignment %zu", a);
        add_form(secret, what, enc + skip, chars - skip);
        snprintf(what, sizeof what, "base64url, alignment %zu", a);
        add_form(secret, what, url + skip, chars - skip);
    }
}

/* As a JSON string's inside: jansson's escaping, with "\/", and with
 * every byte but letters and digits as \u00XX. */
static void add_json_forms(const char *secret, const char *s)
{
    size_t flags[] = {JSON_ENCODE_ANY, JSON_ENCODE_ANY | JSON_ESCAPE_SLASH};
    for (size_t i = 0; i < 2; i++) {
        json_t *j = json_string(s);
        char *d = json_dumps(j, flags[i]);
        cr_assert_not_null(d);
        add_form(secret, i ? "JSON-escaped with \\/" : "JSON-escaped", d + 1,
                 strlen(d) - 2);
        free(d);
        json_decref(j);
    }
    char u[1024];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        k += (size_t)(isalnum(*p) ? snprintf(u + k, 2, "%c", *p)
                                  : snprintf(u + k, 7, "\\u%04x", *p));
    add_form(secret, "JSON \\u-escaped", u, k);
}

static void add_text_secret(const char *secret, const char *s)
{
    add_case_forms(secret, "as given", s, strlen(s));
    add_case_forms(secret, "16-character prefix", s, 16);
    add_percent_forms(secret, s);
    add_base64_forms(secret, (const unsigned char *)s, strlen(s));
    add_json_forms(secret, s);
}

/* The Hyperliquid key: its text, its hex without 0x (either case), the
 * 32 bytes it stands for and their base64. */
static void add_hl_secret(void)
{
    const char *name = "the Hyperliquid key";
    add_text_secret(name, HL_PLANTED);
    add_case_forms(name, "hex without 0x", HL_PLANTED + 2, 64);
    add_case_forms(name, "hex without 0x, 16-character prefix", HL_PLANTED + 2,
                   16);
    unsigned char raw[32];
    for (size_t i = 0; i < 32; i++)
        cr_assert_eq(sscanf(HL_PLANTED + 2 + 2 * i, "%2hhx", &raw[i]), 1);
    add_form(name, "raw bytes", raw, 32);
    add_form(name, "raw bytes, first 16", raw, 16);
    add_base64_forms(name, raw, 32);
}

static void plant_forms(void)
{
    add_text_secret("the LLM key", LLM_KEY);
    add_form("the LLM key", "its PLANTEDLLMKEY part", "PLANTEDLLMKEY", 13);
    add_text_secret("the database password", DB_PASSWORD);
    add_hl_secret();
}

/* The secret and form, if any, in len bytes at p. */
static const char *leak_in(const void *p, size_t len)
{
    for (size_t i = 0; i < g_n_forms; i++)
        if (memmem(p, len, g_forms[i].b, g_forms[i].len))
            return g_forms[i].what;
    return NULL;
}

/* The forms are found where they are: a text made of every one holds
 * each (the search itself is not blind). */
static void forms_are_found(void)
{
    for (size_t i = 0; i < g_n_forms; i++) {
        unsigned char text[600];
        size_t n = g_forms[i].len;
        cr_assert_lt(n + 20, sizeof text);
        memset(text, '.', sizeof text);
        memcpy(text + 10, g_forms[i].b, n);
        const char *l = leak_in(text, n + 20);
        cr_assert_not_null(l, "form %s not found", g_forms[i].what);
    }
}

static size_t g_checked_files, g_checked_bytes, g_checked_outputs;

static void expect_clean(const char *what, const char *text, size_t len)
{
    const char *l = leak_in(text, len);
    cr_expect_null(l, "%s leaked into %s", l, what);
    g_checked_outputs++;
    g_checked_bytes += len;
}

/* Every regular file under dir, recursively. */
static void expect_clean_tree(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            expect_clean_tree(path);
        } else if (S_ISREG(st.st_mode)) {
            size_t len = 0;
            char *text = file_read(path, &len);
            cr_assert_not_null(text, "cannot read %s", path);
            const char *l = leak_in(text, len);
            cr_expect_null(l, "%s leaked into %s", l, path);
            g_checked_files++;
            g_checked_bytes += len;
            free(text);
        }
    }
    closedir(d);
}

/* Runs perpd with args (NULL-terminated, after the binary), optional
 * stdin; checks both streams; returns the exit code. */
static int perpd_clean(const char *what, const char *input, ...)
{
    char *argv[24];
    size_t n = 0;
    argv[n++] = perpd_path();
    va_list ap;
    va_start(ap, input);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 23)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    int rc = run_process_input(argv, input ? input : "",
                               input ? strlen(input) : 0, &out, &err);
    char label[256];
    snprintf(label, sizeof label, "the stdout of %s", what);
    expect_clean(label, out, strlen(out));
    snprintf(label, sizeof label, "the stderr of %s", what);
    expect_clean(label, err, strlen(err));
    if (rc != 0)
        fprintf(stderr, "secrets: %s exited %d:\n%s\n", what, rc, err);
    free(out);
    free(err);
    free(argv[0]);
    return rc;
}

/* ------------------------------------------------------ the emulators */

typedef struct ticker {
    ws_server *ws;
    atomic_int stop;
    pthread_t thread;
} ticker;

static void *send_tickers(void *arg)
{
    ticker *t = arg;
    for (long seq = 1; !atomic_load(&t->stop); seq++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        char when[64], msg[512];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(msg, sizeof msg,
                 "{\"type\":\"ticker\",\"sequence\":%ld,\"product_id\":"
                 "\"BTC-USD\",\"price\":\"42000.00\",\"best_bid\":"
                 "\"41999.50\",\"best_ask\":\"42000.50\",\"time\":"
                 "\"%s.%06ldZ\"}",
                 seq, when, now.tv_nsec / 1000);
        ws_server_send(t->ws, msg, strlen(msg));
        usleep(100000);
    }
    return NULL;
}

/* The chat server's answers: a buy, a hold that echoes the request's
 * Authorization header, an HTTP 401 whose body echoes it, prose that
 * does, then holds. */
static chat_server *chat_start(void)
{
    chat_server *chat = chat_server_start();
    cr_assert_not_null(chat);
    char *buy = chat_completion_body(
        "{\"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": \"buy\", "
        "\"quantity\": 0.01, \"leverage\": 2, \"confidence\": 0.6, "
        "\"risk_usd\": 10, \"exit_plan\": {\"profit_target\": 60000, "
        "\"stop_loss\": 30000, \"invalidation_condition\": \"t\"}, "
        "\"justification\": \"buy\"}}, \"notes_for_audience\": \"buy\"}",
        100, 20, 0.001);
    char *echo = chat_completion_body(
        "{\"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": \"hold\", "
        "\"quantity\": 0.01, \"leverage\": 2, \"confidence\": 0.5, "
        "\"justification\": \"you sent {{auth}}\"}}, \"notes_for_audience\": "
        "\"key {{auth}}\"}",
        100, 20, 0.001);
    char *prose =
        chat_completion_body("I cannot; your key is {{auth}}", 100, 20, 0.001);
    char *hold = chat_completion_body(
        "{\"positions\": {}, \"notes_for_audience\": \"hold\"}", 100, 10,
        0.001);
    chat_reply r[] = {
        {200, buy, NULL, 0},
        {200, echo, NULL, 0},
        {401, "{\"error\": {\"message\": \"bad key {{auth}}\"}}", NULL, 0},
        {200, prose, NULL, 0},
        {200, prose, NULL, 0},
        {200, hold, NULL, 0}};
    chat_server_script(chat, r, sizeof r / sizeof r[0]);
    free(buy);
    free(echo);
    free(prose);
    free(hold);
    return chat;
}

static void planner_yaml(char *out, size_t len, chat_server *chat,
                         const char *dir)
{
    char base[128];
    chat_server_base_url(chat, base, sizeof base);
    snprintf(out, len,
             "planner:\n"
             "  plugin: openrouter\n"
             "  base_url: %s\n"
             "  model: test/secrets\n"
             "  max_retries: 0\n"
             "  record: %s/llm-record.jsonl\n",
             base, dir);
}

/* -------------------------------------------------------------- test */

/* perpd serve, when it is running: killed in teardown whatever the test
 * did (the other commands run to completion inside run_process). */
static dash_proc g_dash;

static void kill_serve(void)
{
    if (g_dash.pid > 0 && kill(g_dash.pid, 0) == 0) {
        kill(g_dash.pid, SIGKILL);
        waitpid(g_dash.pid, NULL, 0);
    }
    g_dash.pid = 0;
}

Test(secrets, planted_secrets_appear_nowhere, .timeout = 600,
     .fini = kill_serve)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    plant_forms();
    forms_are_found();
    pg_cluster db;
    cr_assert_eq(pg_cluster_start_password(&db, DB_PASSWORD), 0);
    setenv("OPENROUTER_API_KEY", LLM_KEY, 1);
    setenv("HL_PRIVATE_KEY", HL_PLANTED, 1);
    setenv("DATABASE_URL", db.url, 1);
    char *dir = temp_dir_new();
    const char *B = test_build_dir();
    char path_arg[1100];
    snprintf(path_arg, sizeof path_arg, "%s/lib/perp", B);

    /* The cluster listens on its socket alone (scripts/pg-cluster.sh). */
    PGconn *c = pg_test_connect(db.url);
    pg_test_str_eq(c, "SHOW listen_addresses", "");
    PQfinish(c);

    /* history download from the local Coinbase REST server */
    candles_server_opts co = {.products = "BTC-USD"};
    candles_server *cs = candles_server_start(&co);
    cr_assert_not_null(cs);
    char rest[128], hist[1100];
    candles_server_base_url(cs, rest, sizeof rest);
    snprintf(hist, sizeof hist, "%s/hist", dir);
    cr_assert_eq(perpd_clean("history download", NULL, "history", "download",
                             "--symbols", "BTC-USD", "--granularity", "60",
                             "--from", "2024-03-01T00:00:00Z", "--to",
                             "2024-03-01T03:00:00Z", "--out", hist, "--url",
                             rest, "--path", path_arg, NULL),
                 0);
    candles_server_stop(cs);

    /* migrate and metrics, the URL given both ways, and one that fails */
    cr_assert_eq(
        perpd_clean("migrate", NULL, "migrate", "--database-url", db.url, NULL),
        0);
    char bad_url[1200], *pw = pg_url_escape(db.password);
    snprintf(bad_url, sizeof bad_url,
             "postgresql://perp:%s@/perpd?host=/nonexistent-secrets-dir", pw);
    free(pw);
    cr_assert_neq(perpd_clean("metrics (unreachable)", NULL, "metrics",
                              "--database-url", bad_url, NULL),
                  0);

    /* a replay and a backtest on the openrouter planner */
    chat_server *chat = chat_start();
    char planner[2048], text[8192];
    planner_yaml(planner, sizeof planner, chat, dir);
    snprintf(text, sizeof text,
             "agent: {version: secrets-replay, cycle: 15m, symbols: "
             "[BTC-USD]}\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds: [{plugin: replay, dir: %s, cache_dir: %s/cache}]\n"
             "%s"
             "backend: {plugin: perpsim, starting_equity: 10000}\n"
             "sinks:\n"
             "  - {plugin: postgres, url: \"${DATABASE_URL}\", spool_dir: "
             "%s/spool}\n"
             "  - {plugin: jsonl, path: %s/replay/records.jsonl}\n",
             B, hist, dir, planner, dir, dir);
    char *replay = temp_dir_write(dir, "replay.yaml", text);
    cr_expect_eq(perpd_clean("check replay", NULL, "check", replay, NULL), 0);
    cr_expect_eq(perpd_clean("replay", NULL, "run", replay, NULL), 0);
    cr_expect_geq(chat_server_request_count(chat), 6, "the planner was idle");
    char *auth = chat_server_request_auth(chat, 0);
    cr_assert(auth && strstr(auth, LLM_KEY), "the key was not sent: %s",
              auth ? auth : "(none)");
    free(auth);
    char report[1100], summary[1100];
    snprintf(report, sizeof report, "%s/report.html", dir);
    snprintf(summary, sizeof summary, "%s/summary.json", dir);
    chat_server_stop(chat);
    chat = chat_start();
    planner_yaml(planner, sizeof planner, chat, dir);
    snprintf(text, sizeof text,
             "agent: {version: secrets-backtest, cycle: 15m, symbols: "
             "[BTC-USD]}\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds: [{plugin: replay, dir: %s, cache_dir: %s/cache}]\n"
             "%s"
             "backend: {plugin: perpsim, starting_equity: 10000}\n",
             B, hist, dir, planner);
    char *backtest = temp_dir_write(dir, "backtest.yaml", text);
    cr_expect_eq(perpd_clean("backtest", NULL, "backtest", backtest,
                             "--allow-llm", "--report", report, "--summary",
                             summary, NULL),
                 0);
    struct stat st;
    cr_expect_eq(stat(report, &st), 0, "no report");

    /* a live run: Coinbase feed, chat planner, Hyperliquid backend,
     * both sinks, the dashboard inside */
    char err[128];
    hl_signer *sg = hl_signer_new(HL_PLANTED, err, sizeof err);
    cr_assert_not_null(sg, "%s", err);
    char signer[43];
    snprintf(signer, sizeof signer, "%s", hl_signer_address_text(sg));
    hl_signer_free(sg);
    hl_server_opts so = {.account = HL_ACCOUNT,
                         .signer = signer,
                         .recover = hl_test_recover,
                         .account_value = 10000};
    hl_server *hl = hl_server_start(&so);
    cr_assert_not_null(hl);
    hl_server_add_coin(hl, "BTC", 5, 40, 42000);
    char hl_url[128];
    hl_server_base_url(hl, hl_url, sizeof hl_url);
    static const char *const products[] = {"BTC-USD"};
    ws_server_opts wo = {
        .products = products, .n_products = 1, .heartbeat_ms = 200};
    ticker t = {.ws = ws_server_start(&wo)};
    cr_assert_not_null(t.ws);
    cr_assert_eq(pthread_create(&t.thread, NULL, send_tickers, &t), 0);
    chat_server_stop(chat);
    chat = chat_start();
    planner_yaml(planner, sizeof planner, chat, dir);
    snprintf(text, sizeof text,
             "agent: {version: secrets-live, cycle: 1s, bootstrap: false, "
             "symbols: [BTC-USD]}\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds: [{plugin: coinbase, url: \"ws://127.0.0.1:%d/\", "
             "products: [BTC-USD]}]\n"
             "%s"
             "backend:\n  plugin: hyperliquid\n  url: %s\n"
             "  private_key: ${HL_PRIVATE_KEY}\n"
             "  account: \"%s\"\n  refresh: 200ms\n"
             "sinks:\n"
             "  - {plugin: postgres, url: \"${DATABASE_URL}\", spool_dir: "
             "%s/spool}\n"
             "  - {plugin: jsonl, path: %s/live/records.jsonl}\n"
             "services:\n"
             "  - {plugin: dashboard, port: 0, url: \"${DATABASE_URL}\"}\n",
             B, ws_server_port(t.ws), planner, hl_url, HL_ACCOUNT, dir, dir);
    char *live = temp_dir_write(dir, "live.yaml", text);
    cr_expect_eq(perpd_clean("check live", NULL, "check", live, NULL), 0);
    cr_expect_eq(
        perpd_clean("live run", NULL, "run", live, "--max-cycles", "7", NULL),
        0);
    cr_expect_gt(hl_server_orders(hl), 0, "no order reached the exchange");
    cr_expect_eq(hl_server_bad_signatures(hl), 0);
    atomic_store(&t.stop, 1);
    pthread_join(t.thread, NULL);
    ws_server_stop(t.ws);
    hl_server_stop(hl);
    chat_server_stop(chat);

    /* the other commands, with every secret in the environment */
    cr_expect_eq(
        perpd_clean("plugins", NULL, "plugins", "--path", path_arg, NULL), 0);
    cr_expect_eq(perpd_clean("plugins --describe-all", NULL, "plugins",
                             "--path", path_arg, "--describe-all", NULL),
                 0);
    cr_expect_eq(perpd_clean("metrics", NULL, "metrics", NULL), 0);
    cr_expect_eq(perpd_clean("metrics --version", NULL, "metrics", "--version",
                             "secrets-live", NULL),
                 0);
    char sign_req[1024];
    snprintf(sign_req, sizeof sign_req,
             "{\"action\": {\"type\": \"dummy\", \"num\": 100000000000}, "
             "\"nonce\": 1677777606040, \"vault_address\": null, "
             "\"expires_after\": null, \"is_mainnet\": false, "
             "\"private_key\": \"%s\"}",
             HL_PLANTED);
    cr_expect_eq(
        perpd_clean("hyperliquid sign", sign_req, "hyperliquid", "sign", NULL),
        0);
    snprintf(sign_req, sizeof sign_req,
             "{\"action\": 7, \"nonce\": 1, \"private_key\": \"%s\"}",
             HL_PLANTED);
    cr_expect_neq(perpd_clean("hyperliquid sign (bad)", sign_req, "hyperliquid",
                              "sign", NULL),
                  0);

    /* every dashboard endpoint through perpd serve */
    snprintf(text, sizeof text,
             "agent: {version: secrets-serve}\n"
             "plugin_path: [%s/lib/perp]\n"
             "services:\n"
             "  - {plugin: dashboard, port: 0, url: \"${DATABASE_URL}\"}\n",
             B);
    char *serve = temp_dir_write(dir, "serve.yaml", text);
    char serve_log[1100];
    snprintf(serve_log, sizeof serve_log, "%s/serve.log", dir);
    dash_proc dp = {0};
    int started = dash_serve_start(serve, serve_log, &dp);
    g_dash = dp;
    cr_assert_eq(started, 0);
    static const char *const paths[] = {"/api/health",
                                        "/api/versions",
                                        "/api/current-version",
                                        "/api/config",
                                        "/api/leaderboard",
                                        "/api/equity-curve",
                                        "/api/pl",
                                        "/api/positions",
                                        "/api/trades",
                                        "/api/completed-trades",
                                        "/api/chat",
                                        "/api/decision",
                                        "/api/metrics",
                                        "/api/performance-stats",
                                        "/api/llm-calls",
                                        "/api/rejections",
                                        "/api/market-prices",
                                        "/api/prices",
                                        "/api/openapi.json",
                                        "/metrics",
                                        "/",
                                        "/api/nope"};
    static const char *const queries[] = {"", "?version=secrets-live",
                                          "?version=secrets-replay&limit=1000",
                                          "?version=nope&limit=x&from=bad"};
    int ok = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
            char url[512], what[600];
            snprintf(url, sizeof url, "%s%s%s", dp.base, paths[i], queries[k]);
            http_result r;
            cr_assert_eq(http_request("GET", url, NULL, &r), 0, "%s", url);
            ok += r.status == 200;
            snprintf(what, sizeof what, "GET %s (HTTP %ld)", url, r.status);
            expect_clean(what, r.body, r.len);
            expect_clean(what, r.headers, strlen(r.headers));
            http_result_free(&r);
        }
    cr_expect_geq(ok, 40, "too few endpoints answered");
    cr_expect_eq(dash_serve_stop(&dp), 0);
    g_dash.pid = 0;

    /* the database, dumped whole */
    char *dump_argv[] = {"pg_dump", "--no-owner", db.url, NULL};
    glob_t g;
    char dump_bin[512] = "pg_dump";
    if (glob("/usr/lib/postgresql/*/bin/pg_dump", 0, NULL, &g) == 0 &&
        g.gl_pathc > 0)
        snprintf(dump_bin, sizeof dump_bin, "%s", g.gl_pathv[g.gl_pathc - 1]);
    globfree(&g);
    dump_argv[0] = dump_bin;
    char *dump = NULL, *dump_err = NULL;
    cr_assert_eq(run_process_split(dump_argv, &dump, &dump_err), 0, "%s",
                 dump_err);
    cr_assert(strstr(dump, "secrets-live") && strstr(dump, "secrets-replay"),
              "the dump lacks the runs' rows");
    expect_clean("the database (pg_dump)", dump, strlen(dump));
    size_t dump_len = strlen(dump);
    free(dump);
    free(dump_err);

    /* every file the runs wrote */
    expect_clean_tree(dir);
    fprintf(stderr,
            "secrets: %zu forms of 3 secrets looked for in %zu outputs and "
            "%zu files (%zu bytes, a %zu-byte database dump among them): "
            "none found\n",
            g_n_forms, g_checked_outputs, g_checked_files, g_checked_bytes,
            dump_len);
    cr_expect_gt(g_checked_files, 8);

    free(serve);
    free(live);
    free(backtest);
    free(replay);
    pg_cluster_remove(&db);
    temp_dir_remove(dir);
    free(dir);
    for (size_t i = 0; i < g_n_forms; i++)
        free(g_forms[i].b);
    g_n_forms = 0;
}
