/*
 * corpus_driver.c — runs every file of tests/fuzz/corpus/FUZZ_NAME through
 * that target's LLVMFuzzerTestOneInput, under the normal test build (gcc,
 * plain and ASan+UBSan), so each seed and each input the fuzzer once
 * crashed on (regress-*) stays fixed without clang. The Makefile builds
 * it with tests/fuzz/fuzz_FUZZ_NAME.c into $(B)/tests/fuzz/corpus_NAME.
 *
 * Each input is copied into a buffer of exactly its size, so a read past
 * the end is caught by ASan as libFuzzer would catch it.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_read.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME: the target's name, set by the Makefile"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(fuzz_corpus, every_seed_and_regression_input_runs, .timeout = 300)
{
    const char *dir = "tests/fuzz/corpus/" FUZZ_NAME;
    if (LLVMFuzzerInitialize) {
        int argc = 1;
        char *args[] = {"corpus_" FUZZ_NAME, NULL};
        char **argv = args;
        LLVMFuzzerInitialize(&argc, &argv);
    }
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s: missing (run from the repository root)", dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        cr_assert_not_null(names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    size_t ran = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(names[i]);
            continue;
        }
        size_t len = 0;
        char *text = file_read(path, &len);
        cr_assert_not_null(text, "%s: cannot read", path);
        uint8_t *exact = malloc(len ? len : 1);
        cr_assert_not_null(exact);
        memcpy(exact, text, len);
        free(text);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        free(names[i]);
        ran++;
    }
    free(names);
    cr_assert_geq(ran, 3, "%s: %zu inputs; a target keeps at least 3 seeds",
                  dir, ran);
}
