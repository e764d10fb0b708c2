/*
 * pgsink.c — sink plugin "postgres": every record into PostgreSQL through
 * libpq (migrations/, docs/schema.md), tagged with the agent version and
 * numbered (version, seq) so a retried batch never duplicates. A cycle's
 * records and its checkpoint (the backend's, the planner's and the host's
 * state) are committed together by a writer thread, by COPY; several
 * waiting cycles share one transaction. While the database is away, cycles
 * go to an fsync'd spool file and are written, in order, once it is back.
 * restore() hands a restarted agent its last checkpoint, trades and equity
 * curve. `perpd postgres migrate|metrics` are its command-line tools
 * (pg_command.c).
 */
#include <perp/sdk.h>

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_command.h"
#include "pg_open.h"
#include "pg_restore.h"
#include "pg_rows.h"
#include "pg_spool.h"
#include "pg_writer.h"

typedef struct pg_sink {
    const perp_host *host; /* borrowed */
    const char *url;       /* borrowed from the config tree; a secret */
    char *tag;             /* owned */
    int timeout_s;
    int64_t retry_max_ms;
    size_t queue_max;
    pthread_mutex_t mu; /* write, checkpoint, flush */
    int opened, open_failed;
    int stop_abandoned; /* a first write's open was given up at a stop */
    int off;            /* url is empty: no database, every call a no-op */
    pg_rows_state rows;
    pg_unit *cur; /* records since the last checkpoint; owned */
    pg_spool spool;
    pg_writer writer;
} pg_sink;

static const perp_config_key pg_config[] = {
    {.name = "url",
     .type = PERP_CFG_STRING,
     .flags = PERP_CFG_REQUIRED | PERP_CFG_SECRET,
     .description = "libpq connection URI or key=value string, from "
                    "${DATABASE_URL} (it may hold a password); empty "
                    "(\"${DATABASE_URL:-}\" unset): the sink stays off "
                    "and says so"},
    PERP_CFG_OUT_FILE("spool_dir", "var/spool",
                      "folder of the spool file, <version>.spool, where "
                      "records wait while the database is away; relative "
                      "to the YAML file's folder"),
    PERP_CFG_INT("queue_mb", "64", 1, 4096,
                 "records waiting for the writer thread, in MB, before the "
                 "agent waits"),
    PERP_CFG_DUR("connect_timeout", "5s", 1000, 600000,
                 "one connection attempt at most this long"),
    PERP_CFG_DUR("retry_max", "10s", 1000, 3600000,
                 "longest wait between reconnection attempts"),
    PERP_CFG_LAST};

/* The spool file of a version: tag characters outside [A-Za-z0-9._-]
 * become '_'. */
static char *spool_path(const char *dir, const char *tag)
{
    size_t n = strlen(dir) + strlen(tag) + 16;
    char *p = malloc(n);
    if (!p)
        return NULL;
    int w = snprintf(p, n, "%s/", dir);
    for (const char *t = tag; *t; t++)
        p[w++] =
            isalnum((unsigned char)*t) || *t == '.' || *t == '-' || *t == '_'
                ? *t
                : '_';
    snprintf(p + w, n - (size_t)w, ".spool");
    return p;
}

/* The host has checked the node against pg_config (types, ranges,
 * required keys) and filled the defaults in. */
static int read_config(pg_sink *s, const perp_host *h,
                       const perp_config_node *cfg, const char **spool_dir)
{
    int64_t queue_mb = 64, timeout_ms = 5000;
    if (h->cfg_str(h, cfg, "url", NULL, &s->url) != PERP_OK ||
        h->cfg_str(h, cfg, "spool_dir", "var/spool", spool_dir) != PERP_OK ||
        h->cfg_int(h, cfg, "queue_mb", 64, &queue_mb) != PERP_OK ||
        h->cfg_duration_ms(h, cfg, "connect_timeout", 5000, &timeout_ms) !=
            PERP_OK ||
        h->cfg_duration_ms(h, cfg, "retry_max", 10000, &s->retry_max_ms) !=
            PERP_OK)
        return PERP_EINVAL;
    if (!s->url)
        return h->cfg_error(h, cfg,
                            "key 'url' is required: the database, e.g. "
                            "url: ${DATABASE_URL}");
    if (!*spool_dir || !**spool_dir)
        return h->cfg_error(h, h->cfg_child(cfg, "spool_dir"),
                            "spool_dir: expected a folder");
    s->queue_max = (size_t)(queue_mb < 1 ? 1 : queue_mb) << 20;
    s->timeout_s = (int)((timeout_ms + 999) / 1000);
    return PERP_OK;
}

