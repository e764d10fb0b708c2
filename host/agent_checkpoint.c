/*
 * agent_checkpoint.c — the checkpoint handed to the sinks after each cycle
 * and at stop (agent_recovery.h).
 */
#include "agent_recovery.h"

#include <jansson.h>
#include <stdlib.h>

#include "benchmark_state.h"
#include "decision_json.h"
#include "log.h"

/* The run of unchanged holds not yet written (agent_holds.h), so a
 * restarted agent writes the same collapsed record an uninterrupted one
 * would; null when there is none. */
static json_t *holds_state(const host_hold_run *r)
{
    if (!r->last || r->count == 0)
        return json_null();
    char *d = host_decision_to_json(r->last);
    json_t *doc = d ? json_loads(d, 0, NULL) : NULL;
    free(d);
    if (!doc)
        return json_null();
    return json_pack("{s:I, s:I, s:I, s:o}", "count", (json_int_t)r->count,
                     "first_ts", (json_int_t)r->first_ts, "last_ts",
                     (json_int_t)r->last_ts, "decision", doc);
}

/* The host's own run state as JSON (malloc'd): cycles, feedback, the
 * planner's spending, the pending holds and the buy-and-hold book with
 * its sums. The caller holds the bus lock (the tally). */
static char *agent_state(host_agent *a)
{
    json_t *fb = json_array();
    for (size_t i = 0; fb && i < a->n_feedback; i++)
        json_array_append_new(fb, json_string(a->feedback[i]));
    const host_record_tally *t = &a->bus.tally;
    json_t *root = json_pack(
        "{s:I, s:I, s:o, s:I, s:{s:I, s:I, s:I, s:I, s:f, s:I}}", "cycles",
        (json_int_t)a->cycles, "cycle_ts", (json_int_t)a->persist.last_cycle_ts,
        "feedback", fb ? fb : json_array(), "metrics_cycle",
        (json_int_t)a->persist.metrics_cycle, "tally", "llm_calls",
        (json_int_t)t->llm_calls, "prompt_tokens", (json_int_t)t->prompt_tokens,
        "completion_tokens", (json_int_t)t->completion_tokens, "cached_tokens",
        (json_int_t)t->cached_tokens, "llm_cost_usd", t->llm_cost_usd,
        "decisions", (json_int_t)t->decisions);
    if (root) {
        json_object_set_new(root, "holds", holds_state(&a->holds));
        json_t *bench =
            host_bench_state_to_json(&a->bench_book, &a->bench_stats);
        if (bench)
            json_object_set_new(root, "bench", bench);
    }
    char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return s;
}

static char *planner_state(host_agent *a)
{
    const perp_planner_vtable *vt = a->planner.vtable;
    char *s = NULL;
    if (HOST_VT_HAS(vt, perp_planner_vtable, export_state) &&
        vt->export_state(a->planner.self, &s) != PERP_OK) {
        free(s);
        s = NULL;
    }
    return s;
}

static char *backend_state(host_agent *a)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    char *s = NULL;
    if (vt->export_state && vt->export_state(a->backend.self, &s) != PERP_OK) {
        host_log(PERP_LOG_WARN, "agent",
                 "backend %s: export_state failed; this checkpoint has no "
                 "backend state",
                 a->backend.name);
        free(s);
        s = NULL;
    }
    return s;
}

static void checkpoint(host_agent *a)
{
    if (!a->persist.checkpoints)
        return;
    char *backend = backend_state(a);
    char *planner = planner_state(a);
    host_record_bus_lock(&a->bus);
    char *agent = agent_state(a);
    host_record_bus_unlock(&a->bus);
    perp_checkpoint cp = {.struct_size = sizeof cp,
                          .cycle = a->cycles,
                          .cycle_ts = a->persist.last_cycle_ts,
                          .ts = host_clock_now(&a->clock),
                          .backend_state = backend,
                          .planner_state = planner,
                          .agent_state = agent};
    host_record_bus_checkpoint(&a->bus, &cp);
    free(backend);
    free(planner);
    free(agent);
}

void host_agent_cycle_end(host_agent *a, int64_t cycle_ts, int decided)
{
    a->persist.last_cycle_ts = cycle_ts;
    if (decided) {
        host_record_bus_lock(&a->bus);
        a->bus.tally.decisions++;
        host_record_bus_unlock(&a->bus);
    }
    if (a->cycles % a->set.metrics_every == 0)
        host_agent_emit_metrics(a);
    checkpoint(a);
}

void host_agent_run_end(host_agent *a)
{
    if (a->cycles == 0)
        return; /* nothing ran: nothing to resume from */
    if (a->cycles > a->persist.metrics_cycle)
        host_agent_emit_metrics(a);
    checkpoint(a);
}
