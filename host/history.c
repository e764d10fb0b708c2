/*
 * history.c — `perpd history download`, venue-neutral: the named feed
 * plugin (coinbase by default) is created from a one-line config (its
 * `rest_url` from --url when given) and asked for each symbol's candles
 * through its backfill, a week or so of buckets a call; the feed does the
 * venue's paging, rate limit and retries, and stops waiting at once on
 * SIGINT (the host table's stopping()). Every candle is checked with the
 * replay feed's own rules (perp/candle_check.h): a row it would refuse is
 * dropped and counted, and the counts are said. Each file is written to
 * a temporary name and renamed, so a reader never sees half a file and an
 * interrupted download leaves the previous file intact.
 */
#include "history.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <perp/time.h>

#include "config.h"
#include "log.h"
#include "market_backfill.h"
#include "plugin_instance.h"

#define DEFAULT_FEED "coinbase"
#define CHUNK_BUCKETS                                                          \
    10080                /* candles asked of the feed a call: a week of 1m     \
                          */
#define EXIT_STOPPED 130 /* 128 + SIGINT, as a shell reports it */

/* --from/--to: "YYYY-MM-DD" or "YYYY-MM-DD[T ]HH:MM[:SS[.frac]]" with "Z"
 * or "+HH:MM" (perp/time.h). */
#define HIST_TIME_FORMS                                                        \
    (PERP_TIME_SPACE | PERP_TIME_NO_SECONDS | PERP_TIME_DATE_ONLY)

static atomic_int g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int stop_requested(void *ud)
{
    (void)ud;
    return atomic_load(&g_stop);
}

/* The file name's interval label; NULL for an interval without one. */
static const char *granularity_label(long g)
{
    switch (g) {
    case 60:
        return "1m";
    case 300:
        return "5m";
    case 900:
        return "15m";
    case 3600:
        return "1h";
    case 21600:
        return "6h";
    case 86400:
        return "1d";
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------------ CLI */

typedef struct dl_args {
    char *symbols; /* owned copy, split in place */
    long granularity;
    int64_t from, to; /* Unix s, as given */
    const char *out, *url, *feed;
    const char **paths; /* --path values, owned array */
    size_t n_paths;
} dl_args;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: perpd history download --symbols BTC-USD[,ETH-USD...] "
            "--granularity 60|300|900|3600|21600|86400\n"
            "       --from ISO8601 --to ISO8601 --out DIR [--feed NAME] "
            "[--url BASE] [--path DIR]...\n"
            "  asks feed NAME (default coinbase) for the candles through its "
            "backfill and\n"
            "  writes DIR/SYMBOL_<1m|5m|15m|1h|6h|1d>.csv "
            "(ts,open,high,low,close,volume;\n"
            "  candles with from <= ts < to). Rows the replay feed would "
            "refuse are dropped\n"
            "  and counted. --url sets the feed's rest_url; --path DIR "
            "searches plugins there.\n"
            "  SIGINT stops at once (exit 130); files already written "
            "stay.\n");
}

static int bad_arg(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "perpd history: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}

static int valid_symbol(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= PERP_SYMBOL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return 0;
    return 1;
}

/* Every entry of the comma-separated list is a product id; an empty list
 * or entry is an error. 0 or the usage exit code. */
static int check_symbols(const char *syms)
{
    if (!*syms)
        return bad_arg("--symbols '%s': expected at least one product id "
                       "such as BTC-USD%s",
                       syms, "");
    const char *p = syms;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char one[64];
        if (n == 0)
            return bad_arg("--symbols '%s': an empty entry (two commas, or "
                           "one at an end)%s",
                           syms, "");
        snprintf(one, sizeof one, "%.*s", (int)(n < 63 ? n : 63), p);
        if (n >= 63 || !valid_symbol(one))
            return bad_arg("--symbols: '%s' is not a product id such as "
                           "BTC-USD%s",
                           one, "");
        if (!c)
            return 0;
        p = c + 1;
    }
}

/* --granularity: a whole number of seconds with a file label; the value
 * is read whole (no silent narrowing) and echoed when refused. */
static int parse_granularity(const char *text, long *out)
{
    char *end;
    errno = 0;
    long long g = strtoll(text, &end, 10);
    if (!*text || *end || errno == ERANGE || g < 1 || g > LONG_MAX ||
        !granularity_label((long)g))
        return bad_arg("--granularity '%s': expected one of 60, 300, 900, "
                       "3600, 21600, 86400 (seconds)%s",
                       text, "");
    *out = (long)g;
    return 0;
}

