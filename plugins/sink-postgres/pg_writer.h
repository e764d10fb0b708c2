/*
 * pg_writer.h — the thread that stores units, so the agent never waits on
 * the database: the agent hands over whole units (a cycle's records and
 * its checkpoint) through a bounded queue (the agent waits only when the
 * queue is full); the thread commits every unit waiting in one
 * transaction. When the database goes away, units are appended to the
 * spool file (fsync'd) and the thread reconnects with backoff (0.5 s
 * doubling to retry_max), saying each time how many records wait; once
 * back, it writes the spool in order, empties it, and carries on. When
 * the spool cannot take a unit either (the disk is full), the unit waits in
 * memory and is tried again at every step; only what still waits when the
 * writer stops is lost, and said. A unit is never committed twice: units
 * carry their sequence numbers and the version's last_seq tells what is
 * in (a unit spooled after a COMMIT whose answer never came is skipped at
 * the next start if that COMMIT went through).
 *
 * Stopping on a signal: the host has 5 s to exit, so every wait for the
 * thread (submit, wait, stop) is bounded once the host is stopping. A
 * database that stops answering without going away (its server frozen, a
 * link dropping every packet) would hold the thread in a libpq call as
 * long as the kernel keeps the socket: PG_STOP_WAIT_MS after the first
 * such wait, the waiting side shuts the thread's socket down, the call
 * fails at once, the thread spools what it holds and leaves without its
 * last reconnection try, and the stop says so in one line. A reconnection
 * in flight then (the database away, its server accepting and answering
 * nothing) has no socket to cut yet: it looks for the cut itself
 * (pg_connect's abandon) and ends within PG_CONNECT_SLICE_MS of it, the
 * same way.
 */
#ifndef PG_WRITER_H
#define PG_WRITER_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>

#include <perp/sdk.h>

#include "pg_spool.h"
#include "pg_unit.h"

/* The writer's time to finish at a stop on a signal. The rest of the
 * stop (the cycle in flight cut short, the other sinks, the exit) takes
 * well under a second, so 2 s keeps the exit under the 5 s the host is
 * given with room for a loaded machine, while a server that answers
 * commits a cycle in milliseconds. */
#define PG_STOP_WAIT_MS 2000

/* When every wait on the database gives up at this stop (monotonic ms),
 * PG_STOP_WAIT_MS after the first look that saw the host stopping; 0,
 * and the bound forgotten, when stopping is 0. One bound for the
 * process, not one per writer or per connection: the versions of an
 * arena stop one after the other on one thread, so a bound each would
 * add up (three frozen writers took 6 s). */
int64_t pg_stop_give_up_ms(int stopping);

typedef struct pg_writer_config {
    const perp_host *host; /* logging; borrowed, outlives the writer */
    const char *url;       /* copied */
    const char *tag;       /* the version's tag; copied */
    int version_id;
    int connect_timeout_s;
    int64_t retry_max_ms;
    size_t queue_max_bytes;
} pg_writer_config;

typedef struct pg_writer {
    const perp_host *host;
    char *url, *tag; /* owned */
    int version_id, timeout_s;
    int64_t retry_max_ms;
    size_t queue_max;
    pg_spool *spool; /* borrowed from the sink */

    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t work, done; /* work: units or stop; done: progress */
    pg_unit *head, *tail;      /* the queue, oldest first */
    size_t queued_bytes;
    uint64_t queued_records;
    uint64_t submitted, finished; /* units handed over / stored or spooled */
    int stop;
    int exited; /* the thread is leaving: nothing more of it to wait for */
    /* The stop's bound (bounded_wait in pg_writer.c): when the writer is
     * given up on (0 until the host stops), whether its link was cut,
     * and the socket to cut (the writer's conn's, -1 without one; the
     * writer withdraws it under mu before closing it). */
    int64_t give_up_ms;
    int cut;
    int link_fd;

    /* the thread's own */
    PGconn *conn; /* owned; NULL while the database is away */
    int64_t db_last_seq;
    int away;
    int64_t backoff_ms, next_retry_ms;
    uint64_t rejected; /* units the database refused (not a lost link) */
    int abandoned;     /* the cut ended a reconnection in flight */
    /* Units the spool could not take (a full disk) while the database was
     * away: owned, oldest first, newer than any unit in the spool. They
     * go out before any newer unit, to the database or the spool. */
    pg_unit **held;
    size_t n_held;
} pg_writer;

/* Takes over conn (open, migrated, holding the version's lock, its
 * statements prepared) and starts the thread. 0, or -1 after logging. */
int pg_writer_start(pg_writer *w, const pg_writer_config *cfg, PGconn *conn,
                    int64_t db_last_seq, pg_spool *spool);
/* Hands u over (the writer owns it). Waits while the queue is full
 * (bounded at a stop, see above). */
void pg_writer_submit(pg_writer *w, pg_unit *u);
/* Waits until every unit handed over is committed or spooled (bounded at
 * a stop: past PG_STOP_WAIT_MS the link is cut and they are spooled). */
void pg_writer_wait(pg_writer *w);
/* Stores what is queued (or spools it), stops the thread, closes the
 * connection (releasing the version's lock), says what waits in the spool
 * (and, when the link was cut, that the database did not answer). Safe on
 * a never-started one. */
void pg_writer_stop(pg_writer *w);

/* The spool's units into the database, in order, then the spool emptied.
 * Used at start (before the thread exists) and by the thread. 0, or -1
 * with err; *lost is set when the connection broke. */
int pg_writer_drain_spool(PGconn *c, int version_id, pg_spool *spool,
                          int64_t *db_last_seq, uint64_t *records, int *lost,
                          char *err, size_t len);

/* Version lock: 1 taken, 0 held by another session, -1 error. */
int pg_version_lock(PGconn *c, const char *tag, char *err, size_t len);

int64_t pg_now_ms(void); /* monotonic */

#endif
