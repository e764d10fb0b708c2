/*
 * agent_run.c — the event loop, one for live and replay (DESIGN.md, data
 * flow). Replay merges feeds by event time and runs each cycle
 * synchronously once every event before its boundary is handled; live
 * polls the feeds against the wall clock and plans on a worker thread.
 */
#include "agent_internal.h"
#include "agent_recovery.h"

#include <jansson.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "market_feed_merge.h"
#include "plugin_services.h"
#include "log.h"

#define CANDLES_MAX     64    /* candles one tick or advance may close */
#define LIVE_POLL_MS    50    /* longest wait for a feed event live */
#define LIVE_BATCH      256   /* events taken from one feed per pass */
#define STATUS_EVERY_MS 60000 /* feed status line, live */

/* Atomic, not volatile sig_atomic_t: the planner thread reads it too, and
 * a lock-free atomic is safe in a signal handler. g_signals counts SIGINT
 * and SIGTERM apart from g_stop, which a caller may also set. */
static atomic_int g_stop;
static atomic_int g_signals;
/* 1 while host_agent_signals(1) holds the handlers: from before the
 * plugins open until after they close, so a signal during start-up or
 * teardown is caught too. A run inside then neither installs its own
 * nor forgets a signal already received. */
static int g_held;

void host_agent_request_stop(void)
{
    g_stop = 1;
}

int host_agent_stop_requested(void)
{
    return g_stop;
}

/* The first signal asks for a clean stop (the cycle in flight finishes,
 * sinks flush, connections close); a second one means "now": exit 130
 * (128 + SIGINT, as a shell reports it) without waiting for anything.
 * write and _exit are async-signal-safe. */
static void on_signal(int sig)
{
    (void)sig;
    if (atomic_fetch_add(&g_signals, 1) > 0) {
        static const char msg[] =
            "perpd: second signal: exiting at once (status 130)\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    g_stop = 1;
}

static struct sigaction g_old_int, g_old_term;
static void install_signals(struct sigaction *old_int,
                            struct sigaction *old_term);

void host_agent_signals(int install)
{
    if (install) {
        g_stop = 0;
        g_signals = 0;
        install_signals(&g_old_int, &g_old_term);
        g_held = 1;
    } else {
        g_held = 0;
        sigaction(SIGINT, &g_old_int, NULL);
        sigaction(SIGTERM, &g_old_term, NULL);
    }
}

void host_agent_bind_stop(host_agent *a)
{
    a->ctx.stop = &g_stop;
}

int host_agent_writes_failed(const host_agent *a)
{
    if (!a->bus.write_errors)
        return 0;
    host_log(PERP_LOG_ERROR, "agent",
             "version %s: %llu record writes or flushes failed: this "
             "run's records are incomplete (exit status 1)",
             a->set.version, (unsigned long long)a->bus.write_errors);
    return 1;
}

static void install_signals(struct sigaction *old_int,
                            struct sigaction *old_term)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
    /* A `backtest -j` worker starts with both blocked (backtest_jobs.c),
     * so a signal passed on while it started waits for these handlers. */
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGINT);
    sigaddset(&both, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &both, NULL);
}

/* A run's own handlers, unless host_agent_signals(1) already holds them. */
static void run_signals_begin(struct sigaction *old_int,
                              struct sigaction *old_term)
{
    if (g_held)
        return;
    g_stop = 0;
    g_signals = 0;
    install_signals(old_int, old_term);
}

static void run_signals_end(const struct sigaction *old_int,
                            const struct sigaction *old_term)
{
    if (g_held)
        return;
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGTERM, old_term, NULL);
}

static host_market *market_for(host_agent *a, const char *symbol)
{
    for (size_t i = 0; i < a->n_markets; i++)
        if (strcmp(a->markets[i].symbol, symbol) == 0)
            return &a->markets[i];
    return NULL;
}

static void backend_price(host_agent *a, int64_t ts, const char *symbol,
                          double last, double bid, double ask)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    perp_price p = {.ts = ts, .last = last, .bid = bid, .ask = ask};
    memcpy(p.symbol, symbol, sizeof p.symbol);
    vt->on_price(a->backend.self, &p);
}

void host_agent_market_candle(host_agent *a, const perp_candle *c)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    if (HOST_VT_HAS(vt, perp_backend_vtable, market_candle))
        vt->market_candle(a->backend.self, c);
}

