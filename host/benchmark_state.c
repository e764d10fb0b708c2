/*
 * benchmark_state.c — see benchmark_state.h.
 */
#include "benchmark_state.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* The sums' reals, by name. */
static const struct {
    const char *name;
    size_t off;
} stats_reals[] = {
    {"first_v", offsetof(host_bench_stats, first_v)},
    {"first_b", offsetof(host_bench_stats, first_b)},
    {"last_v", offsetof(host_bench_stats, last_v)},
    {"last_b", offsetof(host_bench_stats, last_b)},
    {"mean_v", offsetof(host_bench_stats, mean_v)},
    {"mean_b", offsetof(host_bench_stats, mean_b)},
    {"mean_a", offsetof(host_bench_stats, mean_a)},
    {"m2_v", offsetof(host_bench_stats, m2_v)},
    {"m2_b", offsetof(host_bench_stats, m2_b)},
    {"m2_a", offsetof(host_bench_stats, m2_a)},
    {"c_vb", offsetof(host_bench_stats, c_vb)},
};
#define N_REALS (sizeof stats_reals / sizeof stats_reals[0])

static double real_get(const host_bench_stats *s, size_t i)
{
    return *(const double *)((const char *)s + stats_reals[i].off);
}

static double *real_in(host_bench_stats *s, size_t i)
{
    return (double *)((char *)s + stats_reals[i].off);
}

static json_t *real_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *book_json(const host_bench_book *b)
{
    if (!b->started)
        return json_null();
    json_t *units = json_array();
    for (size_t i = 0; units && i < b->n; i++)
        json_array_append_new(units, real_or_null(b->units[i]));
    return units ? json_pack("{s:o}", "units", units) : NULL;
}

static json_t *stats_json(const host_bench_stats *s)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:I}", "n", (json_int_t)s->n, "k",
                          (json_int_t)s->k, "first_ts", (json_int_t)s->first_ts,
                          "last_ts", (json_int_t)s->last_ts);
    for (size_t i = 0; o && i < N_REALS; i++)
        json_object_set_new(o, stats_reals[i].name,
                            real_or_null(real_get(s, i)));
    return o;
}

json_t *host_bench_state_to_json(const host_bench_book *book,
                                 const host_bench_stats *stats)
{
    json_t *b = book_json(book), *s = stats_json(stats);
    if (!b || !s) {
        json_decref(b);
        json_decref(s);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "book", b, "stats", s);
}

static double real_of(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int64_t int_of(const json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

void host_bench_state_from_json(const json_t *o, host_bench_book *book,
                                host_bench_stats *stats)
{
    memset(book, 0, sizeof *book);
    memset(stats, 0, sizeof *stats);
    const json_t *units = json_object_get(json_object_get(o, "book"), "units");
    size_t n = json_array_size(units);
    if (n > 0 && n <= PERP_MAX_SYMBOLS) {
        for (size_t i = 0; i < n; i++)
            book->units[i] = json_number_value(json_array_get(units, i));
        book->n = n;
        book->started = 1;
    }
    const json_t *s = json_object_get(o, "stats");
    if (!json_is_object(s) || int_of(s, "n") <= 0)
        return;
    stats->n = (size_t)int_of(s, "n");
    stats->k = (size_t)int_of(s, "k");
    stats->first_ts = int_of(s, "first_ts");
    stats->last_ts = int_of(s, "last_ts");
    for (size_t i = 0; i < N_REALS; i++)
        *real_in(stats, i) = real_of(s, stats_reals[i].name);
}
