/*
 * pg_spool.h — the append-only file where units wait while the database
 * is away: one frame per unit ("PGS1", payload length, CRC-32, payload),
 * fsync'd after each append, so a unit the agent moved past survives a
 * crash. A frame cut short by a crash, or damaged, ends the readable part:
 * what precedes it is read back in order. Emptied (truncated and fsync'd)
 * once every unit in it is in the database. The file is created on the
 * first append, never before.
 */
#ifndef PG_SPOOL_H
#define PG_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pg_unit.h"

typedef struct pg_spool {
    char *path;       /* owned */
    int fd;           /* append descriptor, -1 until the first append */
    uint64_t units;   /* frames in the file (as appended or counted) */
    uint64_t records; /* records in them */
} pg_spool;

/* Does not touch the disk. 0, or -1 when out of memory. */
int pg_spool_init(pg_spool *s, const char *path);
void pg_spool_close(pg_spool *s);

/* Appends units[0..n) as frames and fsyncs. 0, or -1 with err. */
int pg_spool_append(pg_spool *s, pg_unit *const *units, size_t n, char *err,
                    size_t len);

/* Reading back, in order. */
typedef struct pg_spool_reader {
    FILE *f;
    uint64_t offset; /* of the next frame */
    uint64_t torn;   /* bytes after the last whole frame (set at the end) */
} pg_spool_reader;

/* 0 (also when the file does not exist: nothing to read), or -1 with err. */
int pg_spool_read_begin(const pg_spool *s, pg_spool_reader *r, char *err,
                        size_t len);
/* The next unit (caller frees), or NULL at the end of the whole frames. */
pg_unit *pg_spool_read_next(pg_spool_reader *r);
void pg_spool_read_end(pg_spool_reader *r);

/* Counts the whole frames and their records into s->units/records. */
int pg_spool_count(pg_spool *s, char *err, size_t len);

/* Empties the file. 0, or -1 with err. */
int pg_spool_clear(pg_spool *s, char *err, size_t len);

uint32_t pg_crc32(const void *p, size_t n);

#endif
