/*
 * test_sdk_file.c — the SDK's header-only helpers for the files a
 * pipeline names (perp/file.h) and for values quoted in errors
 * (perp/quote.h): FIFOs, devices, directories and /proc files refused
 * by name without blocking, read errors reported, line and size limits,
 * and long values shortened in the middle with their length.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <perp/file.h>
#include <perp/quote.h>

#include "temp_dir.h"

Test(sdk_quote, short_values_are_quoted_whole)
{
    char q[PERP_QUOTE_LEN];
    cr_assert_str_eq(perp_quote("BTC-USD", q, sizeof q), "'BTC-USD'");
    cr_assert_str_eq(perp_quote("", q, sizeof q), "''");
    cr_assert_str_eq(perp_quote(NULL, q, sizeof q), "''");
    cr_assert_str_eq(perp_quote("a\nb\tc\x7f", q, sizeof q), "'a?b?c?'",
                     "control characters would split the log line");
    cr_assert_str_eq(perp_shorten("d/x.csv", q, sizeof q), "d/x.csv");
}

Test(sdk_quote, long_values_keep_both_ends_and_say_their_length)
{
    size_t n = 100000;
    char *v = malloc(n + 1);
    cr_assert_not_null(v);
    memset(v, '/', n);
    memcpy(v, "HEAD", 4);
    memcpy(v + n - 4, "TAIL", 4);
    v[n] = '\0';
    char q[PERP_QUOTE_LEN];
    const char *s = perp_quote(v, q, sizeof q);
    cr_assert_lt(strlen(s), sizeof q);
    cr_assert(strncmp(s, "'HEAD//", 7) == 0, "%s", s);
    cr_assert(strstr(s, "//\xe2\x80\xa6(100000 bytes)\xe2\x80\xa6//"), "%s", s);
    cr_assert(strcmp(s + strlen(s) - 6, "TAIL'") == 0 ||
                  strcmp(s + strlen(s) - 5, "TAIL'") == 0,
              "%s", s);
    /* Both ends get about the same share. */
    const char *mark = strstr(s, "\xe2\x80\xa6");
    size_t head = (size_t)(mark - s) - 1;
    size_t tail = strlen(strrchr(s, ')') + 3) - 1;
    cr_assert_leq(head > tail ? head - tail : tail - head, 1, "%s", s);
    free(v);
}

Test(sdk_quote, cuts_never_split_a_utf8_character)
{
    /* 200 two-byte characters (U+00E9): any odd cut would split one. */
    char v[401];
    for (int i = 0; i < 200; i++) {
        v[2 * i] = (char)0xC3;
        v[2 * i + 1] = (char)0xA9;
    }
    v[400] = '\0';
    for (size_t len = 40; len < 120; len++) {
        char q[128];
        const char *s = perp_quote(v, q, len);
        cr_assert_lt(strlen(s), len);
        /* Every 0xC3 is followed by its 0xA9. */
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p == 0xC3)
                cr_assert_eq((unsigned char)p[1], 0xA9, "len %zu: %s", len, s);
        cr_assert_neq((unsigned char)s[1], 0xA9, "len %zu starts mid-char",
                      len);
    }
}

Test(sdk_quote, tiny_buffers_still_terminate)
{
    char q[8];
    const char *s = perp_quote("abcdefghijklmnop", q, sizeof q);
    cr_assert_str_eq(s, "'abcde'");
    cr_assert_str_eq(perp_quote("abc", q, 2), "");
}

/* ------------------------------------------------------------ files */

static void assert_refused(const char *path, const char *reason)
{
    char err[512] = "";
    cr_assert_eq(perp_file_open(path, err, sizeof err), -1, "%s opened", path);
    char q[PERP_QUOTE_LEN], *want = NULL;
    cr_assert(asprintf(&want, "%s: %s", perp_quote(path, q, sizeof q), reason) >
              0);
    cr_expect_str_eq(err, want);
    free(want);
    char *buf = (char *)1;
    size_t len = 7;
    cr_assert_eq(perp_file_read_all(path, 1 << 20, &buf, &len, err, sizeof err),
                 -1);
    cr_expect_null(buf);
    cr_expect_eq(len, 0);
}

