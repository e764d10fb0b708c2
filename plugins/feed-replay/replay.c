/*
 * replay.c — feed plugin "replay": history CSVs as PERP_EV_CANDLE events,
 * merged across symbols in time order.
 *
 * YAML keys: rp_config below (`perpd plugins --describe replay`); exactly
 * one of dir and files.
 *
 * An event is stamped with the candle's close time (open + interval):
 * that is when the candle became known. Ties go to the symbol listed
 * first, so a run is deterministic.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <perp/quote.h>
#include <perp/sdk.h>
#include <perp/time.h>

#include "series.h"

/* A thousandth of real time (a minute of data in 17 hours) to a billion
 * times it. Beyond either bound the pacing arithmetic is meaningless:
 * 1e-300 overflowed int64 (a signed overflow under UBSan, no candle
 * ever in the plain build). */
#define SPEED_MIN 1e-3
#define SPEED_MAX 1e9

typedef struct rp_feed {
    const perp_host *host;
    rp_series series[PERP_MAX_SYMBOLS];
    size_t n;
    int64_t interval_s;
    double speed; /* 0: as fast as possible */
    int started;
    int64_t wall0_ms, ev0_ms; /* pacing origin */
    int64_t last_ms;          /* the previous event's time */
    int64_t max_gap_ms;       /* pauses longer than this are not paced */
    uint64_t emitted;
} rp_feed;

typedef struct rp_settings {
    const char *dir, *from, *to, *speed, *cache_dir;
    int64_t interval_ms, from_s, to_s, max_gap_ms;
    int cache;
    char label[16];
    char cache_buf[PATH_MAX];
} rp_settings;

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* "1m", "6h", "1d": the file-name suffix for an interval. */
static int interval_label(int64_t ms, char *out, size_t len)
{
    if (ms <= 0 || ms % 60000)
        return -1;
    long long v = ms % 86400000 == 0  ? ms / 86400000
                  : ms % 3600000 == 0 ? ms / 3600000
                                      : ms / 60000;
    char unit = ms % 86400000 == 0 ? 'd' : ms % 3600000 == 0 ? 'h' : 'm';
    return snprintf(out, len, "%lld%c", v, unit) < (int)len ? 0 : -1;
}

/* The XDG cache folder, never the working directory (an installed perpd
 * runs from anywhere); NULL without $XDG_CACHE_HOME and $HOME: no cache. */
static const char *default_cache_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg && snprintf(buf, len, "%s/perpd/replay", xdg) < (int)len)
        return buf;
    const char *home = getenv("HOME");
    if (home && *home &&
        snprintf(buf, len, "%s/.cache/perpd/replay", home) < (int)len)
        return buf;
    return NULL;
}

/* from/to: "2023-04-01", "2023-04-01T21:03[:00[.000]]", with "Z" or
 * "+HH:MM" or no zone (UTC); any form perp/time.h knows. */
static perp_status read_bounds(const perp_host *h, const perp_config_node *cfg,
                               rp_settings *s)
{
    s->from_s = INT64_MIN;
    s->to_s = INT64_MAX;
    if (s->from &&
        perp_time_parse_s(s->from, PERP_TIME_LENIENT, &s->from_s) != 0)
        return h->cfg_error(h, h->cfg_child(cfg, "from"),
                            "from: expected ISO 8601 such as "
                            "2023-04-01T00:00:00Z, found '%s'",
                            s->from);
    if (s->to && perp_time_parse_s(s->to, PERP_TIME_LENIENT, &s->to_s) != 0)
        return h->cfg_error(h, h->cfg_child(cfg, "to"),
                            "to: expected ISO 8601 such as "
                            "2023-04-02T00:00:00Z, found '%s'",
                            s->to);
    if (s->to_s <= s->from_s)
        return h->cfg_error(h, h->cfg_child(cfg, "to"),
                            "to: must be after from");
    return PERP_OK;
}

