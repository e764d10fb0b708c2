/*
 * test_dashboard_api.c — the dashboard against a real database filled once
 * for the whole binary by an A/B replay (tests/support/pg_replay.h: version
 * A trades a script with stops, version B the rule planner, over the same
 * four days of the April 2021 history) and served by `perpd serve`: every
 * endpoint's shape and numbers are checked against the database (equity
 * curve's last point and extremes, counts, stored metrics, leaderboard
 * order, each version's rows apart, the default version), the OpenAPI
 * document validates every answer (ajv, in node), bad parameters are 400,
 * other methods 405, traversal 404, ETags give 304, no answer holds the
 * database password or the LLM key; then the web UI in chromium
 * (webui/test/dashboard.mjs), which writes build/screenshots/.
 *
 * The A/B pair makes no LLM call, opens no position it keeps and has no
 * decision refused, so before them a third, short version C runs the
 * OpenRouter planner against the tests' local chat-completions server
 * (tests/support/chat_server.h): its LLM calls with tokens and cost, a
 * refused coin, and a position left open with its exit plan give those
 * endpoints rows to show. C ran first and for 40 minutes: A and B stay
 * the newest and the only ones over an hour.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_dir.h"
#include "chat_server.h"
#include "dash_serve.h"
#include "file_read.h"
#include "http_client.h"
#include "pg_cluster.h"
#include "pg_replay.h"
#include "run_process.h"
#include "temp_dir.h"

#define VA   "dash-a"
#define VB   "dash-b"
#define VC   "dash-llm"
#define FROM "2021-04-02T00:00:00Z"
#define TO   "2021-04-06T00:00:00Z"
/* planted in C's environment: no answer may hold it */
#define LLM_KEY_ENV "DASH_TEST_LLM_KEY"
#define LLM_KEY     "sk-or-v1-DASHTEST-5e2b7c19d4a8f063"

/* One fill for the whole binary: the first test to run fills the
 * database and starts `perpd serve` under a lock in a folder the runner
 * made; the others wait for it, then read where it serves. (The fill
 * cannot run in the runner's own hook: criterion's assertions, which the
 * replay helpers use, only work inside a test.) The runner stops the
 * server and removes the folder at the end. */
#define ENV_WORK "DASH_TEST_WORK"

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    pg_shared_start();
    char tmpl[] = "/tmp/perpd-dash-test.XXXXXX";
    if (mkdtemp(tmpl)) {
        chmod(tmpl, 0755); /* the postgres user reads nothing here, but */
        setenv(ENV_WORK, tmpl, 1); /* replays write their files in it */
    }
}

static char *work_file(const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", getenv(ENV_WORK), name) < 0)
        return NULL;
    return p;
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    const char *work = getenv(ENV_WORK);
    char *pidf = work ? work_file("serve.pid") : NULL;
    char *text = pidf ? file_read(pidf, NULL) : NULL;
    int pid = text ? atoi(text) : 0;
    if (pid > 0) {
        kill(pid, SIGTERM);
        for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
            usleep(50000);
    }
    free(text);
    free(pidf);
    if (work)
        temp_dir_remove(work);
    pg_shared_stop();
}

/* C's answers, in order, the last repeated: a long BTC at 5x (about 2.7
 * times the equity, so it has a liquidation price) with a whole exit
 * plan that neither target nor stop ends within the 40 minutes (BTC was
 * near 59,000), then DOGE, which is not traded (refused), beside a hold. */
static const char *const llm_answers[] = {
    "{\"positions\": {\"BTC\": {\"signal\": \"buy\", \"quantity\": 0.45, "
    "\"leverage\": 5, \"confidence\": 0.7, \"exit_plan\": "
    "{\"profit_target\": 90000, \"stop_loss\": 40000, "
    "\"invalidation_condition\": \"4h close below 50000\"}, "
    "\"justification\": \"uptrend\"}}, \"notes_for_audience\": \"long "
    "BTC\"}",
    "{\"positions\": {\"DOGE\": {\"signal\": \"buy\", \"quantity\": 1000, "
    "\"leverage\": 2, \"confidence\": 0.9, \"justification\": \"meme\"}, "
    "\"BTC\": {\"signal\": \"hold\", \"quantity\": 0.45, \"leverage\": 5, "
    "\"confidence\": 0.6, \"justification\": \"still up\"}}, "
    "\"notes_for_audience\": \"doge?\"}",
    "{\"positions\": {\"BTC\": {\"signal\": \"hold\", \"quantity\": 0.45, "
    "\"leverage\": 5, \"confidence\": 0.6, \"justification\": \"wait\"}}, "
    "\"notes_for_audience\": \"holding\"}",
};
#define N_LLM_ANSWERS (sizeof llm_answers / sizeof llm_answers[0])

