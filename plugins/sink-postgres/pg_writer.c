/*
 * pg_writer.c — the writer thread: queue, commits, outages, spool.
 */
#include "pg_writer.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pg_commit.h"
#include "pg_conn.h"
#include "pg_connect.h"

#define BACKOFF_FIRST_MS 500
#define DRAIN_BATCH      (8u << 20) /* spool bytes per transaction */
/* How often a wait for the writer looks whether the host is stopping. */
#define WAIT_SLICE_MS 100

int64_t pg_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int pg_version_lock(PGconn *c, const char *tag, char *err, size_t len)
{
    const char *p[] = {tag};
    /* Class "perq": the version locks, apart from the migration lock. */
    PGresult *r = pg_exec(c,
                          "SELECT pg_try_advisory_lock(1886745201, "
                          "hashtext($1))",
                          1, p, err, len);
    if (!r)
        return -1;
    int got = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return got;
}

/* ------------------------------------------------------------- drain */

static void free_units(pg_unit **units, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pg_unit_free(units[i]);
}

int pg_writer_drain_spool(PGconn *c, int version_id, pg_spool *spool,
                          int64_t *db_last_seq, uint64_t *records, int *lost,
                          char *err, size_t len)
{
    pg_spool_reader r;
    *records = 0;
    *lost = 0;
    if (pg_spool_read_begin(spool, &r, err, len) != 0)
        return -1;
    int rc = 0;
    size_t cap = 64, n = 0, bytes = 0;
    pg_unit **batch = malloc(cap * sizeof *batch);
    pg_unit *u = batch ? pg_spool_read_next(&r) : NULL;
    for (; rc == 0; u = pg_spool_read_next(&r)) {
        if (u && n == cap) {
            pg_unit **b = realloc(batch, 2 * cap * sizeof *b);
            if (!b) {
                pg_unit_free(u);
                snprintf(err, len, "out of memory");
                rc = -1;
                break;
            }
            batch = b;
            cap *= 2;
        }
        if (u) {
            batch[n++] = u;
            bytes += pg_unit_bytes(u);
            *records += (uint64_t)u->n_records;
        }
        if (n > 0 && (!u || bytes >= DRAIN_BATCH)) {
            rc = pg_commit(c, version_id, batch, n, db_last_seq, err, len);
            free_units(batch, n);
            n = bytes = 0;
        }
        if (!u)
            break;
    }
    free_units(batch, n);
    free(batch);
    uint64_t torn = r.torn;
    pg_spool_read_end(&r);
    if (rc != 0) {
        *lost = pg_conn_lost(c);
        return -1;
    }
    (void)torn; /* a torn tail was never acknowledged: dropped with it */
    return pg_spool_clear(spool, err, len);
}

/* ------------------------------------------------------------ thread */

static uint64_t waiting_records(pg_writer *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t q = w->queued_records;
    pthread_mutex_unlock(&w->mu);
    return q + w->spool->records;
}

/* 1 once the stopping side has cut the link (pg_writer_stop). */
static int link_cut(pg_writer *w)
{
    pthread_mutex_lock(&w->mu);
    int cut = w->cut;
    pthread_mutex_unlock(&w->mu);
    return cut;
}

/* The writer's conn becomes c (NULL: none); the stopping side may cut
 * the socket it names until it is withdrawn, so it is withdrawn under mu
 * before PQfinish closes it. 0, or -1 when the link was cut already. */
static int set_link(pg_writer *w, PGconn *c)
{
    pthread_mutex_lock(&w->mu);
    int cut = w->cut;
    w->link_fd = c && !cut ? PQsocket(c) : -1;
    pthread_mutex_unlock(&w->mu);
    return c && cut ? -1 : 0;
}

static void go_away(pg_writer *w, const char *why)
{
    set_link(w, NULL);
    if (w->conn) {
        PQfinish(w->conn);
        w->conn = NULL;
    }
    if (!w->away)
        w->backoff_ms = BACKOFF_FIRST_MS;
    else if ((w->backoff_ms *= 2) > w->retry_max_ms)
        w->backoff_ms = w->retry_max_ms;
    w->away = 1;
    w->next_retry_ms = pg_now_ms() + w->backoff_ms;
    if (link_cut(w))
        return; /* pg_writer_stop says what happened, in one line */
    w->host->log(w->host, PERP_LOG_WARN,
                 "database unreachable (%s): %llu records waiting in the "
                 "spool %s, retry in %.1fs",
                 why, (unsigned long long)waiting_records(w), w->spool->path,
                 (double)w->backoff_ms / 1000.0);
}