static void pg_destroy(void *self);

static perp_status pg_create(const perp_host *h, const perp_config_node *cfg,
                             void **self)
{
    pg_sink *s = calloc(1, sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    const char *dir = NULL;
    s->host = h;
    pthread_mutex_init(&s->mu, NULL);
    if (read_config(s, h, cfg, &dir) != PERP_OK) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return PERP_EINVAL;
    }
    const char *tag = h->agent_version ? h->agent_version(h) : NULL;
    s->tag = strdup(tag && *tag ? tag : "unversioned");
    char *path = s->tag ? spool_path(dir, s->tag) : NULL;
    int ok = path && pg_spool_init(&s->spool, path) == 0;
    free(path);
    if (!ok) {
        pg_destroy(s);
        return PERP_ENOMEM;
    }
    if (!*s->url) {
        /* The shipped pipelines name "${DATABASE_URL:-}" so that they
         * check and run without a database (make run always sets it). */
        s->off = 1;
        h->log(h, PERP_LOG_WARN,
               "no database: url is empty (DATABASE_URL is not set), so "
               "this sink writes nothing; `make run` sets it, or set it to "
               "a PostgreSQL URL");
    }
    *self = s;
    return PERP_OK;
}

static int host_stopping(void *host)
{
    const perp_host *h = host;
    return PERP_HOST_HAS(h, stopping) && h->stopping(h);
}

/* The abandon of a first connection opened by a write (pg_abandon.now;
 * arg: the sink). Its records could wait nowhere else (their sequence
 * numbers come from the database), so a server that is merely slow gets
 * the stop's PG_STOP_WAIT_MS, as the writers' commits do (one bound for
 * the process: pg_stop_give_up_ms); a frozen one no longer holds the
 * stop for the whole connect_timeout. */
static int first_open_stop_passed(void *arg)
{
    pg_sink *s = arg;
    int stopping = host_stopping((void *)s->host);
    int64_t give_up = pg_stop_give_up_ms(stopping);
    s->stop_abandoned = stopping && pg_now_ms() >= give_up;
    return s->stop_abandoned;
}

/* Says why the open failed; a stop during restore is not the database's
 * failure, and cost nothing of this run (a spool an earlier run left
 * stays for the next start). A first write's open given up at a stop
 * did cost this run its records here: said as such. */
static void open_failed(pg_sink *s, int at_restore, const char *err)
{
    int stopped = at_restore && host_stopping((void *)s->host);
    if (s->stop_abandoned)
        s->host->log(s->host, PERP_LOG_ERROR,
                     "%s (%.1fs into the stop); this run's records for "
                     "version %s are not in the database (the other sinks "
                     "have them)",
                     err, PG_STOP_WAIT_MS / 1000.0, s->tag);
    else
        s->host->log(s->host, stopped ? PERP_LOG_WARN : PERP_LOG_ERROR, "%s%s",
                     err,
                     stopped ? " (a stop at start-up: this run had recorded "
                               "nothing yet)"
                             : "");
    s->open_failed = 1;
}

/* Opens the database and starts the writer; restore (optional) between.
 * Called with mu held. Opened by restore, before the run has recorded
 * anything, the first connection is abandoned at once at a stop: there is
 * nothing to keep. Opened by a first write, it is abandoned
 * PG_STOP_WAIT_MS into the stop (first_open_stop_passed). Only the
 * connection attempt looks: the statements after it (migrate, lock,
 * register) wait on the server as libpq's blocking calls do. */
