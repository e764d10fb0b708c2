/*
 * log.h — one line per event to stderr: "LEVEL ts component message k=v".
 * Every line passes through the redactor, so a secret the host knows (an
 * expanded ${VAR} whose name looks secret) never reaches the terminal.
 */
#ifndef HOST_LOG_H
#define HOST_LOG_H

#include <stdarg.h>
#include <perp/sdk.h>

void host_log(perp_log_level lvl, const char *component, const char *fmt, ...)
    PERP_PRINTF(3, 4);
void host_logv(perp_log_level lvl, const char *component, const char *fmt,
               va_list ap);
void host_log_set_level(perp_log_level min);
/* What host_logv does to every message before it is written: a run of
 * non-blank bytes over 240 keeps 80 of each end around "…(N bytes)…", and
 * a message over 4096 bytes its first and last ~2000 the same way, so a
 * long value cannot drown a line or push its reason out. In place. */
void host_log_shorten(char *msg);

/* Registers a secret value (copied) to be replaced by "***" in every log
 * line and in every string host_redact() sees. Values shorter than 4
 * characters are ignored (they would mangle ordinary text). */
void host_secret_add(const char *value);
void host_secret_clear(void);
/* Rewrites s in place, replacing every registered secret with "***". */
void host_redact(char *s);

#endif