static void fill_llm(const char *url, const char *work)
{
    chat_server *srv = chat_server_start();
    cr_assert_not_null(srv, "the chat server did not start");
    chat_reply r[N_LLM_ANSWERS];
    char *bodies[N_LLM_ANSWERS];
    for (size_t i = 0; i < N_LLM_ANSWERS; i++) {
        bodies[i] = chat_completion_body(llm_answers[i], 2000 + (int)i,
                                         80 + (int)i, 0.0002 * (double)(i + 1));
        r[i] = (chat_reply){200, bodies[i], NULL, 0};
    }
    chat_server_script(srv, r, N_LLM_ANSWERS);
    char base_url[128];
    chat_server_base_url(srv, base_url, sizeof base_url);
    const char *shared = getenv("PERP_SHARED");
    char *yaml = NULL;
    cr_assert(
        asprintf(&yaml,
                 "agent:\n"
                 "  version: " VC "\n"
                 "  description: the dashboard test's LLM version\n"
                 "  cycle: 60s\n"
                 "  symbols: [BTC-USD, ETH-USD]\n"
                 "  observation_every: 1\n"
                 "  metrics_every: 5\n"
                 "plugin_path: [%s/lib/perp]\n"
                 "feeds:\n"
                 "  - plugin: replay\n"
                 "    dir: %s/history/1m_2021-04\n"
                 "    from: 2021-04-06T00:00:00Z\n"
                 "    to: 2021-04-06T00:40:00Z\n"
                 "    speed: max\n"
                 "    cache_dir: %s/cache\n"
                 "indicators:\n"
                 "  - {plugin: ema, name: ema_5, period: 5}\n"
                 "  - {plugin: rsi, name: rsi_7, period: 7}\n"
                 "planner:\n"
                 "  plugin: openrouter\n"
                 "  base_url: %s\n"
                 "  model: test/dashboard-model\n"
                 "  api_key_env: " LLM_KEY_ENV "\n"
                 "  response_format: json_object\n"
                 "  connect_timeout: 1s\n"
                 "  timeout: 3s\n"
                 "  max_retries: 1\n"
                 "  backoff: 10ms\n"
                 "backend:\n"
                 "  plugin: perpsim\n"
                 "  starting_equity: 10000\n"
                 "  max_leverage: 5\n"
                 "  fee_bps: 2\n"
                 "  slippage_bps: 1\n"
                 "  funding: {model: heuristic}\n"
                 "limits:\n"
                 "  min_notional: 5\n"
                 "  max_exposure: 3\n"
                 "sinks:\n"
                 "  - {plugin: postgres, url: \"${DATABASE_URL}\", spool_dir: "
                 "%s/spool}\n",
                 test_build_dir(), shared && *shared ? shared : "../shared",
                 work, base_url, work) > 0);
    char *path = temp_dir_write(work, VC ".yaml", yaml);
    setenv(LLM_KEY_ENV, LLM_KEY, 1);
    char *out = NULL;
    int rc = pg_run_perpd(path, url, &out);
    unsetenv(LLM_KEY_ENV);
    cr_assert_eq(rc, 0, "replay " VC ": exit %d\n%s", rc, out);
    cr_assert_null(strstr(out, LLM_KEY), "the key in perpd's output");
    cr_assert_geq(chat_server_request_count(srv), 30, "%s", out);
    free(out);
    free(path);
    free(yaml);
    chat_server_stop(srv);
    for (size_t i = 0; i < N_LLM_ANSWERS; i++)
        free(bodies[i]);
}

static void fill(const char *url, const char *work)
{
    fill_llm(url, work);
    const char *planners[2] = {"script", "rules"};
    const char *tags[2] = {VA, VB};
    for (int i = 0; i < 2; i++) {
        pg_run_cfg cfg = {.dir = work,
                          .version = tags[i],
                          .from = FROM,
                          .to = TO,
                          .planner = planners[i],
                          .observation_every = 30,
                          .metrics_every = 60};
        char *yaml = pg_run_yaml(&cfg);
        char *out = NULL;
        int rc = pg_run_perpd(yaml, url, &out);
        cr_assert_eq(rc, 0, "replay %s: exit %d\n%s", tags[i], rc, out);
        free(out);
        free(yaml);
    }
}

static void serve(const char *url, const char *work)
{
    char cwd[1024];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    char *yaml = NULL;
    cr_assert(asprintf(&yaml,
                       "plugin_path: [%s/lib/perp]\nservices:\n  - plugin: "
                       "dashboard\n    port: 0\n    webui: %s/webui\n    "
                       "url: \"${DASH_TEST_DB}\"\n    refresh: 200ms\n",
                       test_build_dir(), cwd) > 0);
    setenv("DASH_TEST_DB", url, 1);
    char *path = temp_dir_write(work, "dashboard.yaml", yaml);
    char *log = work_file("serve.log");
    dash_proc p;
    int rc = dash_serve_start(path, log, &p);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 0, "perpd serve did not start:\n%s", text);
    free(text);
    char num[32];
    snprintf(num, sizeof num, "%d\n", p.pid);
    free(temp_dir_write(work, "serve.pid", num));
    free(temp_dir_write(work, "db.url", url));
    /* last: its presence says everything is ready */
    free(temp_dir_write(work, "base", p.base));
    free(path);
    free(log);
    free(yaml);
}

static char base_url[128];
static char db_url[1024];

