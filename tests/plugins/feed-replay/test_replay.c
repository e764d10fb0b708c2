/*
 * test_replay.c — feed-replay over the real history in $PERP_SHARED and
 * over small files written by the test: counts and first/last OHLC equal
 * what a plain independent reading of the CSV gives, events come in time
 * order across symbols, bounds, cache rebuild, pacing, and malformed
 * lines rejected with file:line and the reason.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_env.h"
#include "stderr_capture.h"
#include "temp_dir.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

static const perp_feed_vtable *vt(void)
{
    return perp_plugin_entry()->vtable;
}

static const char *shared(void)
{
    const char *s = getenv("PERP_SHARED");
    return s && *s ? s : "../shared";
}

/* What the CSV says, read with stdio alone: row count, first and last. */
typedef struct csv_facts {
    size_t rows;
    long long first_ts, last_ts;
    double first[5], last[5]; /* open high low close volume */
} csv_facts;

static csv_facts read_facts(const char *path)
{
    csv_facts f = {0};
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "cannot open %s", path);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, fp)); /* header */
    while (fgets(line, sizeof line, fp)) {
        long long ts;
        double v[5];
        cr_assert_eq(sscanf(line, "%lld,%lf,%lf,%lf,%lf,%lf", &ts, &v[0], &v[1],
                            &v[2], &v[3], &v[4]),
                     6);
        if (f.rows++ == 0) {
            f.first_ts = ts;
            memcpy(f.first, v, sizeof v);
        }
        f.last_ts = ts;
        memcpy(f.last, v, sizeof v);
    }
    fclose(fp);
    return f;
}

static void expect_ohlcv(const perp_candle *c, long long ts, const double *v)
{
    cr_expect_eq(c->ts, ts * 1000);
    cr_expect_eq(c->open, v[0]);
    cr_expect_eq(c->high, v[1]);
    cr_expect_eq(c->low, v[2]);
    cr_expect_eq(c->close, v[3]);
    cr_expect_eq(c->volume, v[4]);
}

static void *create_ok(plugin_env *env, const char *yaml,
                       const char *const *syms, size_t n)
{
    cr_assert_eq(plugin_env_init(env, yaml, syms, n), 0);
    void *feed = NULL;
    int rc = plugin_env_create(env, perp_plugin_entry(), &feed);
    cr_assert_eq(rc, PERP_OK, "create failed for:\n%s", yaml);
    return feed;
}

static const char *const FIVE[] = {"BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD",
                                   "XRP-USD"};

/* One pass over the whole main 1m window (about 307k candles). */
Test(replay, real_history_counts_first_last_and_time_order)
{
    char *cache = temp_dir_new();
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "plugin: replay\ndir: %s/history\ncache_dir: %s\n", shared(),
             cache);
    plugin_env env;
    void *feed = create_ok(&env, yaml, FIVE, 5);

    csv_facts want[5];
    for (int i = 0; i < 5; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/history/%s_1m.csv", shared(), FIVE[i]);
        want[i] = read_facts(path);
    }
    size_t count[5] = {0};
    perp_candle first[5], last[5];
    int64_t prev_ts = INT64_MIN;
    size_t out_of_order = 0, bad_stamp = 0;
    perp_event ev;
    int rc;
    while ((rc = vt()->next(feed, &ev, 0)) == PERP_OK) {
        cr_assert_eq(ev.type, PERP_EV_CANDLE);
        const perp_candle *c = &ev.u.candle;
        int i = 0;
        while (i < 5 && strcmp(c->symbol, FIVE[i]) != 0)
            i++;
        cr_assert_lt(i, 5, "unexpected symbol %s", c->symbol);
        out_of_order += ev.ts < prev_ts;
        bad_stamp += ev.ts != c->ts + 60000 || c->interval_ms != 60000;
        prev_ts = ev.ts;
        if (count[i]++ == 0)
            first[i] = *c;
        last[i] = *c;
    }
    cr_assert_eq(rc, PERP_EOF);
    cr_expect_eq(out_of_order, 0, "events out of time order");
    cr_expect_eq(bad_stamp, 0, "event ts must be the candle's close time");
    for (int i = 0; i < 5; i++) {
        cr_expect_eq(count[i], want[i].rows, "%s: %zu candles, file has %zu",
                     FIVE[i], count[i], want[i].rows);
        expect_ohlcv(&first[i], want[i].first_ts, want[i].first);
        expect_ohlcv(&last[i], want[i].last_ts, want[i].last);
    }
    vt()->destroy(feed);
    plugin_env_free(&env);

    /* Second run: served from the cache just written, same candles. */
    stderr_capture_begin();
    feed = create_ok(&env, yaml, FIVE, 5);
    char *log = stderr_capture_end();
    cr_expect(strstr(log, "5 of 5 files from cache"), "log: %s", log);
    free(log);
    size_t n = 0;
    perp_candle c0 = {0};
    while (vt()->next(feed, &ev, 0) == PERP_OK)
        if (n++ == 0)
            c0 = ev.u.candle;
    cr_expect_eq(n, want[0].rows + want[1].rows + want[2].rows + want[3].rows +
                        want[4].rows);
    long long earliest = want[0].first_ts; /* BTC starts first (README) */
    cr_expect_eq(c0.ts, earliest * 1000);
    vt()->destroy(feed);
    plugin_env_free(&env);
    temp_dir_remove(cache);
    free(cache);
}

