/*
 * test_shipped_pipelines.c — every pipeline in config/ (default, replay,
 * the A/B pair) passes `perpd check` started from an unrelated folder,
 * with no variable set: its relative paths (the history beside the
 * checkout, the records in the checkout's var/) follow the file, not the
 * working directory. The A/B pair differs in exactly one planner setting
 * and in its version tag, description and record file.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_read.h"
#include "run_process.h"
#include "temp_dir.h"

static void check_from_elsewhere(const char *rel)
{
    char here[PATH_MAX], yaml[2 * PATH_MAX];
    cr_assert_not_null(getcwd(here, sizeof here));
    snprintf(yaml, sizeof yaml, "%s/%s", here, rel);
    char *perpd = perpd_path(); /* absolute: resolved before the chdir */
    char *dir = temp_dir_new();
    char cache[PATH_MAX];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("XDG_CACHE_HOME", cache, 1);
    unsetenv("PERP_DATA_DIR");
    unsetenv("PERP_PLANNER");
    unsetenv("PERP_DATA_HOME");
    cr_assert_eq(chdir(dir), 0);
    char *argv[] = {perpd, "check", yaml, NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(chdir(here), 0);
    cr_assert_eq(rc, 0, "perpd check %s from %s: exit %d\n%s", rel, dir, rc,
                 out);
    /* Nothing lands where perpd was started but the cache it was given. */
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd,
             "test \"$(ls -A '%s')\" = cache -o -z "
             "\"$(ls -A '%s')\"",
             dir, dir);
    cr_assert_eq(system(cmd), 0, "perpd wrote into %s", dir);
    free(out);
    free(perpd);
    temp_dir_remove(dir);
    free(dir);
}

Test(shipped_pipelines, default_checks_from_anywhere, .timeout = 120)
{
    check_from_elsewhere("config/default.yaml");
}

Test(shipped_pipelines, replay_checks_from_anywhere, .timeout = 120)
{
    check_from_elsewhere("config/replay.yaml");
}

Test(shipped_pipelines, ab_v1_checks_from_anywhere, .timeout = 120)
{
    check_from_elsewhere("config/ab/v1.yaml");
}

Test(shipped_pipelines, ab_v2_checks_from_anywhere, .timeout = 120)
{
    check_from_elsewhere("config/ab/v2.yaml");
}

/* The lines of a that b lacks, joined (malloc'd). */
static char *lines_only_in(const char *a, const char *b)
{
    char *out = calloc(1, strlen(a) + 1);
    char *copy = strdup(a);
    char *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        char *needle = NULL;
        cr_assert(asprintf(&needle, "\n%s\n", l) > 0);
        char *hay = NULL;
        cr_assert(asprintf(&hay, "\n%s", b) > 0);
        if (!strstr(hay, needle) && l[0] != '#') {
            strcat(out, l);
            strcat(out, "\n");
        }
        free(needle);
        free(hay);
    }
    free(copy);
    return out;
}

Test(shipped_pipelines, the_ab_pair_differs_in_one_setting, .timeout = 120)
{
    char *v1 = file_read("config/ab/v1.yaml", NULL);
    char *v2 = file_read("config/ab/v2.yaml", NULL);
    cr_assert(v1 && v2);
    char *only = lines_only_in(v2, v1);
    cr_assert_str_eq(only,
                     "  version: v1.0.0-ab-b\n"
                     "  description: A/B version B, rules planner with "
                     "enter_band 1.5\n"
                     "  enter_band: 1.5          # the one setting changed "
                     "from v1.yaml (1)\n"
                     "  - {plugin: jsonl, path: "
                     "../../var/ab-v2-records.jsonl}\n");
    free(only);
    free(v1);
    free(v2);
}
