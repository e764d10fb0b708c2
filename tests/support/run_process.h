/*
 * run_process.h — runs a program to completion and collects its output,
 * for tests that drive the perpd binary from the outside.
 */
#ifndef TESTS_RUN_PROCESS_H
#define TESTS_RUN_PROCESS_H

/* Runs argv (argv[0] is a path or a name found in $PATH; NULL-terminated) with
 * stdout and stderr both into *output (malloc'd, caller frees, never NULL).
 * Returns the exit code, 128 + signal if it was killed, or -1 if it could not
 * start. */
int run_process(char *const argv[], char **output);

/* "$PERP_BUILD_DIR/bin/perpd" (default build/bin/perpd); malloc'd. */
char *perpd_path(void);

#endif
