/*
 * plugin_record_bus.c — record fan-out to sinks.
 */
#include "plugin_record_bus.h"

#include <stddef.h>

#include "log.h"

void host_record_bus_init(host_record_bus *b, const char *version,
                          const host_clock *clock, host_trade_book *book)
{
    pthread_mutex_init(&b->mu, NULL);
    b->version = version;
    b->clock = clock;
    b->sinks = NULL;
    b->n_sinks = 0;
    b->book = book;
    b->tally = (host_record_tally){0};
    b->write_errors = 0;
    b->llm_calls = 0;
    b->tap = NULL;
    b->tap_ud = NULL;
}

void host_record_bus_set_tap(host_record_bus *b,
                             void (*tap)(void *ud, const perp_record *rec),
                             void *ud)
{
    pthread_mutex_lock(&b->mu);
    b->tap = tap;
    b->tap_ud = ud;
    pthread_mutex_unlock(&b->mu);
}

uint64_t host_record_bus_llm_calls(host_record_bus *b)
{
    pthread_mutex_lock(&b->mu);
    uint64_t n = b->llm_calls;
    pthread_mutex_unlock(&b->mu);
    return n;
}

void host_record_bus_destroy(host_record_bus *b)
{
    pthread_mutex_destroy(&b->mu);
}

void host_record_bus_set_sinks(host_record_bus *b, host_instance *sinks,
                               size_t n)
{
    pthread_mutex_lock(&b->mu);
    b->sinks = sinks;
    b->n_sinks = n;
    pthread_mutex_unlock(&b->mu);
}

/* A sink built for ABI 1.0/1.1 does not know the 1.2 record types. */
static int sink_knows(const host_instance *s, perp_record_type t)
{
    if (t != PERP_REC_ROUND_TRIP && t != PERP_REC_METRICS)
        return 1;
    const perp_plugin_descriptor *d = s->plugin.desc;
    return d && (d->abi_major > 1 || d->abi_minor >= 2);
}

/* Caller holds mu. */
static void fan_out(host_record_bus *b, const perp_record *r)
{
    for (size_t i = 0; i < b->n_sinks; i++) {
        if (!sink_knows(&b->sinks[i], r->type))
            continue;
        const perp_sink_vtable *vt = b->sinks[i].vtable;
        if (vt->write(b->sinks[i].self, r) != PERP_OK) {
            /* Say it once and count the rest; a full disk
             * would otherwise drown the log. */
            if (b->write_errors++ == 0)
                host_log(PERP_LOG_ERROR, "agent",
                         "sink %s: write failed; later failures are "
                         "counted and the run will end with status 1",
                         b->sinks[i].name);
        }
    }
}

static void tally(host_record_tally *t, const perp_record *r)
{
    if (r->type == PERP_REC_LLM_CALL) {
        const perp_llm_call_record *c = &r->u.llm_call;
        t->llm_calls++;
        t->prompt_tokens += c->prompt_tokens > 0 ? c->prompt_tokens : 0;
        t->completion_tokens +=
            c->completion_tokens > 0 ? c->completion_tokens : 0;
        t->cached_tokens += c->cached_tokens > 0 ? c->cached_tokens : 0;
        t->llm_cost_usd += c->cost_usd > 0 ? c->cost_usd : 0.0;
    }
}

void host_record_bus_emit(void *ud, const perp_record *rec)
{
    host_record_bus *b = ud;
    perp_record r = *rec;
    r.version = b->version;
    if (r.ts == 0)
        r.ts = host_clock_now(b->clock);
    pthread_mutex_lock(&b->mu);
    size_t trips = host_trade_book_count(b->book);
    if (r.type == PERP_REC_TRADE && b->book)
        host_trade_book_add(b->book, &r.u.trade.fill);
    if (r.type == PERP_REC_LLM_CALL)
        b->llm_calls++;
    tally(&b->tally, &r);
    fan_out(b, &r);
    /* The round trip this fill closed, after the fill itself. */
    if (host_trade_book_count(b->book) > trips) {
        perp_record t = {
            .type = PERP_REC_ROUND_TRIP, .ts = r.ts, .version = b->version};
        t.u.round_trip = *host_trade_book_at(b->book, trips);
        fan_out(b, &t);
    }
    if (b->tap)
        b->tap(b->tap_ud, &r);
    pthread_mutex_unlock(&b->mu);
}

void host_record_bus_flush(host_record_bus *b)
{
    pthread_mutex_lock(&b->mu);
    for (size_t i = 0; i < b->n_sinks; i++) {
        const perp_sink_vtable *vt = b->sinks[i].vtable;
        if (vt->flush && vt->flush(b->sinks[i].self) != PERP_OK &&
            b->write_errors++ == 0)
            host_log(PERP_LOG_ERROR, "agent", "sink %s: flush failed",
                     b->sinks[i].name);
    }
    pthread_mutex_unlock(&b->mu);
}

void host_record_bus_checkpoint(host_record_bus *b, const perp_checkpoint *cp)
{
    pthread_mutex_lock(&b->mu);
    for (size_t i = 0; i < b->n_sinks; i++) {
        const perp_sink_vtable *vt = b->sinks[i].vtable;
        if (HOST_VT_HAS(vt, perp_sink_vtable, checkpoint) &&
            vt->checkpoint(b->sinks[i].self, cp) != PERP_OK &&
            b->write_errors++ == 0)
            host_log(PERP_LOG_ERROR, "agent", "sink %s: checkpoint failed",
                     b->sinks[i].name);
    }
    pthread_mutex_unlock(&b->mu);
}

void host_record_bus_lock(host_record_bus *b)
{
    pthread_mutex_lock(&b->mu);
}

void host_record_bus_unlock(host_record_bus *b)
{
    pthread_mutex_unlock(&b->mu);
}