static void on_tick(host_agent *a, host_market *m, const perp_tick *t)
{
    perp_candle closed[CANDLES_MAX];
    size_t n = host_market_on_tick(m, t, closed, CANDLES_MAX);
    for (size_t i = 0; i < n; i++) {
        host_market_on_candle(m, &closed[i]);
        host_agent_market_candle(a, &closed[i]);
    }
    double last = isfinite(t->price) ? t->price : host_market_mid(m);
    if (isfinite(last))
        backend_price(a, t->ts, m->symbol, last, t->bid, t->ask);
}

/* A feed's candle: replay walks it through the backend bar by bar so
 * intrabar stops fire; live it is just a price. */
static void candle_to_backend(host_agent *a, host_market *m,
                              const perp_candle *c)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    if (!a->live && vt->on_candle)
        vt->on_candle(a->backend.self, c);
    else
        backend_price(a, c->ts + c->interval_ms, m->symbol, c->close, NAN, NAN);
    host_agent_market_candle(a, c);
}

int host_agent_handle_event(host_agent *a, const perp_event *ev,
                            int markets_done, int accepted)
{
    host_agent_account_moved(a);
    const char *sym = ev->type == PERP_EV_TICK      ? ev->u.tick.symbol
                      : ev->type == PERP_EV_CANDLE  ? ev->u.candle.symbol
                      : ev->type == PERP_EV_FUNDING ? ev->u.funding.symbol
                                                    : NULL;
    host_market *m = sym ? market_for(a, sym) : NULL;
    if (!m) {
        if (a->unknown_symbol_events++ == 0)
            host_log(PERP_LOG_WARN, "agent",
                     "ignoring events of symbols not in agent.symbols "
                     "(first: %s)",
                     sym ? sym : "?");
        return 0;
    }
    if (ev->type == PERP_EV_TICK) {
        on_tick(a, m, &ev->u.tick);
        return 1;
    }
    if (ev->type == PERP_EV_CANDLE) {
        if (!markets_done)
            accepted = host_market_on_candle(m, &ev->u.candle);
        if (accepted)
            candle_to_backend(a, m, &ev->u.candle);
        return accepted;
    }
    const perp_backend_vtable *vt = a->backend.vtable;
    if (!markets_done)
        host_market_on_funding(m, &ev->u.funding);
    if (vt->on_funding)
        vt->on_funding(a->backend.self, &ev->u.funding);
    return 1;
}

static void handle_event(host_agent *a, const perp_event *ev)
{
    host_agent_handle_event(a, ev, 0, 0);
}

static int cycles_done(const host_agent *a)
{
    return a->max_cycles > 0 && a->cycles >= a->max_cycles;
}

/* ---------------------------------------------------------- replay */

static int pull_feed(void *ud, size_t i, perp_event *ev)
{
    host_agent *a = ud;
    const perp_feed_vtable *vt = a->feeds[i].vtable;
    for (;;) {
        if (g_stop)
            return PERP_EOF;
        memset(ev, 0, sizeof *ev);
        int rc = vt->next(a->feeds[i].self, ev, 1000);
        if (rc != PERP_AGAIN)
            return rc;
    }
}

int host_agent_replay_done(const host_agent *a)
{
    return g_stop || cycles_done(a);
}

void host_agent_replay_start(host_agent *a, int64_t first_ts)
{
    /* Replay time starts at the first event. */
    host_clock_advance(&a->clock, first_ts);
    host_agent_emit_version(a);
    a->next_cycle = host_agent_resume_next(
        a, host_cycle_align_up(first_ts, a->set.cycle_ms));
}

void host_agent_replay_cycles_before(host_agent *a, int64_t ts)
{
    /* Hours without data are jumped over, not cycled (agent_gap.c). */
    if (a->last_event_ts)
        host_agent_replay_gap(a, a->last_event_ts, ts);
    /* Market events at a boundary come before that boundary's cycle. */
    while (a->next_cycle < ts && !host_agent_replay_done(a)) {
        host_clock_advance(&a->clock, a->next_cycle);
        host_agent_cycle_sync(a, a->next_cycle);
        a->next_cycle += a->set.cycle_ms;
    }
}

void host_agent_replay_event(host_agent *a, const perp_event *ev,
                             int markets_done, int *accepted)
{
    host_clock_advance(&a->clock, ev->ts);
    if (ev->ts > a->last_event_ts)
        a->last_event_ts = ev->ts;
    int took = host_agent_handle_event(a, ev, markets_done, *accepted);
    if (!markets_done)
        *accepted = took;
}

/* The data has ended: the cycles due up to the last event's time still
 * run (DESIGN.md: a candle is visible at its close, so the last candle
 * belongs to the cycle at its close). When that time is not a cycle
 * boundary, a closing mark records the account there, so the run's final
 * equity includes the last candle. The run of holds still pending is
 * written before it, so records stay in time order (that record is
 * stamped with its last cycle) and a database sink, which counts cycles
 * at EQUITY records (pg_rows.h), numbers it as the cycle after the last,
 * wherever the checkpoints fell. */
