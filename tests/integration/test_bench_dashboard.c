/*
 * test_bench_dashboard.c — `make bench`'s dashboard run
 * (scripts/bench-dashboard.sh: a private cluster seeded with synthetic
 * equity snapshots, fills and round trips, `perpd serve`, wrk) kept
 * working: run small (2,000 snapshots, 200 fills, one second per URL),
 * it must seed the current schema, serve, and print each figure with its
 * reference and ratio. No figure is judged here: speed is measured by
 * `make bench`, never in a test.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "pg_cluster.h"
#include "run_process.h"

/* The number after `key` on the line that holds `line`, or -1. */
static double figure(const char *out, const char *line, const char *key)
{
    const char *l = strstr(out, line);
    if (!l)
        return -1;
    const char *end = strchr(l, '\n');
    const char *k = strstr(l, key);
    if (!k || (end && k > end))
        return -1;
    return strtod(k + strlen(key), NULL);
}

Test(bench_dashboard, runs_small_and_prints_every_figure, .timeout = 300)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED");
    setenv("PERP_BENCH_SECONDS", "1", 1);
    setenv("PERP_BENCH_SNAPSHOTS", "2000", 1);
    setenv("PERP_BENCH_TRADES", "200", 1);
    char *argv[] = {"scripts/bench-dashboard.sh", (char *)test_build_dir(),
                    NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
    cr_assert(strstr(out, "dashboard over 2000 equity snapshots and 200 "
                          "fills and round trips"),
              "%s", out);
    static const char *const lines[] = {
        "reference, static app.js:", "equity curve, 500 points",
        "round trips, 50 rows", "equity curve, cache defeated"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        /* the line, a rate and a p99 */
        cr_assert_gt(figure(out, lines[i], "p99 "), 0, "%s:\n%s", lines[i],
                     out);
    }
    /* each API figure beside the reference, as a ratio */
    cr_assert_gt(figure(out, "equity curve, 500 points", "ms  ("), 0, "%s",
                 out);
    cr_assert_gt(figure(out, "round trips, 50 rows", "ms  ("), 0, "%s", out);
    /* the answers' sizes: bodies were served, not errors */
    cr_assert_gt(figure(out, "equity curve, 500 points", "points ("), 1000,
                 "%s", out);
    cr_assert_gt(figure(out, "round trips, 50 rows", "rows ("), 1000, "%s",
                 out);
    free(out);
}
