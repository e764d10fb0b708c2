/*
 * run_process.h — runs a program to completion and collects its output,
 * for tests that drive the perpd binary from the outside.
 */
#ifndef TESTS_RUN_PROCESS_H
#define TESTS_RUN_PROCESS_H

#include <stddef.h>

/* Runs argv (argv[0] is a path or a name found in $PATH; NULL-terminated) with
 * stdout and stderr both into *output (malloc'd, caller frees, never NULL).
 * Returns the exit code, 128 + signal if it was killed, or -1 if it could not
 * start. */
int run_process(char *const argv[], char **output);

/* As run_process, with stdout into *out and stderr into *err apart
 * (both malloc'd, caller frees, never NULL). */
int run_process_split(char *const argv[], char **out, char **err);

/* As run_process_split, with the len bytes of input on its stdin. */
int run_process_input(char *const argv[], const char *input, size_t len,
                      char **out, char **err);

typedef enum perpd_output {
    PERPD_STDERR,        /* stderr alone; stdout stays the test's */
    PERPD_STDOUT_STDERR, /* both, as run_process */
} perpd_output;

/* Runs "$PERP_BUILD_DIR/bin/perpd cmd config" (cmd e.g. "run", "check") with
 * the output `what` names into *output (malloc'd, caller frees, never NULL).
 * Returns as run_process. */
int perpd_run(const char *cmd, const char *config, perpd_output what,
              char **output);

/* "$PERP_BUILD_DIR/bin/perpd" (default build/bin/perpd); malloc'd. */
char *perpd_path(void);

#endif
