/*
 * bench_feeds.c — market-data throughput.
 *
 * 1. Coinbase ticker messages parsed per second by feed-coinbase's own
 *    parser (plugins/feed-coinbase/parse.c, compiled in: the plugin
 *    exports nothing but its descriptor). Target: > 150,000/s.
 * 2. Candles replayed per second through replay.so's vtable, loaded by
 *    the host loader from $PERP_BUILD_DIR/lib/perp, over the real 1m
 *    history in $PERP_SHARED/history (five symbols, ~307k candles):
 *    first parse of the CSVs (no cache), building the cache, and next()
 *    over the mapped cache. Target: > 5,000,000/s cached.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "plugin_services.h"
#include "plugin_loader.h"
#include "log.h"

#include <jansson.h>

/* The parser itself, so the figure is the plugin's real code path. */
#include "../plugins/feed-coinbase/parse.c"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of this process: the figure that says what share of a core
 * the feed costs, and less disturbed by other load on the machine. */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void print_cpu(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            printf("cpu: %s", c ? c + 2 : line);
            break;
        }
    if (f)
        fclose(f);
}

static void bench_parser(void)
{
    static const char *const ids[] = {"BTC-USD", "ETH-USD", "SOL-USD",
                                      "DOGE-USD", "XRP-USD"};
    const cb_products products = {ids, 5};
    enum { N_MSG = 1024, ROUNDS = 100 };
    char *msgs[N_MSG];
    size_t lens[N_MSG], bytes = 0;
    for (int i = 0; i < N_MSG; i++) {
        char buf[1024];
        int n = snprintf(
            buf, sizeof buf,
            "{\"type\":\"ticker\",\"sequence\":%d,\"product_id\":\"%s\","
            "\"price\":\"%d.%02d\",\"open_24h\":\"1310.79\",\"volume_24h\":"
            "\"245532.79269678\",\"low_24h\":\"1280.52\",\"high_24h\":"
            "\"1313.8\",\"volume_30d\":\"9788783.60117027\",\"best_bid\":"
            "\"%d.%02d\",\"best_bid_size\":\"0.46688654\",\"best_ask\":"
            "\"%d.%02d\",\"best_ask_size\":\"1.56637040\",\"side\":\"buy\","
            "\"time\":\"2024-01-02T03:%02d:%02d.061769Z\",\"trade_id\":%d,"
            "\"last_size\":\"0.0%d\"}",
            1000000 + i, ids[i % 5], 40000 + i, i % 100, 40000 + i,
            (i + 99) % 100, 40000 + i, (i + 1) % 100, i / 60 % 60, i % 60,
            370843401 + i, i % 10 + 1);
        msgs[i] = strdup(buf);
        lens[i] = (size_t)n;
        bytes += (size_t)n;
    }
    /* Best of PASSES, as the other benches: the machine is shared, and
     * the least-disturbed pass is the parser's own speed. The in-run
     * reference is jansson's json_loadb alone on the same messages (the
     * parser is jansson plus its checks and decimal conversions), timed
     * in alternation with it, so both see the same machine. */
    enum { PASSES = 5 };
    cb_message m;
    size_t tickers = 0, parsed = 0;
    double best = 0, cpu_total = 0, ref_best = 0;
    for (int p = 0; p < PASSES; p++) {
        double c0 = cpu_s();
        for (int r = 0; r < ROUNDS; r++)
            for (int i = 0; i < N_MSG; i++)
                tickers += cb_parse_message(msgs[i], lens[i], &products, &m) ==
                           CB_MSG_TICKER;
        double dc = cpu_s() - c0;
        cpu_total += dc;
        double rate = (double)N_MSG * ROUNDS / dc;
        if (rate > best)
            best = rate;
        c0 = cpu_s();
        for (int r = 0; r < ROUNDS; r++)
            for (int i = 0; i < N_MSG; i++) {
                json_t *j = json_loadb(msgs[i], lens[i], 0, NULL);
                parsed += j != NULL;
                json_decref(j);
            }
        rate = (double)N_MSG * ROUNDS / (cpu_s() - c0);
        if (rate > ref_best)
            ref_best = rate;
    }
    printf("coinbase ticker parse (jansson): %zu messages in %d passes, "
           "%.3f s CPU; best pass %.0f msg/s per core (%.1f MB/s), mean "
           "%.0f msg/s, %zu bytes avg  target > 150000/s: %s\n",
           tickers, PASSES, cpu_total, best, best * (double)bytes / N_MSG / 1e6,
           (double)N_MSG * ROUNDS * PASSES / cpu_total, bytes / N_MSG,
           best > 150000 ? "ok" : "MISSED");
    printf("  reference, json_loadb alone on the same messages: %.0f msg/s "
           "(%zu parsed); ratio (time per message, parser / json_loadb) "
           "%.2f\n",
           ref_best, parsed, ref_best / best);
    for (int i = 0; i < N_MSG; i++)
        free(msgs[i]);
}

