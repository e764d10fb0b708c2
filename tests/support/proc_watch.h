/*
 * proc_watch.h — runs a program and samples its resident memory and open
 * file descriptors at a fixed interval until it exits (or a time limit
 * passes: then SIGTERM, and SIGKILL 10 s later), for the soak runs. The
 * samples are judged by proc_watch_flat: after the warm-up, neither may
 * grow.
 */
#ifndef TESTS_PROC_WATCH_H
#define TESTS_PROC_WATCH_H

#include <stddef.h>

typedef struct proc_sample {
    double t;    /* seconds since the start */
    long rss_kb; /* VmRSS */
    int fds;     /* entries of /proc/PID/fd */
} proc_sample;

typedef struct proc_watch {
    proc_sample *s; /* owned; n of them */
    size_t n;
    int status;     /* exit code, 128 + signal, -1 if it could not start */
    int stopped;    /* 1 if the time limit ended it */
    double seconds; /* wall clock from start to exit */
} proc_watch;

/* Runs argv (argv[0] a path) with stdout and stderr into log_path,
 * sampling every interval_ms; limit_ms <= 0: no limit. 0, or -1 if it
 * could not start. w is filled either way (free with proc_watch_free). */
int proc_watch_run(char *const argv[], const char *log_path, int interval_ms,
                   long limit_ms, proc_watch *w);
void proc_watch_free(proc_watch *w);

/* 1 if memory and descriptors stay flat after the warm-up (the first
 * warm fraction of the samples): the largest RSS of the last third is
 * at most slack_kb above the largest RSS seen from the warm-up's end to
 * the start of that third, and no later sample holds more descriptors
 * than the largest count at the warm-up's end. 0 with why otherwise
 * (also with fewer than 6 samples after the warm-up). */
int proc_watch_flat(const proc_watch *w, double warm, long slack_kb, char *why,
                    size_t why_len);

#endif