static const perp_config_key rp_config[] = {
    PERP_CFG_FILE("dir", NULL,
                  "folder of SYMBOL_<interval>.csv files, one per symbol"),
    {.name = "files",
     .type = PERP_CFG_LIST,
     .item_type = PERP_CFG_PATH,
     .min = 1,
     .max = PERP_MAX_SYMBOLS,
     .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX,
     .description = "CSV paths instead of dir; symbol = name up to '_'"},
    {.name = "symbols",
     .type = PERP_CFG_LIST,
     .item_type = PERP_CFG_STRING,
     .min = 1,
     .max = PERP_MAX_SYMBOLS,
     .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX,
     .description = "with dir: symbols to read (default: agent.symbols)"},
    PERP_CFG_DUR("interval", "1m", 60000, 86400000LL * 366,
                 "candle interval of the files, whole minutes"),
    PERP_CFG_STR("from", NULL, "ISO 8601: first candle open time (incl.)"),
    PERP_CFG_STR("to", NULL, "ISO 8601: open times before it are read"),
    {.name = "speed",
     .type = PERP_CFG_NUMBER,
     .default_value = "max",
     .min = SPEED_MIN,
     .max = SPEED_MAX,
     .choices = "max",
     .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX,
     .description = "max (as fast as possible) or a multiple of real time"},
    PERP_CFG_DUR("max_gap", "4h", 60000, 86400000LL * 366 * 100,
                 "with a speed: a pause in the data longer than this is not "
                 "waited out"),
    PERP_CFG_BOOLEAN("cache", "true", "keep a binary cache of parsed CSVs"),
    PERP_CFG_OUT_FILE("cache_dir", NULL,
                      "cache folder (default $XDG_CACHE_HOME/perpd/replay, "
                      "else ~/.cache/perpd/replay)"),
    PERP_CFG_LAST};

static perp_status read_settings(const perp_host *h,
                                 const perp_config_node *cfg, rp_settings *s)
{
    memset(s, 0, sizeof *s);
    if (h->cfg_str(h, cfg, "dir", NULL, &s->dir) != PERP_OK ||
        h->cfg_str(h, cfg, "from", NULL, &s->from) != PERP_OK ||
        h->cfg_str(h, cfg, "to", NULL, &s->to) != PERP_OK ||
        h->cfg_str(h, cfg, "speed", "max", &s->speed) != PERP_OK ||
        h->cfg_str(h, cfg, "cache_dir", NULL, &s->cache_dir) != PERP_OK ||
        h->cfg_bool(h, cfg, "cache", 1, &s->cache) != PERP_OK ||
        h->cfg_duration_ms(h, cfg, "interval", 60000, &s->interval_ms) !=
            PERP_OK ||
        h->cfg_duration_ms(h, cfg, "max_gap", 4 * 3600000LL, &s->max_gap_ms) !=
            PERP_OK)
        return PERP_EINVAL;
    if (s->max_gap_ms < s->interval_ms)
        return h->cfg_error(h, h->cfg_child(cfg, "max_gap"),
                            "max_gap: expected at least one interval");
    if (interval_label(s->interval_ms, s->label, sizeof s->label) != 0)
        return h->cfg_error(h, h->cfg_child(cfg, "interval"),
                            "interval: expected whole minutes such as 1m, "
                            "1h, 1d");
    if (!s->dir == !h->cfg_child(cfg, "files"))
        return h->cfg_error(h, cfg,
                            "set exactly one of dir (a folder of "
                            "SYMBOL_%s.csv) and files (a list)",
                            s->label);
    if (s->dir && !*s->dir)
        return h->cfg_error(h, h->cfg_child(cfg, "dir"), "dir: empty path");
    if (!s->dir && h->cfg_child(cfg, "symbols"))
        return h->cfg_error(h, h->cfg_child(cfg, "symbols"),
                            "symbols: only with dir (files name their "
                            "symbol)");
    if (!s->cache_dir || !*s->cache_dir)
        s->cache_dir = default_cache_dir(s->cache_buf, sizeof s->cache_buf);
    return read_bounds(h, cfg, s);
}

/* speed: the host has checked it is max or a number in its row's range;
 * max is 0 here (no pacing). */
static perp_status parse_speed(const perp_host *h, const perp_config_node *cfg,
                               const char *text, double *out)
{
    if (strcmp(text, "max") == 0) {
        *out = 0;
        return PERP_OK;
    }
    return h->cfg_num(h, cfg, "speed", 0, out);
}

/* ------------------------------------------------------------ sources */

typedef struct rp_source {
    char symbol[PERP_SYMBOL_MAX];
    char path[PATH_MAX];
    const perp_config_node *node; /* for error locations */
} rp_source;