void host_agent_replay_finish(host_agent *a, int64_t last_ts)
{
    int64_t last_cycle = 0;
    while (a->next_cycle <= last_ts && !host_agent_replay_done(a)) {
        host_clock_advance(&a->clock, a->next_cycle);
        host_agent_cycle_sync(a, a->next_cycle);
        last_cycle = a->next_cycle;
        a->next_cycle += a->set.cycle_ms;
    }
    if (last_cycle != last_ts && !host_agent_replay_done(a)) {
        host_agent_holds_flush(a);
        host_clock_advance(&a->clock, last_ts);
        host_agent_record_account(a);
    }
}

static int run_replay(host_agent *a)
{
    host_feed_merge *mg = host_feed_merge_new(a->n_feeds, pull_feed, a);
    if (!mg)
        return 1;
    int started = 0, rc = 0, ended = 0;
    int64_t events = 0, last_ts = 0;
    perp_event ev;
    while (!host_agent_replay_done(a)) {
        int r = host_feed_merge_next(mg, &ev, NULL);
        if (r == PERP_EOF) {
            ended = 1;
            break;
        }
        if (r != PERP_OK) {
            host_log(PERP_LOG_ERROR, "agent", "a feed failed (status %d)", r);
            rc = 1;
            break;
        }
        if (!started) {
            host_agent_replay_start(a, ev.ts);
            started = 1;
        }
        if (host_agent_resume_absorb(a, &ev)) {
            events++;
            continue;
        }
        host_agent_replay_cycles_before(a, ev.ts);
        if (host_agent_replay_done(a))
            break;
        int accepted = 0;
        host_agent_replay_event(a, &ev, 0, &accepted);
        if (ev.ts > last_ts)
            last_ts = ev.ts;
        events++;
    }
    if (ended && started)
        host_agent_replay_finish(a, last_ts);
    host_agent_replay_gap_summary(a);
    if (host_feed_merge_disorder(mg))
        host_log(PERP_LOG_WARN, "agent", "feeds went back in time %llu times",
                 (unsigned long long)host_feed_merge_disorder(mg));
    host_log(PERP_LOG_INFO, "agent", "replay ended: events=%lld cycles=%lld",
             (long long)events, (long long)a->cycles);
    host_feed_merge_free(mg);
    return rc;
}

/* ------------------------------------------------------------ live */

static void log_status(host_agent *a, int64_t now, int *stale_seen)
{
    for (size_t i = 0; i < a->n_feeds; i++) {
        const perp_feed_vtable *vt = a->feeds[i].vtable;
        perp_feed_status st;
        memset(&st, 0, sizeof st);
        if (!vt->status || vt->status(a->feeds[i].self, &st) != PERP_OK)
            continue;
        host_log(
            PERP_LOG_INFO, "agent",
            "feed %s connected=%d age_ms=%lld messages=%llu "
            "reconnects=%llu gaps=%llu malformed=%llu detail=\"%s\"",
            a->feeds[i].name, st.connected,
            (long long)(st.last_message_ts ? now - st.last_message_ts : -1),
            (unsigned long long)st.messages, (unsigned long long)st.reconnects,
            (unsigned long long)st.gaps, (unsigned long long)st.malformed,
            st.detail);
    }
    for (size_t i = 0; i < a->n_markets; i++) {
        host_market *m = &a->markets[i];
        int stale =
            host_market_is_stale(m->last_update, now, a->set.stale_after_ms);
        if (stale != stale_seen[i] && !m->last_update)
            host_log(PERP_LOG_WARN, "agent",
                     "market %s is stale (no price yet)", m->symbol);
        else if (stale != stale_seen[i])
            host_log(stale ? PERP_LOG_WARN : PERP_LOG_INFO, "agent",
                     "market %s is %s (last price %lld ms ago)", m->symbol,
                     stale ? "stale" : "fresh again",
                     (long long)(now - m->last_update));
        stale_seen[i] = stale;
    }
}

/* Takes up to LIVE_BATCH events from each feed; the first feed may wait
 * up to wait_ms. Returns the number of feeds still open. */
