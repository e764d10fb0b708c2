/*
 * log.c — the host's one logger. Lines are formatted whole into a buffer,
 * redacted, then written with one fwrite under a mutex, so lines from
 * different threads never interleave and a secret never reaches stderr.
 */
#include "log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SECRET_MIN_LEN 4

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
/* Read without the lock by host_logv's early return: a line below the
 * level costs no formatting. */
static atomic_int log_min = PERP_LOG_INFO;

/* Registered secrets; guarded by log_mu. */
static char **secrets;
static size_t n_secrets;

static const char *level_name(perp_log_level lvl)
{
    switch (lvl) {
    case PERP_LOG_DEBUG:
        return "DEBUG";
    case PERP_LOG_INFO:
        return "INFO";
    case PERP_LOG_WARN:
        return "WARN";
    case PERP_LOG_ERROR:
        return "ERROR";
    }
    return "ERROR";
}

static int parse_level(const char *s, perp_log_level *out)
{
    static const struct {
        const char *name;
        perp_log_level lvl;
    } names[] = {{"debug", PERP_LOG_DEBUG},
                 {"info", PERP_LOG_INFO},
                 {"warn", PERP_LOG_WARN},
                 {"warning", PERP_LOG_WARN},
                 {"error", PERP_LOG_ERROR}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].lvl;
            return 1;
        }
    }
    return 0;
}

static void init_from_env(void)
{
    const char *env = getenv("PERP_LOG_LEVEL");
    perp_log_level lvl;
    if (env && parse_level(env, &lvl))
        atomic_store(&log_min, (int)lvl);
}

void host_log_set_level(perp_log_level min)
{
    pthread_once(&log_once, init_from_env);
    atomic_store(&log_min, (int)min);
}

/* Replaces every occurrence of each secret; caller holds log_mu. Since a
 * secret is at least SECRET_MIN_LEN > 3 bytes, "***" always fits. */
static void redact_locked(char *s)
{
    for (size_t i = 0; i < n_secrets; i++) {
        const char *sec = secrets[i];
        size_t len = strlen(sec);
        char *p = s;
        while ((p = strstr(p, sec)) != NULL) {
            memcpy(p, "***", 3);
            memmove(p + 3, p + len, strlen(p + len) + 1);
            p += 3;
        }
    }
}

void host_redact(char *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&log_mu);
    redact_locked(s);
    pthread_mutex_unlock(&log_mu);
}

void host_secret_add(const char *value)
{
    if (!value || strlen(value) < SECRET_MIN_LEN)
        return;
    pthread_mutex_lock(&log_mu);
    for (size_t i = 0; i < n_secrets; i++) {
        if (strcmp(secrets[i], value) == 0) {
            pthread_mutex_unlock(&log_mu);
            return;
        }
    }
    char *copy = strdup(value);
    char **grown = realloc(secrets, (n_secrets + 1) * sizeof *secrets);
    if (copy && grown) {
        /* Longest first: a secret that contains a shorter one must be
         * replaced whole, or its remainder would leak. */
        size_t len = strlen(copy);
        size_t at = 0;
        while (at < n_secrets && strlen(grown[at]) >= len)
            at++;
        memmove(grown + at + 1, grown + at, (n_secrets - at) * sizeof *grown);
        grown[at] = copy;
        secrets = grown;
        n_secrets++;
    } else {
        free(copy);
        if (grown)
            secrets = grown;
    }
    pthread_mutex_unlock(&log_mu);
}

void host_secret_clear(void)
{
    pthread_mutex_lock(&log_mu);
    for (size_t i = 0; i < n_secrets; i++)
        free(secrets[i]);
    free(secrets);
    secrets = NULL;
    n_secrets = 0;
    pthread_mutex_unlock(&log_mu);
}

/* "2026-11-24T12:00:00.123Z" */
static void format_now(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* A message's own newlines would split one event over several lines. */
static void flatten_newlines(char *s)
{
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r')
            *s = ' ';
    }
}

/* The backstop for every message, the host's and the plugins': a value
 * printed whole (a 100,000-byte path of slashes) would drown the line,
 * and a fixed buffer anywhere on its way would cut the reason off. A run
 * of non-blank bytes longer than LOG_WORD_MAX keeps LOG_WORD_KEEP bytes
 * of each end around "…(N bytes)…"; a line still longer than
 * LOG_LINE_MAX keeps its first and last LOG_LINE_MAX / 2 - 32 bytes the
 * same way. Shortening happens after redaction, so no cut ever shows
 * part of a secret. In place: the result is never longer. */
#define LOG_WORD_MAX  240
#define LOG_WORD_KEEP 80
#define LOG_LINE_MAX  4096

/* Writes s[0..n) shortened to keep bytes a side into w; returns the
 * bytes written. w may alias s (it never gets ahead of the reading). */
static size_t squeeze(char *w, const char *s, size_t n, size_t keep)
{
    char mark[48];
    int ml =
        snprintf(mark, sizeof mark, "\xe2\x80\xa6(%zu bytes)\xe2\x80\xa6", n);
    size_t head = keep, tail_at = n - keep;
    while (head > 0 && ((unsigned char)s[head] & 0xC0) == 0x80)
        head--; /* never split a UTF-8 character */
    while (tail_at < n && ((unsigned char)s[tail_at] & 0xC0) == 0x80)
        tail_at++;
    memmove(w, s, head);
    /* The mark may be longer than what it replaces only if keep is close
     * to n / 2, which the callers' thresholds rule out. */
    char tail[LOG_LINE_MAX];
    size_t tl = n - tail_at;
    memcpy(tail, s + tail_at, tl);
    memcpy(w + head, mark, (size_t)ml);
    memcpy(w + head + (size_t)ml, tail, tl);
    return head + (size_t)ml + tl;
}

void host_log_shorten(char *msg)
{
    char *r = msg, *w = msg;
    while (*r) {
        size_t n = strcspn(r, " \t");
        if (n > LOG_WORD_MAX)
            w += squeeze(w, r, n, LOG_WORD_KEEP);
        else {
            memmove(w, r, n);
            w += n;
        }
        r += n;
        size_t blanks = strspn(r, " \t");
        memmove(w, r, blanks);
        w += blanks;
        r += blanks;
    }
    *w = '\0';
    size_t len = (size_t)(w - msg);
    if (len > LOG_LINE_MAX)
        msg[squeeze(msg, msg, len, LOG_LINE_MAX / 2 - 32)] = '\0';
}

void host_logv(perp_log_level lvl, const char *component, const char *fmt,
               va_list ap)
{
    pthread_once(&log_once, init_from_env);
    if ((int)lvl < atomic_load(&log_min))
        return;
    char when[40];
    format_now(when, sizeof when);
    /* Formatted at full length so a secret is redacted before any
     * truncation could cut it in half. */
    char *msg = NULL;
    if (vasprintf(&msg, fmt ? fmt : "", ap) < 0)
        msg = NULL;
    if (msg)
        flatten_newlines(msg);

    pthread_mutex_lock(&log_mu);
    if ((int)lvl >= atomic_load(&log_min)) {
        if (msg) {
            redact_locked(msg);
            host_log_shorten(msg);
        }
        fprintf(stderr, "%s %s %s %s\n", level_name(lvl), when,
                component && *component ? component : "perpd",
                msg ? msg : "(log message lost: out of memory)");
        fflush(stderr);
    }
    pthread_mutex_unlock(&log_mu);
    free(msg);
}

void host_log(perp_log_level lvl, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    host_logv(lvl, component, fmt, ap);
    va_end(ap);
}
