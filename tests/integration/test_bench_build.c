/*
 * test_bench_build.c — `make test` (what `.ci/run` runs in a clean clone)
 * compiles every benchmark, and every fuzz target when clang is installed,
 * so a change that breaks one fails CI instead of waiting for the next
 * `make bench` (bench_perpsim once stopped building unnoticed). Checked
 * on the plain build (build/bench), the one `make bench` runs and the one
 * `make test` compiles them into (the sanitizer build skips them): for
 * every bench/bench_*.c an executable there no older than its source.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 if bin is an executable built no earlier than src was last changed. */
static int built_from(const char *bin, const char *src, char *why, size_t len)
{
    struct stat b, s;
    if (stat(src, &s) != 0) {
        snprintf(why, len, "%s: cannot stat", src);
        return 0;
    }
    if (stat(bin, &b) != 0 || access(bin, X_OK) != 0) {
        snprintf(why, len, "%s: not built (make test-build should build it)",
                 bin);
        return 0;
    }
    if (b.st_mtim.tv_sec < s.st_mtim.tv_sec) {
        snprintf(why, len, "%s: older than %s (stale: not rebuilt)", bin, src);
        return 0;
    }
    return 1;
}

Test(bench_build, every_bench_program_is_compiled_by_the_test_build)
{
    DIR *d = opendir("bench");
    cr_assert_not_null(d, "run from the repository root");
    struct dirent *e;
    size_t seen = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "bench_", 6) != 0 || n < 3 ||
            strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        char src[512], bin[1024], why[1200];
        snprintf(src, sizeof src, "bench/%s", e->d_name);
        snprintf(bin, sizeof bin, "build/bench/%.*s", (int)(n - 2),
                 e->d_name);
        cr_expect(built_from(bin, src, why, sizeof why), "%s", why);
        seen++;
    }
    closedir(d);
    cr_assert_geq(seen, 4, "bench/ lost its programs? found %zu", seen);
}

Test(bench_build, fuzz_targets_are_compiled_when_clang_is_present)
{
    if (system("command -v clang >/dev/null 2>&1") != 0) {
        /* Not a skip: without clang the build has nothing to compile,
         * and the Makefile says so on `make fuzz`. */
        cr_log_info("clang not installed: no fuzz target to check");
        return;
    }
    DIR *d = opendir("tests/fuzz");
    cr_assert_not_null(d, "run from the repository root");
    struct dirent *e;
    size_t seen = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "fuzz_", 5) != 0 || n < 3 ||
            strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        char src[512], bin[1024], why[1200];
        snprintf(src, sizeof src, "tests/fuzz/%s", e->d_name);
        /* One clang build (build/fuzz) serves both test runs. */
        snprintf(bin, sizeof bin, "build/fuzz/%.*s", (int)(n - 2), e->d_name);
        cr_expect(built_from(bin, src, why, sizeof why), "%s", why);
        seen++;
    }
    closedir(d);
    cr_assert_geq(seen, 1, "tests/fuzz lost its targets?");
}