static perp_status add_source(const perp_host *h, rp_source *src, size_t *n,
                              const char *symbol, const char *path,
                              const perp_config_node *node)
{
    if (*n == PERP_MAX_SYMBOLS)
        return h->cfg_error(h, node, "at most %d symbols", PERP_MAX_SYMBOLS);
    char q[PERP_QUOTE_LEN];
    if (!*symbol || strlen(symbol) >= PERP_SYMBOL_MAX)
        return h->cfg_error(h, node, "%s does not name a symbol",
                            perp_quote(path, q, sizeof q));
    for (size_t i = 0; i < *n; i++)
        if (strcmp(src[i].symbol, symbol) == 0)
            return h->cfg_error(h, node, "symbol %s given twice", symbol);
    snprintf(src[*n].symbol, sizeof src[*n].symbol, "%s", symbol);
    if (snprintf(src[*n].path, sizeof src[*n].path, "%s", path) >=
        (int)sizeof src[*n].path)
        return h->cfg_error(h, node,
                            "path too long (%zu bytes; the limit is "
                            "%d): %s",
                            strlen(path), PATH_MAX - 1,
                            perp_quote(path, q, sizeof q));
    src[*n].node = node;
    (*n)++;
    return PERP_OK;
}

static perp_status sources_from_dir(const perp_host *h,
                                    const perp_config_node *cfg,
                                    const rp_settings *s, rp_source *src,
                                    size_t *n)
{
    const perp_config_node *seq = h->cfg_child(cfg, "symbols");
    size_t count = seq ? h->cfg_len(seq) : h->symbol_count(h);
    if (count == 0)
        return h->cfg_error(h, seq ? seq : cfg,
                            "no symbols: set agent.symbols or symbols");
    for (size_t i = 0; i < count; i++) {
        const char *sym =
            seq ? h->cfg_scalar(h->cfg_at(seq, i)) : h->symbol_at(h, i);
        char path[PATH_MAX];
        if (!sym)
            return h->cfg_error(h, seq, "symbols: entry %zu is not a name", i);
        int w =
            snprintf(path, sizeof path, "%s/%s_%s.csv", s->dir, sym, s->label);
        if (w < 0 || (size_t)w >= sizeof path)
            return h->cfg_error(h, h->cfg_child(cfg, "dir"),
                                "dir: path too long (%zu bytes; files' "
                                "paths stop at %d)",
                                strlen(s->dir), PATH_MAX - 1);
        if (add_source(h, src, n, sym, path,
                       seq ? h->cfg_at(seq, i) : h->cfg_child(cfg, "dir")) !=
            PERP_OK)
            return PERP_EINVAL;
    }
    return PERP_OK;
}

static perp_status sources_from_files(const perp_host *h,
                                      const perp_config_node *cfg,
                                      rp_source *src, size_t *n)
{
    const perp_config_node *seq = h->cfg_child(cfg, "files");
    size_t count = h->cfg_len(seq);
    for (size_t i = 0; i < count; i++) {
        const perp_config_node *item = h->cfg_at(seq, i);
        const char *path = h->cfg_scalar(item);
        if (!path || !*path)
            return h->cfg_error(h, item, "files: entry %zu is not a path", i);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char sym[PERP_SYMBOL_MAX + 1];
        size_t len = strcspn(base, "_.");
        snprintf(sym, sizeof sym, "%.*s",
                 (int)(len < PERP_SYMBOL_MAX ? len : PERP_SYMBOL_MAX), base);
        if (add_source(h, src, n, sym, path, item) != PERP_OK)
            return PERP_EINVAL;
    }
    return PERP_OK;
}

/* ------------------------------------------------------------- vtable */

static void rp_destroy(void *self)
{
    rp_feed *f = self;
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        rp_series_free(&f->series[i]);
    free(f);
}

static perp_status load_all(rp_feed *f, const rp_settings *s,
                            const rp_source *src, size_t n)
{
    rp_load_opts o = {f->interval_s, s->cache ? s->cache_dir : NULL, s->from_s,
                      s->to_s};
    size_t total = 0;
    int cached_n = 0;
    for (size_t i = 0; i < n; i++) {
        char err[512];
        int cached;
        if (rp_series_load(&f->series[i], src[i].path, src[i].symbol, &o,
                           &cached, err, sizeof err) != 0)
            return f->host->cfg_error(f->host, src[i].node, "%s", err);
        f->n++;
        cached_n += cached;
        total += f->series[i].end - f->series[i].pos;
    }
    f->host->log(f->host, PERP_LOG_INFO,
                 "replaying %zu symbols, %zu candles of %s (%d of %zu files "
                 "from cache)",
                 n, total, s->label, cached_n, n);
    return PERP_OK;
}

