/*
 * pg_migrate.h — the schema: migrations/NNNN_name.sql compiled in (see
 * scripts/embed-migrations.sh), applied in order, each in its own
 * transaction with its row in schema_migrations, under an advisory lock so
 * that processes starting together apply each file once.
 */
#ifndef PG_MIGRATE_H
#define PG_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

typedef struct pg_migration {
    int version;
    const char *name; /* "0001_records.sql" */
    const char *sql;
} pg_migration;

/* The migrations this binary carries, in order. */
size_t pg_migration_count(void);
const pg_migration *pg_migration_at(size_t i);
int pg_schema_latest(void); /* the newest version this binary knows */

/* Brings the database to pg_schema_latest(). *applied: how many files
 * were applied now. 0, or -1 with one line in err: a database whose
 * schema is newer than this binary is refused and left untouched. */
int pg_migrate(PGconn *c, int *applied, char *err, size_t len);

/* The schema version of the database: 0 if it has none; -1 on error. */
int pg_schema_version(PGconn *c, char *err, size_t len);

#endif
