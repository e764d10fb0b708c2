/*
 * agent_recovery.h — what lets an agent be killed at any moment and carry
 * on where it stood (DESIGN.md, "Storage, recovery and the dashboard"):
 *
 *   - after a cycle the host hands each sink a checkpoint (sdk.h,
 *     perp_checkpoint): the backend's and the planner's exported state and
 *     its own (cycle count, feedback for the next cycle, the planner's
 *     spending, the pending run of holds), which a database sink stores in
 *     the transaction of the records since the previous one. Live after
 *     every cycle; in a replay every agent.checkpoint_every cycles (and
 *     a second of wall time after the last at most), since the replay can
 *     redo what a crash lost in milliseconds, and always at stop (the end
 *     of the data, a signal, --max-cycles). Every agent.metrics_every
 *     cycles, and at stop, a METRICS record of the version's performance
 *     comes first;
 *   - when a run starts, the sinks that store records are asked for the
 *     version's last checkpoint (perp_sink_vtable.restore): the states are
 *     imported, the trade book (round trips) and the equity curve rebuilt
 *     from the stored trades and equity snapshots, so the next observation
 *     is the one an uninterrupted run would build;
 *   - a replay resumes after the checkpoint's time: the feed's earlier
 *     events only warm the markets up (candles, indicators), the backend
 *     already holds their effect, and cycles continue one agent.cycle
 *     after the checkpoint's.
 */
#ifndef HOST_AGENT_RECOVERY_H
#define HOST_AGENT_RECOVERY_H

#include "agent_internal.h"

/* agent_recovery.c */
/* Before anything else in a run. PERP_OK (resumed or first run), or
 * PERP_ERR after one line: a sink refused the run (database unreachable,
 * version held by another process) or the stored state cannot be
 * imported. */
int host_agent_restore(host_agent *a);
/* Checkpoints on when a sink takes them (restore does this; a run that
 * does not restore, the live arena, calls it): they are also where a
 * storing sink commits a cycle's records, without them it holds every
 * record in memory until the stop. */
void host_agent_checkpoints_detect(host_agent *a);
/* Replay: 1 when ev is before the resume point and was only used to warm
 * the markets up (the caller skips it). */
int host_agent_resume_absorb(host_agent *a, const perp_event *ev);
/* Replay: the first cycle due, given the one the data alone suggests. */
int64_t host_agent_resume_next(const host_agent *a, int64_t next);

/* agent_checkpoint.c */
/* After a cycle's records (cycle_ts: that cycle's time; decided: the
 * planner answered, which counts a decision). */
void host_agent_cycle_end(host_agent *a, int64_t cycle_ts, int decided);
/* At stop, before the sinks are flushed. */
void host_agent_run_end(host_agent *a);

/* agent_metrics.c */
/* Emits the version's METRICS record now. */
void host_agent_emit_metrics(host_agent *a);

#endif