static const char **value_slot(dl_args *a, const char *k, const char **syms,
                               const char **gran, const char **from,
                               const char **to)
{
    return !strcmp(k, "--symbols")       ? syms
           : !strcmp(k, "--granularity") ? gran
           : !strcmp(k, "--from")        ? from
           : !strcmp(k, "--to")          ? to
           : !strcmp(k, "--out")         ? &a->out
           : !strcmp(k, "--url")         ? &a->url
           : !strcmp(k, "--feed")        ? &a->feed
           : !strcmp(k, "--path")        ? &a->paths[a->n_paths]
                                         : NULL;
}

/* 0 with *a filled, the usage exit code after saying why, or -1 once
 * --help has been answered on stdout. */
static int parse_args(int argc, char **argv, dl_args *a)
{
    const char *syms = NULL, *gran = NULL, *from = NULL, *to = NULL;
    a->feed = DEFAULT_FEED;
    a->paths = calloc((size_t)argc + 1, sizeof *a->paths);
    if (!a->paths)
        return 1;
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
            usage(stdout);
            return -1;
        }
        const char **slot = value_slot(a, k, &syms, &gran, &from, &to);
        if (!slot)
            return bad_arg("unknown argument '%s'%s", k, "");
        if (i + 1 >= argc)
            return bad_arg("%s needs a value%s", k, "");
        *slot = argv[++i];
        a->n_paths += !strcmp(k, "--path");
    }
    if (!syms || !gran || !from || !to || !a->out)
        return bad_arg("missing %s%s",
                       !syms   ? "--symbols"
                       : !gran ? "--granularity"
                       : !from ? "--from"
                       : !to   ? "--to"
                               : "--out",
                       "");
    int rc = parse_granularity(gran, &a->granularity);
    if (rc != 0)
        return rc;
    if (perp_time_parse_s(from, HIST_TIME_FORMS, &a->from) != 0)
        return bad_arg("--from '%s': expected ISO 8601 such as "
                       "2024-01-01T00:00:00Z%s",
                       from, "");
    if (perp_time_parse_s(to, HIST_TIME_FORMS, &a->to) != 0)
        return bad_arg("--to '%s': expected ISO 8601 such as "
                       "2024-01-02T00:00:00Z%s",
                       to, "");
    if (a->from < 0)
        return bad_arg("--from '%s': before 1970%s", from, "");
    if (a->to <= a->from)
        return bad_arg("--to %s is not after --from %s", to, from);
    if (!*a->feed)
        return bad_arg("--feed '%s': expected a feed plugin's name such as "
                       "coinbase%s",
                       a->feed, "");
    if ((rc = check_symbols(syms)) != 0)
        return rc;
    a->symbols = strdup(syms);
    return a->symbols ? 0 : 1;
}

/* ---------------------------------------------------------------- files */

