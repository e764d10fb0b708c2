/*
 * test_history.c — `perpd history download` and the live bootstrap
 * against a local stand-in for Coinbase's REST candles endpoint
 * (tests/support/candles_server.c) that pages at 300 rows, answers 429
 * once and 500 once: the CSV written is complete, ascending, and equal to
 * the server's market formula; bad arguments get clear errors.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candles_server.h"
#include "history.h"
#include "stderr_capture.h"
#include "temp_dir.h"

/* 2024-01-01T00:00:00Z = 19723 days * 86400 s. */
#define JAN1 1704067200LL

static int run(char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return host_history_main(argc, argv);
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
    candles_server_opts o = {"BTC-USD,ETH-USD", 2, 4, 0};
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
    candles_server_opts o = {"BTC-USD", 0, 0, 0};
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

Test(history, bootstrap_returns_the_newest_closed_candles_gap_filled)
{
    candles_server_opts o = {"SOL-USD", 0, 0, 0};
    candles_server *s = candles_server_start(&o);
    char base[64], err[256];
    candles_server_base_url(s, base, sizeof base);
    /* now = 10:00:30 on Jan 1: the last closed minute opened 09:59. */
    int64_t now_s = JAN1 + 10 * 3600 + 30;
    perp_candle *c = NULL;
    size_t n = 0;
    int rc = host_history_fetch_recent(base, "SOL-USD", 60, 60, now_s * 1000,
                                       &c, &n, err, sizeof err);
    cr_assert_eq(rc, PERP_OK, "%s", err);
    cr_assert_eq(n, 60);
    int64_t first = JAN1 + 9 * 3600; /* 09:00 .. 09:59 */
    size_t filled = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t t = first + (int64_t)i * 60;
        double v[5];
        cr_expect_eq(c[i].ts, t * 1000);
        cr_expect_eq(c[i].interval_ms, 60000);
        cr_expect_str_eq(c[i].symbol, "SOL-USD");
        if (candles_server_row("SOL-USD", t, 60, v)) {
            cr_expect_eq(c[i].open, v[0]);
            cr_expect_eq(c[i].high, v[1]);
            cr_expect_eq(c[i].low, v[2]);
            cr_expect_eq(c[i].close, v[3]);
            cr_expect_eq(c[i].volume, v[4]);
        } else { /* no trade: the previous close, zero volume */
            cr_assert_gt(i, 0);
            filled++;
            cr_expect_eq(c[i].open, c[i - 1].close);
            cr_expect_eq(c[i].close, c[i - 1].close);
            cr_expect_eq(c[i].volume, 0);
        }
    }
    /* A bucket k = t/60 has no trade when k % 97 == 13. 09:00 is k =
     * 1704067200/60 + 540 = 28401660; 09:50 is 28401710 = 97 * 292801 +
     * 13: exactly one filled candle, at index 50. */
    cr_expect_eq(filled, 1);
    cr_expect_eq(c[50].volume, 0);
    free(c);
    candles_server_stop(s);
}

/* A server that answers a row off the minute grid (here 7 s after the
 * oldest bucket): the row is dropped, and every real candle after it is
 * still the server's, not a gap fill. */
Test(history, bootstrap_ignores_a_row_off_the_grid)
{
    candles_server_opts o = {"SOL-USD", 0, 0, 7};
    candles_server *s = candles_server_start(&o);
    char base[64], err[256];
    candles_server_base_url(s, base, sizeof base);
    int64_t now_s = JAN1 + 10 * 3600 + 30;
    perp_candle *c = NULL;
    size_t n = 0;
    stderr_capture_begin();
    int rc = host_history_fetch_recent(base, "SOL-USD", 60, 60, now_s * 1000,
                                       &c, &n, err, sizeof err);
    char *log = stderr_capture_end();
    cr_assert_eq(rc, PERP_OK, "%s", err);
    cr_assert_eq(n, 60);
    cr_assert_not_null(strstr(log, "off the 60 s grid ignored"), "%s", log);
    int64_t first = JAN1 + 9 * 3600;
    size_t real = 0;
    for (size_t i = 0; i < n; i++) {
        double v[5];
        int64_t t = first + (int64_t)i * 60;
        cr_assert_eq(c[i].ts, t * 1000);
        if (candles_server_row("SOL-USD", t, 60, v)) {
            cr_assert_eq(c[i].close, v[3], "bucket %zu", i);
            cr_assert_eq(c[i].volume, v[4], "bucket %zu", i);
            real++;
        }
    }
    cr_assert_gt(real, 30, "most buckets trade in the server's market");
    free(log);
    free(c);
    candles_server_stop(s);
}