Test(replay, from_to_bounds_on_open_time)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "plugin: replay\ndir: %s/history\nsymbols: [BTC-USD]\n"
             "from: 2023-04-01T00:00:00Z\nto: 2023-04-01T01:00:00Z\n"
             "cache: false\n",
             shared());
    plugin_env env;
    void *feed = create_ok(&env, yaml, FIVE, 5);
    perp_event ev;
    size_t n = 0;
    int64_t first = 0, last = 0;
    while (vt()->next(feed, &ev, 0) == PERP_OK) {
        if (n++ == 0)
            first = ev.u.candle.ts;
        last = ev.u.candle.ts;
    }
    /* 2023-04-01T00:00Z = 19448 days * 86400 = 1680307200 s; one hour of
     * 1m candles without gaps (README: no gaps in April) = 60. */
    cr_expect_eq(n, 60);
    cr_expect_eq(first, 1680307200LL * 1000);
    cr_expect_eq(last, (1680307200LL + 59 * 60) * 1000);
    vt()->destroy(feed);
    plugin_env_free(&env);
}

static char *write_csv(const char *dir, const char *name, const char *rows)
{
    char text[4096];
    snprintf(text, sizeof text, "ts,open,high,low,close,volume\n%s", rows);
    return temp_dir_write(dir, name, text);
}

/* create() must fail and log `want` (file:line: what). */
static void expect_refused(const char *yaml, const char *want)
{
    plugin_env env;
    cr_assert_eq(plugin_env_init(&env, yaml, FIVE, 1), 0);
    void *feed = (void *)1;
    stderr_capture_begin();
    int rc = plugin_env_create(&env, perp_plugin_entry(), &feed);
    char *log = stderr_capture_end();
    cr_expect_neq(rc, PERP_OK, "accepted:\n%s", yaml);
    cr_expect_null(feed);
    cr_expect(strstr(log, want), "want '%s' in log: %s", want, log);
    free(log);
    plugin_env_free(&env);
}

