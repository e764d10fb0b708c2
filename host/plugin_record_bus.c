/*
 * plugin_record_bus.c — record fan-out to sinks.
 */
#include "plugin_record_bus.h"

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

void host_record_bus_emit(void *ud, const perp_record *rec)
{
    host_record_bus *b = ud;
    perp_record r = *rec;
    r.version = b->version;
    if (r.ts == 0)
        r.ts = host_clock_now(b->clock);
    pthread_mutex_lock(&b->mu);
    if (r.type == PERP_REC_TRADE && b->book)
        host_trade_book_add(b->book, &r.u.trade.fill);
    if (r.type == PERP_REC_LLM_CALL)
        b->llm_calls++;
    for (size_t i = 0; i < b->n_sinks; i++) {
        const perp_sink_vtable *vt = b->sinks[i].vtable;
        if (vt->write(b->sinks[i].self, &r) != PERP_OK) {
            /* Say it once and count the rest; a full disk
             * would otherwise drown the log. */
            if (b->write_errors++ == 0)
                host_log(PERP_LOG_ERROR, "agent",
                         "sink %s: write failed; later failures are "
                         "counted and the run will end with status 1",
                         b->sinks[i].name);
        }
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

void host_record_bus_lock(host_record_bus *b)
{
    pthread_mutex_lock(&b->mu);
}

void host_record_bus_unlock(host_record_bus *b)
{
    pthread_mutex_unlock(&b->mu);
}
