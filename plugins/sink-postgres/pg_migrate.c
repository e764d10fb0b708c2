/*
 * pg_migrate.c — applying the compiled-in migrations.
 */
#include "pg_migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "pg_conn.h"

static const pg_migration migrations[] = {
#include "migrations.inc"
};

/* pg_advisory_lock key: "perpd" "migr" as two int4. */
#define LOCK_SQL   "SELECT pg_advisory_lock(1886745188, 1835626354)"
#define UNLOCK_SQL "SELECT pg_advisory_unlock(1886745188, 1835626354)"

size_t pg_migration_count(void)
{
    return sizeof migrations / sizeof migrations[0];
}

const pg_migration *pg_migration_at(size_t i)
{
    return i < pg_migration_count() ? &migrations[i] : NULL;
}

int pg_schema_latest(void)
{
    return migrations[pg_migration_count() - 1].version;
}

int pg_schema_version(PGconn *c, char *err, size_t len)
{
    /* Two statements: a query naming a missing table fails to plan. */
    PGresult *r = pg_exec(c, "SELECT to_regclass('schema_migrations') IS NULL",
                          0, NULL, err, len);
    if (!r)
        return -1;
    int missing = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (missing)
        return 0;
    r = pg_exec(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                NULL, err, len);
    if (!r)
        return -1;
    int v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static void newer_error(int have, char *err, size_t len)
{
    snprintf(err, len,
             "the database schema is at migration %d, newer than this perpd "
             "(which knows up to %d): upgrade perpd or use another database",
             have, pg_schema_latest());
}

static int apply_one(PGconn *c, const pg_migration *m, char *err, size_t len)
{
    char why[512], num[16];
    snprintf(num, sizeof num, "%d", m->version);
    const char *params[] = {num, m->name};
    if (pg_run(c, "BEGIN", 0, NULL, why, sizeof why) != 0)
        goto fail;
    /* A migration is several statements: the simple protocol runs them
     * all in this transaction. It is the binary's own text, never input. */
    PGresult *r = PQexec(c, m->sql);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_result_error(c, r, why, sizeof why);
        PQclear(r);
        PQclear(PQexec(c, "ROLLBACK"));
        goto fail;
    }
    PQclear(r);
    if (pg_run(c,
               "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
               2, params, why, sizeof why) != 0 ||
        pg_run(c, "COMMIT", 0, NULL, why, sizeof why) != 0) {
        PQclear(PQexec(c, "ROLLBACK"));
        goto fail;
    }
    return 0;
fail:
    snprintf(err, len, "migration %s failed: %s", m->name, why);
    return -1;
}

static int migrate_locked(PGconn *c, int *applied, char *err, size_t len)
{
    if (pg_run(c,
               "CREATE TABLE IF NOT EXISTS schema_migrations ("
               "version integer PRIMARY KEY, name text NOT NULL, "
               "applied_at timestamptz NOT NULL DEFAULT now())",
               0, NULL, err, len) != 0)
        return -1;
    int have = pg_schema_version(c, err, len);
    if (have < 0)
        return -1;
    if (have > pg_schema_latest()) {
        newer_error(have, err, len);
        return -1;
    }
    for (size_t i = 0; i < pg_migration_count(); i++) {
        const pg_migration *m = &migrations[i];
        if (m->version <= have)
            continue;
        if (apply_one(c, m, err, len) != 0)
            return -1;
        (*applied)++;
    }
    return 0;
}

int pg_migrate(PGconn *c, int *applied, char *err, size_t len)
{
    *applied = 0;
    /* Refuse a newer schema before touching anything, even the table. */
    int have = pg_schema_version(c, err, len);
    if (have < 0)
        return -1;
    if (have > pg_schema_latest()) {
        newer_error(have, err, len);
        return -1;
    }
    if (pg_run(c, LOCK_SQL, 0, NULL, err, len) != 0)
        return -1;
    int rc = migrate_locked(c, applied, err, len);
    char ignore[256];
    pg_run(c, UNLOCK_SQL, 0, NULL, ignore, sizeof ignore);
    return rc;
}
