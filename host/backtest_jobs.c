/*
 * backtest_jobs.c — versions across worker processes.
 */
#include "backtest_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backtest_metrics.h"
#include "backtest_summary.h"
#include "log.h"

#define RESAMPLES 1000
#define MAX_JOBS  64

/* The workers, for the signal handler: a slot is cleared, with the
 * signals blocked, before its worker is reaped, so a signal never goes to
 * a pid the system may have given to another process. */
static pid_t g_workers[MAX_JOBS];
static int g_n_workers;
static atomic_int g_signals;

/* A stop is what it is in one process: the first SIGINT or SIGTERM goes
 * on to every worker (each stops early with its files whole and writes
 * its summary, and the tables cover what they ran); a second goes on too
 * (each exits 130 at once) and the parent exits 130 at once. kill, write
 * and _exit are async-signal-safe. */
static void on_signal(int sig)
{
    int before = atomic_fetch_add(&g_signals, 1);
    for (int j = 0; j < g_n_workers; j++)
        if (g_workers[j] > 0)
            kill(g_workers[j], sig);
    if (before > 0) {
        static const char msg[] =
            "perpd: second signal: exiting at once (status 130)\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

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

/* Called with SIGINT and SIGTERM blocked: the worker starts with them
 * blocked (the mask survives exec) until perpd's handlers are in place,
 * so a signal passed on while it starts is kept, not fatal. Its own
 * process group: a terminal's Ctrl-C reaches the parent alone, which
 * passes it on once (twice would be a second signal to the worker). */
static pid_t spawn(char **w)
{
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        setenv("PERP_BACKTEST_WORKER", "1", 1);
        execv("/proc/self/exe", w);
        _exit(127);
    }
    return pid;
}

/* The parent's handlers, with SIGINT and SIGTERM blocked until every
 * worker is in g_workers (host_bt_jobs_run unblocks them). */
static void signals_begin(struct sigaction *old_int, struct sigaction *old_term,
                          sigset_t *old_mask)
{
    sigset_t both;
    stop_signals(&both);
    pthread_sigmask(SIG_BLOCK, &both, old_mask);
    atomic_store(&g_signals, 0);
    g_n_workers = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
}

static void signals_end(const struct sigaction *old_int,
                        const struct sigaction *old_term,
                        const sigset_t *old_mask)
{
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGTERM, old_term, NULL);
    pthread_sigmask(SIG_SETMASK, old_mask, NULL);
}

/* Waits for worker j, and clears its slot before reaping it (see
 * g_workers). 0 when it exited 0. */
static int reap(int j)
{
    pid_t pid = g_workers[j];
    if (pid <= 0)
        return -1;
    siginfo_t info;
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0)
        if (errno != EINTR)
            return -1;
    sigset_t both, old;
    stop_signals(&both);
    pthread_sigmask(SIG_BLOCK, &both, &old);
    g_workers[j] = 0;
    int st = 0;
    pid_t got = waitpid(pid, &st, 0);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return got == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Starts the jobs workers and waits for them all; 0 when each exited 0. */
static int run_workers(int argc, char **argv, const char **configs, size_t n,
                       int jobs, char (*out)[64])
{
    for (int j = 0; j < jobs; j++) {
        char **w = worker_argv(argc, argv, configs, n, (size_t)j, jobs, out[j]);
        g_workers[j] = w ? spawn(w) : -1;
        g_n_workers = j + 1;
        free(w);
    }
    sigset_t both;
    stop_signals(&both);
    pthread_sigmask(SIG_UNBLOCK, &both, NULL);
    int rc = 0;
    for (int j = 0; j < jobs; j++)
        if (reap(j) != 0)
            rc = -1;
    if (atomic_load(&g_signals) > 0)
        host_log(PERP_LOG_WARN, "backtest",
                 "stopped early on a signal, passed on to the %d workers: "
                 "the figures below cover the tape each ran up to the stop",
                 jobs);
    return rc;
}

static void print_all(const host_bt_summary *s, const host_bt_curve *c,
                      size_t got, int hash)
{
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
}

/* The workers run, their summaries read and printed; the exit code. */
static int run_and_print(int argc, char **argv, const char **configs, size_t n,
                         int jobs, int hash)
{
    char dir[] = "/tmp/perpd-jobs-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char out[MAX_JOBS][64];
    for (int j = 0; j < jobs; j++)
        snprintf(out[j], sizeof out[j], "%s/job%d.json", dir, j);
    int rc = run_workers(argc, argv, configs, n, jobs, out) == 0 ? 0 : 1;
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
    if (rc != 0)
        host_log(PERP_LOG_ERROR, "backtest", "a worker process failed");
    else
        print_all(s, c, got, hash);
    host_bt_summary_store_free(&store);
    return rc;
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
    if (jobs > MAX_JOBS)
        jobs = MAX_JOBS;
    /* Held until the tables are printed, as one process holds its
     * handlers until its sinks are closed. */
    struct sigaction old_int, old_term;
    sigset_t old_mask;
    signals_begin(&old_int, &old_term, &old_mask);
    int rc = run_and_print(argc, argv, configs, n, jobs, hash);
    signals_end(&old_int, &old_term, &old_mask);
    return rc;
}