static size_t poll_feeds(host_agent *a, int *ended, int wait_ms)
{
    size_t open = 0;
    for (size_t i = 0; i < a->n_feeds && !g_stop; i++) {
        if (ended[i])
            continue;
        const perp_feed_vtable *vt = a->feeds[i].vtable;
        for (int k = 0; k < LIVE_BATCH; k++) {
            perp_event ev;
            memset(&ev, 0, sizeof ev);
            int rc = vt->next(a->feeds[i].self, &ev,
                              (i == 0 && k == 0) ? wait_ms : 0);
            if (rc == PERP_OK) {
                handle_event(a, &ev);
                continue;
            }
            if (rc == PERP_EOF) {
                ended[i] = 1;
                host_log(PERP_LOG_INFO, "agent", "feed %s ended",
                         a->feeds[i].name);
            }
            break;
        }
        open += !ended[i];
    }
    return open;
}

static void advance_markets(host_agent *a, int64_t now)
{
    perp_candle closed[CANDLES_MAX];
    for (size_t i = 0; i < a->n_markets; i++) {
        size_t n =
            host_market_advance(&a->markets[i], now, closed, CANDLES_MAX);
        for (size_t k = 0; k < n; k++) {
            host_market_on_candle(&a->markets[i], &closed[k]);
            host_agent_market_candle(a, &closed[k]);
        }
    }
}

static void collect_plan(host_agent *a)
{
    int rc;
    host_obs_snapshot *snap;
    if (!host_planner_worker_collect(&a->worker, &a->decision, &rc, &snap))
        return;
    int llm = host_record_bus_llm_calls(&a->bus) != a->llm_calls_at_start;
    host_agent_cycle_apply(a, &snap->obs, &a->decision, rc, llm);
    host_obs_free(snap);
}

static void start_cycle(host_agent *a, int64_t boundary)
{
    if (host_planner_worker_busy(&a->worker)) {
        host_log(PERP_LOG_WARN, "agent",
                 "planner still busy at the cycle boundary; cycle skipped");
        return;
    }
    a->cycles++;
    /* The planner thread reads while ticks keep changing the markets: it
     * gets its own copy (DESIGN.md: a borrowed view is never read while
     * the host thread can change what it points to). */
    host_obs_snapshot *snap =
        host_obs_snapshot_copy(host_agent_cycle_observe(a, boundary));
    if (!snap) {
        host_log(PERP_LOG_ERROR, "agent", "cycle %lld: out of memory",
                 (long long)a->cycles);
        return;
    }
    a->llm_calls_at_start = host_record_bus_llm_calls(&a->bus);
    host_planner_worker_start(&a->worker, snap);
}

static int run_live(host_agent *a)
{
    int64_t now = host_wall_ms();
    if (a->set.bootstrap)
        host_agent_warmup(a, now);
    int *ended = calloc(a->n_feeds, sizeof *ended);
    int stale_seen[PERP_MAX_SYMBOLS] = {0};
    if (!ended)
        return 1;
    int64_t next = host_cycle_after(host_wall_ms(), a->set.cycle_ms);
    int64_t next_status = host_wall_ms() + STATUS_EVERY_MS;
    while (!g_stop) {
        collect_plan(a);
        now = host_wall_ms();
        if (cycles_done(a) && !host_planner_worker_busy(&a->worker))
            break;
        if (now >= next && !cycles_done(a)) {
            start_cycle(a, next);
            next = host_cycle_after(now, a->set.cycle_ms);
        }
        if (now >= next_status) {
            log_status(a, now, stale_seen);
            next_status = now + STATUS_EVERY_MS;
        }
        int64_t wait = next - now;
        wait = wait < 1 ? 1 : wait > LIVE_POLL_MS ? LIVE_POLL_MS : wait;
        if (poll_feeds(a, ended, (int)wait) == 0) {
            host_log(PERP_LOG_WARN, "agent", "every feed has ended");
            break;
        }
        advance_markets(a, host_wall_ms());
    }
    /* Finish the step in flight: a decision made is still applied. */
    if (host_planner_worker_busy(&a->worker)) {
        while (host_planner_worker_busy(&a->worker)) {
            collect_plan(a);
            if (host_planner_worker_busy(&a->worker))
                poll_feeds(a, ended, 10);
        }
    }
    free(ended);
    return 0;
}

/* ---------------------------------------------------------- common */

/* The version's registration: tag, description and the config with
 * secrets replaced by "***". */
