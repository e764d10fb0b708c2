/*
 * test_replay_memory.c — feed-replay holds a window of rows per symbol,
 * not the file: a CSV of 600,000 rows (29 MB as rows, 37 MB as text)
 * parsed the first time, read from the cache the second, and read
 * without a cache, each with the process's resident memory growing by
 * less than a quarter of the rows' size, and every candle equal to the
 * row the test wrote (across the reader's 64 KiB buffer and 4,096-row
 * window edges, CRLF and LF lines mixed). Also: a line longer than the
 * chunk is refused with its number, a line longer than the reader's first
 * 64 KiB buffer but under the megabyte is read whole (and judged on its
 * fields), and a cache file cut short under a running replay fails the
 * feed with a message instead of ending it.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin_env.h"
#include "stderr_capture.h"
#include "temp_dir.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

static const perp_feed_vtable *vt(void)
{
    return perp_plugin_entry()->vtable;
}

static const char *const SYMS[] = {"BTC-USD"};

#define T0 1600000020LL /* a multiple of 60 */

/* Row i of the test's file, as written (and as the feed must give). */
static void row(long i, double v[5])
{
    double base = 100 + (double)(i % 1000) / 8; /* exact in binary */
    v[0] = base;
    v[1] = base + 1;
    v[2] = base - 1;
    v[3] = base + 0.5;
    v[4] = (double)(i % 97);
}

static char *write_rows(const char *dir, long n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/BTC-USD_1m.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("ts,open,high,low,close,volume\n", f);
    for (long i = 0; i < n; i++) {
        double v[5];
        row(i, v);
        fprintf(f, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g%s", T0 + 60 * i, v[0],
                v[1], v[2], v[3], v[4], (i / 1000) % 2 ? "\r\n" : "\n");
    }
    cr_assert_eq(fclose(f), 0);
    return strdup(path);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Replays yaml, checks every candle against row(i), and returns the
 * largest growth of resident memory seen, in kB. */
static long replay_and_check(const char *yaml, long n)
{
    long before = rss_kb(), peak = before;
    plugin_env env;
    cr_assert_eq(plugin_env_init(&env, yaml, SYMS, 1), 0);
    void *feed = NULL;
    cr_assert_eq(plugin_env_create(&env, perp_plugin_entry(), &feed), PERP_OK);
    perp_event ev;
    long i = 0;
    while (vt()->next(feed, &ev, 0) == PERP_OK) {
        double v[5];
        row(i, v);
        const perp_candle *c = &ev.u.candle;
        if (c->ts != (T0 + 60 * i) * 1000 || c->open != v[0] ||
            c->high != v[1] || c->low != v[2] || c->close != v[3] ||
            c->volume != v[4])
            cr_assert_fail("row %ld: ts %lld close %.17g", i, (long long)c->ts,
                           c->close);
        if (++i % 50000 == 0) {
            long now = rss_kb();
            peak = now > peak ? now : peak;
        }
    }
    cr_assert_eq(i, n);
    long now = rss_kb();
    peak = now > peak ? now : peak;
    vt()->destroy(feed);
    plugin_env_free(&env);
    return peak - before;
}

Test(replay_memory, a_big_file_is_read_a_window_at_a_time)
{
    const long n = 600000;
    char *dir = temp_dir_new();
    char *csv = write_rows(dir, n);
    long rows_kb = n * 48 / 1024; /* 28,125 kB */
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "plugin: replay\nfiles: [%s]\ncache_dir: %s/cache\n", csv, dir);
    long first = replay_and_check(yaml, n);  /* parses, writes the cache */
    long cached = replay_and_check(yaml, n); /* reads the cache */
    snprintf(yaml, sizeof yaml, "plugin: replay\nfiles: [%s]\ncache: false\n",
             csv);
    long uncached = replay_and_check(yaml, n); /* an unnamed rows file */
    cr_expect_lt(first, rows_kb / 4, "first parse grew %ld kB", first);
    cr_expect_lt(cached, rows_kb / 4, "cached replay grew %ld kB", cached);
    cr_expect_lt(uncached, rows_kb / 4, "no cache grew %ld kB", uncached);
    free(csv);
    temp_dir_remove(dir);
    free(dir);
}

/* A 200 KiB line: more than the first buffer, less than the limit. The
 * reader grows its buffer and refuses the line for what it holds (two
 * fields), not for its length. */
