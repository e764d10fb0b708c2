/*
 * test_log.c — the host logger: line format, level filter, redaction of
 * registered secrets, and whole lines under concurrent writers.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stderr_capture.h"

/* "LEVEL 2026-11-24T12:00:00.123Z component message" */
static const char *const LINE_RE = "^(DEBUG|INFO|WARN|ERROR) "
                                   "[0-9]{4}-[0-9]{2}-[0-9]{2}T"
                                   "[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                                   "[^ ]+ .*$";

static int matches(const char *re, const char *line)
{
    regex_t rx;
    cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
    int ok = regexec(&rx, line, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

Test(log, line_format)
{
    stderr_capture_begin();
    host_log(PERP_LOG_WARN, "feed.coinbase", "reconnect in %d ms", 250);
    char *out = stderr_capture_end();
    cr_assert(strchr(out, '\n'), "one line ends with a newline: %s", out);
    *strchr(out, '\n') = '\0';
    cr_assert(matches(LINE_RE, out), "bad line: %s", out);
    cr_assert(strncmp(out, "WARN ", 5) == 0);
    cr_assert(strstr(out, " feed.coinbase reconnect in 250 ms"), "%s", out);
    free(out);
}

Test(log, newlines_in_message_stay_on_one_line)
{
    stderr_capture_begin();
    host_log(PERP_LOG_ERROR, "x", "two\nlines");
    char *out = stderr_capture_end();
    cr_assert_eq(count_of(out, "\n"), 1, "%s", out);
    cr_assert(strstr(out, "two lines"));
    free(out);
}

Test(log, level_filter_by_call)
{
    host_log_set_level(PERP_LOG_WARN);
    stderr_capture_begin();
    host_log(PERP_LOG_DEBUG, "c", "dropped-debug");
    host_log(PERP_LOG_INFO, "c", "dropped-info");
    host_log(PERP_LOG_WARN, "c", "kept-warn");
    host_log(PERP_LOG_ERROR, "c", "kept-error");
    char *out = stderr_capture_end();
    cr_assert_null(strstr(out, "dropped"), "%s", out);
    cr_assert(strstr(out, "kept-warn"));
    cr_assert(strstr(out, "kept-error"));
    free(out);
}

Test(log, level_filter_from_env)
{
    /* Read once, at the first line this (fresh, forked) process logs. */
    setenv("PERP_LOG_LEVEL", "error", 1);
    stderr_capture_begin();
    host_log(PERP_LOG_WARN, "c", "dropped-warn");
    host_log(PERP_LOG_ERROR, "c", "kept-error");
    char *out = stderr_capture_end();
    cr_assert_null(strstr(out, "dropped"), "%s", out);
    cr_assert(strstr(out, "kept-error"));
    free(out);
}

Test(log, debug_shown_when_env_says_debug)
{
    setenv("PERP_LOG_LEVEL", "debug", 1);
    stderr_capture_begin();
    host_log(PERP_LOG_DEBUG, "c", "shown-debug");
    char *out = stderr_capture_end();
    cr_assert(strstr(out, "DEBUG ") == out, "%s", out);
    cr_assert(strstr(out, "shown-debug"));
    free(out);
}

Test(log, every_registered_secret_is_redacted)
{
    host_secret_add("sk-test-SECRET123");
    host_secret_add("postgres://u:pw@db/x");
    stderr_capture_begin();
    host_log(PERP_LOG_ERROR, "planner.openrouter",
             "auth failed with key sk-test-SECRET123 (again: "
             "sk-test-SECRET123) url=postgres://u:pw@db/x");
    char *out = stderr_capture_end();
    cr_assert_null(strstr(out, "SECRET123"), "%s", out);
    cr_assert_null(strstr(out, "u:pw"), "%s", out);
    cr_assert_eq(count_of(out, "***"), 3, "%s", out);
    free(out);
    host_secret_clear();
}

Test(log, longer_secret_containing_shorter_is_redacted_whole)
{
    host_secret_add("abcd");
    host_secret_add("abcdefgh");
    char s[] = "x abcdefgh y abcd z";
    host_redact(s);
    cr_assert_str_eq(s, "x *** y *** z");
    host_secret_clear();
}

Test(log, short_values_are_not_treated_as_secrets)
{
    host_secret_add("ab");
    host_secret_add("");
    host_secret_add(NULL);
    char s[] = "ab cab";
    host_redact(s);
    cr_assert_str_eq(s, "ab cab");
}

Test(log, redact_in_place_and_clear)
{
    host_secret_add("hunter22");
    char s[] = "password=hunter22;";
    host_redact(s);
    cr_assert_str_eq(s, "password=***;");
    host_secret_clear();
    char t[] = "password=hunter22;";
    host_redact(t);
    cr_assert_str_eq(t, "password=hunter22;");
}

#define THREADS 4
#define LINES   200

static void *spam(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < LINES; i++)
        host_log(PERP_LOG_INFO, "t", "thread=%ld line=%d secret=tok-%s", id, i,
                 "ZZZZ9999");
    return NULL;
}

Test(log, concurrent_writers_produce_whole_lines)
{
    host_secret_add("tok-ZZZZ9999");
    stderr_capture_begin();
    pthread_t th[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, spam, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    char *out = stderr_capture_end();
    size_t lines = 0;
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        cr_assert(matches(LINE_RE, l), "torn line: %s", l);
        cr_assert(strstr(l, "secret=***"), "unredacted: %s", l);
        lines++;
    }
    cr_assert_eq(lines, THREADS * LINES);
    free(out);
    host_secret_clear();
}

/* Issue 15, item 15: a 100,000-byte value pushed the reason off a line
 * cut at a fixed size. Whatever a plugin prints, one long run of bytes
 * keeps 80 of each end and says its length; the words around it stay. */
Test(log, a_long_value_is_shortened_and_the_reason_kept)
{
    size_t n = 100000;
    char *v = malloc(n + 1);
    memset(v, '/', n);
    v[n] = '\0';
    stderr_capture_begin();
    host_log(PERP_LOG_ERROR, "replay", "c.yaml:9:10: %s: No such file", v);
    char *out = stderr_capture_end();
    cr_assert_eq(count_of(out, "\n"), 1);
    cr_assert_lt(strlen(out), 300, "%s", out);
    cr_assert(strstr(out, " replay c.yaml:9:10: ////"), "%s", out);
    /* 100000 slashes plus the ':' that follows them without a blank */
    cr_assert(strstr(out, "/\xe2\x80\xa6(100001 bytes)\xe2\x80\xa6/"), "%s",
              out);
    cr_assert(strstr(out, "//: No such file\n"), "%s", out);
    free(out);
    free(v);
}

Test(log, shorten_keeps_short_words_and_bounds_the_line)
{
    char msg[] = "a short message with words\tand a tab";
    host_log_shorten(msg);
    cr_assert_str_eq(msg, "a short message with words\tand a tab");
    /* 100 words of 100 bytes: no word is long, the line is (10,099
     * bytes): its first and last 2016 bytes stay. */
    size_t len = 100 * 101 - 1;
    char *line = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        line[i] = i % 101 == 100 ? ' ' : (char)('a' + (i / 101) % 26);
    line[len] = '\0';
    host_log_shorten(line);
    cr_assert_lt(strlen(line), 4096);
    cr_assert(strstr(line, "\xe2\x80\xa6(10099 bytes)\xe2\x80\xa6"), "%.100s",
              line);
    cr_assert(strncmp(line, "aaaa", 4) == 0);
    cr_assert_eq(line[strlen(line) - 1], 'v', "the last word ('v' * 100)");
    free(line);
    /* A secret across the cut (bytes 70-89 of a 600-byte word, the head
     * keeps 80) never shows half: redaction comes first. */
    host_secret_add("sk-SECRET-9876543210");
    char *s = malloc(600);
    memset(s, 'x', 70);
    memcpy(s + 70, "sk-SECRET-9876543210", 20);
    memset(s + 90, 'y', 509);
    s[599] = '\0';
    stderr_capture_begin();
    host_log(PERP_LOG_ERROR, "x", "%s", s);
    char *out = stderr_capture_end();
    cr_assert_null(strstr(out, "sk-"), "%s", out);
    cr_assert_null(strstr(out, "SECRET"), "%s", out);
    cr_assert(strstr(out, "xxx***yyy"), "%s", out);
    host_secret_clear();
    free(out);
    free(s);
}