Test(replay, malformed_lines_name_file_line_and_reason)
{
    static const struct {
        const char *rows, *want;
    } cases[] = {
        {"1700000040,1,2,0.5,1.5,3\n1700000100,1,2,0.5,abc,3\n",
         ":3: close: expected a number, found 'abc'"},
        {"1700000040,1,2,0.5,1.5\n", ":2: expected 6 fields"},
        {"1700000040,1,2,0.5,1.5,3,9\n", ":2: more than 6 fields"},
        {"1700000100,1,2,0.5,1.5,3\n1700000040,1,2,0.5,1.5,3\n",
         ":3: ts not after the previous row's: '1700000040'"},
        {"1700000041,1,2,0.5,1.5,3\n",
         ":2: ts not aligned to the replay interval: '1700000041'"},
        {"1700000040,1,0.5,2,1.5,3\n",
         ":2: high/low do not contain open and close"},
        {"1700000040,1,2,0.5,1.5,-3\n", ":2: volume is negative"},
        {"1700000040,1,2,0.5,1.5,3\n\n1700000100,1,2,0.5,1.5,3\n",
         ":3: empty line"},
        {"2023-11-14T22:14:00Z,1,2,0.5,1.5,3\n",
         ":2: ts: expected Unix seconds, found '2023-11-14T22:14:00Z'"},
        {"1700000040,1,2,0.5,nan,3\n", ":2: close: expected a number"},
        /* 10^18 - 40, a multiple of 60: in milliseconds it overflows */
        {"999999999999999960,1,2,0.5,1.5,3\n",
         ":2: ts after the year 9999: '999999999999999960'"},
    };
    char *dir = temp_dir_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = write_csv(dir, "BTC-USD_1m.csv", cases[i].rows);
        char yaml[1024], want[512];
        snprintf(yaml, sizeof yaml,
                 "plugin: replay\nfiles: [%s]\ncache: false\n", path);
        snprintf(want, sizeof want, "%s%s", path, cases[i].want);
        expect_refused(yaml, want);
        free(path);
    }
    char *bad_header = temp_dir_write(dir, "ETH-USD_1m.csv",
                                      "time,o,h,l,c,v\n1700000040,1,2,0.5,1,"
                                      "3\n");
    char yaml[1024], want[512];
    snprintf(yaml, sizeof yaml, "plugin: replay\nfiles: [%s]\n", bad_header);
    snprintf(want, sizeof want, "%s:1: expected the header", bad_header);
    expect_refused(yaml, want);
    free(bad_header);
    temp_dir_remove(dir);
    free(dir);
}

Test(replay, config_errors_are_clear)
{
    expect_refused("plugin: replay\n", "set exactly one of dir");
    expect_refused("plugin: replay\ndir: /nonexistent-perpd\n",
                   "'/nonexistent-perpd/BTC-USD_1m.csv': No such file");
    expect_refused("plugin: replay\ndir: x\nspeed: fast\n",
                   "test.yaml:3:8: key 'speed': expected a number in "
                   "0.001..1e+09, or max, found 'fast'");
    expect_refused("plugin: replay\ndir: x\nfrom: yesterday\n",
                   "from: expected ISO 8601");
    expect_refused("plugin: replay\ndir: x\ninterval: 30s\n",
                   "test.yaml:3:11: key 'interval': expected a duration in "
                   "1m..366d, found 30s");
    expect_refused("plugin: replay\ndir: x\ninterval: 90s\n",
                   "interval: expected whole minutes");
    expect_refused("plugin: replay\ndir: x\nfrom: 2023-04-02\n"
                   "to: 2023-04-01\n",
                   "to: must be after from");
}

/* Two symbols whose rows interleave: the merge orders by close time and
 * breaks ties by the order the files are listed. */
Test(replay, merges_symbols_in_time_order_and_rebuilds_a_stale_cache)
{
    char *dir = temp_dir_new();
    char *cache = temp_dir_new();
    char *a = write_csv(dir, "AAA-USD_1m.csv",
                        "1700000040,1,1,1,1,1\n1700000160,3,3,3,3,3\n");
    char *b = write_csv(dir, "BBB-USD_1m.csv",
                        "1700000040,10,10,10,10,10\n"
                        "1700000100,20,20,20,20,20\n");
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "plugin: replay\nfiles: [%s, %s]\ncache_dir: %s\n", a, b, cache);
    /* Expected order by close time (open + 60 s), ties by list order. */
    static const struct {
        const char *sym;
        double close;
    } want[] = {
        {"AAA-USD", 1}, {"BBB-USD", 10}, {"BBB-USD", 20}, {"AAA-USD", 3}};
    for (int run = 0; run < 2; run++) {
        plugin_env env;
        void *feed = create_ok(&env, yaml, FIVE, 0);
        perp_event ev;
        for (size_t i = 0; i < 4; i++) {
            cr_assert_eq(vt()->next(feed, &ev, 0), PERP_OK);
            cr_expect_str_eq(ev.u.candle.symbol, want[i].sym);
            cr_expect_eq(ev.u.candle.close, want[i].close);
        }
        cr_expect_eq(vt()->next(feed, &ev, 0), PERP_EOF);
        vt()->destroy(feed);
        plugin_env_free(&env);
    }
    /* Change the CSV (its size and mtime): the cache must not serve it. */
    free(a);
    a = write_csv(dir, "AAA-USD_1m.csv",
                  "1700000040,1,1,1,1,1\n1700000160,3,3,3,3,3\n"
                  "1700000220,4,4,4,4,4\n");
    plugin_env env;
    void *feed = create_ok(&env, yaml, FIVE, 0);
    perp_event ev;
    size_t n = 0;
    double last = 0;
    while (vt()->next(feed, &ev, 0) == PERP_OK) {
        n++;
        last = ev.u.candle.close;
    }
    cr_expect_eq(n, 5);
    cr_expect_eq(last, 4);
    vt()->destroy(feed);
    plugin_env_free(&env);
    free(a);
    free(b);
    temp_dir_remove(dir);
    temp_dir_remove(cache);
    free(dir);
    free(cache);
}