static int cut_asked(void *w)
{
    return link_cut(w);
}

/* Connects, takes the version's lock back, writes the spool. Until the
 * connection is made there is no socket to cut, so the attempt itself
 * looks for the cut (against a server that accepts and answers nothing
 * it would otherwise wait out connect_timeout). */
static void try_return(pg_writer *w)
{
    char err[768];
    pg_abandon at_cut = {.now = cut_asked, .arg = w};
    PGconn *c = pg_connect(w->url, w->timeout_s, &at_cut, err, sizeof err);
    if (!c || set_link(w, c) != 0) {
        w->abandoned = link_cut(w);
        PQfinish(c);
        go_away(w, c ? "stopping" : err);
        return;
    }
    w->conn = c;
    int got = pg_version_lock(c, w->tag, err, sizeof err);
    if (got != 1) {
        if (got == 0)
            snprintf(err, sizeof err,
                     "version %s was taken by another process while the "
                     "database was away",
                     w->tag);
        go_away(w, err);
        return;
    }
    int lost = 0;
    uint64_t records = 0;
    int64_t last = pg_commit_last_seq(c, w->version_id, err, sizeof err);
    if (last < 0 || pg_commit_prepare(c, err, sizeof err) != 0 ||
        pg_writer_drain_spool(c, w->version_id, w->spool, &last, &records,
                              &lost, err, sizeof err) != 0) {
        go_away(w, err);
        return;
    }
    w->db_last_seq = last;
    if (w->away)
        w->host->log(w->host, PERP_LOG_INFO,
                     "database back: the %llu records that waited are written",
                     (unsigned long long)records);
    w->away = 0;
}

static uint64_t records_of(pg_unit *const *units, size_t n)
{
    uint64_t r = 0;
    for (size_t i = 0; i < n; i++)
        r += units[i] ? (uint64_t)units[i]->n_records : 0;
    return r;
}

/* The spool refused units[0..n): they wait in memory (taken from the
 * caller's array, left NULL there), after those already waiting. */
static void hold_units(pg_writer *w, pg_unit **units, size_t n, const char *why)
{
    pg_unit **h = realloc(w->held, (w->n_held + n) * sizeof *h);
    if (!h) {
        w->host->log(w->host, PERP_LOG_ERROR,
                     "%s: %zu units (%llu records) are lost: out of memory",
                     why, n, (unsigned long long)records_of(units, n));
        return;
    }
    if (w->n_held == 0)
        w->host->log(w->host, PERP_LOG_ERROR,
                     "%s: %llu records wait in memory until the database "
                     "is back or the disk has room",
                     why, (unsigned long long)records_of(units, n));
    for (size_t i = 0; i < n; i++) {
        h[w->n_held++] = units[i];
        units[i] = NULL;
    }
    w->held = h;
}

static void spool_units(pg_writer *w, pg_unit **units, size_t n)
{
    char err[512];
    if (pg_spool_append(w->spool, units, n, err, sizeof err) != 0)
        hold_units(w, units, n, err);
}

/* A batch the database refused for its content (not a lost link) would
 * be refused forever: it goes to a side file, so nothing is lost and the
 * agent's later records still land. */
static void reject_units(pg_writer *w, pg_unit **units, size_t n,
                         const char *why)
{
    pg_spool side;
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s.rejected", w->spool->path);
    w->rejected += n;
    int kept = pg_spool_init(&side, path) == 0 &&
               pg_spool_append(&side, units, n, err, sizeof err) == 0;
    pg_spool_close(&side);
    w->host->log(w->host, PERP_LOG_ERROR,
                 "the database refused %zu units: %s; %s %s", n, why,
                 kept ? "they are kept in" : "they cannot be kept in", path);
}

static void store_now(pg_writer *w, pg_unit **units, size_t n);

/* Units held in memory go first, in order, then units[0..n) (whose
 * slots are left NULL: the caller frees what remains). */
