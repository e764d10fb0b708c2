/*
 * The buy-and-hold book and its sums through the checkpoint's JSON
 * (host/benchmark_state.c): written and read back bit for bit, and the
 * figures of a run folded in two halves across a restart equal those of
 * one run folded whole.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "benchmark_state.h"

#define MIN_MS 60000LL

/* A version's equity and its book's prices at minute i: irregular enough
 * that every sum carries digits to the last bit. */
static void minute(int i, double *eq, double px[2])
{
    eq[0] = 10000.0 * (1 + 0.003 * sin(i * 0.7) + 1e-5 * i);
    px[0] = 58000.0 + 311.3 * cos(i * 0.31) + 0.01 * i;
    px[1] = 2000.0 + 17.7 * sin(i * 0.53 + 1);
}

static void fold(host_bench_book *b, host_bench_stats *s, int from, int to)
{
    for (int i = from; i < to; i++) {
        double eq, px[2];
        minute(i, &eq, px);
        double v = host_bench_book_value(b, px, 2, 10000.0);
        host_bench_stats_add(s, 1617321600000LL + i * MIN_MS, eq, v);
    }
}

Test(benchmark_state, a_restart_folds_on_as_if_it_never_happened)
{
    host_bench_book whole_b, half_b, back_b;
    host_bench_stats whole_s, half_s, back_s;
    memset(&whole_b, 0, sizeof whole_b);
    memset(&whole_s, 0, sizeof whole_s);
    memset(&half_b, 0, sizeof half_b);
    memset(&half_s, 0, sizeof half_s);
    fold(&whole_b, &whole_s, 0, 1000);
    fold(&half_b, &half_s, 0, 437);

    json_t *o = host_bench_state_to_json(&half_b, &half_s);
    cr_assert_not_null(o);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    json_t *read = json_loads(text, 0, NULL);
    free(text);
    host_bench_state_from_json(read, &back_b, &back_s);
    json_decref(read);
    cr_assert_eq(memcmp(&back_b, &half_b, sizeof back_b), 0,
                 "book not read back bit for bit");
    cr_assert_eq(memcmp(&back_s, &half_s, sizeof back_s), 0,
                 "sums not read back bit for bit");

    fold(&back_b, &back_s, 437, 1000);
    host_bench_figures a, b;
    host_bench_figures_of(&whole_s, &a);
    host_bench_figures_of(&back_s, &b);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    cr_assert_eq(a.periods, 999);
    cr_assert(isfinite(a.beta) && isfinite(a.info_ratio));
}

Test(benchmark_state, nothing_stored_starts_over)
{
    host_bench_book b;
    host_bench_stats s;
    memset(&b, 0xff, sizeof b);
    memset(&s, 0xff, sizeof s);
    /* A checkpoint from before the benchmark existed has no "bench". */
    host_bench_state_from_json(NULL, &b, &s);
    cr_assert_eq(b.started, 0);
    cr_assert_eq(b.n, 0);
    cr_assert_eq(s.n, 0);
    cr_assert_eq(s.k, 0);
    /* A book not yet bought is written as null and read back as such. */
    json_t *o = host_bench_state_to_json(&b, &s);
    cr_assert(json_is_null(json_object_get(o, "book")));
    host_bench_state_from_json(o, &b, &s);
    cr_assert_eq(b.started, 0);
    json_decref(o);
}