/* The server's base URL, filling the database first if no test has. */
static const char *base(void)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED");
    const char *work = getenv(ENV_WORK);
    cr_assert_not_null(work);
    if (*base_url)
        return base_url;
    char *lockf = work_file("lock");
    int fd = open(lockf, O_RDWR | O_CREAT, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(flock(fd, LOCK_EX), 0);
    char *bf = work_file("base");
    char *b = file_read(bf, NULL);
    if (!b) {
        char *url = pg_test_db("dash");
        fill(url, work);
        serve(url, work);
        free(url);
        b = file_read(bf, NULL);
    }
    char *uf = work_file("db.url");
    char *u = file_read(uf, NULL);
    cr_assert(b && u);
    snprintf(base_url, sizeof base_url, "%s", b);
    snprintf(db_url, sizeof db_url, "%s", u);
    flock(fd, LOCK_UN);
    close(fd);
    free(b);
    free(u);
    free(bf);
    free(uf);
    free(lockf);
    return base_url;
}

/* ------------------------------------------------------------ helpers */

static PGconn *db(void)
{
    base();
    return pg_test_connect(db_url);
}

static http_result req(const char *method, const char *path, const char *hdr)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", base(), path);
    http_result r;
    cr_assert_eq(http_request(method, url, hdr, &r), 0, "%s: no answer", path);
    const char *pw = pg_test_password();
    if (*pw) {
        cr_assert_null(strstr(r.body, pw), "%s: the password in the body",
                       path);
        cr_assert_null(strstr(r.headers, pw), "%s: the password in headers",
                       path);
    }
    cr_assert_null(strstr(r.body, LLM_KEY), "%s: the LLM key in the body",
                   path);
    return r;
}

/* GET path: 200 and its JSON (caller decrefs). */
static json_t *get_json(const char *path)
{
    http_result r = req(NULL, path, NULL);
    cr_assert_eq(r.status, 200, "%s: %ld %s", path, r.status, r.body);
    json_error_t e;
    json_t *j = json_loads(r.body, 0, &e);
    cr_assert_not_null(j, "%s: not JSON (%s)", path, e.text);
    http_result_free(&r);
    return j;
}

static double jnum(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

static double sql_num(PGconn *c, const char *fmt, const char *tag)
{
    char sql[1024];
    snprintf(sql, sizeof sql, fmt, tag);
    return pg_test_num(c, sql);
}

static long long sql_int(PGconn *c, const char *fmt, const char *tag)
{
    char sql[1024];
    snprintf(sql, sizeof sql, fmt, tag);
    return pg_test_int(c, sql);
}

#define VID "(SELECT id FROM agent_versions WHERE tag = '%s')"

/* -------------------------------------------------------------- tests */

Test(dashboard_api, versions_and_the_default_one)
{
    json_t *v = get_json("/api/versions");
    cr_assert_eq(json_array_size(v), 3);
    /* newest commit first: C ran first, then A, then B */
    static const char *const order[] = {VB, VA, VC};
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(
            json_string_value(json_object_get(json_array_get(v, i), "version")),
            order[i]);
    json_decref(v);
    json_t *cur = get_json("/api/current-version");
    cr_assert_str_eq(json_string_value(json_object_get(cur, "version")), VB);
    json_decref(cur);
    /* without version=, every endpoint answers as for the newest one */
    static const char *const paths[] = {
        "/api/pl",      "/api/equity-curve", "/api/trades",
        "/api/metrics", "/api/positions",    "/api/completed-trades",
        "/api/chat",    "/api/config",       "/api/performance-stats"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char with[256];
        snprintf(with, sizeof with, "%s?version=" VB, paths[i]);
        http_result a = req(NULL, paths[i], NULL);
        http_result b = req(NULL, with, NULL);
        cr_assert_eq(a.status, 200, "%s: %ld", paths[i], a.status);
        cr_assert_str_eq(a.body, b.body, "%s", paths[i]);
        json_t *j = json_loads(a.body, 0, NULL);
        cr_assert_str_eq(json_string_value(json_object_get(j, "version")), VB,
                         "%s", paths[i]);
        json_decref(j);
        http_result_free(&a);
        http_result_free(&b);
    }
}

Test(dashboard_api, equity_curve_against_the_snapshots)
{
    PGconn *c = db();
    const char *tags[2] = {VA, VB};
    for (int t = 0; t < 2; t++) {
        char path[256];
        snprintf(path, sizeof path, "/api/equity-curve?version=%s", tags[t]);
        json_t *j = get_json(path);
        json_t *pts = json_object_get(j, "points");
        size_t n = json_array_size(pts);
        long long count = sql_int(
            c, "SELECT count(*) FROM equity_snapshots WHERE version_id = " VID,
            tags[t]);
        cr_assert_gt(count, 500, "a four-day replay has thousands");
        cr_assert_eq((long long)jnum(j, "count"), count);
        cr_assert_leq(n, 500);
        /* each of the 249 buckets keeps one (flat) or two points */
        cr_assert_geq(n, 249, "buckets hold points: %zu", n);
        /* the last point is the newest snapshot, bit for bit */
        json_t *last = json_array_get(pts, n - 1);
        double want = sql_num(c,
                              "SELECT equity FROM equity_snapshots WHERE "
                              "version_id = " VID " ORDER BY seq DESC LIMIT 1",
                              tags[t]);
        cr_assert_eq(json_number_value(json_array_get(last, 1)), want);
        long long last_ts = sql_int(c,
                                    "SELECT max(ts) FROM equity_snapshots "
                                    "WHERE version_id = " VID,
                                    tags[t]);
        cr_assert_eq((long long)json_integer_value(json_array_get(last, 0)),
                     last_ts);
        /* the extremes survive the down-sampling */
        double lo = sql_num(c,
                            "SELECT min(equity) FROM equity_snapshots WHERE "
                            "version_id = " VID,
                            tags[t]);
        double hi = sql_num(c,
                            "SELECT max(equity) FROM equity_snapshots WHERE "
                            "version_id = " VID,
                            tags[t]);
        int seen_lo = 0, seen_hi = 0;
        double prev_ts = -1, max_dd = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *p = json_array_get(pts, i);
            double ts = json_number_value(json_array_get(p, 0));
            double eq = json_number_value(json_array_get(p, 1));
            double dd = json_number_value(json_array_get(p, 2));
            cr_assert_gt(ts, prev_ts, "points in time order");
            prev_ts = ts;
            seen_lo |= eq == lo;
            seen_hi |= eq == hi;
            cr_assert_geq(dd, 0);
            max_dd = dd > max_dd ? dd : max_dd;
        }
        cr_assert(seen_lo && seen_hi, "%s: min %d max %d", tags[t], seen_lo,
                  seen_hi);
        /* the deepest drawdown shown is the stored max drawdown */
        double stored =
            sql_num(c,
                    "SELECT max_drawdown_pct FROM version_metrics "
                    "WHERE version_id = " VID " ORDER BY seq DESC LIMIT 1",
                    tags[t]);
        cr_assert_float_eq(max_dd, stored, 1e-9, "%s: %.12g vs %.12g", tags[t],
                           max_dd, stored);
        json_decref(j);
    }
    /* a small window, few points: first and last of the window kept */
    json_t *j = get_json("/api/equity-curve?version=" VA
                         "&points=10&from=2021-04-03T00:00:00Z"
                         "&to=2021-04-04T00:00:00Z");
    json_t *pts = json_object_get(j, "points");
    cr_assert_leq(json_array_size(pts), 10);
    cr_assert_eq(json_integer_value(json_array_get(json_array_get(pts, 0), 0)),
                 sql_int(c,
                         "SELECT min(ts) FROM equity_snapshots WHERE "
                         "version_id = " VID " AND ts >= 1617408000000",
                         VA));
    cr_assert_eq(
        json_integer_value(
            json_array_get(json_array_get(pts, json_array_size(pts) - 1), 0)),
        sql_int(c,
                "SELECT max(ts) FROM equity_snapshots WHERE version_id = " VID
                " AND ts < 1617494400000",
                VA));
    json_decref(j);
    PQfinish(c);
}

