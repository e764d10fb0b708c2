/*
 * test_history_download.c — `perpd history download` through feed-coinbase's
 * backfill against a local stand-in for Coinbase's REST candles endpoint
 * (tests/support/candles_server.c) that pages at 300 rows, answers 429
 * once and 500 once: the CSV written is complete, ascending, and equal to
 * the server's market formula. Rows the replay feed would refuse are
 * dropped, counted and said, and the file is one the replay feed reads;
 * a Retry-After wait is said up front and SIGINT ends it at once; bad
 * arguments (a granularity past int, an empty symbol list) get clear
 * errors that echo the value.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <perp/candle_check.h>

#include "build_dir.h"
#include "candles_server.h"
#include "config.h"
#include "file_read.h"
#include "history.h"
#include "plugin_instance.h"
#include "run_process.h"
#include "stderr_capture.h"
#include "temp_dir.h"

/* 2024-01-01T00:00:00Z = 19723 days * 86400 s. */
#define JAN1 1704067200LL

/* host_history_main(argv + "--path <build>/lib/perp"): the feed plugin
 * comes from the build under test. */
static int run(char **argv)
{
    static char lib[1024];
    char *args[64];
    int argc = 0;
    while (argv[argc] && argc < 60) {
        args[argc] = argv[argc];
        argc++;
    }
    snprintf(lib, sizeof lib, "%s/lib/perp", test_build_dir());
    args[argc++] = "--path";
    args[argc++] = lib;
    args[argc] = NULL;
    return host_history_main(argc, args);
}

/* Checks dir/SYMBOL_1m.csv against the server's formula over [from, to):
 * every traded bucket present once, ascending, values exact. */
static void check_csv(const char *dir, const char *sym, int64_t from,
                      int64_t to)
{
    char path[1024], line[256];
    snprintf(path, sizeof path, "%s/%s_1m.csv", dir, sym);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s not written", path);
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_expect_str_eq(line, "ts,open,high,low,close,volume\n");
    int64_t t = from;
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        long long ts;
        double v[5], want[5];
        cr_assert_eq(sscanf(line, "%lld,%lf,%lf,%lf,%lf,%lf", &ts, &v[0], &v[1],
                            &v[2], &v[3], &v[4]),
                     6, "bad row: %s", line);
        /* Skip the buckets the server has no trade for; the next row
         * must be the next traded bucket, so nothing is missing. */
        while (t < to && !candles_server_row(sym, t, 60, want))
            t += 60;
        cr_assert_eq(ts, t, "%s row %zu: ts %lld, expected %lld", sym, rows, ts,
                     (long long)t);
        for (int k = 0; k < 5; k++)
            cr_assert_eq(v[k], want[k], "%s ts %lld field %d: %.17g != %.17g",
                         sym, ts, k, v[k], want[k]);
        rows++;
        t += 60;
    }
    fclose(f);
    double ignored[5];
    while (t < to && !candles_server_row(sym, t, 60, ignored))
        t += 60;
    cr_expect_geq(t, to, "%s: rows end early at %lld", sym, (long long)t);
    cr_expect_gt(rows, 0);
}

Test(history, download_pages_retries_and_writes_complete_ordered_csv)
{
    /* Request 2 gets 429 (Retry-After: 1), request 4 gets 500. */
    candles_server_opts o = {.products = "BTC-USD,ETH-USD",
                             .fail_429_at = 2,
                             .fail_500_at = 4,
                             .off_grid_s = 0};
    candles_server *s = candles_server_start(&o);
    cr_assert_not_null(s);
    char base[64];
    candles_server_base_url(s, base, sizeof base);
    char *dir = temp_dir_new();
    char out[1024];
    snprintf(out, sizeof out, "%s/new/sub", dir); /* created as needed */
    char *argv[] = {"history",
                    "download",
                    "--symbols",
                    "BTC-USD,ETH-USD",
                    "--granularity",
                    "60",
                    "--from",
                    "2024-01-01T00:00:00Z",
                    "--to",
                    "2024-01-01T12:00:00Z",
                    "--out",
                    out,
                    "--url",
                    base,
                    NULL};
    stderr_capture_begin();
    int rc = run(argv);
    char *log = stderr_capture_end();
    cr_assert_eq(rc, 0, "exit %d, log: %s", rc, log);
    /* 12 h = 720 one-minute buckets = 300 + 300 + 120 per symbol: 3
     * requests each, 6 in all, plus the 429 and the 500 retried. */
    cr_expect_eq(candles_server_requests(s), 8);
    cr_expect_eq(candles_server_over_limit(s), 0);
    cr_expect_eq(candles_server_missing_ua(s), 0);
    cr_expect_leq(candles_server_max_rows(s), 300);
    cr_expect(strstr(log, "HTTP 429"), "log: %s", log);
    cr_expect(strstr(log, "HTTP 500"), "log: %s", log);
    check_csv(out, "BTC-USD", JAN1, JAN1 + 12 * 3600);
    check_csv(out, "ETH-USD", JAN1, JAN1 + 12 * 3600);
    free(log);
    temp_dir_remove(dir);
    free(dir);
    candles_server_stop(s);
}

