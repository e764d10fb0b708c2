/*
 * clock.c — wall or replay time, and where cycle boundaries fall.
 */
#include "clock.h"

#include "plugin_services.h"

void host_clock_init(host_clock *c, int live)
{
    c->live = live;
    atomic_store(&c->replay_now, 0);
}

int64_t host_clock_now(const host_clock *c)
{
    if (c->live)
        return host_wall_ms();
    return atomic_load(&c->replay_now);
}

void host_clock_advance(host_clock *c, int64_t ts)
{
    if (ts > atomic_load(&c->replay_now))
        atomic_store(&c->replay_now, ts);
}

/* Floor division that is right for negative t too. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t host_cycle_align_up(int64_t t, int64_t cycle_ms)
{
    int64_t k = floor_div(t, cycle_ms);
    return k * cycle_ms == t ? t : (k + 1) * cycle_ms;
}

int64_t host_cycle_after(int64_t t, int64_t cycle_ms)
{
    return (floor_div(t, cycle_ms) + 1) * cycle_ms;
}