Test(dashboard_api, lists_against_their_tables)
{
    PGconn *c = db();
    static const struct {
        const char *path, *key, *table;
    } lists[] = {
        {"/api/trades", "trades", "trades"},
        {"/api/completed-trades", "round_trips", "round_trips"},
        {"/api/chat", "notes", "decisions"},
        {"/api/llm-calls", "llm_calls", "llm_calls"},
        {"/api/rejections", "rejections", "rejections"},
    };
    /* each version's rows and only those: the counts differ between
     * versions (A's script trades often, B's rules rarely, only C calls
     * an LLM or has a coin refused), so a list not filtered by version
     * shows */
    static const char *const tags[] = {VA, VB, VC};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        int nonzero = 0;
        for (size_t t = 0; t < 6; t++) {
            char path[256], sql[512];
            long long off = t < 3 ? 0 : 2;
            snprintf(path, sizeof path, "%s?version=%s&limit=7&offset=%lld",
                     lists[i].path, tags[t % 3], off);
            json_t *j = get_json(path);
            cr_assert_str_eq(json_string_value(json_object_get(j, "version")),
                             tags[t % 3]);
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM %s WHERE version_id = " VID,
                     lists[i].table, tags[t % 3]);
            long long total = pg_test_int(c, sql);
            nonzero += total > 0;
            json_t *tot = json_object_get(j, "total");
            if (!tot)
                tot = json_object_get(json_object_get(j, "totals"), "calls");
            cr_assert_eq((long long)json_number_value(tot), total, "%s", path);
            json_t *rows = json_object_get(j, lists[i].key);
            long long want =
                total - off < 7 ? (total - off > 0 ? total - off : 0) : 7;
            cr_assert_eq((long long)json_array_size(rows), want, "%s", path);
            /* newest first, from the offset: the seqs of the table */
            for (long long k = 0; k < want; k++) {
                snprintf(sql, sizeof sql,
                         "SELECT seq FROM %s WHERE version_id = " VID
                         " ORDER BY seq DESC OFFSET %lld LIMIT 1",
                         lists[i].table, tags[t % 3], off + k);
                cr_assert_eq(
                    (long long)jnum(json_array_get(rows, (size_t)k), "id"),
                    pg_test_int(c, sql), "%s row %lld", path, k);
            }
            json_decref(j);
        }
        cr_assert_gt(nonzero, 0, "%s: no version has rows to show",
                     lists[i].path);
    }
    /* the script trades: fills and round trips exist, with reasons */
    long long trips = sql_int(
        c, "SELECT count(*) FROM round_trips WHERE version_id = " VID, VA);
    cr_assert_gt(trips, 5);
    json_t *j = get_json("/api/completed-trades?version=" VA "&limit=1000");
    json_t *rows = json_object_get(j, "round_trips");
    cr_assert_eq((long long)json_array_size(rows), trips);
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        cr_assert_gt(
            strlen(json_string_value(json_object_get(r, "entry_reason"))), 0);
        cr_assert_gt(
            strlen(json_string_value(json_object_get(r, "exit_reason"))), 0);
        cr_assert_eq(jnum(r, "hold_ms"),
                     jnum(r, "exit_ts") - jnum(r, "entry_ts"));
        cr_assert_float_eq(jnum(r, "gross_pnl"),
                           jnum(r, "net_pnl") + jnum(r, "fees"), 1e-9);
    }
    json_decref(j);
    /* a time range */
    j = get_json("/api/trades?version=" VA "&from=2021-04-03T00:00:00Z&to="
                 "2021-04-04T00:00:00Z&limit=1000");
    cr_assert_eq((long long)jnum(j, "total"),
                 sql_int(c,
                         "SELECT count(*) FROM trades WHERE version_id = " VID
                         " AND ts >= 1617408000000 AND ts < 1617494400000",
                         VA));
    json_decref(j);
    PQfinish(c);
}

