/*
 * live_arena.c — several versions live on one feed; see live_arena.h.
 */
#include "live_arena.h"
#include "agent_recovery.h"

#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "log.h"
#include "market_backfill.h"
#include "plugin_services.h"

#define POLL_MS         50    /* longest wait for a feed event */
#define BATCH           256   /* events taken from one feed per pass */
#define STATUS_EVERY_MS 60000 /* feed status line */

typedef struct arena_version {
    host_agent *agent; /* owned */
    const char *path;  /* borrowed: its YAML */
    int64_t next;      /* its next cycle boundary (wall ms) */
    int services;      /* its services are started here */
} arena_version;

typedef struct live_arena {
    arena_version *v; /* owned, n */
    size_t n;
    host_instance *feeds; /* owned, n_feeds: the first version's */
    size_t n_feeds;
    int *ended; /* owned, n_feeds */
    host_context feed_ctx;
    const char *symbols[PERP_MAX_SYMBOLS]; /* union, borrowed */
    size_t n_symbols;
} live_arena;

/* ---------------------------------------------------------- opening */

static void add_symbols(live_arena *r, const host_agent *a)
{
    for (size_t i = 0; i < a->set.n_symbols; i++) {
        size_t k = 0;
        while (k < r->n_symbols && strcmp(r->symbols[k], a->set.symbols[i]))
            k++;
        if (k == r->n_symbols && k < PERP_MAX_SYMBOLS)
            r->symbols[r->n_symbols++] = a->set.symbols[i];
    }
}

/* A section of a version's YAML as JSON (secrets redacted); owned. */
static char *section(const host_agent *a, const char *key)
{
    const perp_config_node *n = host_cfg_child(host_config_root(a->cfg), key);
    return n ? host_config_to_json_redacted(n) : strdup("null");
}

