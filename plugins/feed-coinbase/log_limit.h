/*
 * log_limit.h — keeps a misbehaving peer from flooding the log: at most
 * `burst` lines per `window_ms`; the next line allowed reports how many
 * were held back.
 */
#ifndef CB_LOG_LIMIT_H
#define CB_LOG_LIMIT_H

#include <stdint.h>

typedef struct cb_log_limit {
    int64_t window_start, window_ms;
    int burst, used;
    uint64_t suppressed;
} cb_log_limit;

void cb_log_limit_init(cb_log_limit *l, int burst, int64_t window_ms);
/* 1 if a line may be written at now_ms; *held gets the lines held back
 * since the last one allowed (and is reset). 0: count it and stay quiet. */
int cb_log_limit_allow(cb_log_limit *l, int64_t now_ms, uint64_t *held);

#endif