/* v's row of the leaderboard answer, or NULL */
static json_t *board_row(json_t *rows, const char *v)
{
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        if (strcmp(json_string_value(json_object_get(r, "version")), v) == 0)
            return r;
    }
    return NULL;
}

/* The newest version_metrics row's column of a version. */
static double stored_metric(PGconn *c, const char *col, const char *tag)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM version_metrics WHERE version_id = " VID
             " ORDER BY seq DESC LIMIT 1",
             col, tag);
    return pg_test_num(c, sql);
}

/* key of answer o against the stored column col (NULL: JSON null) */
static void nullable_eq(PGconn *c, json_t *o, const char *key, const char *col,
                        const char *tag, const char *where)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM version_metrics WHERE version_id = " VID
             " ORDER BY seq DESC LIMIT 1",
             col, tag);
    char *want = pg_test_str(c, sql);
    json_t *v = json_object_get(o, key);
    cr_assert_not_null(v, "%s %s: no %s", where, tag, key);
    if (!want) {
        cr_assert(json_is_null(v), "%s %s %s: not null", where, tag, key);
        return;
    }
    cr_assert(json_is_number(v), "%s %s %s: not a number", where, tag, key);
    cr_assert_eq(json_number_value(v), strtod(want, NULL), "%s %s %s", where,
                 tag, key);
    free(want);
}

/* Issue 16's figures (migration 0003), NULL where undefined */
static const char *const bench_cols[] = {
    "bench_return_pct", "excess_return_pct",  "beta",
    "alpha_pct",        "tracking_error_pct", "info_ratio",
    "bench_periods",    "gross_pnl",          "net_pnl",
    "decisions_per_day"};

