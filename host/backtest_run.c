/*
 * backtest_run.c — several versions, one tape, one pass.
 */
#include "backtest_run.h"
#include "agent_recovery.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_internal.h"
#include "log.h"
#include "plugin_services.h"

#define HOUR_MS        3600000LL
#define PROGRESS_EVERY 4096 /* events between clock reads */
#define REDRAW_MS      100  /* at most 10 redraws a second */
#define LOG_EVERY_MS   10000

/* ---------------------------------------------------------- sharing */

/* What must be equal for two versions to read the same markets: the
 * symbols in order, the context, history and series lengths, and the
 * indicator definitions (their YAML, as JSON). Owned string. */
static char *market_key(const host_agent *a)
{
    char *ind = host_config_to_json_redacted(
        host_cfg_child(host_config_root(a->cfg), "indicators"));
    size_t len = (ind ? strlen(ind) : 4) + 256 + a->n_markets * 32;
    char *k = malloc(len);
    if (!k) {
        free(ind);
        return NULL;
    }
    int off = snprintf(k, len, "%lld|%zu|%zu|", (long long)a->set.ctx_ms,
                       a->set.history, a->set.series);
    for (size_t i = 0; i < a->n_markets; i++)
        off +=
            snprintf(k + off, len - (size_t)off, "%s,", a->markets[i].symbol);
    snprintf(k + off, len - (size_t)off, "|%s", ind ? ind : "null");
    free(ind);
    return k;
}

/* Version i reads version j's markets: its own are freed. */
static void share_markets(host_agent *a, host_agent *owner)
{
    for (size_t i = 0; i < a->n_markets; i++)
        host_market_free(&a->markets[i]);
    free(a->markets);
    a->markets = owner->markets;
    a->markets_shared = 1;
}

static void plan_sharing(host_backtest *b)
{
    char **keys = calloc(b->n, sizeof *keys);
    for (size_t i = 0; i < b->n; i++) {
        b->v[i].market_owner = i;
        if (!keys)
            continue;
        keys[i] = market_key(b->v[i].agent);
        for (size_t j = 0; j < i && keys[i]; j++)
            if (b->v[j].market_owner == j && keys[j] &&
                strcmp(keys[i], keys[j]) == 0) {
                share_markets(b->v[i].agent, b->v[j].agent);
                b->v[i].market_owner = j;
                host_log(PERP_LOG_INFO, "backtest",
                         "%s reads the markets of %s (same indicators)",
                         b->v[i].agent->set.version,
                         b->v[j].agent->set.version);
                break;
            }
    }
    for (size_t i = 0; keys && i < b->n; i++)
        free(keys[i]);
    free(keys);
}

/* ------------------------------------------------------------ feed */

static void add_symbols(host_backtest *b, const host_agent *a)
{
    for (size_t i = 0; i < a->set.n_symbols; i++) {
        size_t k = 0;
        while (k < b->n_symbols && strcmp(b->symbols[k], a->set.symbols[i]))
            k++;
        if (k == b->n_symbols && k < PERP_MAX_SYMBOLS)
            b->symbols[b->n_symbols++] = a->set.symbols[i];
    }
}

static int open_feed(host_backtest *b, const host_bt_feed_options *o)
{
    char yaml[8192];
    int off = snprintf(yaml, sizeof yaml,
                       "plugin: replay\ndir: \"%s\"\nspeed: max\nsymbols: [",
                       o->data);
    for (size_t i = 0; i < b->n_symbols && off < (int)sizeof yaml; i++)
        off += snprintf(yaml + off, sizeof yaml - (size_t)off, "%s\"%s\"",
                        i ? ", " : "", b->symbols[i]);
    if (off < (int)sizeof yaml)
        off += snprintf(yaml + off, sizeof yaml - (size_t)off, "]\n");
    if (o->from && off < (int)sizeof yaml)
        off += snprintf(yaml + off, sizeof yaml - (size_t)off, "from: \"%s\"\n",
                        o->from);
    if (o->to && off < (int)sizeof yaml)
        off += snprintf(yaml + off, sizeof yaml - (size_t)off, "to: \"%s\"\n",
                        o->to);
    if (off >= (int)sizeof yaml) {
        host_log(PERP_LOG_ERROR, "backtest", "history path too long");
        return PERP_EINVAL;
    }
    char err[512];
    b->feed_cfg = host_config_parse(yaml, "backtest feed", err, sizeof err);
    if (!b->feed_cfg) {
        host_log(PERP_LOG_ERROR, "backtest", "%s", err);
        return PERP_EINVAL;
    }
    host_agent *a0 = b->v[0].agent;
    b->feed_ctx = (host_context){.version = "backtest",
                                 .symbols = b->symbols,
                                 .n_symbols = b->n_symbols};
    return host_instance_open(&b->feed, &a0->path, PERP_KIND_FEED,
                              host_config_root(b->feed_cfg), "replay",
                              &b->feed_ctx);
}

