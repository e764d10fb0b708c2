/*
 * planner_worker.h — runs one plan() call on its own thread, so a slow
 * LLM does not stall tick handling live. The worker owns the snapshot it
 * plans on until the result is collected.
 */
#ifndef HOST_PLANNER_WORKER_H
#define HOST_PLANNER_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

#include <perp/sdk.h>

#include "observation_build.h"

typedef struct host_planner_worker {
    const perp_planner_vtable *vt; /* borrowed */
    void *self;                    /* borrowed planner instance */
    pthread_t thread;
    int running; /* a thread was started, not joined */
    atomic_int done;
    host_obs_snapshot *snap; /* owned while running */
    perp_decision decision;
    int rc;
} host_planner_worker;

void host_planner_worker_init(host_planner_worker *w,
                              const perp_planner_vtable *vt, void *self);
/* Takes ownership of snap. PERP_OK, or PERP_ERR if a plan is still
 * running or the thread could not start (snap is freed then). */
int host_planner_worker_start(host_planner_worker *w, host_obs_snapshot *snap);
int host_planner_worker_busy(const host_planner_worker *w);
/* 1 when a plan has finished: copies its decision and return code and
 * hands back the snapshot (caller frees); 0 while none is finished. */
int host_planner_worker_collect(host_planner_worker *w, perp_decision *out,
                                int *rc, host_obs_snapshot **snap);
/* Waits for a running plan and discards it. */
void host_planner_worker_finish(host_planner_worker *w);

/* The synchronous call replay uses: *out zeroed, then plan(). */
int host_planner_call(const perp_planner_vtable *vt, void *self,
                      const perp_observation *obs, perp_decision *out);
/* The same for a decision reused every cycle: *out was zeroed once, and
 * only what the last answer used (its n_coins coins, at least one per
 * market) is cleared again; a whole perp_decision is 27 KB, most of it
 * coins no planner of five markets touches. *used carries the count of
 * coin slots to clear from one call to the next (start it at 0 with *out
 * zeroed). */
int host_planner_call_reuse(const perp_planner_vtable *vt, void *self,
                            const perp_observation *obs, perp_decision *out,
                            size_t *used);

#endif