Test(history, server_errors_are_reported_not_retried_forever)
{
    candles_server_opts o = {.products = "BTC-USD",
                             .fail_429_at = 0,
                             .fail_500_at = 0,
                             .off_grid_s = 0};
    candles_server *s = candles_server_start(&o);
    char base[64];
    candles_server_base_url(s, base, sizeof base);
    char *dir = temp_dir_new();
    char *argv[] = {"history",       "download",   "--symbols", "NOPE-USD",
                    "--granularity", "3600",       "--from",    "2024-01-01",
                    "--to",          "2024-01-02", "--out",     dir,
                    "--url",         base,         NULL};
    stderr_capture_begin();
    int rc = run(argv);
    char *log = stderr_capture_end();
    cr_expect_eq(rc, 1);
    cr_expect(strstr(log, "NOPE-USD"), "log: %s", log);
    cr_expect(strstr(log, "HTTP 404: NotFound"), "log: %s", log);
    cr_expect_eq(candles_server_requests(s), 1, "a 404 is not retried");
    free(log);
    temp_dir_remove(dir);
    free(dir);
    candles_server_stop(s);
}

Test(history, bad_arguments_get_clear_errors)
{
    static const struct {
        const char *args[8];
        const char *want;
    } cases[] = {
        {{"--granularity", "120"}, "--granularity '120': expected one of"},
        {{"--from", "2024-13-01"}, "--from '2024-13-01': expected ISO 8601"},
        {{"--to", "2023-12-31T00:00:00Z"}, "is not after --from"},
        {{"--symbols", "BTC-USD,btc usd"}, "'btc usd' is not a product id"},
        {{"--bogus", "1"}, "unknown argument '--bogus'"},
        {{"--out"}, "--out needs a value"},
        /* 2^32 + 60: an (int) cast once read it as 60. */
        {{"--granularity", "4294967356"},
         "--granularity '4294967356': expected one of"},
        {{"--granularity", "99999999999999999999"},
         "--granularity '99999999999999999999': expected one of"},
        {{"--granularity", "-60"}, "--granularity '-60': expected one of"},
        {{"--granularity", "60s"}, "--granularity '60s': expected one of"},
        {{"--symbols", ""}, "--symbols '': expected at least one product id"},
        {{"--symbols", "BTC-USD,,ETH-USD"},
         "--symbols 'BTC-USD,,ETH-USD': an empty entry"},
        {{"--symbols", "BTC-USD,"}, "--symbols 'BTC-USD,': an empty entry"},
        {{"--from", "1969-12-31"}, "--from '1969-12-31': before 1970"},
        {{"--feed", ""}, "--feed '': expected a feed plugin's name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* A valid command line with one argument replaced or added. */
        const char *base[] = {"--symbols",     "BTC-USD",
                              "--granularity", "60",
                              "--from",        "2024-01-01T00:00:00Z",
                              "--to",          "2024-01-01T01:00:00Z",
                              "--out",         "/tmp/x"};
        char *argv[32] = {"history", "download"};
        int argc = 2;
        for (int k = 0; k < 10; k += 2) {
            int replaced =
                cases[i].args[0] && strcmp(cases[i].args[0], base[k]) == 0;
            if (!replaced) {
                argv[argc++] = (char *)base[k];
                argv[argc++] = (char *)base[k + 1];
            }
        }
        for (int k = 0; k < 8 && cases[i].args[k]; k++)
            argv[argc++] = (char *)cases[i].args[k];
        argv[argc] = NULL;
        stderr_capture_begin();
        int rc = host_history_main(argc, argv);
        char *log = stderr_capture_end();
        cr_expect_eq(rc, 2, "case %zu: exit %d", i, rc);
        cr_expect(strstr(log, cases[i].want), "case %zu log: %s", i, log);
        free(log);
    }
    char *bad[] = {"history", "upload", NULL};
    stderr_capture_begin();
    cr_expect_eq(run(bad), 2);
    free(stderr_capture_end());
}

/* The replay feed over dir (one symbol, granularity g): the number of
 * candles it emits before EOF, or -1 if it refuses the data. */
static long replay_reads(const char *dir, const char *sym, int g)
{
    char yaml[2048], err[512], lib[1024];
    snprintf(yaml, sizeof yaml,
             "{plugin: replay, dir: '%s', interval: %ds, symbols: [%s], "
             "cache_dir: '%s/cache'}",
             dir, g, sym, dir);
    host_config *cfg = host_config_parse(yaml, "replay.yaml", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    snprintf(lib, sizeof lib, "%s/lib/perp", test_build_dir());
    const char *dirs[1] = {lib};
    host_plugin_path path;
    host_plugin_path_init(&path, dirs, 1);
    const char *syms[1] = {sym};
    host_context ctx = {.version = "t", .symbols = syms, .n_symbols = 1};
    host_instance inst;
    long n = -1;
    if (host_instance_open(&inst, &path, PERP_KIND_FEED, host_config_root(cfg),
                           "replay", &ctx) == PERP_OK) {
        const perp_feed_vtable *vt = inst.vtable;
        perp_event ev;
        int rc;
        n = 0;
        while ((rc = vt->next(inst.self, &ev, 0)) == PERP_OK)
            n += ev.type == PERP_EV_CANDLE;
        if (rc != PERP_EOF)
            n = -1;
        host_instance_close(&inst);
    }
    host_plugin_path_free(&path);
    host_config_free(cfg);
    return n;
}

/* A server that mixes in rows the replay feed refuses: a zero price, a
 * high below the low, a negative volume (one in each no-trade bucket, by
 * bucket) and one row 7 s off the minute grid per answer. They are
 * dropped, counted by reason in one line, and the file holds exactly the
 * good rows, which the replay feed then reads without complaint. */
Test(history, rows_the_replay_feed_refuses_are_dropped_and_said)
{
    candles_server_opts o = {
        .products = "BTC-USD", .off_grid_s = 7, .bad_rows = 1};
    candles_server *s = candles_server_start(&o);
    cr_assert_not_null(s);
    char base[64];
    candles_server_base_url(s, base, sizeof base);
    char *dir = temp_dir_new();
    char *argv[] = {"history",
                    "download",
                    "--symbols",
                    "BTC-USD",
                    "--granularity",
                    "60",
                    "--from",
                    "2024-01-01T00:00:00Z",
                    "--to",
                    "2024-01-01T12:00:00Z",
                    "--out",
                    dir,
                    "--url",
                    base,
                    NULL};
    stderr_capture_begin();
    int rc = run(argv);
    char *log = stderr_capture_end();
    cr_assert_eq(rc, 0, "exit %d, log: %s", rc, log);
    check_csv(dir, "BTC-USD", JAN1, JAN1 + 12 * 3600);
    /* What was dropped, from the server's own rules over the 720
     * buckets; one off-grid row with each of the 3 answers. */
    size_t by[PERP_CANDLE_FAULTS] = {0};
    double v[5];
    for (int64_t t = JAN1; t < JAN1 + 12 * 3600; t += 60)
        if (!candles_server_row("BTC-USD", t, 60, v))
            by[candles_server_bad_row(t, 60, v)]++;
    by[PERP_CANDLE_OFF_GRID] = 3;
    size_t total = 0;
    for (int f = 0; f < PERP_CANDLE_FAULTS; f++)
        total += by[f];
    cr_assert_gt(by[PERP_CANDLE_PRICE], 0);
    cr_assert_gt(by[PERP_CANDLE_HIGH_LOW], 0);
    cr_assert_gt(by[PERP_CANDLE_VOLUME], 0);
    char want[256];
    snprintf(want, sizeof want, "%zu rows the replay feed refuses were dropped",
             total);
    cr_expect(strstr(log, want), "want '%s' in: %s", want, log);
    static const perp_candle_fault faults[] = {
        PERP_CANDLE_OFF_GRID, PERP_CANDLE_PRICE, PERP_CANDLE_VOLUME,
        PERP_CANDLE_HIGH_LOW};
    for (size_t i = 0; i < 4; i++) {
        snprintf(want, sizeof want, "%zu %s (first ts ", by[faults[i]],
                 perp_candle_fault_text(faults[i]));
        cr_expect(strstr(log, want), "want '%s' in: %s", want, log);
    }
    /* The replay feed reads every row written. */
    size_t rows = 0;
    for (int64_t t = JAN1; t < JAN1 + 12 * 3600; t += 60)
        rows += (size_t)candles_server_row("BTC-USD", t, 60, v);
    cr_expect_eq(replay_reads(dir, "BTC-USD", 60), (long)rows);
    free(log);
    temp_dir_remove(dir);
    free(dir);
    candles_server_stop(s);
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Retry-After: 999999999 on every request. perpd says before its first
 * wait how long it may wait in all (5 retries of at most 60 s: 300 s),
 * and SIGINT during that wait ends it at once, writing nothing. */
Test(history, retry_after_total_is_said_up_front_and_sigint_ends_it,
     .timeout = 60)
{
    candles_server_opts o = {
        .products = "BTC-USD", .always_429 = 1, .retry_after = "999999999"};
    candles_server *s = candles_server_start(&o);
    cr_assert_not_null(s);
    char base[64];
    candles_server_base_url(s, base, sizeof base);
    char *dir = temp_dir_new();
    char *log_path = NULL, *lib = NULL, *bin = perpd_path();
    cr_assert(asprintf(&log_path, "%s/perpd.log", dir) > 0);
    cr_assert(asprintf(&lib, "%s/lib/perp", test_build_dir()) > 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        FILE *f = freopen(log_path, "w", stderr);
        if (!f)
            _exit(127);
        execl(bin, bin, "history", "download", "--symbols", "BTC-USD",
              "--granularity", "60", "--from", "2024-01-01", "--to",
              "2024-01-02", "--out", dir, "--url", base, "--path", lib,
              (char *)NULL);
        _exit(127);
    }
    char *log = NULL;
    int64_t end = mono_ms() + 20000;
    while (mono_ms() < end) {
        free(log);
        log = file_read(log_path, NULL);
        if (log && strstr(log, "in all before giving up"))
            break;
        usleep(20000);
    }
    cr_assert(log && strstr(log, "Retry-After: 999999999 s, waiting at most "
                                 "60 s a time"),
              "log: %s", log ? log : "");
    cr_assert(strstr(log, "retry 1 of 5 in 60.0s; if the server keeps "
                          "answering so, 300.0s of waiting in all before "
                          "giving up (SIGINT stops at once)"),
              "log: %s", log);
    int64_t t0 = mono_ms();
    kill(pid, SIGINT);
    int st = 0;
    while (waitpid(pid, &st, WNOHANG) == 0 && mono_ms() - t0 < 5000)
        usleep(10000);
    int64_t took = mono_ms() - t0;
    if (took >= 5000) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    free(log);
    log = file_read(log_path, NULL);
    cr_assert_lt(took, 2000, "still waiting %lld ms after SIGINT: %s",
                 (long long)took, log);
    cr_assert(WIFEXITED(st), "killed by a signal, not stopped: %s", log);
    cr_expect_eq(WEXITSTATUS(st), 130, "%s", log);
    cr_expect(strstr(log, "stopped; BTC-USD not written"), "%s", log);
    cr_expect_eq(candles_server_requests(s), 1, "no retry after the stop");
    char csv[1024];
    snprintf(csv, sizeof csv, "%s/BTC-USD_1m.csv", dir);
    cr_expect_neq(access(csv, F_OK), 0, "a file was written");
    free(log);
    free(log_path);
    free(lib);
    free(bin);
    temp_dir_remove(dir);
    free(dir);
    candles_server_stop(s);
}

/* A feed that cannot backfill (replay has no backfill call) is named. */
Test(history, a_feed_without_backfill_is_refused_by_name)
{
    char *dir = temp_dir_new();
    char *argv[] = {"history",       "download",   "--symbols", "BTC-USD",
                    "--granularity", "60",         "--from",    "2024-01-01",
                    "--to",          "2024-01-02", "--out",     dir,
                    "--feed",        "sma",        NULL};
    stderr_capture_begin();
    int rc = run(argv);
    char *log = stderr_capture_end();
    cr_expect_eq(rc, 1);
    cr_expect(strstr(log, "plugin 'sma'") && strstr(log, "expected a feed"),
              "log: %s", log);
    free(log);
    temp_dir_remove(dir);
    free(dir);
}
