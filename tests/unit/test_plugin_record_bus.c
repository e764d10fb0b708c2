/*
 * Record fan-out to sinks (host/plugin_record_bus.h): the version and clock
 * stamps, the trade book, write-error reporting, flush, and serialised
 * writes from two threads. The sinks are test vtables set into
 * host_instance structs by hand, so each write can be inspected.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_record_bus.h"
#include "stderr_capture.h"

#define T0 1680000000000LL

enum { MAX_SEEN = 8 };

typedef struct test_sink {
    int fail_writes, fail_flush;
    atomic_int in_write; /* >0 while a write runs */
    atomic_int overlaps; /* writes that began while another ran */
    atomic_int writes, flushes;
    perp_record seen[MAX_SEEN]; /* first writes, as received */
    char seen_version[MAX_SEEN][32];
} test_sink;

static int sink_write(void *self, const perp_record *rec)
{
    test_sink *s = self;
    if (atomic_fetch_add(&s->in_write, 1) != 0)
        atomic_fetch_add(&s->overlaps, 1);
    int k = atomic_load(&s->writes);
    if (k < MAX_SEEN) {
        s->seen[k] = *rec;
        snprintf(s->seen_version[k], sizeof s->seen_version[k], "%s",
                 rec->version ? rec->version : "(null)");
    }
    atomic_fetch_add(&s->writes, 1);
    atomic_fetch_sub(&s->in_write, 1);
    return s->fail_writes ? PERP_ERR : PERP_OK;
}

static int sink_flush(void *self)
{
    test_sink *s = self;
    atomic_fetch_add(&s->flushes, 1);
    return s->fail_flush ? PERP_ERR : PERP_OK;
}

static const perp_sink_vtable sink_vt = {
    .struct_size = sizeof(perp_sink_vtable),
    .write = sink_write,
    .flush = sink_flush,
};

/* A sink with no flush: the bus must not call through NULL. */
static const perp_sink_vtable sink_vt_noflush = {
    .struct_size = sizeof(perp_sink_vtable),
    .write = sink_write,
};

static host_instance instance(const perp_sink_vtable *vt, test_sink *s,
                              char *name)
{
    host_instance i;
    memset(&i, 0, sizeof i);
    i.name = name;
    i.vtable = vt;
    i.self = s;
    return i;
}

static perp_record equity(int64_t ts)
{
    perp_record r;
    memset(&r, 0, sizeof r);
    r.type = PERP_REC_EQUITY;
    r.ts = ts;
    r.u.equity.equity = 1000;
    return r;
}

static perp_record trade(int64_t ts, double qty, double price)
{
    perp_record r;
    memset(&r, 0, sizeof r);
    r.type = PERP_REC_TRADE;
    r.ts = ts;
    r.u.trade.fill.ts = ts;
    strcpy(r.u.trade.fill.symbol, "BTC-USD");
    r.u.trade.fill.qty = qty;
    r.u.trade.fill.price = price;
    r.u.trade.fill.position_after = qty > 0 ? qty : 0;
    strcpy(r.u.trade.fill.reason, "test");
    return r;
}

Test(record_bus, every_sink_gets_every_record_stamped_with_the_version)
{
    host_clock clock;
    host_clock_init(&clock, 0);
    host_clock_advance(&clock, T0 + 5000);
    test_sink a = {0}, b = {0};
    host_instance sinks[2] = {instance(&sink_vt, &a, "a"),
                              instance(&sink_vt, &b, "b")};
    host_record_bus bus;
    host_record_bus_init(&bus, "v1.2", &clock, NULL);
    host_record_bus_set_sinks(&bus, sinks, 2);

    perp_record r1 = equity(T0 + 1000); /* a plugin's own ts is kept */
    perp_record r2 = equity(0);         /* 0: the clock's time */
    r1.version = "forged";              /* the host's version wins */
    host_record_bus_emit(&bus, &r1);
    host_record_bus_emit(&bus, &r2);

    test_sink *both[2] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        test_sink *s = both[k];
        cr_assert_eq(s->writes, 2);
        cr_assert_eq(s->seen[0].type, PERP_REC_EQUITY);
        cr_assert_eq(s->seen[0].ts, T0 + 1000);
        cr_assert_eq(s->seen[1].ts, T0 + 5000);
        cr_assert_str_eq(s->seen_version[0], "v1.2");
        cr_assert_str_eq(s->seen_version[1], "v1.2");
        cr_assert_eq(s->seen[0].u.equity.equity, 1000);
    }
    /* The caller's record is not modified (the bus stamps a copy). */
    cr_assert_str_eq(r1.version, "forged");
    cr_assert_eq(r2.ts, 0);
    host_record_bus_destroy(&bus);
}

Test(record_bus, no_sinks_is_fine)
{
    host_clock clock;
    host_clock_init(&clock, 0);
    host_record_bus bus;
    host_record_bus_init(&bus, "v", &clock, NULL);
    perp_record r = trade(T0, 1, 100); /* no book either */
    host_record_bus_emit(&bus, &r);
    host_record_bus_flush(&bus);
    cr_assert_eq(bus.write_errors, 0);
    host_record_bus_destroy(&bus);
}

