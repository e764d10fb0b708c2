/*
 * planner_worker.c — one planner call on a worker thread.
 */
#include "planner_worker.h"

#include <string.h>

#include "log.h"

int host_planner_call(const perp_planner_vtable *vt, void *self,
                      const perp_observation *obs, perp_decision *out)
{
    memset(out, 0, sizeof *out);
    return vt->plan(self, obs, out);
}

int host_planner_call_reuse(const perp_planner_vtable *vt, void *self,
                            const perp_observation *obs, perp_decision *out,
                            size_t *used)
{
    size_t n = *used > obs->n_markets ? *used : obs->n_markets;
    if (n > PERP_MAX_SYMBOLS)
        n = PERP_MAX_SYMBOLS;
    memset(out->coins, 0, n * sizeof out->coins[0]);
    out->n_coins = 0;
    memset(out->notes, 0, sizeof out->notes);
    memset(out->error, 0, sizeof out->error);
    int rc = vt->plan(self, obs, out);
    if (out->n_coins > *used)
        *used =
            out->n_coins > PERP_MAX_SYMBOLS ? PERP_MAX_SYMBOLS : out->n_coins;
    if (n > *used)
        *used = n;
    return rc;
}

void host_planner_worker_init(host_planner_worker *w,
                              const perp_planner_vtable *vt, void *self)
{
    memset(w, 0, sizeof *w);
    w->vt = vt;
    w->self = self;
    atomic_store(&w->done, 0);
}

static void *worker_main(void *arg)
{
    host_planner_worker *w = arg;
    w->rc = host_planner_call(w->vt, w->self, &w->snap->obs, &w->decision);
    atomic_store(&w->done, 1);
    return NULL;
}

int host_planner_worker_start(host_planner_worker *w, host_obs_snapshot *snap)
{
    if (w->running) {
        host_obs_free(snap);
        return PERP_ERR;
    }
    w->snap = snap;
    atomic_store(&w->done, 0);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        host_log(PERP_LOG_ERROR, "agent", "cannot start the planner thread");
        host_obs_free(snap);
        w->snap = NULL;
        return PERP_ERR;
    }
    w->running = 1;
    return PERP_OK;
}

int host_planner_worker_busy(const host_planner_worker *w)
{
    return w->running;
}

int host_planner_worker_collect(host_planner_worker *w, perp_decision *out,
                                int *rc, host_obs_snapshot **snap)
{
    if (!w->running || !atomic_load(&w->done))
        return 0;
    pthread_join(w->thread, NULL);
    w->running = 0;
    *out = w->decision;
    *rc = w->rc;
    *snap = w->snap;
    w->snap = NULL;
    return 1;
}

void host_planner_worker_finish(host_planner_worker *w)
{
    if (!w->running)
        return;
    pthread_join(w->thread, NULL);
    w->running = 0;
    host_obs_free(w->snap);
    w->snap = NULL;
}