static int same_section(const host_agent *a, const host_agent *b,
                        const char *key)
{
    char *x = section(a, key), *y = section(b, key);
    int same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

/* Each version needs its own tag; the others' feeds are said to be
 * unused; identical services run once. */
static int check_versions(live_arena *r)
{
    for (size_t i = 0; i < r->n; i++) {
        host_agent *a = r->v[i].agent;
        r->v[i].services = 1;
        for (size_t j = 0; j < i; j++) {
            host_agent *b = r->v[j].agent;
            if (strcmp(a->set.version, b->set.version) == 0) {
                host_log(PERP_LOG_ERROR, "arena",
                         "%s and %s have the same agent.version (%s): each "
                         "version needs its own tag",
                         r->v[j].path, r->v[i].path, a->set.version);
                return PERP_EINVAL;
            }
            if (r->v[i].services && a->n_services &&
                same_section(a, b, "services"))
                r->v[i].services = 0;
        }
        if (i > 0 && !same_section(a, r->v[0].agent, "feeds"))
            host_log(PERP_LOG_WARN, "arena",
                     "%s: its feeds are not opened; every version reads "
                     "the feeds of %s",
                     r->v[i].path, r->v[0].path);
        if (!r->v[i].services)
            host_log(PERP_LOG_INFO, "arena",
                     "%s: its services are those of an earlier version, "
                     "started once",
                     r->v[i].path);
    }
    return PERP_OK;
}

/* A record a shared feed emits belongs to every version. */
static void emit_all(void *ud, const perp_record *rec)
{
    live_arena *r = ud;
    for (size_t i = 0; i < r->n; i++)
        host_record_bus_emit(&r->v[i].agent->bus, rec);
}

static const char *name_of(const perp_config_node *node)
{
    const perp_config_node *n = host_cfg_child(node, "name");
    const char *s = n ? host_cfg_scalar(n) : NULL;
    if (s && *s)
        return s;
    n = host_cfg_child(node, "plugin");
    return n ? host_cfg_scalar(n) : NULL;
}

/* The first version's feeds, once, on the symbols of every version. A
 * set of replays only is refused: history is perpd backtest's. */
static int open_feeds(live_arena *r)
{
    host_agent *a0 = r->v[0].agent;
    const perp_config_node *seq =
        host_cfg_child(host_config_root(a0->cfg), "feeds");
    size_t n = seq ? host_cfg_len(seq) : 0;
    if (n == 0) {
        host_log(PERP_LOG_ERROR, "arena", "%s: no feeds", r->v[0].path);
        return PERP_EINVAL;
    }
    r->feeds = calloc(n, sizeof *r->feeds);
    r->ended = calloc(n, sizeof *r->ended);
    if (!r->feeds || !r->ended)
        return PERP_ENOMEM;
    r->feed_ctx = (host_context){.version = a0->set.version,
                                 .symbols = r->symbols,
                                 .n_symbols = r->n_symbols,
                                 .emit = emit_all,
                                 .emit_ud = r,
                                 .stop = host_agent_stop_flag(),
                                 .cycle_ms = a0->set.cycle_ms};
    int live = 0;
    for (size_t i = 0; i < n; i++) {
        const perp_config_node *node = host_cfg_at(seq, i);
        int rc =
            host_instance_open(&r->feeds[r->n_feeds], &a0->path, PERP_KIND_FEED,
                               node, name_of(node), &r->feed_ctx);
        if (rc != PERP_OK)
            return rc;
        live |= strcmp(r->feeds[r->n_feeds].plugin_name, "replay") != 0;
        r->n_feeds++;
    }
    if (!live) {
        host_log(PERP_LOG_ERROR, "arena",
                 "%s: the feeds are replays; several versions over history "
                 "run with `perpd backtest CONFIG...`",
                 r->v[0].path);
        return PERP_EINVAL;
    }
    return PERP_OK;
}

static int arena_open(live_arena *r, const char *const *configs, size_t n,
                      const host_run_options *opt)
{
    memset(r, 0, sizeof *r);
    r->v = calloc(n, sizeof *r->v);
    if (!r->v)
        return PERP_ENOMEM;
    host_run_options o = opt ? *opt : (host_run_options){0};
    o.feeds_shared = 1;
    int rc = PERP_OK;
    for (size_t i = 0; i < n; i++) {
        r->v[r->n].path = configs[i];
        r->v[r->n].agent = host_agent_open(configs[i], &o);
        if (!r->v[r->n].agent) {
            rc = PERP_EINVAL; /* the next files' errors are said too */
            continue;
        }
        add_symbols(r, r->v[r->n++].agent);
    }
    if (rc == PERP_OK)
        rc = check_versions(r);
    if (rc == PERP_OK)
        rc = open_feeds(r);
    return rc;
}

static void arena_close(live_arena *r)
{
    /* Feeds first: their threads read the symbols and the YAML of the
     * versions and emit into their buses until they are closed (ASan saw
     * a Coinbase thread's strcmp on a closed version's symbol). */
    for (size_t i = r->n_feeds; i-- > 0;)
        host_instance_close(&r->feeds[i]);
    for (size_t i = r->n; i-- > 0;)
        host_agent_close(r->v[i].agent);
    free(r->feeds);
    free(r->ended);
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------- run */

/* The first feed with a backfill call, or NULL. */
static const host_instance *backfill_feed(const live_arena *r)
{
    for (size_t i = 0; i < r->n_feeds; i++)
        if (host_feed_has_backfill(r->feeds[i].vtable))
            return &r->feeds[i];
    return NULL;
}

/* One fetch for every version that warms up (agent.bootstrap). */
static void warm_up(live_arena *r, int64_t now)
{
    host_agent **which = calloc(r->n, sizeof *which);
    size_t k = 0;
    for (size_t i = 0; which && i < r->n; i++)
        if (r->v[i].agent->set.bootstrap)
            which[k++] = r->v[i].agent;
    if (k)
        host_agents_warmup(which, k, backfill_feed(r), now);
    free(which);
}

/* An event to every version, in the order they were given. */
static void dispatch(live_arena *r, const perp_event *ev)
{
    for (size_t i = 0; i < r->n; i++)
        host_agent_handle_event(r->v[i].agent, ev, 0, 0);
}

/* Up to BATCH events from each feed; the first may wait wait_ms. The
 * number of feeds still open. */
static size_t poll_feeds(live_arena *r, int wait_ms)
{
    size_t open = 0;
    for (size_t i = 0; i < r->n_feeds && !host_agent_stop_requested(); i++) {
        if (r->ended[i])
            continue;
        const perp_feed_vtable *vt = r->feeds[i].vtable;
        for (int k = 0; k < BATCH; k++) {
            perp_event ev;
            memset(&ev, 0, sizeof ev);
            int rc = vt->next(r->feeds[i].self, &ev,
                              (i == 0 && k == 0) ? wait_ms : 0);
            if (rc == PERP_OK) {
                dispatch(r, &ev);
                continue;
            }
            if (rc == PERP_EOF) {
                r->ended[i] = 1;
                host_log(PERP_LOG_INFO, "arena", "feed %s ended",
                         r->feeds[i].name);
            }
            break;
        }
        open += !r->ended[i];
    }
    return open;
}

static void log_status(const live_arena *r, int64_t now)
{
    for (size_t i = 0; i < r->n_feeds; i++) {
        const perp_feed_vtable *vt = r->feeds[i].vtable;
        perp_feed_status st;
        memset(&st, 0, sizeof st);
        if (!vt->status || vt->status(r->feeds[i].self, &st) != PERP_OK)
            continue;
        host_log(
            PERP_LOG_INFO, "arena",
            "feed %s connected=%d age_ms=%lld messages=%llu "
            "reconnects=%llu versions=%zu detail=\"%s\"",
            r->feeds[i].name, st.connected,
            (long long)(st.last_message_ts ? now - st.last_message_ts : -1),
            (unsigned long long)st.messages, (unsigned long long)st.reconnects,
            r->n, st.detail);
    }
}

static int all_done(const live_arena *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (!host_agent_cycles_done(r->v[i].agent) ||
            host_agent_live_busy(r->v[i].agent))
            return 0;
    return 1;
}

static int any_busy(const live_arena *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (host_agent_live_busy(r->v[i].agent))
            return 1;
    return 0;
}

/* Every version whose boundary has come starts its cycle now, before
 * any further event: all read the same prices. Returns the nearest next
 * boundary. */
static int64_t start_due(live_arena *r, int64_t now)
{
    int64_t nearest = INT64_MAX;
    for (size_t i = 0; i < r->n; i++) {
        arena_version *v = &r->v[i];
        if (now >= v->next && !host_agent_cycles_done(v->agent)) {
            host_agent_live_start_cycle(v->agent, v->next);
            v->next = host_cycle_after(now, v->agent->set.cycle_ms);
        }
        if (v->next < nearest)
            nearest = v->next;
    }
    return nearest;
}

static void run_loop(live_arena *r)
{
    int64_t start = host_wall_ms();
    for (size_t i = 0; i < r->n; i++)
        r->v[i].next = host_cycle_after(start, r->v[i].agent->set.cycle_ms);
    int64_t next_status = start + STATUS_EVERY_MS;
    while (!host_agent_stop_requested()) {
        for (size_t i = 0; i < r->n; i++)
            host_agent_live_collect(r->v[i].agent);
        if (all_done(r))
            break;
        int64_t now = host_wall_ms();
        int64_t next = start_due(r, now);
        if (now >= next_status) {
            log_status(r, now);
            next_status = now + STATUS_EVERY_MS;
        }
        int64_t wait = next - now;
        wait = wait < 1 ? 1 : wait > POLL_MS ? POLL_MS : wait;
        if (poll_feeds(r, (int)wait) == 0) {
            host_log(PERP_LOG_WARN, "arena", "every feed has ended");
            break;
        }
        int64_t t = host_wall_ms();
        for (size_t i = 0; i < r->n; i++)
            host_agent_live_advance(r->v[i].agent, t);
    }
    /* Steps in flight finish: a decision made is still applied. */
    while (any_busy(r)) {
        for (size_t i = 0; i < r->n; i++)
            host_agent_live_collect(r->v[i].agent);
        if (any_busy(r))
            poll_feeds(r, 10);
    }
}

static void start_all(live_arena *r)
{
    for (size_t i = 0; i < r->n; i++) {
        host_agent *a = r->v[i].agent;
        host_agent_bind_stop(a);
        /* each cycle's records reach the database as it ends, so the
         * dashboard follows the arena and nothing piles up in memory */
        host_agent_checkpoints_detect(a);
        host_agent_emit_version(a);
        if (r->v[i].services)
            host_agent_services_start(a);
        host_log(PERP_LOG_INFO, "arena", "version %s (%s)", a->set.version,
                 r->v[i].path);
    }
    host_log(PERP_LOG_INFO, "arena",
             "running %zu versions live on the feeds of %s (%zu symbols)", r->n,
             r->v[0].path, r->n_symbols);
}

static void stop_all(live_arena *r)
{
    for (size_t i = 0; i < r->n; i++) {
        host_agent *a = r->v[i].agent;
        host_agent_holds_flush(a);
        host_record_bus_flush(&a->bus);
    }
    for (size_t i = r->n; i-- > 0;)
        host_agent_services_stop(r->v[i].agent);
}

/* 1 if any version lost records to a sink, each said
 * (host_agent_writes_failed). */
static int writes_failed(const live_arena *r)
{
    int failed = 0;
    for (size_t i = 0; i < r->n; i++)
        failed |= host_agent_writes_failed(r->v[i].agent);
    return failed;
}

int host_live_arena_run(const char *const *configs, size_t n,
                        const host_run_options *opt)
{
    live_arena r;
    host_agent_signals(1);
    int rc = arena_open(&r, configs, n, opt);
    if (rc == PERP_OK) {
        start_all(&r);
        warm_up(&r, host_wall_ms());
        run_loop(&r);
        if (host_agent_stop_requested())
            host_log(PERP_LOG_INFO, "arena", "stopping on signal");
        stop_all(&r);
        if (writes_failed(&r))
            rc = PERP_ERR;
    }
    arena_close(&r);
    host_agent_signals(0);
    return rc == PERP_OK ? 0 : 1;
}