Test(dashboard_api, metrics_equal_the_stored_ones)
{
    PGconn *c = db();
    const char *tags[3] = {VA, VB, VC};
    /* on /api/metrics and the leaderboard (round_trips is "trades" there) */
    static const char *const both[] = {"sharpe",
                                       "sortino",
                                       "max_drawdown_pct",
                                       "total_return_pct",
                                       "win_rate",
                                       "round_trips",
                                       "realized_pnl",
                                       "total_fees",
                                       "equity",
                                       "avg_hold_ms",
                                       "annual_return_pct",
                                       "calmar",
                                       "total_funding",
                                       "llm_calls",
                                       "llm_cost_usd",
                                       "cost_per_decision",
                                       "starting_equity",
                                       "cycles"};
    /* on /api/metrics only */
    static const char *const more[] = {
        "avg_win",       "avg_loss",  "largest_win",        "largest_loss",
        "wins",          "losses",    "prompt_tokens",      "completion_tokens",
        "cached_tokens", "decisions", "snapshot_interval_s"};
    json_t *lb = get_json("/api/leaderboard");
    json_t *rows = json_object_get(lb, "versions");
    cr_assert_eq(json_array_size(rows), 3);
    for (size_t i = 1; i < 3; i++)
        cr_assert_geq(jnum(json_array_get(rows, i - 1), "sharpe"),
                      jnum(json_array_get(rows, i), "sharpe"),
                      "ranked by Sharpe");
    for (int t = 0; t < 3; t++) {
        char path[128];
        snprintf(path, sizeof path, "/api/metrics?version=%s", tags[t]);
        json_t *j = get_json(path);
        json_t *m = json_object_get(j, "metrics");
        json_t *row = board_row(rows, tags[t]);
        cr_assert_not_null(row, "%s not on the leaderboard", tags[t]);
        for (size_t f = 0; f < sizeof both / sizeof both[0]; f++) {
            double want = stored_metric(c, both[f], tags[t]);
            cr_assert_eq(jnum(m, both[f]), want, "%s %s", tags[t], both[f]);
            const char *lb_name =
                strcmp(both[f], "round_trips") == 0 ? "trades" : both[f];
            cr_assert_eq(jnum(row, lb_name), want, "leaderboard %s %s", tags[t],
                         both[f]);
        }
        for (size_t f = 0; f < sizeof more / sizeof more[0]; f++)
            cr_assert_eq(jnum(m, more[f]), stored_metric(c, more[f], tags[t]),
                         "%s %s", tags[t], more[f]);
        cr_assert_eq(jnum(row, "decisions"),
                     stored_metric(c, "decisions", tags[t]));
        for (size_t f = 0; f < sizeof bench_cols / sizeof bench_cols[0]; f++) {
            nullable_eq(c, m, bench_cols[f], bench_cols[f], tags[t], "metrics");
            nullable_eq(c, row, bench_cols[f], bench_cols[f], tags[t],
                        "leaderboard");
        }
        /* four days of 1m cycles: the book started, every figure defined */
        if (t < 2)
            for (size_t f = 0; f < sizeof bench_cols / sizeof bench_cols[0];
                 f++)
                cr_assert(json_is_number(json_object_get(row, bench_cols[f])),
                          "%s %s", tags[t], bench_cols[f]);
        /* profit factor: null in JSON where the database holds infinity
         * (no losing round trip) */
        double pf = stored_metric(c, "profit_factor", tags[t]);
        json_t *jpf = json_object_get(m, "profit_factor");
        if (isfinite(pf))
            cr_assert_eq(json_number_value(jpf), pf, "%s", tags[t]);
        else
            cr_assert(json_is_null(jpf), "%s", tags[t]);
        /* trades a day: round trips over the equity curve's span */
        double days = (stored_metric(c, "last_ts", tags[t]) -
                       stored_metric(c, "first_ts", tags[t])) /
                      86400000.0;
        cr_assert_float_eq(jnum(row, "duration_days"), days, 1e-12);
        cr_assert_float_eq(jnum(row, "trades_per_day"),
                           stored_metric(c, "round_trips", tags[t]) / days,
                           1e-9);
        /* P&L: the newest snapshot */
        snprintf(path, sizeof path, "/api/pl?version=%s", tags[t]);
        json_t *pl = get_json(path);
        double eq = sql_num(c,
                            "SELECT equity FROM equity_snapshots WHERE "
                            "version_id = " VID " ORDER BY seq DESC LIMIT 1",
                            tags[t]);
        cr_assert_eq(jnum(pl, "equity"), eq);
        cr_assert_float_eq(jnum(pl, "pnl"), eq - 10000, 1e-9);
        cr_assert_eq(jnum(pl, "open_positions"),
                     sql_int(c,
                             "SELECT count(*) FROM positions WHERE "
                             "version_id = " VID,
                             tags[t]));
        json_decref(pl);
        json_decref(j);
    }
    /* the minimum duration: C ran 40 minutes, A and B four days */
    json_t *two = get_json("/api/leaderboard?min_hours=1");
    json_t *r2 = json_object_get(two, "versions");
    cr_assert_eq(json_array_size(r2), 2);
    cr_assert(board_row(r2, VA) && board_row(r2, VB) && !board_row(r2, VC));
    json_decref(two);
    json_t *none = get_json("/api/leaderboard?min_hours=200");
    cr_assert_eq(json_array_size(json_object_get(none, "versions")), 0);
    json_decref(none);
    json_decref(lb);
    PQfinish(c);
}

/* C: the open position with its exit plan, the LLM calls and their
 * cost, the refused coin, a decision with its LLM call. */