/* Shortest text that reads back as the same double. */
static void fmt_num(char *out, size_t len, double v)
{
    for (int prec = 10; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static int mkdir_p(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Written to path.tmp and renamed. 0, or -1 after saying why. */
static int write_csv(const char *path, const perp_candle *c, size_t n)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "perpd history: cannot write %s: %s\n", tmp,
                strerror(errno));
        return -1;
    }
    fputs("ts,open,high,low,close,volume\n", f);
    for (size_t i = 0; i < n; i++) {
        char o[32], h[32], l[32], cl[32], v[32];
        fmt_num(o, sizeof o, c[i].open);
        fmt_num(h, sizeof h, c[i].high);
        fmt_num(l, sizeof l, c[i].low);
        fmt_num(cl, sizeof cl, c[i].close);
        fmt_num(v, sizeof v, c[i].volume);
        fprintf(f, "%lld,%s,%s,%s,%s,%s\n", (long long)(c[i].ts / 1000), o, h,
                l, cl, v);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        fprintf(stderr, "perpd history: cannot write %s: %s\n", path,
                strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* ----------------------------------------------------------------- feed */

/* The feed's node: {plugin: NAME[, rest_url: URL]}, as JSON (a subset of
 * YAML the config loader reads) so no value needs YAML quoting. */
static host_config *feed_config(const dl_args *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "plugin", json_string(a->feed));
    if (a->url)
        json_object_set_new(o, "rest_url", json_string(a->url));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    char err[512];
    host_config *cfg =
        text ? host_config_parse(text, "history download", err, sizeof err)
             : NULL;
    if (!cfg)
        fprintf(stderr, "perpd history: %s\n", text ? err : "out of memory");
    free(text);
    return cfg;
}

/* Opens the feed and checks it can backfill this interval (an empty
 * range asks nothing of the venue). 0 or the exit code after saying
 * why. */
static int open_feed(const dl_args *a, const host_context *ctx,
                     host_config *cfg, host_instance *inst)
{
    host_plugin_path path;
    host_plugin_path_init(&path, a->paths, a->n_paths);
    int rc = host_instance_open(inst, &path, PERP_KIND_FEED,
                                host_config_root(cfg), a->feed, ctx);
    host_plugin_path_free(&path);
    if (rc != PERP_OK)
        return 1;
    const perp_feed_vtable *vt = inst->vtable;
    if (!host_feed_has_backfill(vt)) {
        fprintf(stderr,
                "perpd history: feed '%s' cannot backfill candles (it has no "
                "backfill call; coinbase has)\n",
                a->feed);
        return 1;
    }
    size_t n = 0;
    perp_candle none;
    const char *first = a->symbols;
    char sym[PERP_SYMBOL_MAX];
    snprintf(sym, sizeof sym, "%.*s", (int)strcspn(first, ","), first);
    int64_t t =
        a->from * 1000 / (a->granularity * 1000) * a->granularity * 1000;
    if (vt->backfill(inst->self, sym, a->granularity * 1000, t, t, &none, 0,
                     &n) == PERP_EUNSUPPORTED) {
        fprintf(stderr,
                "perpd history: feed '%s' does not serve %ld s candles\n",
                a->feed, a->granularity);
        return 1;
    }
    return 0;
}

/* One symbol's candles into its file. 0, 1 (failed) or EXIT_STOPPED. */
static int download_symbol(const dl_args *a, const host_instance *feed,
                           const char *sym)
{
    int64_t g_ms = a->granularity * 1000;
    /* Open times t with from <= t < to, on the interval grid. */
    int64_t from = (a->from * 1000 + g_ms - 1) / g_ms * g_ms;
    int64_t to = (a->to * 1000 + g_ms - 1) / g_ms * g_ms;
    perp_candle *c = NULL;
    size_t n = 0;
    host_backfill_drops drops;
    memset(&drops, 0, sizeof drops);
    int rc = host_backfill_range(feed->vtable, feed->self, sym, g_ms, from, to,
                                 CHUNK_BUCKETS, stop_requested, NULL, &c, &n,
                                 &drops);
    if (rc != PERP_OK || atomic_load(&g_stop)) {
        free(c);
        if (atomic_load(&g_stop)) {
            fprintf(stderr, "perpd history: stopped; %s not written\n", sym);
            return EXIT_STOPPED;
        }
        fprintf(stderr, "perpd history: %s: download failed%s\n", sym,
                rc == PERP_ENOMEM ? ": out of memory" : " (see above)");
        return 1;
    }
    char path[4096], said[1024];
    snprintf(path, sizeof path, "%s/%s_%s.csv", a->out, sym,
             granularity_label(a->granularity));
    if (write_csv(path, c, n) != 0) {
        free(c);
        return 1;
    }
    host_backfill_drops_text(&drops, said, sizeof said);
    host_log(drops.total ? PERP_LOG_WARN : PERP_LOG_INFO, "history",
             "%s: %zu candles -> %s%s%s", sym, n, path, said[0] ? "; " : "",
             said);
    free(c);
    return 0;
}

static int download_all(const dl_args *a)
{
    if (mkdir_p(a->out) != 0) {
        fprintf(stderr, "perpd history: cannot create %s: %s\n", a->out,
                strerror(errno));
        return 1;
    }
    /* The feed's "agent symbols" are the ones to download (a feed checks
     * it has some; at most PERP_MAX_SYMBOLS fit the table, and backfill
     * takes any symbol, so a longer list is still downloaded whole). */
    const char *syms[PERP_MAX_SYMBOLS];
    char *list = strdup(a->symbols), *save = NULL;
    size_t n_syms = 0;
    for (char *s = list ? strtok_r(list, ",", &save) : NULL;
         s && n_syms < PERP_MAX_SYMBOLS; s = strtok_r(NULL, ",", &save))
        syms[n_syms++] = s;
    host_context ctx = {.version = "history",
                        .symbols = syms,
                        .n_symbols = n_syms,
                        .stop = &g_stop};
    host_config *cfg = list ? feed_config(a) : NULL;
    if (!cfg) {
        free(list);
        return 1;
    }
    host_instance feed;
    int rc = open_feed(a, &ctx, cfg, &feed);
    save = NULL;
    for (char *s = strtok_r(a->symbols, ",", &save); s && rc == 0;
         s = strtok_r(NULL, ",", &save))
        rc = download_symbol(a, &feed, s);
    host_instance_close(&feed);
    host_config_free(cfg);
    free(list);
    return rc;
}

int host_history_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "download") != 0) {
        if (argc >= 2 &&
            (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            usage(stdout);
            return 0;
        }
        fprintf(stderr, "perpd history: expected the subcommand 'download'\n");
        usage(stderr);
        return 2;
    }
    dl_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc == 0) {
        struct sigaction sa, old_int, old_term;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        g_stop = 0;
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        rc = download_all(&a);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    free(a.symbols);
    free(a.paths);
    return rc < 0 ? 0 : rc; /* -1: --help answered */
}
