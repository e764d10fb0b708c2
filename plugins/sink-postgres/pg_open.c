/*
 * pg_open.c — connect, migrate, lock, register.
 */
#include "pg_open.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pg_commit.h"
#include "pg_conn.h"
#include "pg_migrate.h"
#include "pg_writer.h"

#define LOCK_WAIT_MS 2000

/* "version X is in use by another live process (pid N on H since T)" */
static void held_error(PGconn *c, const char *tag, char *err, size_t len)
{
    const char *p[] = {tag};
    char why[256];
    PGresult *r = pg_exec(c,
                          "SELECT live_pid, live_host, to_char(live_since AT "
                          "TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM "
                          "agent_versions WHERE tag = $1",
                          1, p, why, sizeof why);
    if (r && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        snprintf(err, len,
                 "version %s is in use by another live process (pid %s on "
                 "%s, since %s UTC): stop it first, or give this agent "
                 "another agent.version",
                 tag, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                 PQgetvalue(r, 0, 2));
    else
        snprintf(err, len,
                 "version %s is in use by another live process: stop it "
                 "first, or give this agent another agent.version",
                 tag);
    PQclear(r);
}

static int register_version(PGconn *c, const char *tag, pg_opened *out,
                            char *err, size_t len)
{
    char pid[16], host[256] = "";
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    gethostname(host, sizeof host - 1);
    const char *p[] = {tag, pid, host};
    PGresult *r = pg_exec(
        c,
        "INSERT INTO agent_versions AS v (tag, live_pid, live_host, "
        "live_since) VALUES ($1, $2, $3, now()) ON CONFLICT (tag) DO UPDATE "
        "SET live_pid = EXCLUDED.live_pid, live_host = EXCLUDED.live_host, "
        "live_since = EXCLUDED.live_since, last_seen = now() "
        "RETURNING id, last_seq",
        3, p, err, len);
    if (!r)
        return -1;
    out->version_id = atoi(PQgetvalue(r, 0, 0));
    out->last_seq = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

int pg_open(const char *url, int timeout_s, const pg_abandon *abandon,
            const char *tag, pg_opened *out, char *err, size_t len)
{
    out->conn = pg_connect(url, timeout_s, abandon, err, len);
    if (!out->conn)
        return -1;
    PGconn *c = out->conn;
    int got;
    if (pg_migrate(c, &out->migrations_applied, err, len) != 0)
        goto fail;
    got = pg_version_lock(c, tag, err, len);
    /* A process killed an instant ago may still hold its session (the
     * server has not yet read the closed socket): wait a little before
     * calling the holder live. */
    for (int i = 0; got == 0 && i < LOCK_WAIT_MS / 100; i++) {
        usleep(100 * 1000);
        got = pg_version_lock(c, tag, err, len);
    }
    if (got == 0)
        held_error(c, tag, err, len);
    if (got != 1)
        goto fail;
    if (register_version(c, tag, out, err, len) != 0 ||
        pg_commit_prepare(c, err, len) != 0)
        goto fail;
    return 0;
fail:
    PQfinish(c);
    out->conn = NULL;
    return -1;
}