static int sink_open(pg_sink *s, const perp_restore_visitor *v)
{
    if (s->opened)
        return PERP_OK;
    if (s->open_failed)
        return PERP_ERR;
    char err[1024];
    pg_opened o;
    int64_t last = 0, cycle = 0;
    uint64_t drained = 0;
    int lost;
    pg_abandon at_stop = {.now = host_stopping, .arg = (void *)s->host};
    pg_abandon at_bound = {.now = first_open_stop_passed, .arg = s};
    if (pg_open(s->url, s->timeout_s, v ? &at_stop : &at_bound, s->tag, &o, err,
                sizeof err) != 0)
        goto fail;
    if (o.migrations_applied)
        s->host->log(s->host, PERP_LOG_INFO,
                     "database schema migrated (%d files applied)",
                     o.migrations_applied);
    last = o.last_seq;
    /* Cycles a previous run spooled come first, so restore sees them. */
    if (pg_spool_count(&s->spool, err, sizeof err) != 0 ||
        (s->spool.units > 0 &&
         pg_writer_drain_spool(o.conn, o.version_id, &s->spool, &last, &drained,
                               &lost, err, sizeof err) != 0)) {
        PQfinish(o.conn);
        goto fail;
    }
    if (drained)
        s->host->log(s->host, PERP_LOG_INFO,
                     "wrote %llu records a previous run left in the spool",
                     (unsigned long long)drained);
    if (v && pg_restore_run(o.conn, o.version_id, v, &last, &cycle, err,
                            sizeof err) != 0) {
        PQfinish(o.conn);
        goto fail;
    }
    s->rows.version_id = o.version_id;
    s->rows.next_seq = last + 1;
    s->rows.cycle = cycle + 1;
    pg_writer_config wc = {
        .host = s->host,
        .url = s->url,
        .tag = s->tag,
        .version_id = o.version_id,
        .connect_timeout_s = s->timeout_s,
        .retry_max_ms = s->retry_max_ms,
        .queue_max_bytes = s->queue_max,
    };
    if (pg_writer_start(&s->writer, &wc, o.conn, last, &s->spool) != 0) {
        pg_writer_stop(&s->writer);
        s->open_failed = 1;
        return PERP_ERR;
    }
    s->opened = 1;
    return PERP_OK;
fail:
    open_failed(s, v != NULL, err);
    return PERP_ERR;
}

static perp_status pg_restore(void *self, const perp_restore_visitor *v)
{
    pg_sink *s = self;
    if (s->off)
        return PERP_OK; /* nothing stored: a first run */
    pthread_mutex_lock(&s->mu);
    int rc = s->opened ? PERP_ERR : sink_open(s, v);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static perp_status pg_write(void *self, const perp_record *rec)
{
    pg_sink *s = self;
    if (s->off)
        return PERP_OK;
    pthread_mutex_lock(&s->mu);
    int rc = sink_open(s, NULL);
    if (rc == PERP_OK && !s->cur && !(s->cur = pg_unit_new()))
        rc = PERP_ENOMEM;
    if (rc == PERP_OK) {
        rc = pg_rows_add(&s->rows, s->cur, rec);
        if (rc == PERP_EINVAL)
            rc = PERP_OK; /* a record type this sink does not keep */
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static perp_status pg_checkpoint(void *self, const perp_checkpoint *cp)
{
    pg_sink *s = self;
    if (s->off)
        return PERP_OK;
    pthread_mutex_lock(&s->mu);
    int rc = sink_open(s, NULL);
    if (rc == PERP_OK && !s->cur && !(s->cur = pg_unit_new()))
        rc = PERP_ENOMEM;
    if (rc == PERP_OK)
        rc = pg_rows_checkpoint(&s->rows, s->cur, cp);
    if (rc == PERP_OK) {
        pg_writer_submit(&s->writer, s->cur);
        s->cur = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static perp_status pg_flush(void *self)
{
    pg_sink *s = self;
    pthread_mutex_lock(&s->mu);
    if (s->opened && s->cur && !pg_unit_empty(s->cur)) {
        pg_writer_submit(&s->writer, s->cur);
        s->cur = NULL;
    }
    int opened = s->opened;
    pthread_mutex_unlock(&s->mu);
    if (opened)
        pg_writer_wait(&s->writer);
    return PERP_OK;
}

static void pg_destroy(void *self)
{
    pg_sink *s = self;
    if (!s)
        return;
    pg_flush(s);
    pg_writer_stop(&s->writer);
    pg_unit_free(s->cur);
    pg_rows_state_free(&s->rows);
    pg_spool_close(&s->spool);
    pthread_mutex_destroy(&s->mu);
    free(s->tag);
    free(s);
}

static const perp_sink_vtable pg_vtable = {
    .struct_size = sizeof(perp_sink_vtable),
    .create = pg_create,
    .destroy = pg_destroy,
    .write = pg_write,
    .flush = pg_flush,
    .checkpoint = pg_checkpoint,
    .restore = pg_restore,
};

PERP_PLUGIN_WITH_COMMAND(PERP_KIND_SINK, "postgres", "1.0.0",
                         "every record into PostgreSQL (libpq): versions, "
                         "trades, metrics, checkpoints for crash recovery, "
                         "spool while the database is away",
                         pg_vtable, pg_config, pg_command, PG_COMMAND_USAGE)
