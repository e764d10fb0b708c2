/*
 * log.c — the host's one logger. Lines are formatted whole into a buffer,
 * redacted, then written with one fwrite under a mutex, so lines from
 * different threads never interleave and a secret never reaches stderr.
 */
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SECRET_MIN_LEN 4

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static perp_log_level log_min = PERP_LOG_INFO;

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
        log_min = lvl;
}

void host_log_set_level(perp_log_level min)
{
    pthread_once(&log_once, init_from_env);
    pthread_mutex_lock(&log_mu);
    log_min = min;
    pthread_mutex_unlock(&log_mu);
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

void host_logv(perp_log_level lvl, const char *component, const char *fmt,
               va_list ap)
{
    pthread_once(&log_once, init_from_env);
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
    if (lvl >= log_min) {
        if (msg)
            redact_locked(msg);
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
