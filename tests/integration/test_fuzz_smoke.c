/*
 * test_fuzz_smoke.c — every libFuzzer target (tests/fuzz/fuzz_*.c, built
 * by clang into build/fuzz) runs for a few seconds from its committed
 * seeds: no crash, leak, timeout or failed oracle; every target has a
 * seed folder. New inputs go to a scratch folder, never into the tree.
 * `make fuzz SECONDS=N` runs them for longer (scripts/fuzz.sh).
 *
 * Without clang there is nothing to run (make test installs it through
 * scripts/deps.sh), and the test says so.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "run_process.h"
#include "temp_dir.h"

#define SMOKE_SECONDS "3"

typedef struct target {
    char name[64];
} target;

static size_t list_targets(target *out, size_t cap)
{
    DIR *d = opendir("tests/fuzz");
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "fuzz_", 5) != 0 || len < 8 ||
            strcmp(e->d_name + len - 2, ".c") != 0 || len - 7 >= 64)
            continue;
        if (out && n < cap)
            snprintf(out[n].name, sizeof out[n].name, "%.*s", (int)(len - 7),
                     e->d_name + 5);
        n++;
    }
    closedir(d);
    return n;
}

ParameterizedTestParameters(fuzz_smoke, runs_from_its_seeds)
{
    size_t n = list_targets(NULL, 0);
    target *t = cr_malloc(sizeof *t * (n ? n : 1));
    list_targets(t, n);
    return cr_make_param_array(target, t, n);
}

static int have_clang(void)
{
    return system("command -v clang >/dev/null 2>&1") == 0;
}

ParameterizedTest(target *t, fuzz_smoke, runs_from_its_seeds, .timeout = 120)
{
    char seeds[256], bin[256];
    snprintf(seeds, sizeof seeds, "tests/fuzz/corpus/%s", t->name);
    struct stat st;
    cr_assert(stat(seeds, &st) == 0 && S_ISDIR(st.st_mode),
              "%s: every fuzz target keeps its seeds there", seeds);
    if (!have_clang()) {
        cr_log_info("clang not installed: fuzz_%s not run", t->name);
        return;
    }
    snprintf(bin, sizeof bin, "build/fuzz/fuzz_%s", t->name);
    char *scratch = temp_dir_new();
    char art[512];
    snprintf(art, sizeof art, "-artifact_prefix=%s/", scratch);
    char *argv[] = {bin,           scratch,
                    seeds,         "-max_total_time=" SMOKE_SECONDS,
                    "-timeout=30", "-rss_limit_mb=2048",
                    art,           NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    const char *done = strstr(out, "Done ");
    cr_expect_eq(rc, 0, "%s exited %d:\n%s", bin, rc,
                 strlen(out) > 4000 ? out + strlen(out) - 4000 : out);
    cr_expect_not_null(done, "%s did not finish its run", bin);
    free(out);
    temp_dir_remove(scratch);
    free(scratch);
}