Test(record_bus, trades_and_only_trades_feed_the_book)
{
    host_clock clock;
    host_clock_init(&clock, 0);
    host_trade_book *book = host_trade_book_new();
    cr_assert_not_null(book);
    host_record_bus bus;
    host_record_bus_init(&bus, "v", &clock, book);

    /* Buy 1 at 100, then sell 1 at 110: one long round trip. An equity
     * record in between must not touch the book. */
    perp_record open = trade(T0, 1, 100), close = trade(T0 + 60000, -1, 110);
    perp_record eq = equity(T0 + 30000);
    host_record_bus_emit(&bus, &open);
    host_record_bus_emit(&bus, &eq);
    host_record_bus_lock(&bus);
    cr_assert_eq(host_trade_book_count(book), 0);
    host_record_bus_unlock(&bus);
    host_record_bus_emit(&bus, &close);
    host_record_bus_lock(&bus);
    cr_assert_eq(host_trade_book_count(book), 1);
    const perp_round_trip *rt = host_trade_book_at(book, 0);
    cr_assert_eq(rt->side, 1);
    cr_assert_eq(rt->entry_price, 100);
    cr_assert_eq(rt->exit_price, 110);
    host_record_bus_unlock(&bus);
    host_record_bus_destroy(&bus);
    host_trade_book_free(book);
}

Test(record_bus, a_failing_sink_is_reported_once_and_counted)
{
    host_clock clock;
    host_clock_init(&clock, 0);
    test_sink bad = {.fail_writes = 1}, good = {0};
    host_instance sinks[2] = {instance(&sink_vt, &bad, "disk"),
                              instance(&sink_vt, &good, "ok")};
    host_record_bus bus;
    host_record_bus_init(&bus, "v", &clock, NULL);
    host_record_bus_set_sinks(&bus, sinks, 2);
    perp_record r = equity(T0);
    stderr_capture_begin();
    for (int i = 0; i < 3; i++)
        host_record_bus_emit(&bus, &r);
    char *log = stderr_capture_end();
    /* 3 failed writes counted, one line naming the sink. */
    cr_assert_eq(bus.write_errors, 3);
    const char *hit = strstr(log, "sink disk: write failed");
    cr_assert_not_null(hit, "log: %s", log);
    cr_assert_null(
        strstr(hit + strlen("sink disk: write failed"), "write failed"),
        "logged twice: %s", log);
    /* The failing sink does not stop the others. */
    cr_assert_eq(good.writes, 3);
    free(log);
    host_record_bus_destroy(&bus);
}

Test(record_bus, flush_reaches_every_sink_and_reports_failures)
{
    host_clock clock;
    host_clock_init(&clock, 0);
    test_sink a = {0}, b = {.fail_flush = 1}, c = {0};
    host_instance sinks[3] = {instance(&sink_vt, &a, "a"),
                              instance(&sink_vt, &b, "pg"),
                              instance(&sink_vt_noflush, &c, "c")};
    host_record_bus bus;
    host_record_bus_init(&bus, "v", &clock, NULL);
    host_record_bus_set_sinks(&bus, sinks, 3);
    stderr_capture_begin();
    host_record_bus_flush(&bus);
    char *log = stderr_capture_end();
    cr_assert_eq(a.flushes, 1);
    cr_assert_eq(b.flushes, 1);
    cr_assert_eq(c.flushes, 0);
    cr_assert_not_null(strstr(log, "sink pg: flush failed"), "log: %s", log);
    cr_assert_null(strstr(log, "sink a:"), "log: %s", log);
    free(log);
    host_record_bus_destroy(&bus);
}

typedef struct emitter {
    host_record_bus *bus;
    perp_record_type type;
} emitter;

enum { PER_THREAD = 2000 };

static void *emit_many(void *arg)
{
    emitter *e = arg;
    perp_record r = equity(T0);
    r.type = e->type;
    for (int i = 0; i < PER_THREAD; i++)
        host_record_bus_emit(e->bus, &r);
    return NULL;
}

Test(record_bus, writes_from_two_threads_never_overlap)
{
    /* The backend (main thread) and the planner (its own thread) emit at
     * once; a sink's write is not reentrant, so the bus must call it from
     * one thread at a time. The sink counts writes that began while
     * another was running: it must stay 0, and none may be lost. */
    host_clock clock;
    host_clock_init(&clock, 0);
    test_sink s = {0};
    host_instance sinks[1] = {instance(&sink_vt, &s, "s")};
    host_record_bus bus;
    host_record_bus_init(&bus, "v", &clock, NULL);
    host_record_bus_set_sinks(&bus, sinks, 1);
    emitter e1 = {&bus, PERP_REC_EQUITY}, e2 = {&bus, PERP_REC_LLM_CALL};
    pthread_t t1, t2;
    cr_assert_eq(pthread_create(&t1, NULL, emit_many, &e1), 0);
    cr_assert_eq(pthread_create(&t2, NULL, emit_many, &e2), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    cr_assert_eq(s.writes, 2 * PER_THREAD);
    cr_assert_eq(s.overlaps, 0);
    host_record_bus_destroy(&bus);
}
