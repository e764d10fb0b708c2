/*
 * backtest_jobs.h — `perpd backtest A.yaml B.yaml ... -j N`: the versions
 * split round-robin across N worker processes (perpd itself, each running
 * its share as an arena on the same tape and writing --summary JSON), the
 * results gathered and printed as one run would print them. On one
 * machine this uses N cores; across machines, see README ("A sweep").
 * Signals as in one process: the parent passes SIGINT/SIGTERM on to the
 * workers (in their own process group), the first a stop (the tables
 * cover what they ran, exit 0), the second 130 at once.
 */
#ifndef HOST_BACKTEST_JOBS_H
#define HOST_BACKTEST_JOBS_H

#include <stddef.h>

/* argv as host_backtest_main got it. Returns the exit code. */
int host_bt_jobs_run(int argc, char **argv, const char **configs, size_t n,
                     int jobs, int hash);

#endif
