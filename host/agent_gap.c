/*
 * agent_gap.c — a replay over data with a hole in it. The replay loop runs
 * one cycle per boundary between two events; a stray row from 1970 before
 * 2023 data, or ten missing years between two rows, made that tens of
 * millions of empty cycles (hundreds of gigabytes of records, hours). Real
 * data pauses too (exchange halts of an hour or two), and those stay
 * cycled through: only a stretch longer than agent.max_gap is skipped.
 */
#include "agent_internal.h"

#include <stdio.h>
#include <time.h>

#include "log.h"

/* Gaps logged one by one; later ones are only counted. */
#define GAPS_LOGGED 10

static void iso(int64_t ms, char *buf, size_t len)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, len, "%lld ms", (long long)ms);
}

/* "53.2 years", "10.0 days", "5.5 hours": the gap's size at a glance. */
static void span(int64_t ms, char *buf, size_t len)
{
    double h = (double)ms / 3600000.0;
    if (h >= 24 * 365.25)
        snprintf(buf, len, "%.1f years", h / (24 * 365.25));
    else if (h >= 48)
        snprintf(buf, len, "%.1f days", h / 24);
    else
        snprintf(buf, len, "%.1f hours", h);
}

int host_agent_replay_gap(host_agent *a, int64_t last_ts, int64_t ev_ts)
{
    if (ev_ts - last_ts <= a->set.max_gap_ms)
        return 0;
    /* The cycles up to the gap's start run as they would have. */
    int64_t *next = &a->next_cycle;
    while (*next <= last_ts && !host_agent_replay_done(a)) {
        host_clock_advance(&a->clock, *next);
        host_agent_cycle_sync(a, *next);
        *next += a->set.cycle_ms;
    }
    int64_t resume = host_cycle_align_up(ev_ts, a->set.cycle_ms);
    int64_t skipped = resume > *next ? (resume - *next) / a->set.cycle_ms : 0;
    *next = resume > *next ? resume : *next;
    a->stale_before = ev_ts;
    a->gap_cycles_skipped += skipped;
    if (a->gaps_skipped++ < GAPS_LOGGED) {
        char from[40], to[40], len[32], limit[32];
        iso(last_ts, from, sizeof from);
        iso(ev_ts, to, sizeof to);
        span(ev_ts - last_ts, len, sizeof len);
        span(a->set.max_gap_ms, limit, sizeof limit);
        host_log(PERP_LOG_WARN, "agent",
                 "replay: no data from %s to %s (%s, over agent.max_gap of "
                 "%s): the clock jumps to %s, %lld empty cycles skipped, "
                 "every market stale until its next price%s",
                 from, to, len, limit, to, (long long)skipped,
                 a->gaps_skipped == GAPS_LOGGED ? " (later gaps: counted only)"
                                                : "");
    }
    return 1;
}

void host_agent_replay_gap_summary(const host_agent *a)
{
    if (a->gaps_skipped == 0)
        return;
    host_log(PERP_LOG_WARN, "agent",
             "replay skipped %llu gap%s over agent.max_gap (%lld empty "
             "cycles)",
             (unsigned long long)a->gaps_skipped,
             a->gaps_skipped == 1 ? "" : "s", (long long)a->gap_cycles_skipped);
}