/* The replay feed's status says "N candles replayed, M left". */
static uint64_t feed_total(host_backtest *b)
{
    const perp_feed_vtable *vt = b->feed.vtable;
    perp_feed_status st;
    memset(&st, 0, sizeof st);
    unsigned long long done = 0, left = 0;
    if (vt->status && vt->status(b->feed.self, &st) == PERP_OK &&
        sscanf(st.detail, "%llu candles replayed, %llu left", &done, &left) ==
            2)
        return done + left;
    return 0;
}

int host_backtest_open(host_backtest *b, const char *const *configs, size_t n,
                       const host_run_options *opt)
{
    memset(b, 0, sizeof *b);
    b->v = calloc(n, sizeof *b->v);
    if (!b->v)
        return PERP_ENOMEM;
    host_run_options o = opt ? *opt : (host_run_options){0};
    o.backtest = 1;
    for (size_t i = 0; i < n; i++) {
        host_bt_version *v = &b->v[i];
        v->path = configs[i];
        v->agent = host_agent_open(configs[i], &o);
        if (!v->agent)
            return PERP_EINVAL;
        b->n = i + 1;
        if (host_bt_record_init(&v->rec) != PERP_OK)
            return PERP_ENOMEM;
        v->rec.bench_now = &v->agent->bench_value;
        host_agent_set_tap(v->agent, host_bt_record_tap, &v->rec);
        add_symbols(b, v->agent);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(b->v[i].agent->set.version,
                       b->v[j].agent->set.version) == 0) {
                host_log(PERP_LOG_ERROR, "backtest",
                         "%s and %s have the same agent.version (%s): each "
                         "version needs its own tag",
                         configs[j], configs[i], b->v[i].agent->set.version);
                return PERP_EINVAL;
            }
    plan_sharing(b);
    return PERP_OK;
}

int host_backtest_open_feed(host_backtest *b, const host_bt_feed_options *feed)
{
    int rc = open_feed(b, feed);
    if (rc != PERP_OK)
        return rc;
    b->total = feed_total(b);
    b->series = calloc(b->n_symbols ? b->n_symbols : 1, sizeof *b->series);
    if (!b->series)
        return PERP_ENOMEM;
    for (size_t i = 0; i < b->n_symbols; i++)
        snprintf(b->series[i].symbol, sizeof b->series[i].symbol, "%s",
                 b->symbols[i]);
    b->progress_tty = isatty(2) && !getenv("PERP_BACKTEST_WORKER");
    return PERP_OK;
}

void host_backtest_close(host_backtest *b)
{
    /* Versions that read another's markets close first. */
    for (size_t i = b->n; i-- > 0;) {
        host_agent_close(b->v[i].agent);
        host_bt_record_free(&b->v[i].rec);
    }
    free(b->v);
    host_instance_close(&b->feed);
    host_config_free(b->feed_cfg);
    for (size_t i = 0; b->series && i < b->n_symbols; i++) {
        free(b->series[i].ts);
        free(b->series[i].close);
    }
    free(b->series);
    memset(b, 0, sizeof *b);
}

int64_t host_backtest_cycles_estimate(const host_backtest *b, size_t version)
{
    const host_agent *a = b->v[version].agent;
    if (b->n_symbols == 0 || a->set.cycle_ms <= 0)
        return 0;
    /* One-minute candles, spread over the symbols. */
    return (int64_t)(b->total / b->n_symbols) * 60000 / a->set.cycle_ms;
}

/* --------------------------------------------------------- progress */

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

typedef struct progress {
    int64_t start, last_draw, last_log;
} progress;

static void draw(host_backtest *b, progress *p, int64_t now, int final)
{
    double secs = (double)(now - p->start) / 1000.0;
    double rate = secs > 0 ? (double)b->events / secs : 0;
    time_t t = (time_t)(b->last_ts / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    double frac = b->total ? (double)b->events / (double)b->total : 0;
    double eta = rate > 0 && b->total > b->events
                     ? (double)(b->total - b->events) / rate
                     : 0;
    if (b->progress_tty) {
        char bar[31];
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr,
                "\r[%s] %llu/%llu candles  %s  %.2f M/s  ETA %.0f s   %s", bar,
                (unsigned long long)b->events, (unsigned long long)b->total,
                when, rate / 1e6, eta, final ? "\n" : "");
    } else {
        host_log(PERP_LOG_INFO, "backtest",
                 "%llu of %llu candles, at %s, %.0f candles/s",
                 (unsigned long long)b->events, (unsigned long long)b->total,
                 when, rate);
    }
}

