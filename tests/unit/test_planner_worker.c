/*
 * The planner thread hand-off (host/planner_worker.h): a plan runs on its
 * own thread, the worker owns the snapshot meanwhile, collect() hands the
 * decision and the snapshot back once, and finish() waits for a plan in
 * flight and discards it. The planner here is a test vtable whose plan()
 * blocks until the test releases it, so "in flight" is a state the test
 * controls rather than a race it hopes to win.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "planner_worker.h"

typedef struct gate_planner {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered;  /* plan() has started */
    int released; /* the test lets plan() return */
    int finished; /* plan() has returned */
    int calls;
    int rc;                       /* what plan() returns */
    const perp_observation *seen; /* the observation plan() was given */
    int64_t seen_cycle;
    int out_was_zero; /* *out arrived zeroed */
} gate_planner;

static int gate_plan(void *self, const perp_observation *obs,
                     perp_decision *out)
{
    gate_planner *g = self;
    static const perp_decision zero;
    pthread_mutex_lock(&g->mu);
    g->calls++;
    g->seen = obs;
    g->seen_cycle = obs->cycle;
    g->out_was_zero = memcmp(out, &zero, sizeof zero) == 0;
    g->entered = 1;
    pthread_cond_broadcast(&g->cv);
    while (!g->released)
        pthread_cond_wait(&g->cv, &g->mu);
    /* The decision carries the cycle it saw, so the test can tell which
     * plan a collected decision came from. */
    out->n_coins = 1;
    snprintf(out->coins[0].coin, sizeof out->coins[0].coin, "BTC");
    out->coins[0].signal = PERP_SIGNAL_HOLD;
    snprintf(out->notes, sizeof out->notes, "cycle %lld",
             (long long)obs->cycle);
    g->finished = 1;
    pthread_mutex_unlock(&g->mu);
    return g->rc;
}

static const perp_planner_vtable gate_vt = {
    .struct_size = sizeof(perp_planner_vtable),
    .plan = gate_plan,
};

static void gate_init(gate_planner *g, int rc)
{
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->rc = rc;
}

static void gate_destroy(gate_planner *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
}

