/*
 * test_pg_spool.c — the spool file: units read back in order, equal to
 * what was appended; a frame cut short by a crash (or damaged) ends what
 * is read, and what precedes it is intact; clearing empties the file;
 * nothing is created before the first append.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_rows.h"
#include "pg_spool.h"
#include "temp_dir.h"

static pg_unit *unit_with(pg_rows_state *st, int equities, int64_t cycle)
{
    pg_unit *u = pg_unit_new();
    for (int i = 0; i < equities; i++) {
        perp_record r = {.type = PERP_REC_EQUITY, .ts = 1000 * cycle + i};
        r.u.equity.equity = 10000.0 + i + 0.1;
        cr_assert_eq(pg_rows_add(st, u, &r), PERP_OK);
    }
    perp_checkpoint cp = {.struct_size = sizeof cp,
                          .cycle = cycle,
                          .cycle_ts = 60000 * cycle,
                          .ts = 60000 * cycle,
                          .backend_state = "{\"state\":\"x\ty\"}",
                          .planner_state = NULL,
                          .agent_state = "{}"};
    cr_assert_eq(pg_rows_checkpoint(st, u, &cp), PERP_OK);
    return u;
}

static void same_unit(const pg_unit *a, const pg_unit *b)
{
    cr_assert_eq(a->first_seq, b->first_seq);
    cr_assert_eq(a->last_seq, b->last_seq);
    cr_assert_eq(a->n_records, b->n_records);
    cr_assert_eq(a->cp.cycle, b->cp.cycle);
    cr_assert_eq(a->cp.seq, b->cp.seq);
    cr_assert_str_eq(a->cp.backend_state, b->cp.backend_state);
    cr_assert_null(b->cp.planner_state);
    cr_assert_eq(a->has_pos_set, b->has_pos_set);
    for (int t = 0; t < PG_T_COUNT; t++) {
        cr_assert_eq(a->rows[t].len, b->rows[t].len, "table %d", t);
        cr_assert(a->rows[t].len == 0 ||
                  memcmp(a->rows[t].p, b->rows[t].p, a->rows[t].len) == 0);
    }
}

Test(pg_spool, units_come_back_in_order_and_clear_empties)
{
    char *dir = temp_dir_new();
    char path[1024];
    snprintf(path, sizeof path, "%s/sub/v1.spool", dir);
    pg_spool s;
    cr_assert_eq(pg_spool_init(&s, path), 0);
    struct stat sb;
    cr_assert_neq(stat(path, &sb), 0, "created before the first append");
    pg_rows_state st = {.version_id = 7, .next_seq = 1, .cycle = 1};
    pg_unit *u[3] = {unit_with(&st, 2, 1), unit_with(&st, 0, 2),
                     unit_with(&st, 3, 3)};
    char err[512];
    cr_assert_eq(pg_spool_append(&s, u, 2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(pg_spool_append(&s, u + 2, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.units, 3);
    cr_assert_eq(s.records, 5);
    pg_spool_reader r;
    cr_assert_eq(pg_spool_read_begin(&s, &r, err, sizeof err), 0);
    for (int i = 0; i < 3; i++) {
        pg_unit *back = pg_spool_read_next(&r);
        cr_assert_not_null(back, "unit %d", i);
        same_unit(u[i], back);
        pg_unit_free(back);
    }
    cr_assert_null(pg_spool_read_next(&r));
    cr_assert_eq(r.torn, 0);
    pg_spool_read_end(&r);
    cr_assert_eq(pg_spool_clear(&s, err, sizeof err), 0);
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert_eq(sb.st_size, 0);
    cr_assert_eq(s.units, 0);
    for (int i = 0; i < 3; i++)
        pg_unit_free(u[i]);
    pg_rows_state_free(&st);
    pg_spool_close(&s);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    temp_dir_remove(dir);
    free(dir);
}

Test(pg_spool, a_torn_or_damaged_tail_ends_what_is_read)
{
    char *dir = temp_dir_new();
    char path[1024];
    snprintf(path, sizeof path, "%s/v.spool", dir);
    pg_spool s;
    pg_spool_init(&s, path);
    pg_rows_state st = {.version_id = 1, .next_seq = 1, .cycle = 1};
    pg_unit *u[2] = {unit_with(&st, 2, 1), unit_with(&st, 2, 2)};
    char err[512];
    cr_assert_eq(pg_spool_append(&s, u, 2, err, sizeof err), 0);
    struct stat sb;
    stat(path, &sb);
    /* A crash in the middle of the second frame's write. */
    cr_assert_eq(truncate(path, sb.st_size - 7), 0);
    cr_assert_eq(pg_spool_count(&s, err, sizeof err), 0);
    cr_assert_eq(s.units, 1, "the whole first frame survives");
    pg_spool_reader r;
    pg_spool_read_begin(&s, &r, err, sizeof err);
    pg_unit *back = pg_spool_read_next(&r);
    cr_assert_not_null(back);
    same_unit(u[0], back);
    pg_unit_free(back);
    cr_assert_null(pg_spool_read_next(&r));
    cr_assert_gt(r.torn, 0);
    pg_spool_read_end(&r);
    /* A flipped byte inside the first frame: its CRC refuses it. */
    FILE *f = fopen(path, "r+b");
    fseek(f, 40, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 40, SEEK_SET);
    fputc(c ^ 0x5A, f);
    fclose(f);
    cr_assert_eq(pg_spool_count(&s, err, sizeof err), 0);
    cr_assert_eq(s.units, 0);
    for (int i = 0; i < 2; i++)
        pg_unit_free(u[i]);
    pg_rows_state_free(&st);
    pg_spool_close(&s);
    unlink(path);
    temp_dir_remove(dir);
    free(dir);
}

Test(pg_spool, crc32_is_the_ieee_one)
{
    /* The standard check value of CRC-32/ISO-HDLC. */
    cr_assert_eq(pg_crc32("123456789", 9), 0xCBF43926u);
}