static void store(pg_writer *w, pg_unit **units, size_t n)
{
    if (w->n_held == 0) {
        store_now(w, units, n);
        return;
    }
    pg_unit **all = realloc(w->held, (w->n_held + n) * sizeof *all);
    if (!all) {
        store_now(w, units, n);
        return;
    }
    size_t k = w->n_held;
    uint64_t waited = records_of(all, k);
    for (size_t i = 0; i < n; i++) {
        all[k++] = units[i];
        units[i] = NULL;
    }
    w->held = NULL;
    w->n_held = 0;
    store_now(w, all, k);
    if (w->n_held == 0)
        w->host->log(w->host, PERP_LOG_INFO,
                     "the %llu records that waited in memory are written",
                     (unsigned long long)waited);
    free_units(all, k);
    free(all);
}

static void store_now(pg_writer *w, pg_unit **units, size_t n)
{
    char err[768];
    if (!w->away && w->spool->units == 0 && n > 0) {
        if (pg_commit(w->conn, w->version_id, units, n, &w->db_last_seq, err,
                      sizeof err) == 0)
            return;
        if (!pg_conn_lost(w->conn)) {
            reject_units(w, units, n, err);
            return;
        }
        spool_units(w, units, n);
        go_away(w, err);
        return;
    }
    if (n > 0)
        spool_units(w, units, n);
    if (!w->away && w->spool->units > 0) {
        /* Connected, with a spool to write first (left by a crash). */
        uint64_t records;
        int lost;
        if (pg_writer_drain_spool(w->conn, w->version_id, w->spool,
                                  &w->db_last_seq, &records, &lost, err,
                                  sizeof err) != 0)
            go_away(w, err);
    } else if (w->away && pg_now_ms() >= w->next_retry_ms && !link_cut(w)) {
        try_return(w);
    }
}

/* Takes every queued unit (the caller frees the array). */
static pg_unit **take_queue(pg_writer *w, size_t *n)
{
    size_t k = 0;
    for (pg_unit *u = w->head; u; u = u->next)
        k++;
    pg_unit **units = k ? malloc(k * sizeof *units) : NULL;
    *n = 0;
    if (!units)
        return NULL;
    for (pg_unit *u = w->head; u; u = u->next)
        units[(*n)++] = u;
    w->head = w->tail = NULL;
    w->queued_bytes = 0;
    w->queued_records = 0;
    return units;
}

/* Waits on cond (mu held) at most ms milliseconds. */
static void cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *mu, int64_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(cond, mu, &t);
}

static void wait_for_work(pg_writer *w)
{
    while (!w->stop && !w->head) {
        if (!w->away) {
            pthread_cond_wait(&w->work, &w->mu);
            continue;
        }
        int64_t left = w->next_retry_ms - pg_now_ms();
        if (left <= 0)
            return;
        cond_wait_ms(&w->work, &w->mu, left);
    }
}

static void *writer_main(void *arg)
{
    pg_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        wait_for_work(w);
        int stopping = w->stop, cut = w->cut;
        size_t n = 0;
        pg_unit **units = take_queue(w, &n);
        pthread_mutex_unlock(&w->mu);
        /* One last try before leaving, unless the stop gave up on a
         * database that does not answer: that try would wait too. */
        if (stopping && !cut && w->away && pg_now_ms() < w->next_retry_ms)
            w->next_retry_ms = pg_now_ms();
        store(w, units, n);
        free_units(units, n);
        free(units);
        pthread_mutex_lock(&w->mu);
        w->finished += n;
        pthread_cond_broadcast(&w->done);
        if (stopping && !w->head && (w->n_held == 0 || w->away))
            break;
    }
    w->exited = 1;
    pthread_cond_broadcast(&w->done);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int host_stopping(const pg_writer *w)
{
    const perp_host *h = w->host;
    return PERP_HOST_HAS(h, stopping) && h->stopping(h);
}

/* One wait on w->done (mu held) of the side that hands units over or
 * stops the writer. Once the host stops on a signal the writer has
 * PG_STOP_WAIT_MS, counted from the first such wait; past it the link is
 * cut (shutdown, not close: the fd stays the writer's to PQfinish), so
 * the libpq call the writer waits in fails at once and it spools what it
 * holds (the next start writes it). A server that answers commits a
 * cycle in milliseconds, long before the bound. */
static _Atomic int64_t g_give_up_ms;

