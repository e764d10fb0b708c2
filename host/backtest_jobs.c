/*
 * backtest_jobs.c — versions across worker processes.
 */
#include "backtest_jobs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backtest_metrics.h"
#include "backtest_summary.h"
#include "log.h"

#define RESAMPLES 1000

static int takes_value(const char *s)
{
    return !strcmp(s, "--from") || !strcmp(s, "--to") || !strcmp(s, "--data") ||
           !strcmp(s, "--report") || !strcmp(s, "--summary") ||
           !strcmp(s, "--path") || !strcmp(s, "-j");
}

/* The worker's command line: the options given (less -j, --report and
 * --summary), its own --summary file, and its configs. */
static char **worker_argv(int argc, char **argv, const char **configs, size_t n,
                          size_t job, int jobs, const char *out)
{
    char **w = calloc((size_t)argc + 8, sizeof *w);
    size_t k = 0;
    if (!w)
        return NULL;
    w[k++] = "/proc/self/exe";
    w[k++] = "backtest";
    for (int i = 1; i < argc; i++) {
        if (takes_value(argv[i]) && i + 1 < argc) {
            if (strcmp(argv[i], "-j") && strcmp(argv[i], "--report") &&
                strcmp(argv[i], "--summary")) {
                w[k++] = argv[i];
                w[k++] = argv[i + 1];
            }
            i++;
        } else if (argv[i][0] == '-') {
            w[k++] = argv[i];
        }
    }
    w[k++] = "--summary";
    w[k++] = (char *)out;
    for (size_t c = job; c < n; c += (size_t)jobs)
        w[k++] = (char *)configs[c];
    return w;
}

static pid_t spawn(char **w)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        setenv("PERP_BACKTEST_WORKER", "1", 1);
        execv("/proc/self/exe", w);
        _exit(127);
    }
    return pid;
}

int host_bt_jobs_run(int argc, char **argv, const char **configs, size_t n,
                     int jobs, int hash)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--report")) {
            host_log(PERP_LOG_ERROR, "backtest",
                     "--report needs the versions in one process: leave out "
                     "-j");
            return 2;
        }
    if ((size_t)jobs > n)
        jobs = (int)n;
    char dir[] = "/tmp/perpd-jobs-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char out[64][64];
    pid_t pids[64];
    if (jobs > 64)
        jobs = 64;
    int rc = 0;
    for (int j = 0; j < jobs; j++) {
        snprintf(out[j], sizeof out[j], "%s/job%d.json", dir, j);
        char **w = worker_argv(argc, argv, configs, n, (size_t)j, jobs, out[j]);
        pids[j] = w ? spawn(w) : -1;
        free(w);
    }
    for (int j = 0; j < jobs; j++) {
        int st = 0;
        if (pids[j] < 0 || waitpid(pids[j], &st, 0) != pids[j] ||
            !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            rc = 1;
    }
    host_bt_summary s[256];
    host_bt_curve c[256];
    size_t got = 0;
    host_bt_summary_store store = {0};
    for (int j = 0; rc == 0 && j < jobs; j++)
        if (host_bt_summary_read(out[j], s, c, 256, &got, &store) != PERP_OK)
            rc = 1;
    for (int j = 0; j < jobs; j++)
        unlink(out[j]);
    rmdir(dir);
    if (rc != 0) {
        host_log(PERP_LOG_ERROR, "backtest", "a worker process failed");
        host_bt_summary_store_free(&store);
        return 1;
    }
    printf("\n");
    host_bt_print_table(stdout, s, got);
    printf("\nleaderboard:\n");
    host_bt_print_leaderboard(stdout, s, got);
    printf("\nagainst buy-and-hold (alpha on each version's per-cycle "
           "returns, paired block bootstrap, %d resamples):\n",
           HOST_BT_RESAMPLES);
    host_bt_print_verdicts(stdout, s, got);
    int64_t period = 60000;
    for (size_t i = 0; i < got; i++)
        if (s[i].cycle_ms > period)
            period = s[i].cycle_ms;
    printf("\npairwise (Sharpe on %lld-minute returns, paired block "
           "bootstrap, %d resamples):\n",
           (long long)(period / 60000), RESAMPLES);
    for (size_t i = 0; i < got; i++)
        for (size_t k = i + 1; k < got; k++) {
            host_bt_comparison cmp;
            host_bt_compare(&c[i], &c[k], period, RESAMPLES, &cmp);
            char line[768];
            host_bt_comparison_text(&cmp, s[i].version, s[k].version, line,
                                    sizeof line);
            printf("  %s\n", line);
        }
    if (hash)
        for (size_t i = 0; i < got; i++)
            printf("hash %s %s\n", s[i].version, s[i].hash);
    host_bt_summary_store_free(&store);
    return 0;
}