Test(dashboard_api, llm_version_positions_calls_and_rejections)
{
    PGconn *c = db();
    json_t *pos = get_json("/api/positions?version=" VC);
    json_t *list = json_object_get(pos, "positions");
    cr_assert_eq(json_array_size(list), 1);
    json_t *p = json_array_get(list, 0);
    cr_assert_str_eq(json_string_value(json_object_get(p, "symbol")),
                     "BTC-USD");
    cr_assert_str_eq(json_string_value(json_object_get(p, "side")), "long");
    static const char *const cols[] = {
        "qty",      "entry_price",    "mark_price",       "leverage",
        "notional", "unrealized_pnl", "liquidation_price"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT %s FROM positions WHERE version_id = " VID, cols[i],
                 VC);
        cr_assert_eq(jnum(p, cols[i]), pg_test_num(c, sql), "%s", cols[i]);
    }
    cr_assert_float_eq(jnum(p, "qty"), 0.45, 1e-12);
    cr_assert_eq(jnum(p, "leverage"), 5);
    cr_assert_gt(jnum(p, "liquidation_price"), 0);
    cr_assert_lt(jnum(p, "liquidation_price"), jnum(p, "entry_price"));
    json_t *plan = json_object_get(p, "exit_plan");
    cr_assert_eq(jnum(plan, "profit_target"), 90000);
    cr_assert_eq(jnum(plan, "stop_loss"), 40000);
    cr_assert_str_eq(json_string_value(json_object_get(plan, "invalidation")),
                     "4h close below 50000");
    json_decref(pos);

    /* the LLM calls: totals against the table, each call's figures */
    json_t *j = get_json("/api/llm-calls?version=" VC "&limit=1000");
    json_t *tot = json_object_get(j, "totals");
    long long calls = sql_int(
        c, "SELECT count(*) FROM llm_calls WHERE version_id = " VID, VC);
    cr_assert_geq(calls, 30);
    cr_assert_eq((long long)jnum(tot, "calls"), calls);
    cr_assert_float_eq(
        jnum(tot, "cost_usd"),
        sql_num(c,
                "SELECT sum(cost_usd) FROM llm_calls WHERE version_id = " VID,
                VC),
        1e-12);
    cr_assert_eq(
        (long long)jnum(tot, "prompt_tokens"),
        sql_int(
            c,
            "SELECT sum(prompt_tokens) FROM llm_calls WHERE version_id = " VID,
            VC));
    json_t *first = json_array_get(json_object_get(j, "llm_calls"),
                                   (size_t)calls - 1); /* the oldest */
    cr_assert_str_eq(json_string_value(json_object_get(first, "model")),
                     "test/dashboard-model");
    cr_assert_eq(jnum(first, "prompt_tokens"), 2000);
    cr_assert_eq(jnum(first, "completion_tokens"), 80);
    cr_assert_float_eq(jnum(first, "cost_usd"), 0.0002, 1e-15);
    json_decref(j);
    /* stored metrics count the same calls and cost */
    cr_assert_eq(stored_metric(c, "llm_calls", VC), (double)calls);

    /* the refused coin */
    j = get_json("/api/rejections?version=" VC);
    json_t *rej = json_object_get(j, "rejections");
    cr_assert_geq(json_array_size(rej), 1);
    cr_assert_str_eq(
        json_string_value(json_object_get(
            json_array_get(rej, json_array_size(rej) - 1), "symbol")),
        "DOGE");
    json_decref(j);

    /* the first decision, with the model's answer and its call */
    long long seq =
        sql_int(c,
                "SELECT min(seq) FROM decisions WHERE version_id = " VID
                " AND llm_call_seq IS NOT NULL",
                VC);
    char path[128];
    snprintf(path, sizeof path, "/api/decision?version=" VC "&id=%lld", seq);
    json_t *d = get_json(path);
    cr_assert_str_eq(json_string_value(json_object_get(d, "notes")),
                     "long BTC");
    cr_assert(strstr(json_string_value(json_object_get(d, "raw_output")),
                     "4h close below 50000"));
    json_t *call = json_object_get(d, "llm_call");
    cr_assert(json_is_object(call));
    cr_assert_eq(jnum(call, "cost_usd"), 0.0002);
    cr_assert(json_is_object(json_object_get(d, "observation")));
    json_decref(d);
    PQfinish(c);
}

Test(dashboard_api, decision_with_its_observation)
{
    PGconn *c = db();
    long long seq = sql_int(c,
                            "SELECT seq FROM decisions WHERE version_id = " VID
                            " AND observation_seq IS NOT NULL ORDER BY seq "
                            "DESC LIMIT 1",
                            VA);
    char path[128];
    snprintf(path, sizeof path, "/api/decision?version=" VA "&id=%lld", seq);
    json_t *d = get_json(path);
    cr_assert(json_is_object(json_object_get(d, "observation")));
    cr_assert(json_is_object(json_object_get(d, "decision")));
    json_decref(d);
    http_result r =
        req(NULL, "/api/decision?version=" VA "&id=999999999", NULL);
    cr_assert_eq(r.status, 404);
    http_result_free(&r);
    json_t *mk = get_json("/api/market-prices?version=" VA);
    cr_assert_eq(json_array_size(json_object_get(mk, "prices")), 2);
    json_decref(mk);
    json_t *px = get_json("/api/prices?version=" VA "&symbol=BTC-USD");
    cr_assert_gt(json_array_size(json_object_get(px, "points")), 10);
    json_decref(px);
    PQfinish(c);
}

Test(dashboard_api, errors_methods_traversal_and_etags)
{
    static const char *const bad[] = {
        "/api/trades?limit=0",        "/api/trades?limit=1001",
        "/api/equity-curve?points=3", "/api/trades?from=x",
        "/api/chat?offset=-1",        "/api/pl?bogus=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_result r = req(NULL, bad[i], NULL);
        cr_assert_eq(r.status, 400, "%s: %ld", bad[i], r.status);
        cr_assert(strstr(r.body, "\"error\""));
        http_result_free(&r);
    }
    static const char *const methods[] = {"POST", "PUT", "DELETE"};
    for (size_t i = 0; i < 3; i++) {
        http_result r = req(methods[i], "/api/trades", NULL);
        cr_assert_eq(r.status, 405, "%s", methods[i]);
        http_result_free(&r);
    }
    static const char *const paths[] = {"/../README.md", "/%2e%2e/README.md",
                                        "//etc/passwd", "/etc/passwd",
                                        "/test/dashboard.mjs"};
    for (size_t i = 0; i < 5; i++) {
        http_result r = req(NULL, paths[i], NULL);
        cr_assert_eq(r.status, 404, "%s", paths[i]);
        http_result_free(&r);
    }
    http_result r = req(NULL, "/api/completed-trades?version=" VA, NULL);
    char *etag = http_header(&r, "ETag");
    char *lm = http_header(&r, "Last-Modified");
    cr_assert_not_null(etag);
    cr_assert_not_null(lm);
    http_result_free(&r);
    char hdr[256];
    snprintf(hdr, sizeof hdr, "If-None-Match: %s", etag);
    r = req(NULL, "/api/completed-trades?version=" VA, hdr);
    cr_assert_eq(r.status, 304);
    http_result_free(&r);
    r = req(NULL, "/api/completed-trades?version=" VB, hdr);
    cr_assert_eq(r.status, 200, "another version, another ETag");
    http_result_free(&r);
    free(etag);
    free(lm);
    r = req(NULL, "/api/pl?version=nope", NULL);
    cr_assert_eq(r.status, 404);
    http_result_free(&r);
}

