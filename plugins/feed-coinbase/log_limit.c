/*
 * log_limit.c — fixed-window line budget; see log_limit.h.
 */
#include "log_limit.h"

void cb_log_limit_init(cb_log_limit *l, int burst, int64_t window_ms)
{
    l->window_start = 0;
    l->window_ms = window_ms;
    l->burst = burst;
    l->used = 0;
    l->suppressed = 0;
}

int cb_log_limit_allow(cb_log_limit *l, int64_t now_ms, uint64_t *held)
{
    if (now_ms - l->window_start >= l->window_ms) {
        l->window_start = now_ms;
        l->used = 0;
    }
    if (l->used >= l->burst) {
        l->suppressed++;
        return 0;
    }
    l->used++;
    *held = l->suppressed;
    l->suppressed = 0;
    return 1;
}