static void gate_wait_entered(gate_planner *g)
{
    pthread_mutex_lock(&g->mu);
    while (!g->entered)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void gate_release(gate_planner *g)
{
    pthread_mutex_lock(&g->mu);
    g->released = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* A real snapshot (no markets) stamped with a cycle number. */
static host_obs_snapshot *snapshot(int64_t cycle)
{
    static const perp_account account;
    static const perp_metrics metrics;
    static const perp_limits limits;
    host_obs_inputs in;
    memset(&in, 0, sizeof in);
    in.ts = 1680000000000LL + cycle * 60000;
    in.cycle = cycle;
    in.version = "test";
    in.account = &account;
    in.metrics = &metrics;
    in.limits = &limits;
    host_obs_snapshot *s = host_obs_build(&in);
    cr_assert_not_null(s);
    return s;
}

/* Polls collect() until the plan's result arrives (the plan has been
 * released, so this ends as soon as the thread stores `done`). */
static void collect_blocking(host_planner_worker *w, perp_decision *d, int *rc,
                             host_obs_snapshot **snap)
{
    for (int i = 0; i < 20000; i++) {
        if (host_planner_worker_collect(w, d, rc, snap))
            return;
        usleep(100);
    }
    cr_assert_fail("the released plan never finished");
}

Test(planner_worker, start_busy_collect_hands_back_decision_and_snapshot)
{
    gate_planner g;
    gate_init(&g, PERP_OK);
    host_planner_worker w;
    host_planner_worker_init(&w, &gate_vt, &g);
    cr_assert_eq(host_planner_worker_busy(&w), 0);

    host_obs_snapshot *snap = snapshot(7);
    cr_assert_eq(host_planner_worker_start(&w, snap), PERP_OK);
    gate_wait_entered(&g);
    cr_assert_eq(host_planner_worker_busy(&w), 1);

    /* In flight: nothing to collect, and the outputs stay untouched. */
    perp_decision d;
    memset(&d, 0x5A, sizeof d);
    int rc = -12345;
    host_obs_snapshot *back = (host_obs_snapshot *)&g; /* a sentinel */
    cr_assert_eq(host_planner_worker_collect(&w, &d, &rc, &back), 0);
    cr_assert_eq(rc, -12345);
    cr_assert_eq(back, (host_obs_snapshot *)&g);

    gate_release(&g);
    collect_blocking(&w, &d, &rc, &back);
    cr_assert_eq(host_planner_worker_busy(&w), 0);
    cr_assert_eq(rc, PERP_OK);
    /* The plan read the snapshot's own observation, in place. */
    cr_assert_eq(back, snap);
    cr_assert_eq(g.seen, &snap->obs);
    cr_assert_eq(g.seen_cycle, 7);
    cr_assert(g.out_was_zero, "plan() must get a zeroed decision");
    cr_assert_eq(d.n_coins, 1);
    cr_assert_str_eq(d.coins[0].coin, "BTC");
    cr_assert_str_eq(d.notes, "cycle 7");
    /* Collected once: a second collect has nothing. */
    cr_assert_eq(host_planner_worker_collect(&w, &d, &rc, &back), 0);
    host_obs_free(back);
    cr_assert_eq(g.calls, 1);
    gate_destroy(&g);
}

Test(planner_worker,
     a_second_start_while_busy_is_refused_and_frees_its_snapshot)
{
    gate_planner g;
    gate_init(&g, PERP_OK);
    host_planner_worker w;
    host_planner_worker_init(&w, &gate_vt, &g);
    cr_assert_eq(host_planner_worker_start(&w, snapshot(1)), PERP_OK);
    gate_wait_entered(&g);
    /* Ownership of the refused snapshot passed to start(): it is freed
     * there (LeakSanitizer reports it otherwise), and the running plan is
     * not disturbed. */
    cr_assert_eq(host_planner_worker_start(&w, snapshot(2)), PERP_ERR);
    cr_assert_eq(host_planner_worker_busy(&w), 1);
    gate_release(&g);
    perp_decision d;
    int rc;
    host_obs_snapshot *back;
    collect_blocking(&w, &d, &rc, &back);
    cr_assert_str_eq(d.notes, "cycle 1");
    cr_assert_eq(back->obs.cycle, 1);
    host_obs_free(back);
    cr_assert_eq(g.calls, 1);
    gate_destroy(&g);
}

Test(planner_worker, the_planner_return_code_is_passed_on)
{
    gate_planner g;
    gate_init(&g, PERP_ERR);
    g.released = 1; /* no need to hold this one */
    host_planner_worker w;
    host_planner_worker_init(&w, &gate_vt, &g);
    cr_assert_eq(host_planner_worker_start(&w, snapshot(3)), PERP_OK);
    perp_decision d;
    int rc = PERP_OK;
    host_obs_snapshot *back;
    collect_blocking(&w, &d, &rc, &back);
    cr_assert_eq(rc, PERP_ERR);
    host_obs_free(back);
    gate_destroy(&g);
}

Test(planner_worker, runs_again_after_a_collect)
{
    gate_planner g;
    gate_init(&g, PERP_OK);
    g.released = 1;
    host_planner_worker w;
    host_planner_worker_init(&w, &gate_vt, &g);
    for (int64_t cycle = 1; cycle <= 3; cycle++) {
        cr_assert_eq(host_planner_worker_start(&w, snapshot(cycle)), PERP_OK);
        perp_decision d;
        int rc;
        host_obs_snapshot *back;
        collect_blocking(&w, &d, &rc, &back);
        char want[32];
        snprintf(want, sizeof want, "cycle %lld", (long long)cycle);
        cr_assert_str_eq(d.notes, want);
        host_obs_free(back);
    }
    cr_assert_eq(g.calls, 3);
    gate_destroy(&g);
}

typedef struct releaser {
    gate_planner *g;
    host_planner_worker *w;
    int busy_when_released; /* worker still busy at release time */
} releaser;

/* Lets the plan go ~20 ms after finish() has begun waiting on it. */
static void *release_later(void *arg)
{
    releaser *r = arg;
    usleep(20000);
    pthread_mutex_lock(&r->g->mu);
    r->busy_when_released = r->g->finished == 0;
    pthread_mutex_unlock(&r->g->mu);
    gate_release(r->g);
    return NULL;
}

Test(planner_worker, finish_waits_for_a_plan_in_flight_and_discards_it)
{
    gate_planner g;
    gate_init(&g, PERP_OK);
    host_planner_worker w;
    host_planner_worker_init(&w, &gate_vt, &g);
    cr_assert_eq(host_planner_worker_start(&w, snapshot(9)), PERP_OK);
    gate_wait_entered(&g);
    releaser r = {&g, &w, 0};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, release_later, &r), 0);
    /* Shutdown with a decision in flight: finish() must block until the
     * plan returns (it joins the thread), then drop the decision and
     * free the snapshot (LeakSanitizer checks the free). */
    host_planner_worker_finish(&w);
    cr_assert_eq(g.finished, 1, "finish() returned before the plan did");
    pthread_join(t, NULL);
    cr_assert(r.busy_when_released);
    cr_assert_eq(host_planner_worker_busy(&w), 0);
    perp_decision d;
    int rc;
    host_obs_snapshot *back = NULL;
    cr_assert_eq(host_planner_worker_collect(&w, &d, &rc, &back), 0);
    cr_assert_null(back);
    /* finish() on an idle worker does nothing. */
    host_planner_worker_finish(&w);
    cr_assert_eq(g.calls, 1);
    gate_destroy(&g);
}

Test(planner_worker, synchronous_call_zeroes_the_decision_first)
{
    gate_planner g;
    gate_init(&g, PERP_OK);
    g.released = 1;
    host_obs_snapshot *snap = snapshot(4);
    perp_decision d;
    memset(&d, 0x5A, sizeof d); /* garbage a planner must never see */
    cr_assert_eq(host_planner_call(&gate_vt, &g, &snap->obs, &d), PERP_OK);
    cr_assert(g.out_was_zero);
    cr_assert_str_eq(d.notes, "cycle 4");
    /* Bytes the planner did not write are zero, not the 0x5A garbage. */
    cr_assert_eq(d.error[0], '\0');
    cr_assert_eq(d.coins[1].quantity, 0.0);
    host_obs_free(snap);
    gate_destroy(&g);
}