static void tick_progress(host_backtest *b, progress *p)
{
    int64_t now = mono_ms();
    if (b->progress_tty ? now - p->last_draw >= REDRAW_MS
                        : now - p->last_log >= LOG_EVERY_MS) {
        draw(b, p, now, 0);
        p->last_draw = p->last_log = now;
    }
}

/* ---------------------------------------------------------- the tape */

/* The report's price line: the last close of each hour. */
static void keep_close(host_backtest *b, const perp_candle *c)
{
    host_bt_series *s = NULL;
    for (size_t i = 0; i < b->n_symbols && !s; i++)
        if (strcmp(b->series[i].symbol, c->symbol) == 0)
            s = &b->series[i];
    if (!s)
        return;
    int64_t close_ts = c->ts + c->interval_ms;
    int64_t hour = (close_ts + HOUR_MS - 1) / HOUR_MS * HOUR_MS;
    if (s->n && s->ts[s->n - 1] == hour) {
        s->close[s->n - 1] = c->close;
        return;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        int64_t *t = realloc(s->ts, cap * sizeof *t);
        if (t)
            s->ts = t;
        double *v = t ? realloc(s->close, cap * sizeof *v) : NULL;
        if (!v)
            return;
        s->close = v;
        s->cap = cap;
    }
    s->ts[s->n] = hour;
    s->close[s->n++] = c->close;
}

static int all_done(const host_backtest *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (!host_agent_replay_done(b->v[i].agent))
            return 0;
    return 1;
}

/* Every version sees the event; a version reading another's markets
 * takes the owner's word on whether the markets accepted it. */
static void dispatch(host_backtest *b, const perp_event *ev, int *accepted)
{
    for (size_t i = 0; i < b->n; i++) {
        host_bt_version *v = &b->v[i];
        size_t o = v->market_owner;
        if (o == i) {
            accepted[i] = 0;
            host_agent_replay_event(v->agent, ev, 0, &accepted[i]);
        } else {
            host_agent_replay_event(v->agent, ev, 1, &accepted[o]);
        }
    }
}

int host_backtest_run(host_backtest *b)
{
    const perp_feed_vtable *vt = b->feed.vtable;
    int *accepted = calloc(b->n, sizeof *accepted);
    if (!accepted)
        return 1;
    for (size_t i = 0; i < b->n; i++) {
        host_agent_bind_stop(b->v[i].agent);
        /* a storing sink commits at checkpoints (every agent.checkpoint_every
         * cycles of the tape): without them it held a whole backtest's
         * records in memory until the end */
        host_agent_checkpoints_detect(b->v[i].agent);
    }
    progress p = {mono_ms(), 0, mono_ms()};
    int rc = 0, started = 0;
    perp_event ev;
    while (!all_done(b)) {
        memset(&ev, 0, sizeof ev);
        int r = vt->next(b->feed.self, &ev, 1000);
        if (r == PERP_AGAIN)
            continue;
        if (r == PERP_EOF)
            break;
        if (r != PERP_OK) {
            host_log(PERP_LOG_ERROR, "backtest", "the feed failed (%d)", r);
            rc = 1;
            break;
        }
        if (!started) {
            for (size_t i = 0; i < b->n; i++)
                host_agent_replay_start(b->v[i].agent, ev.ts);
            b->first_ts = ev.ts;
            started = 1;
        }
        for (size_t i = 0; i < b->n; i++)
            host_agent_replay_cycles_before(b->v[i].agent, ev.ts);
        dispatch(b, &ev, accepted);
        if (ev.type == PERP_EV_CANDLE)
            keep_close(b, &ev.u.candle);
        if (ev.ts > b->last_ts)
            b->last_ts = ev.ts;
        if (++b->events % PROGRESS_EVERY == 0)
            tick_progress(b, &p);
    }
    if (started && rc == 0 && !host_agent_stop_requested())
        for (size_t i = 0; i < b->n; i++) {
            host_agent_replay_finish(b->v[i].agent, b->last_ts);
            host_agent_holds_flush(b->v[i].agent);
        }
    for (size_t i = 0; i < b->n; i++)
        host_record_bus_flush(&b->v[i].agent->bus);
    draw(b, &p, mono_ms(), 1);
    free(accepted);
    return rc;
}