Test(replay, real_time_speed_holds_events_until_due)
{
    char *dir = temp_dir_new();
    char *a = write_csv(dir, "AAA-USD_1m.csv",
                        "1700000040,1,1,1,1,1\n1700000100,2,2,2,2,2\n");
    char yaml[1024];
    /* speed 60: one minute of market time per second. */
    snprintf(yaml, sizeof yaml,
             "plugin: replay\nfiles: [%s]\nspeed: 60\ncache: false\n", a);
    plugin_env env;
    void *feed = create_ok(&env, yaml, FIVE, 0);
    perp_event ev;
    cr_assert_eq(vt()->next(feed, &ev, 0), PERP_OK);
    cr_expect_eq(ev.u.candle.close, 1);
    cr_expect_eq(vt()->next(feed, &ev, 0), PERP_AGAIN,
                 "the second candle is a second of wall time away");
    int rc;
    for (int i = 0; i < 100 && (rc = vt()->next(feed, &ev, 100)) == PERP_AGAIN;
         i++) {
    }
    cr_assert_eq(rc, PERP_OK);
    cr_expect_eq(ev.u.candle.close, 2);
    cr_expect_eq(vt()->next(feed, &ev, 0), PERP_EOF);
    vt()->destroy(feed);
    plugin_env_free(&env);
    free(a);
    temp_dir_remove(dir);
    free(dir);
}

/* Issue 15, item 2: `speed: 1e-300` overflowed the pacing arithmetic
 * (UBSan abort; the plain build never emitted a candle). */
Test(replay, speed_is_bounded_on_both_sides)
{
    /* The config map (ABI 1.2) holds the bounds; the host says them. */
    expect_refused("plugin: replay\ndir: x\nspeed: 1e-300\n",
                   "test.yaml:3:8: key 'speed': expected a number in "
                   "0.001..1e+09, or max, found 1e-300");
    expect_refused("plugin: replay\ndir: x\nspeed: 0.0009\n",
                   "or max, found 0.0009");
    expect_refused("plugin: replay\ndir: x\nspeed: 2e9\n", "or max, found 2e9");
    expect_refused("plugin: replay\ndir: x\nspeed: -1\n", "or max, found -1");
    expect_refused("plugin: replay\ndir: x\nspeed: nan\n", "or max, found");
    char *dir = temp_dir_new();
    char *a = write_csv(dir, "AAA-USD_1m.csv", "1700000040,1,1,1,1,1\n");
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "plugin: replay\nfiles: [%s]\nspeed: 0.001\ncache: false\n", a);
    plugin_env env;
    void *feed = create_ok(&env, yaml, FIVE, 0);
    perp_event ev;
    cr_expect_eq(vt()->next(feed, &ev, 0), PERP_OK, "the first is due now");
    cr_expect_eq(vt()->next(feed, &ev, 0), PERP_EOF);
    vt()->destroy(feed);
    plugin_env_free(&env);
    free(a);
    temp_dir_remove(dir);
    free(dir);
}

/* With a speed, ten missing years are not waited out: a pause over
 * max_gap starts the pacing afresh. A pause under it is paced. */