Test(dashboard_api, prometheus_metrics)
{
    PGconn *c = db();
    http_result r = req(NULL, "/metrics", NULL);
    cr_assert_eq(r.status, 200);
    char *ct = http_header(&r, "Content-Type");
    cr_assert_str_eq(ct, "text/plain; version=0.0.4; charset=utf-8");
    free(ct);
    char want[256];
    snprintf(
        want, sizeof want, "perpd_equity_usd{version=\"" VA "\"} %.17g\n",
        sql_num(c,
                "SELECT equity FROM equity_snapshots WHERE version_id = " VID
                " ORDER BY seq DESC LIMIT 1",
                VA));
    cr_assert(strstr(r.body, want), "no '%s' in:\n%s", want, r.body);
    cr_assert(strstr(r.body, "# TYPE perpd_cycles_total counter"));
    cr_assert(strstr(r.body, "perpd_dashboard_database_up 1"));
    http_result_free(&r);
    PQfinish(c);
}

/* Every answer against the OpenAPI document, with ajv in node: each
 * endpoint for the version whose rows fill it (C's LLM calls, refusals,
 * position and decision with its call; A's trades and round trips), and
 * the error answers. */
Test(dashboard_api, openapi_validates_every_answer, .timeout = 500)
{
    PGconn *c = db();
    char dec_a[128], dec_c[128];
    snprintf(dec_a, sizeof dec_a, "/api/decision?version=" VA "&id=%lld",
             sql_int(c,
                     "SELECT max(seq) FROM decisions WHERE version_id = " VID,
                     VA));
    snprintf(dec_c, sizeof dec_c, "/api/decision?version=" VC "&id=%lld",
             sql_int(c,
                     "SELECT min(seq) FROM decisions WHERE version_id = " VID
                     " AND llm_call_seq IS NOT NULL",
                     VC));
    PQfinish(c);
    char *node_argv[] = {"node",
                         "webui/test/openapi_check.mjs",
                         (char *)base(),
                         "/api/health",
                         "/api/health?version=" VA,
                         "/api/versions",
                         "/api/current-version",
                         "/api/config?version=" VA,
                         "/api/config?version=" VC,
                         "/api/leaderboard",
                         "/api/leaderboard?min_hours=500",
                         "/api/equity-curve?version=" VA,
                         "/api/equity-curve?version=" VB "&points=10",
                         "/api/pl?version=" VA,
                         "/api/pl?version=" VC,
                         "/api/positions?version=" VA,
                         "/api/positions?version=" VC,
                         "/api/trades?version=" VA,
                         "/api/completed-trades?version=" VA,
                         "/api/chat?version=" VA "&limit=5",
                         "/api/chat?version=" VC "&limit=5",
                         dec_a,
                         dec_c,
                         "/api/decision?version=" VA "&id=999999999",
                         "/api/metrics?version=" VB,
                         "/api/metrics?version=" VC,
                         "/api/performance-stats?version=" VA,
                         "/api/llm-calls?version=" VA,
                         "/api/llm-calls?version=" VC,
                         "/api/rejections?version=" VC,
                         "/api/market-prices?version=" VA,
                         "/api/prices?version=" VA "&symbol=ETH-USD",
                         "/api/openapi.json",
                         "/metrics",
                         "/api/trades?limit=0",
                         "/api/pl?version=nope",
                         NULL};
    char *out = NULL;
    int rc = run_process(node_argv, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "openapi: 33 valid, 0 failed"), "%s", out);
    free(out);
}

/* The web UI in chromium; screenshots in build/screenshots/. */
Test(dashboard_api, browser, .timeout = 500)
{
    char *node_argv[] = {"node",
                         "webui/test/dashboard.mjs",
                         (char *)base(),
                         "build/screenshots",
                         VA,
                         VB,
                         NULL};
    char *out = NULL;
    int rc = run_process(node_argv, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "\"pages\":14"), "%s", out);
    free(out);
    char *logf = work_file("serve.log");
    char *log = file_read(logf, NULL);
    free(logf);
    cr_assert_null(strstr(log, "ERROR"), "%s", log);
    free(log);
}