int64_t pg_stop_give_up_ms(int stopping)
{
    if (!stopping) {
        atomic_store(&g_give_up_ms, 0); /* a later run has its own */
        return 0;
    }
    int64_t none = 0;
    atomic_compare_exchange_strong(&g_give_up_ms, &none,
                                   pg_now_ms() + PG_STOP_WAIT_MS);
    return atomic_load(&g_give_up_ms);
}

static void bounded_wait(pg_writer *w)
{
    int64_t now = pg_now_ms(), slice = WAIT_SLICE_MS;
    if (!w->cut && host_stopping(w)) {
        if (w->give_up_ms == 0)
            w->give_up_ms = pg_stop_give_up_ms(1);
        if (now >= w->give_up_ms) {
            w->cut = 1;
            if (w->link_fd >= 0)
                shutdown(w->link_fd, SHUT_RDWR);
            pthread_cond_signal(&w->work);
        } else if (w->give_up_ms - now < slice) {
            slice = w->give_up_ms - now;
        }
    }
    cond_wait_ms(&w->done, &w->mu, slice);
}

int pg_writer_start(pg_writer *w, const pg_writer_config *cfg, PGconn *conn,
                    int64_t db_last_seq, pg_spool *spool)
{
    memset(w, 0, sizeof *w);
    w->host = cfg->host;
    w->url = strdup(cfg->url ? cfg->url : "");
    w->tag = strdup(cfg->tag);
    w->version_id = cfg->version_id;
    w->timeout_s = cfg->connect_timeout_s;
    w->retry_max_ms = cfg->retry_max_ms > 0 ? cfg->retry_max_ms : 10000;
    w->queue_max = cfg->queue_max_bytes;
    w->spool = spool;
    w->conn = conn;
    w->link_fd = conn ? PQsocket(conn) : -1;
    w->db_last_seq = db_last_seq;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    if (!w->url || !w->tag ||
        pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        w->host->log(w->host, PERP_LOG_ERROR, "cannot start the writer thread");
        return -1;
    }
    w->started = 1;
    return 0;
}

void pg_writer_submit(pg_writer *w, pg_unit *u)
{
    size_t bytes = pg_unit_bytes(u);
    pthread_mutex_lock(&w->mu);
    /* Backpressure: a full queue means the database is slower than the
     * agent; one unit always fits, however large. */
    while (w->head && w->queued_bytes + bytes > w->queue_max)
        bounded_wait(w);
    u->next = NULL;
    if (w->tail)
        w->tail->next = u;
    else
        w->head = u;
    w->tail = u;
    w->queued_bytes += bytes;
    w->queued_records += (uint64_t)u->n_records;
    w->submitted++;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
}

void pg_writer_wait(pg_writer *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    while (w->finished < w->submitted)
        bounded_wait(w);
    pthread_mutex_unlock(&w->mu);
}

/* What stays behind after the thread: units the spool could not take
 * are lost; those in it wait for the version's next start. */
static void say_what_waits(pg_writer *w)
{
    if (w->n_held > 0)
        w->host->log(w->host, PERP_LOG_ERROR,
                     "%llu records are lost: the database is away and "
                     "the spool %s cannot take them",
                     (unsigned long long)records_of(w->held, w->n_held),
                     w->spool->path);
    if (w->cut)
        w->host->log(
            w->host, PERP_LOG_WARN,
            "%s within %.1fs at stop, so %s: %llu records wait in "
            "the spool %s; they are written at the next start of "
            "version %s",
            w->abandoned ? "the reconnection to the database did "
                           "not finish"
                         : "the database did not answer",
            PG_STOP_WAIT_MS / 1000.0,
            w->abandoned ? "it was abandoned" : "its connection was cut",
            (unsigned long long)w->spool->records, w->spool->path, w->tag);
    else if (w->spool->units > 0)
        w->host->log(w->host, PERP_LOG_WARN,
                     "%llu records wait in the spool %s; they are written "
                     "at the next start of version %s",
                     (unsigned long long)w->spool->records, w->spool->path,
                     w->tag);
}

void pg_writer_stop(pg_writer *w)
{
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_signal(&w->work);
        while (!w->exited)
            bounded_wait(w);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        say_what_waits(w);
        free_units(w->held, w->n_held);
        free(w->held);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->done);
    }
    if (w->conn)
        PQfinish(w->conn);
    free(w->url);
    free(w->tag);
    memset(w, 0, sizeof *w);
}
