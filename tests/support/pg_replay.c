/*
 * pg_replay.c — see pg_replay.h.
 */
#include "pg_replay.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_dir.h"
#include "file_read.h"
#include "pg_cluster.h"
#include "run_process.h"
#include "temp_dir.h"

#define SYMBOLS "[BTC-USD, ETH-USD]"

static const char *history(void)
{
    static char path[1024];
    const char *shared = getenv("PERP_SHARED");
    snprintf(path, sizeof path, "%s/history/1m_2021-04",
             shared && *shared ? shared : "../shared");
    return path;
}

static int64_t iso_ms(const char *iso)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    cr_assert(strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm), "bad ISO %s", iso);
    return (int64_t)timegm(&tm) * 1000;
}

/* The close of the 1m candle of sym opened at ts_ms - 60 s (the last one
 * an observation at ts_ms sees). */
static double close_before(const char *sym, int64_t ts_ms)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s_1m.csv", history(), sym);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    char line[256];
    long long want = ts_ms / 1000 - 60;
    double close = 0;
    while (fgets(line, sizeof line, f)) {
        long long t;
        double o, h, l, c;
        if (sscanf(line, "%lld,%lf,%lf,%lf,%lf", &t, &o, &h, &l, &c) == 5 &&
            t <= want)
            close = c;
        if (sscanf(line, "%lld", &t) == 1 && t > want)
            break;
    }
    fclose(f);
    cr_assert_gt(close, 0, "no %s candle before %lld", sym, (long long)ts_ms);
    return close;
}

static void coin(FILE *f, const char *name, const char *signal, double qty,
                 double lev, double stop, const char *why)
{
    fprintf(f,
            "\"%s\": {\"coin\": \"%s\", \"signal\": \"%s\", \"quantity\": "
            "%.6g, \"leverage\": %g, \"confidence\": 0.7, \"risk_usd\": 10, "
            "\"exit_plan\": {\"profit_target\": 0, \"stop_loss\": %.10g, "
            "\"invalidation_condition\": \"test\"}, \"justification\": "
            "\"%s\"}",
            name, name, signal, qty, lev, stop, why);
}

/* Every 97 minutes a step of an 8-step pattern: BTC long then closed, ETH
 * short with a tight stop (often hit between cycles) then closed, BTC
 * short, ETH long with a tight stop. */
static char *write_script(const pg_run_cfg *c)
{
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/%s.script.jsonl", c->dir, c->version) > 0);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    int64_t from = iso_ms(c->from) + 30 * 60000, to = iso_ms(c->to);
    int k = 0;
    for (int64_t t = from; t < to; t += 97 * 60000, k++) {
        double btc = close_before("BTC-USD", t),
               eth = close_before("ETH-USD", t);
        fprintf(f, "{\"ts\": %lld, \"positions\": {", (long long)t);
        switch (k % 8) {
        case 0:
            coin(f, "BTC", "buy", 0.05, 2, btc * 0.97, "step long BTC");
            break;
        case 2:
            coin(f, "ETH", "sell", 1.0, 3, eth * 1.004, "step short ETH");
            break;
        case 4:
            coin(f, "BTC", "sell", 0.04, 2, btc * 1.03, "step short BTC");
            break;
        case 6:
            coin(f, "ETH", "buy", 0.8, 3, eth * 0.996, "step long ETH");
            break;
        default:
            coin(f, k % 4 == 1 ? "BTC" : "ETH", "close", 0, 1, 0, "step flat");
        }
        fprintf(f, "}, \"notes_for_audience\": \"step %d\"}\n", k);
    }
    fclose(f);
    return path;
}

char *pg_run_yaml(const pg_run_cfg *c)
{
    char planner[1200];
    if (strcmp(c->planner, "script") == 0) {
        char *script = write_script(c);
        snprintf(planner, sizeof planner,
                 "planner:\n  plugin: script\n  path: %s\n", script);
        free(script);
    } else {
        snprintf(planner, sizeof planner,
                 "planner:\n  plugin: rules\n  cooldown: 30m\n");
    }
    char jsonl[1200] = "";
    if (c->with_jsonl)
        snprintf(jsonl, sizeof jsonl,
                 "  - {plugin: jsonl, path: %s/%s/records.jsonl}\n", c->dir,
                 c->version);
    char every[64] = "";
    if (c->checkpoint_every)
        snprintf(every, sizeof every, "  checkpoint_every: %d\n",
                 c->checkpoint_every);
    char *yaml = NULL;
    cr_assert(
        asprintf(
            &yaml,
            "agent:\n"
            "  version: %s\n"
            "  description: integration test %s\n"
            "  cycle: 60s\n"
            "  symbols: " SYMBOLS "\n"
            "  observation_every: %d\n"
            "  metrics_every: %d\n"
            "%s"
            "plugin_path: [%s/lib/perp]\n"
            "feeds:\n"
            "  - plugin: replay\n"
            "    dir: %s\n"
            "    from: %s\n"
            "    to: %s\n"
            "    speed: %s\n"
            "    cache_dir: %s/cache\n"
            /* config/replay.yaml's: what the rule planner reads */
            "indicators:\n"
            "  - {plugin: rsi, name: rsi_7, period: 7}\n"
            "  - {plugin: ema, name: ema_20, period: 20}\n"
            "  - {plugin: ema, name: ema_60, period: 60}\n"
            "  - {plugin: ema, name: ema_240, period: 240}\n"
            "  - {plugin: macd, name: macd, fast: 12, slow: 26, signal: 9}\n"
            "  - {plugin: volatility, name: rv_15m, window: 15}\n"
            "  - {plugin: atr, name: atr_14, period: 14}\n"
            "  - {plugin: regime, name: regime}\n"
            "  - {plugin: rsi, name: rsi_7_ctx, period: 7, timeframe: "
            "context}\n"
            "  - {plugin: ema, name: ema_12_ctx, period: 12, timeframe: "
            "context}\n"
            "  - {plugin: macd, name: macd_ctx, fast: 6, slow: 13, signal: 5, "
            "timeframe: context}\n"
            "  - {plugin: volatility, name: rv_12_ctx, window: 12, timeframe: "
            "context}\n"
            "  - {plugin: regime, name: regime_ctx, timeframe: context, ema: "
            "ema_12_ctx, macd: macd_ctx.macd, rsi: rsi_7_ctx, rv: "
            "rv_12_ctx.rv, rv_annual: rv_12_ctx.rv_annual}\n"
            "%s"
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
            /* Relative: resolved against the YAML's folder, dir (the
             * tests run from the repository root), where test_pg_outage
             * looks for it. */
            "  - {plugin: postgres, url: \"${%s}\", spool_dir: spool}\n"
            "%s",
            c->version, c->version,
            c->observation_every ? c->observation_every : 10,
            c->metrics_every ? c->metrics_every : 10, every, test_build_dir(),
            history(), c->from, c->to, c->speed ? c->speed : "max", c->dir,
            planner, c->url_var ? c->url_var : "DATABASE_URL", jsonl) > 0);
    char name[256];
    snprintf(name, sizeof name, "%s.yaml", c->version);
    char *path = temp_dir_write(c->dir, name, yaml);
    free(yaml);
    return path;
}

