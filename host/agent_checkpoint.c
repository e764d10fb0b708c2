/*
 * agent_checkpoint.c — the checkpoint handed to the sinks after a cycle
 * (every cycle live, every agent.checkpoint_every in a replay) and at
 * stop (agent_recovery.h).
 */
#include "agent_recovery.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchmark_state.h"
#include "decision_json.h"
#include "log.h"

/* The run of unchanged holds not yet written (agent_holds.h), so a
 * restarted agent writes the same collapsed record an uninterrupted one
 * would: {"count", "first_ts", "last_ts", "decision"} as text, the
 * decision's own JSON inlined as the decision record would carry it (no
 * tree built and parsed again); "null" when there is none. malloc'd;
 * NULL when out of memory. */
static char *holds_state(const host_hold_run *r)
{
    if (!r->last || r->count == 0)
        return strdup("null");
    char *d = host_decision_to_json(r->last);
    if (!d)
        return strdup("null");
    char head[160];
    int n = snprintf(head, sizeof head,
                     "{\"count\":%lld,\"first_ts\":%lld,\"last_ts\":%lld,"
                     "\"decision\":",
                     (long long)r->count, (long long)r->first_ts,
                     (long long)r->last_ts);
    size_t dl = strlen(d);
    char *out = n > 0 ? malloc((size_t)n + dl + 2) : NULL;
    if (out) {
        memcpy(out, head, (size_t)n);
        memcpy(out + n, d, dl);
        memcpy(out + (size_t)n + dl, "}", 2);
    }
    free(d);
    return out;
}

/* json, a compact object "{...}" (malloc'd), with "holds": holds appended
 * as its last member; NULL (json freed) when out of memory. */
static char *with_holds(char *json, const char *holds)
{
    size_t len = strlen(json), hl = strlen(holds);
    static const char key[] = ",\"holds\":";
    if (len < 2 || json[len - 1] != '}') {
        free(json);
        return NULL;
    }
    /* An empty object takes no comma. */
    size_t kl = len == 2 ? sizeof key - 2 : sizeof key - 1;
    char *out = realloc(json, len + kl + hl + 1);
    if (!out) {
        free(json);
        return NULL;
    }
    memcpy(out + len - 1, len == 2 ? key + 1 : key, kl);
    memcpy(out + len - 1 + kl, holds, hl);
    memcpy(out + len - 1 + kl + hl, "}", 2);
    return out;
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
        json_t *bench =
            host_bench_state_to_json(&a->bench_book, &a->bench_stats);
        if (bench)
            json_object_set_new(root, "bench", bench);
    }
    char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    char *holds = s ? holds_state(&a->holds) : NULL;
    if (!holds) {
        free(s);
        return NULL;
    }
    s = with_holds(s, holds);
    free(holds);
    return s;
}

static int64_t wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
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
    a->persist.checkpoint_wall_ms = wall_ms();
    free(backend);
    free(planner);
    free(agent);
}

/* Live, every cycle: a cycle is a minute, and losing one is what crash
 * recovery is for. A replay checkpoints every agent.checkpoint_every
 * cycles (counted from the version's first, so a resumed run checkpoints
 * where an uninterrupted one does), and besides at the first cycle end a
 * second of wall time after the last checkpoint, so a paced replay's
 * records reach the database while it runs. Where checkpoints fall
 * changes no record (a database sink counts cycles at their EQUITY
 * records); only how much a crash makes the replay do again. */
static int checkpoint_due(const host_agent *a)
{
    if (a->live || a->cycles % a->set.checkpoint_every == 0)
        return 1;
    return wall_ms() - a->persist.checkpoint_wall_ms >= HOST_CHECKPOINT_WALL_MS;
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
    if (a->persist.checkpoints && checkpoint_due(a))
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
