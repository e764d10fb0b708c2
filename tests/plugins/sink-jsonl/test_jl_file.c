/*
 * The JSONL sink's file (plugins/sink-jsonl/jl_file.h) under a full disk,
 * made with RLIMIT_FSIZE in the test's own process (criterion forks one
 * per test, so the cap ends with it): the file keeps whole lines only,
 * the lines it cannot take wait in order, and all reach it once the cap
 * is lifted; past hold_max they are lost and counted.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "file_read.h"
#include "jl_file.h"
#include "temp_dir.h"

/* 57 bytes with its newline: a cap of 1,000 bytes falls inside a line. */
static size_t line_of(int n, char *out, size_t cap)
{
    return (size_t)snprintf(out, cap, "{\"n\":%04d,\"pad\":\"%037d\"}\n", n, 0);
}

static void cap_files(rlim_t bytes)
{
    signal(SIGXFSZ, SIG_IGN); /* as perpd: a failed write, not a death */
    struct rlimit rl = {bytes, RLIM_INFINITY};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static char *open_in_temp(jl_file *f, size_t hold_max, char **dir)
{
    *dir = temp_dir_new();
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/records.jsonl", *dir) > 0);
    char err[256];
    cr_assert_eq(jl_file_open(f, path, hold_max, err, sizeof err), 0, "%s",
                 err);
    return path;
}

/* The file holds lines 0..n-1, in order, each whole. */
static void expect_lines(const char *path, int n)
{
    size_t len = 0;
    char *text = file_read(path, &len);
    cr_assert_not_null(text);
    char want[64];
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t k = line_of(i, want, sizeof want);
        cr_assert(at + k <= len && memcmp(text + at, want, k) == 0,
                  "line %d of %d differs", i, n);
        at += k;
    }
    cr_expect_eq(at, len, "%zu bytes after line %d", len - at, n);
    free(text);
}

Test(jl_file, a_full_disk_holds_the_lines_and_they_all_reach_the_file_after)
{
    cap_files(1000);
    jl_file f;
    char *dir = NULL, *path = open_in_temp(&f, 1 << 20, &dir);
    char line[64];
    int held = 0;
    for (int i = 0; i < 100; i++) {
        jl_outcome o = jl_file_put(&f, line, line_of(i, line, sizeof line), 1);
        cr_assert(o == JL_WRITTEN || o == JL_HELD, "line %d: %d", i, (int)o);
        held += o == JL_HELD;
    }
    cr_expect_eq(held, 100 - 1000 / 57, "lines 0..16 fit under the cap");
    cr_expect_eq(f.err, EFBIG);
    /* the torn 18th line was cut off: 17 whole lines, 969 bytes */
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_size, 17 * 57);
    expect_lines(path, 17);
    cr_expect_eq(f.pend_n, 83);

    cap_files(RLIM_INFINITY);
    cr_expect_eq(jl_file_drain(&f), JL_WRITTEN);
    cr_expect_eq(f.err, 0);
    cr_expect_eq(jl_file_close(&f), 0);
    cr_expect_eq(f.lost, 0);
    expect_lines(path, 100);
    temp_dir_remove(dir);
    free(dir);
    free(path);
}

Test(jl_file, past_hold_max_lines_are_lost_and_counted_the_rest_kept)
{
    cap_files(1000);
    jl_file f;
    char *dir = NULL, *path = open_in_temp(&f, 4096, &dir);
    char line[64];
    int written = 0, held = 0, lost = 0;
    for (int i = 0; i < 200; i++) {
        jl_outcome o = jl_file_put(&f, line, line_of(i, line, sizeof line), 1);
        written += o == JL_WRITTEN;
        held += o == JL_HELD;
        lost += o == JL_LOST;
    }
    /* 17 lines fit; 4,096 bytes hold 71 more (the 18th, cut off the
     * file, is among them); the other 112 are lost. */
    cr_expect_eq(written, 17);
    cr_expect_eq(held, 71);
    cr_expect_eq(lost, 112);
    cr_expect_eq((int)f.lost, 112);
    cr_expect_eq(f.pend_n, 71);
    /* still capped at close: the held lines are lost too */
    cr_expect_eq(jl_file_close(&f), 0);
    cr_expect_eq((int)f.lost, 183);
    expect_lines(path, 17);
    temp_dir_remove(dir);
    free(dir);
    free(path);
}

Test(jl_file, a_device_that_cannot_take_a_line_loses_it_at_once)
{
    jl_file f;
    char err[256];
    cr_assert_eq(jl_file_open(&f, "/dev/full", 1 << 20, err, sizeof err), 0,
                 "%s", err);
    cr_expect_eq(f.regular, 0);
    char line[64];
    for (int i = 0; i < 3; i++)
        cr_expect_eq(jl_file_put(&f, line, line_of(i, line, sizeof line), 1),
                     JL_LOST);
    cr_expect_eq(f.err, ENOSPC);
    cr_expect_eq(f.pend_n, 0, "nothing held for a device");
    cr_expect_eq(jl_file_close(&f), 0);
    cr_expect_eq((int)f.lost, 3);
}