static perp_status rp_create(const perp_host *host, const perp_config_node *cfg,
                             void **self)
{
    rp_settings s;
    *self = NULL;
    rp_feed *f = calloc(1, sizeof *f);
    rp_source *src = calloc(PERP_MAX_SYMBOLS, sizeof *src);
    size_t n = 0;
    int rc = f && src ? PERP_OK : PERP_ENOMEM;
    if (rc == PERP_OK) {
        f->host = host;
        rc = read_settings(host, cfg, &s);
    }
    if (rc == PERP_OK)
        rc = parse_speed(host, cfg, s.speed, &f->speed);
    if (rc == PERP_OK)
        f->max_gap_ms = s.max_gap_ms;
    if (rc == PERP_OK) {
        f->interval_s = s.interval_ms / 1000;
        rc = s.dir ? sources_from_dir(host, cfg, &s, src, &n)
                   : sources_from_files(host, cfg, src, &n);
    }
    if (rc == PERP_OK)
        rc = load_all(f, &s, src, n);
    free(src);
    if (rc != PERP_OK) {
        rp_destroy(f);
        return rc == PERP_ENOMEM ? rc : PERP_EINVAL;
    }
    *self = f;
    return PERP_OK;
}

/* Real-time pacing: PERP_OK when the event is due, PERP_AGAIN when it is
 * not due within timeout_ms (having waited that long). A pause in the
 * data over max_gap starts the pacing afresh: ten missing years are not
 * waited out. */
static int pace(rp_feed *f, int64_t ev_ms, int timeout_ms)
{
    if (!f->started || ev_ms - f->last_ms > f->max_gap_ms) {
        f->started = 1;
        f->wall0_ms = mono_ms();
        f->ev0_ms = ev_ms;
    }
    /* speed >= SPEED_MIN and ev_ms - ev0_ms <= max_gap + the data's span
     * keep this far inside int64; the clamp makes sure of it. */
    double wait_ms = (double)(ev_ms - f->ev0_ms) / f->speed;
    if (wait_ms > 1e15)
        wait_ms = 1e15;
    int64_t due = f->wall0_ms + (int64_t)wait_ms;
    int64_t wait = due - mono_ms();
    if (wait <= 0)
        return PERP_OK;
    int64_t nap = wait > timeout_ms ? (timeout_ms > 0 ? timeout_ms : 0) : wait;
    struct timespec ts = {nap / 1000, (long)(nap % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return wait > timeout_ms ? PERP_AGAIN : PERP_OK;
}

static perp_status rp_next(void *self, perp_event *ev, int timeout_ms)
{
    rp_feed *f = self;
    rp_series *best = NULL;
    const rp_bar *b = NULL;
    int64_t best_ts = 0;
    for (size_t i = 0; i < f->n; i++) {
        rp_series *s = &f->series[i];
        if (s->pos >= s->end)
            continue;
        char err[256];
        const rp_bar *row = rp_series_row(s, err, sizeof err);
        if (!row) {
            f->host->log(f->host, PERP_LOG_ERROR, "%s", err);
            return PERP_ERR;
        }
        if (!best || row->ts < best_ts) {
            best = s;
            b = row;
            best_ts = row->ts;
        }
    }
    if (!best)
        return PERP_EOF;
    int64_t close_ms = (best_ts + f->interval_s) * 1000;
    if (f->speed > 0 && pace(f, close_ms, timeout_ms) != PERP_OK)
        return PERP_AGAIN;
    best->pos++;
    f->last_ms = close_ms;
    ev->type = PERP_EV_CANDLE;
    ev->ts = close_ms;
    perp_candle *c = &ev->u.candle;
    c->ts = b->ts * 1000;
    c->interval_ms = f->interval_s * 1000;
    memcpy(c->symbol, best->symbol, sizeof c->symbol);
    c->open = b->open;
    c->high = b->high;
    c->low = b->low;
    c->close = b->close;
    c->volume = b->volume;
    f->emitted++;
    return PERP_OK;
}

static perp_status rp_status(void *self, perp_feed_status *out)
{
    rp_feed *f = self;
    size_t left = 0;
    for (size_t i = 0; i < f->n; i++)
        left += f->series[i].end - f->series[i].pos;
    memset(out, 0, sizeof *out);
    out->connected = left > 0;
    out->messages = f->emitted;
    snprintf(out->detail, sizeof out->detail, "%llu candles replayed, %zu left",
             (unsigned long long)f->emitted, left);
    return PERP_OK;
}

static const perp_feed_vtable vtable = {
    .struct_size = sizeof(perp_feed_vtable),
    .create = rp_create,
    .destroy = rp_destroy,
    .next = rp_next,
    .status = rp_status,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_FEED, "replay", "1.0.0",
                        "history CSV candles in time order (backtests)", vtable,
                        rp_config)