Test(replay_memory, a_line_longer_than_the_first_buffer_is_read_whole)
{
    char *dir = temp_dir_new();
    size_t big = 200 * 1024;
    char *text = malloc(big + 200);
    int h = snprintf(text, 200,
                     "ts,open,high,low,close,volume\n%lld,1,2,0.5,1.5,3\n%lld,",
                     T0, T0 + 60);
    memset(text + h, '1', big);
    strcpy(text + h + big, "\n");
    char *csv = temp_dir_write(dir, "BTC-USD_1m.csv", text);
    free(text);
    char yaml[2048], want[1200];
    snprintf(yaml, sizeof yaml, "plugin: replay\nfiles: [%s]\ncache: false\n",
             csv);
    snprintf(want, sizeof want, "%s:3: expected 6 fields", csv);
    plugin_env env;
    cr_assert_eq(plugin_env_init(&env, yaml, SYMS, 1), 0);
    void *feed = NULL;
    stderr_capture_begin();
    int rc = plugin_env_create(&env, perp_plugin_entry(), &feed);
    char *log = stderr_capture_end();
    cr_expect_neq(rc, PERP_OK);
    cr_expect(strstr(log, want), "want '%s' in: %.300s", want, log);
    cr_expect_null(strstr(log, "line longer"), "%.300s", log);
    free(log);
    plugin_env_free(&env);
    free(csv);
    temp_dir_remove(dir);
    free(dir);
}

Test(replay_memory, a_line_longer_than_a_chunk_is_refused)
{
    char *dir = temp_dir_new();
    size_t big = 1536 * 1024;
    char *text = malloc(big + 200);
    int h = snprintf(text, 200,
                     "ts,open,high,low,close,volume\n%lld,1,2,0.5,1.5,3\n%lld,",
                     T0, T0 + 60);
    memset(text + h, '1', big);
    strcpy(text + h + big, "\n");
    char *csv = temp_dir_write(dir, "BTC-USD_1m.csv", text);
    free(text);
    char yaml[2048], want[1200];
    snprintf(yaml, sizeof yaml, "plugin: replay\nfiles: [%s]\ncache: false\n",
             csv);
    snprintf(want, sizeof want, "%s:3: line longer than 1 MiB", csv);
    plugin_env env;
    cr_assert_eq(plugin_env_init(&env, yaml, SYMS, 1), 0);
    void *feed = NULL;
    stderr_capture_begin();
    int rc = plugin_env_create(&env, perp_plugin_entry(), &feed);
    char *log = stderr_capture_end();
    cr_expect_neq(rc, PERP_OK);
    cr_expect(strstr(log, want), "want '%s' in: %.300s", want, log);
    free(log);
    plugin_env_free(&env);
    free(csv);
    temp_dir_remove(dir);
    free(dir);
}

Test(replay_memory, a_cache_cut_short_under_a_replay_fails_the_feed)
{
    const long n = 10000; /* more than two windows of 4,096 */
    char *dir = temp_dir_new();
    char *csv = write_rows(dir, n);
    char yaml[2048], cache[1100];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    snprintf(yaml, sizeof yaml, "plugin: replay\nfiles: [%s]\ncache_dir: %s\n",
             csv, cache);
    plugin_env env;
    cr_assert_eq(plugin_env_init(&env, yaml, SYMS, 1), 0);
    void *feed = NULL;
    cr_assert_eq(plugin_env_create(&env, perp_plugin_entry(), &feed), PERP_OK);
    perp_event ev;
    cr_assert_eq(vt()->next(feed, &ev, 0), PERP_OK); /* reads a window */
    long got = 1;
    /* the one cache file: cut after 100 rows */
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "truncate -s %d %s/*.perpcache", 4096 + 100 * 48,
             cache);
    cr_assert_eq(system(cmd), 0);
    int rc;
    stderr_capture_begin();
    while ((rc = vt()->next(feed, &ev, 0)) == PERP_OK)
        got++;
    char *log = stderr_capture_end();
    /* the first window was read before the cut, the next one fails */
    cr_expect_eq(got, 4096);
    cr_expect_eq(rc, PERP_ERR, "status %d after %ld candles", rc, got);
    cr_expect(strstr(log, "BTC-USD: cannot read the cached rows"), "%s", log);
    free(log);
    vt()->destroy(feed);
    plugin_env_free(&env);
    free(csv);
    temp_dir_remove(dir);
    free(dir);
}