int pg_run_perpd(const char *yaml, const char *url, char **out)
{
    setenv("DATABASE_URL", url, 1);
    char *perpd = perpd_path();
    char *argv[] = {perpd, "run", (char *)yaml, NULL};
    int rc = run_process(argv, out);
    free(perpd);
    return rc;
}

int pg_spawn_perpd(const char *yaml, const char *url, const char *log_path)
{
    setenv("DATABASE_URL", url, 1);
    char *perpd = perpd_path();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        /* Not the test runner's own pipes: a perpd that outlives the test
         * process would hold them open. */
        for (int k = 3; k < 1024; k++)
            close(k);
        execl(perpd, perpd, "run", yaml, (char *)NULL);
        _exit(127);
    }
    free(perpd);
    cr_assert_gt(pid, 0, "fork failed");
    return pid;
}

static size_t count_marks(const char *text, const char *mark)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, mark)) != NULL; p++)
        n++;
    return n;
}

void pg_expect_refusal(const char *dir, const char *version, const char *yaml,
                       const char *url, const char *why, const char *secret)
{
    char *out = NULL;
    int rc = pg_run_perpd(yaml, url, &out);
    cr_assert_eq(rc, 1, "exit %d, expected 1:\n%s", rc, out);
    cr_assert_eq(count_marks(out, "ERROR "), 1, "not one error line:\n%s", out);
    const char *line = strstr(out, "ERROR ");
    const char *end = strchr(line, '\n');
    const char *at = strstr(line, why);
    cr_assert(at && (!end || at < end), "the error line does not say '%s':\n%s",
              why, out);
    cr_assert_null(strstr(out, secret), "the password is in the output:\n%s",
                   out);
    char path[1100];
    snprintf(path, sizeof path, "%s/spool", dir);
    struct stat sb;
    cr_assert_neq(stat(path, &sb), 0, "a spool folder was made");
    snprintf(path, sizeof path, "%s/%s/records.jsonl", dir, version);
    char *jsonl = file_read(path, NULL);
    cr_assert(!jsonl || !*jsonl, "records were written:\n%s", jsonl);
    free(jsonl);
    fprintf(stderr, "refused as expected: %.*s\n",
            (int)(end ? end - line : (long)strlen(line)), line);
    free(out);
}

int pg_version_id(PGconn *c, const char *tag)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id FROM agent_versions WHERE tag = '%s'",
             tag);
    return (int)pg_test_int(c, sql);
}

static long long differing(PGconn *c, const char *table, const char *row,
                           int va, int vb)
{
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM (SELECT %s FROM %s t WHERE "
             "version_id = %d EXCEPT ALL SELECT %s FROM %s t WHERE version_id "
             "= %d) x) + (SELECT count(*) FROM (SELECT %s FROM %s t WHERE "
             "version_id = %d EXCEPT ALL SELECT %s FROM %s t WHERE "
             "version_id = %d) y)",
             row, table, va, row, table, vb, row, table, vb, row, table, va);
    return pg_test_int(c, sql);
}

long long pg_rows_differing(PGconn *c, const char *table, int va, int vb)
{
    char row[256];
    snprintf(row, sizeof row, "(to_jsonb(t) - 'version_id')%s",
             strcmp(table, "observations") == 0 ? " #- '{observation,version}'"
                                                : "");
    return differing(c, table, row, va, vb);
}

long long pg_rows_differing_content(PGconn *c, const char *table, int va,
                                    int vb)
{
    char row[256];
    snprintf(row, sizeof row,
             "(to_jsonb(t) - 'version_id' - 'seq' - 'observation_seq' - "
             "'llm_call_seq')%s",
             strcmp(table, "observations") == 0 ? " #- '{observation,version}'"
                                                : "");
    return differing(c, table, row, va, vb);
}
