/*
 * clock.h — the agent's clock and cycle alignment. Live, the clock is the
 * wall clock; in replay it is the timestamp of the latest event (or the
 * cycle being run), so a replay is deterministic and as fast as its
 * plugins. Cycles fall on multiples of the cycle length.
 */
#ifndef HOST_CLOCK_H
#define HOST_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct host_clock {
    int live;                   /* 1: wall clock */
    _Atomic int64_t replay_now; /* replay time; read by plugin threads */
} host_clock;

void host_clock_init(host_clock *c, int live);
int64_t host_clock_now(const host_clock *c);
/* Replay only: moves time forward to ts (never backward). */
void host_clock_advance(host_clock *c, int64_t ts);

/* Smallest multiple of cycle_ms that is >= t (cycle_ms > 0). A replay's
 * first cycle falls on the first event's time when aligned, after that
 * event's market data. */
int64_t host_cycle_align_up(int64_t t, int64_t cycle_ms);
/* Smallest multiple of cycle_ms that is > t: the next live boundary. */
int64_t host_cycle_after(int64_t t, int64_t cycle_ms);

#endif