void host_agent_emit_version(host_agent *a)
{
    if (a->version_emitted)
        return;
    a->version_emitted = 1;
    char *cfg = host_config_to_json_redacted(host_config_root(a->cfg));
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(a->set.version));
    json_object_set_new(
        o, "description",
        json_string(a->set.description ? a->set.description : ""));
    json_t *c = cfg ? json_loads(cfg, 0, NULL) : NULL;
    json_object_set_new(o, "config", c ? c : json_null());
    const perp_backend_vtable *vt = a->backend.vtable;
    perp_account acc;
    memset(&acc, 0, sizeof acc);
    if (vt->account(a->backend.self, &acc) == PERP_OK)
        json_object_set_new(o, "starting_equity",
                            json_real(acc.starting_equity));
    char *json = json_dumps(o, JSON_COMPACT);
    if (json) {
        perp_record rec = {.type = PERP_REC_VERSION};
        rec.u.json.json = json;
        host_agent_emit(a, &rec);
    }
    free(json);
    json_decref(o);
    free(cfg);
}

static void start_services(host_agent *a)
{
    for (size_t i = 0; i < a->n_services; i++) {
        const perp_service_vtable *vt = a->services[i].vtable;
        if (vt->start(a->services[i].self) != PERP_OK)
            host_log(PERP_LOG_ERROR, "agent", "service %s did not start",
                     a->services[i].name);
    }
    a->services_started = 1;
}

static void stop_services(host_agent *a)
{
    for (size_t i = a->n_services; a->services_started && i-- > 0;) {
        const perp_service_vtable *vt = a->services[i].vtable;
        vt->stop(a->services[i].self);
    }
    a->services_started = 0;
}

/* A restore that failed because perpd was stopping (a sink gave up its
 * first connection) ends a run that never started, as asked: exit 0.
 * Nothing was recorded, so nothing is lost. */
static int restore_failed(void)
{
    if (!g_stop)
        return 1;
    host_log(PERP_LOG_INFO, "agent", "stopping on signal (during start-up)");
    return 0;
}

int host_agent_run(host_agent *a)
{
    if (!a)
        return 1;
    struct sigaction old_int, old_term;
    run_signals_begin(&old_int, &old_term);
    /* Before restore: a sink's first connection there gives up at a stop
     * (sink-postgres against a server that never answers). */
    a->ctx.stop = &g_stop;
    if (host_agent_restore(a) != PERP_OK) {
        run_signals_end(&old_int, &old_term);
        return restore_failed();
    }
    if (a->live)
        host_agent_emit_version(a);
    start_services(a);
    host_log(PERP_LOG_INFO, "agent", "running version=%s mode=%s feeds=%zu",
             a->set.version, a->live ? "live" : "replay", a->n_feeds);
    int rc = a->live ? run_live(a) : run_replay(a);
    host_agent_emit_version(a); /* a replay without any event still registers */
    host_agent_holds_flush(a);
    host_agent_run_end(a);
    if (g_stop)
        host_log(PERP_LOG_INFO, "agent", "stopping on signal");
    host_record_bus_flush(&a->bus);
    if (host_agent_writes_failed(a) && rc == 0)
        rc = 1;
    stop_services(a);
    run_signals_end(&old_int, &old_term);
    return rc;
}

int host_agent_serve(host_agent *a)
{
    if (!a)
        return 1;
    struct sigaction old_int, old_term;
    run_signals_begin(&old_int, &old_term);
    int rc = 0;
    for (size_t i = 0; i < a->n_services; i++) {
        const perp_service_vtable *vt = a->services[i].vtable;
        if (vt->start(a->services[i].self) != PERP_OK) {
            host_log(PERP_LOG_ERROR, "serve", "service %s did not start",
                     a->services[i].name);
            rc = 1;
        }
    }
    a->services_started = 1;
    if (rc == 0) {
        host_log(PERP_LOG_INFO, "serve",
                 "%zu service(s) running; SIGINT or SIGTERM stops",
                 a->n_services);
        while (!g_stop) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
        host_log(PERP_LOG_INFO, "serve", "stopping on signal");
    }
    stop_services(a);
    run_signals_end(&old_int, &old_term);
    return rc;
}

/* ----------------------------------------- steps for the live arena */

void host_agent_live_advance(host_agent *a, int64_t now)
{
    advance_markets(a, now);
}

void host_agent_live_start_cycle(host_agent *a, int64_t boundary)
{
    start_cycle(a, boundary);
}

void host_agent_live_collect(host_agent *a)
{
    collect_plan(a);
}

int host_agent_live_busy(const host_agent *a)
{
    return host_planner_worker_busy(&a->worker);
}

int host_agent_cycles_done(const host_agent *a)
{
    return cycles_done(a);
}

void host_agent_services_start(host_agent *a)
{
    start_services(a);
}

void host_agent_services_stop(host_agent *a)
{
    stop_services(a);
}

const atomic_int *host_agent_stop_flag(void)
{
    return &g_stop;
}
