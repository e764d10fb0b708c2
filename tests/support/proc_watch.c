/*
 * proc_watch.c — see proc_watch.h. Samples come from /proc/PID/status
 * (VmRSS) and /proc/PID/fd, read while the child is alive (it is reaped
 * only after the last sample).
 */
#include "proc_watch.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static int fd_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void add(proc_watch *w, double t, long rss, int fds, size_t *cap)
{
    if (rss < 0 || fds < 0)
        return; /* exiting: /proc/PID is going */
    if (w->n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        w->s = realloc(w->s, *cap * sizeof *w->s);
        if (!w->s)
            abort();
    }
    w->s[w->n++] = (proc_sample){t, rss, fds};
}

static pid_t spawn(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(127);
    /* The child's descriptors are its own: nothing of ours leaks in. */
    for (int i = 3; i < 1024; i++)
        if (i != fd)
            close(i);
    execv(argv[0], argv);
    _exit(127);
}

int proc_watch_run(char *const argv[], const char *log_path, int interval_ms,
                   long limit_ms, proc_watch *w)
{
    memset(w, 0, sizeof *w);
    w->status = -1;
    size_t cap = 0;
    double t0 = mono_s(), next = t0, kill_at = 0;
    pid_t pid = spawn(argv, log_path);
    if (pid < 0)
        return -1;
    int st;
    for (;;) {
        /* WNOWAIT: /proc/PID stays readable until the reap below. */
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid == pid)
            break;
        double now = mono_s();
        if (now >= next) {
            add(w, now - t0, rss_kb(pid), fd_count(pid), &cap);
            next += interval_ms / 1000.0;
        }
        if (limit_ms > 0 && !w->stopped && now - t0 >= limit_ms / 1000.0) {
            kill(pid, SIGTERM);
            w->stopped = 1;
            kill_at = now + 10;
        }
        if (kill_at > 0 && now >= kill_at)
            kill(pid, SIGKILL);
        usleep(10000);
    }
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    w->seconds = mono_s() - t0;
    w->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

void proc_watch_free(proc_watch *w)
{
    free(w->s);
    w->s = NULL;
    w->n = 0;
}

int proc_watch_flat(const proc_watch *w, double warm, long slack_kb, char *why,
                    size_t why_len)
{
    size_t w0 = (size_t)(w->n * warm + 0.999);
    if (w->n < w0 + 6) {
        snprintf(why, why_len,
                 "%zu samples, %zu after a warm-up of %zu: too "
                 "few to judge",
                 w->n, w->n - (w0 < w->n ? w0 : w->n), w0);
        return 0;
    }
    size_t last = w->n - (w->n - w0) / 3;
    long ref = 0, top = 0;
    int fd_ref = 0;
    for (size_t i = 0; i < w0 && i < w->n; i++)
        if (w->s[i].fds > fd_ref)
            fd_ref = w->s[i].fds;
    for (size_t i = w0; i < last; i++)
        if (w->s[i].rss_kb > ref)
            ref = w->s[i].rss_kb;
    size_t top_at = last;
    for (size_t i = last; i < w->n; i++)
        if (w->s[i].rss_kb > top) {
            top = w->s[i].rss_kb;
            top_at = i;
        }
    if (top > ref + slack_kb) {
        snprintf(why, why_len,
                 "RSS grew after the warm-up: %ld kB at %.0f s, over %ld kB "
                 "(the most from %.0f s to %.0f s) plus %ld kB",
                 top, w->s[top_at].t, ref, w->s[w0].t, w->s[last].t, slack_kb);
        return 0;
    }
    for (size_t i = w0; i < w->n; i++)
        if (w->s[i].fds > fd_ref) {
            snprintf(why, why_len,
                     "open descriptors grew after the warm-up: %d at %.0f s, "
                     "at most %d before %.0f s",
                     w->s[i].fds, w->s[i].t, fd_ref, w->s[w0].t);
            return 0;
        }
    return 1;
}