Test(sdk_file, non_regular_files_are_refused_by_name, .timeout = 20)
{
    char *dir = temp_dir_new();
    char *fifo = NULL, *loop = NULL, *to_zero = NULL;
    cr_assert(asprintf(&fifo, "%s/fifo.csv", dir) > 0);
    cr_assert(asprintf(&loop, "%s/loop.csv", dir) > 0);
    cr_assert(asprintf(&to_zero, "%s/zero.csv", dir) > 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(symlink("loop.csv", loop), 0);
    cr_assert_eq(symlink("/dev/zero", to_zero), 0);
    assert_refused(fifo, "not a regular file (a FIFO)");
    assert_refused(dir, "not a regular file (a directory)");
    assert_refused("/dev/zero", "not a regular file (a character device)");
    assert_refused(to_zero, "not a regular file (a character device)");
    assert_refused("/dev/urandom", "not a regular file (a character device)");
    assert_refused("/proc/self/status",
                   "not a regular file (a /proc or /sys pseudo-file)");
    assert_refused(loop, "Too many levels of symbolic links");
    assert_refused("/nonexistent/x.csv", "No such file or directory");
    assert_refused("", "empty path");
    temp_dir_remove(dir);
    free(dir);
    free(fifo);
    free(loop);
    free(to_zero);
}

Test(sdk_file, read_all_reads_to_the_end_and_refuses_over_the_limit)
{
    char *dir = temp_dir_new();
    char *path = temp_dir_write(dir, "a.txt", "hello\nworld\n");
    char *buf;
    size_t len;
    char err[256] = "";
    cr_assert_eq(perp_file_read_all(path, 12, &buf, &len, err, sizeof err), 0,
                 "%s", err);
    cr_expect_eq(len, 12);
    cr_expect_str_eq(buf, "hello\nworld\n");
    free(buf);
    cr_assert_eq(perp_file_read_all(path, 11, &buf, &len, err, sizeof err), -1);
    char q[PERP_QUOTE_LEN], *want = NULL;
    cr_assert(asprintf(&want, "%s: too large (over the 11-byte limit)",
                       perp_quote(path, q, sizeof q)) > 0);
    cr_expect_str_eq(err, want);
    /* Bigger than the first read buffer, to cross its growth. */
    char *big = malloc(100001);
    memset(big, 'x', 100000);
    big[100000] = '\0';
    free(path);
    path = temp_dir_write(dir, "big.txt", big);
    cr_assert_eq(perp_file_read_all(path, 100000, &buf, &len, err, sizeof err),
                 0, "%s", err);
    cr_expect_eq(len, 100000);
    cr_expect_eq(memcmp(buf, big, 100000), 0);
    free(buf);
    free(big);
    free(want);
    free(path);
    temp_dir_remove(dir);
    free(dir);
}

Test(sdk_file, getline_limits_lines_and_reports_read_errors)
{
    char *dir = temp_dir_new();
    char *path = temp_dir_write(dir, "l.txt", "one\r\n\ntwo three\nlast");
    char err[256];
    FILE *f = perp_file_fopen(path, err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    char *line = NULL;
    size_t cap = 0, len;
    cr_assert_eq(perp_file_getline(f, 5, &line, &cap, &len), PERP_LINE_OK);
    cr_expect_str_eq(line, "one");
    cr_assert_eq(perp_file_getline(f, 5, &line, &cap, &len), PERP_LINE_OK);
    cr_expect_str_eq(line, "");
    cr_expect_eq(len, 0);
    cr_assert_eq(perp_file_getline(f, 5, &line, &cap, &len), PERP_LINE_TOO_LONG,
                 "'two three' is 9 bytes, over 5");
    fclose(f);
    f = perp_file_fopen(path, err, sizeof err);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(perp_file_getline(f, 9, &line, &cap, &len), PERP_LINE_OK);
    cr_expect_str_eq(line, "two three", "exactly the limit is fine");
    cr_assert_eq(perp_file_getline(f, 9, &line, &cap, &len), PERP_LINE_OK);
    cr_expect_str_eq(line, "last", "a last line without newline counts");
    cr_assert_eq(perp_file_getline(f, 9, &line, &cap, &len), PERP_LINE_EOF);
    fclose(f);
    /* A stream that cannot be read: an error, not end of file. */
    int fd = open(path, O_WRONLY);
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    cr_assert_not_null(f);
    cr_assert_eq(perp_file_getline(f, 9, &line, &cap, &len), PERP_LINE_ERROR);
    fclose(f);
    free(line);
    free(path);
    temp_dir_remove(dir);
    free(dir);
}