typedef struct replay_env {
    const perp_feed_vtable *vt;
    host_context ctx;
    perp_host *host;
} replay_env;

static const char *const SYMBOLS[] = {"BTC-USD", "ETH-USD", "SOL-USD",
                                      "DOGE-USD", "XRP-USD"};

/* The candles of the last drain, kept for the next() reference. */
static perp_candle *drained;
static size_t drained_cap;

static void keep_candle(size_t i, const perp_candle *c)
{
    if (i >= drained_cap) {
        size_t cap = drained_cap ? drained_cap * 2 : 1 << 16;
        perp_candle *p = realloc(drained, cap * sizeof *p);
        if (!p)
            return;
        drained = p;
        drained_cap = cap;
    }
    drained[i] = *c;
}

/* create() time and the number of candles then drained, timing next(). */
static int replay_once(replay_env *e, const char *yaml, double *create_s,
                       double *next_s, size_t *n)
{
    char err[512];
    host_config *cfg = host_config_parse(yaml, "bench.yaml", err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    void *feed = NULL;
    double t0 = now_s();
    int rc = e->vt->create(e->host, host_config_root(cfg), &feed);
    *create_s = now_s() - t0;
    if (rc != PERP_OK) {
        host_config_free(cfg);
        return -1;
    }
    perp_event ev;
    size_t count = 0;
    double sum = 0; /* consumed, so the loop cannot be optimised away */
    t0 = now_s();
    while (e->vt->next(feed, &ev, 0) == PERP_OK) {
        count++;
        sum += ev.u.candle.close;
    }
    *next_s = now_s() - t0;
    /* Kept after the timing, from a second drain: the copy is not timed. */
    e->vt->destroy(feed);
    feed = NULL;
    if (e->vt->create(e->host, host_config_root(cfg), &feed) == PERP_OK)
        for (size_t i = 0; e->vt->next(feed, &ev, 0) == PERP_OK; i++)
            keep_candle(i, &ev.u.candle);
    *n = count;
    e->vt->destroy(feed);
    host_config_free(cfg);
    return sum > 0 ? 0 : -1;
}

/* next()'s reference: each candle copied from memory into the caller's
 * event by a plain call, the least a feed can do per candle. */
__attribute__((noinline)) static void ref_deliver(const perp_candle *c,
                                                  perp_event *ev)
{
    ev->type = PERP_EV_CANDLE;
    ev->ts = c->ts + c->interval_ms;
    ev->u.candle = *c;
}

static double ref_next_rate(size_t n)
{
    double best = 0, sum = 0;
    perp_event ev;
    for (int r = 0; r < 5 && drained; r++) {
        double t0 = now_s();
        for (size_t i = 0; i < n && i < drained_cap; i++) {
            ref_deliver(&drained[i], &ev);
            sum += ev.u.candle.close;
        }
        double rate = (double)n / (now_s() - t0);
        best = rate > best ? rate : best;
    }
    return sum > 0 ? best : 0;
}

/* The first parse's reference: libc's strtoll/strtod over every field of
 * the same CSV files, already in memory (what parsing them must at least
 * cost). Candles per second, best of 3. */
static double ref_strtod_rate(const char *dir, size_t *rows_out)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *text[16];
    size_t len[16], nf = 0;
    while (d && (de = readdir(d)) && nf < 16) {
        size_t l = strlen(de->d_name);
        if (l < 7 || strcmp(de->d_name + l - 7, "_1m.csv") != 0)
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        rewind(f);
        text[nf] = malloc((size_t)sz + 1);
        if (text[nf] && fread(text[nf], 1, (size_t)sz, f) == (size_t)sz) {
            text[nf][sz] = '\0';
            len[nf++] = (size_t)sz;
        } else {
            free(text[nf]);
        }
        fclose(f);
    }
    if (d)
        closedir(d);
    double best = 0, sum = 0;
    size_t rows = 0;
    for (int r = 0; r < 3; r++) {
        rows = 0;
        double t0 = now_s();
        for (size_t k = 0; k < nf; k++) {
            char *p = strchr(text[k], '\n'); /* past the header */
            while (p && *++p) {
                char *end;
                sum += (double)strtoll(p, &end, 10);
                for (int f = 0; f < 5 && *end == ','; f++)
                    sum += strtod(end + 1, &end);
                rows++;
                p = strchr(end, '\n');
            }
        }
        double rate = (double)rows / (now_s() - t0);
        best = rate > best ? rate : best;
    }
    for (size_t k = 0; k < nf; k++)
        free(text[k]);
    (void)len;
    *rows_out = rows;
    return sum != 0 ? best : 0;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4200];
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static int bench_replay(void)
{
    const char *build = getenv("PERP_BUILD_DIR");
    const char *shared = getenv("PERP_SHARED");
    char so[1024], err[512], cache[] = "/tmp/perpd-bench-XXXXXX";
    snprintf(so, sizeof so, "%s/lib/perp/replay.so",
             build && *build ? build : "build");
    host_plugin pl;
    if (host_plugin_open_file(so, PERP_KIND_FEED, &pl, err, sizeof err) !=
        PERP_OK) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    if (!mkdtemp(cache)) {
        perror("bench: mkdtemp");
        return 1;
    }
    replay_env e = {.vt = pl.desc->vtable};
    e.ctx.version = "bench";
    e.ctx.symbols = SYMBOLS;
    e.ctx.n_symbols = 5;
    e.host = host_services_new(&e.ctx, "bench");
    char yaml_nocache[2048], yaml_cache[2048];
    const char *hist = shared && *shared ? shared : "../shared";
    snprintf(yaml_nocache, sizeof yaml_nocache,
             "plugin: replay\ndir: %s/history\ncache: false\n", hist);
    snprintf(yaml_cache, sizeof yaml_cache,
             "plugin: replay\ndir: %s/history\ncache_dir: %s\n", hist, cache);
    double c_s, n_s;
    size_t n;
    int rc = 0;
    char hist_dir[2100];
    snprintf(hist_dir, sizeof hist_dir, "%s/history", hist);
    size_t ref_rows = 0;
    double ref_parse = ref_strtod_rate(hist_dir, &ref_rows);
    if (replay_once(&e, yaml_nocache, &c_s, &n_s, &n) == 0)
        printf("replay first parse (CSV, no cache): %zu candles parsed in "
               "%.3f s = %.2f M candles/s\n"
               "  reference, strtoll/strtod alone over the same %zu rows in "
               "memory: %.2f M candles/s; ratio (time) %.2f\n",
               n, c_s, (double)n / c_s / 1e6, ref_rows, ref_parse / 1e6,
               ref_parse * c_s / (double)n);
    else
        rc = 1;
    if (rc == 0 && replay_once(&e, yaml_cache, &c_s, &n_s, &n) == 0)
        printf("replay cache build (parse + write): %.3f s = %.2f M "
               "candles/s; ratio (time) to the strtod reference %.2f\n",
               c_s, (double)n / c_s / 1e6, ref_parse * c_s / (double)n);
    double best = 0, open_s = 0;
    for (int r = 0; rc == 0 && r < 5; r++) {
        if (replay_once(&e, yaml_cache, &c_s, &n_s, &n) != 0) {
            rc = 1;
            break;
        }
        if ((double)n / n_s > best) {
            best = (double)n / n_s;
            open_s = c_s;
        }
    }
    if (rc == 0) {
        double ref = ref_next_rate(n);
        printf("replay next() over the cache: %zu candles, best of 5 = %.2f M "
               "candles/s (open from cache %.4f s)  target > 5M/s: %s\n"
               "  reference, each candle copied from memory into the "
               "event by a direct call: %.2f M candles/s; ratio (time) "
               "%.2f\n",
               n, best / 1e6, open_s, best > 5e6 ? "ok" : "MISSED", ref / 1e6,
               ref / best);
    }
    free(drained);
    host_services_free(e.host);
    host_plugin_close(&pl);
    remove_dir(cache);
    return rc;
}

int main(void)
{
    host_log_set_level(PERP_LOG_WARN);
    print_cpu();
    bench_parser();
    return bench_replay();
}
