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
     * the least-disturbed pass is the parser's own speed. */
    enum { PASSES = 5 };
    cb_message m;
    size_t tickers = 0;
    double best = 0, cpu_total = 0;
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
    }
    printf("coinbase ticker parse (jansson): %zu messages in %d passes, "
           "%.3f s CPU; best pass %.0f msg/s per core (%.1f MB/s), mean "
           "%.0f msg/s, %zu bytes avg  target > 150000/s: %s\n",
           tickers, PASSES, cpu_total, best, best * (double)bytes / N_MSG / 1e6,
           (double)N_MSG * ROUNDS * PASSES / cpu_total, bytes / N_MSG,
           best > 150000 ? "ok" : "MISSED");
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
    *n = count;
    e->vt->destroy(feed);
    host_config_free(cfg);
    return sum > 0 ? 0 : -1;
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
    if (replay_once(&e, yaml_nocache, &c_s, &n_s, &n) == 0)
        printf("replay first parse (CSV, no cache): %zu candles parsed in "
               "%.3f s = %.2f M candles/s\n",
               n, c_s, (double)n / c_s / 1e6);
    else
        rc = 1;
    if (rc == 0 && replay_once(&e, yaml_cache, &c_s, &n_s, &n) == 0)
        printf("replay cache build (parse + write): %.3f s = %.2f M "
               "candles/s\n",
               c_s, (double)n / c_s / 1e6);
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
    if (rc == 0)
        printf("replay next() over the cache: %zu candles, best of 5 = %.2f M "
               "candles/s (open from cache %.4f s)  target > 5M/s: %s\n",
               n, best / 1e6, open_s, best > 5e6 ? "ok" : "MISSED");
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