Test(replay, real_time_pacing_skips_a_gap_over_max_gap)
{
    char *dir = temp_dir_new();
    /* 1700000040 + 10 years (315,360,000 s, a multiple of 60) */
    char *a = write_csv(dir, "AAA-USD_1m.csv",
                        "1700000040,1,1,1,1,1\n"
                        "2015360040,2,2,2,2,2\n"
                        "2015360100,3,3,3,3,3\n");
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "plugin: replay\nfiles: [%s]\nspeed: 60\ncache: false\n"
             "max_gap: 4h\n",
             a);
    plugin_env env;
    void *feed = create_ok(&env, yaml, FIVE, 0);
    perp_event ev;
    cr_assert_eq(vt()->next(feed, &ev, 0), PERP_OK);
    cr_assert_eq(vt()->next(feed, &ev, 0), PERP_OK,
                 "the row after the gap is due at once");
    cr_expect_eq(ev.u.candle.close, 2);
    cr_expect_eq(vt()->next(feed, &ev, 0), PERP_AGAIN,
                 "the next minute is paced again (a second away)");
    vt()->destroy(feed);
    plugin_env_free(&env);
    expect_refused("plugin: replay\ndir: x\nmax_gap: 30s\n",
                   "key 'max_gap': expected a duration in 1m..");
    expect_refused("plugin: replay\ndir: x\ninterval: 1h\nmax_gap: 30m\n",
                   "max_gap: expected at least one interval");
    free(a);
    temp_dir_remove(dir);
    free(dir);
}

/* Items 4 and 12: a CSV that is a symlink to /dev/zero, /dev/urandom or a
 * /proc file read as empty ("found ''"), a FIFO blocked in open. */
Test(replay, a_csv_must_be_a_regular_file, .timeout = 20)
{
    char *dir = temp_dir_new();
    static const struct {
        const char *sym, *target, *reason;
    } cases[] = {
        {"AAA", "/dev/zero", "not a regular file (a character device)"},
        {"BBB", "/dev/urandom", "not a regular file (a character device)"},
        {"CCC", "/proc/self/status",
         "not a regular file (a /proc or /sys pseudo-file)"},
        {"DDD", NULL, "not a regular file (a FIFO)"},
        {"EEE", "EEE-USD_1m.csv", "Too many levels of symbolic links"},
        {"FFF", ".", "not a regular file (a directory)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *csv = NULL, *yaml = NULL, *want = NULL;
        cr_assert(asprintf(&csv, "%s/%s-USD_1m.csv", dir, cases[i].sym) > 0);
        if (cases[i].target)
            cr_assert_eq(symlink(cases[i].target, csv), 0);
        else
            cr_assert_eq(mkfifo(csv, 0600), 0);
        cr_assert(asprintf(&yaml,
                           "plugin: replay\ndir: %s\nsymbols: [%s-USD]\n", dir,
                           cases[i].sym) > 0);
        cr_assert(asprintf(&want, "test.yaml:3:11: '%s': %s", csv,
                           cases[i].reason) > 0);
        expect_refused(yaml, want);
        free(want);
        free(yaml);
        free(csv);
    }
    temp_dir_remove(dir);
    free(dir);
}

/* Item 15: a 100,000-byte path was cut at the buffer's end, reason and
 * all ("c.yaml:9:10: ////..."). */
Test(replay, long_paths_keep_the_reason)
{
    size_t n = 100000;
    char *slashes = malloc(n + 1);
    memset(slashes, '/', n);
    slashes[n] = '\0';
    char *yaml = NULL;
    cr_assert(asprintf(&yaml, "plugin: replay\ndir: %s\n", slashes) > 0);
    expect_refused(yaml, "test.yaml:2:6: dir: path too long (100000 bytes; "
                         "files' paths stop at 4095)");
    free(yaml);
    memcpy(slashes + n - 6, "x.csv", 6);
    cr_assert(asprintf(&yaml, "plugin: replay\nfiles: ['%s']\n", slashes) > 0);
    expect_refused(yaml, "test.yaml:2:9: path too long (99999 bytes; the "
                         "limit is 4095): '/////");
    expect_refused(yaml, "\xe2\x80\xa6(99999 bytes)\xe2\x80\xa6/////");
    free(yaml);
    /* Within PATH_MAX but long: the file's name is shortened, the
     * reason follows it. */
    char *path = strdup("/nonexistent");
    for (int i = 0; i < 30; i++) {
        char *p = NULL;
        cr_assert(asprintf(&p, "%s/abcdefghijklmnopqrstuvwxyz%02d", path, i) >
                  0);
        free(path);
        path = p;
    }
    cr_assert(asprintf(&yaml, "plugin: replay\nfiles: ['%s/A-USD_1m.csv']\n",
                       path) > 0);
    expect_refused(yaml, "\xe2\x80\xa6(895 bytes)\xe2\x80\xa6");
    expect_refused(yaml, "z29/A-USD_1m.csv': No such file or directory");
    free(yaml);
    free(path);
    free(slashes);
}
