/*
 * child_proc.h — a program started in the background with its output in
 * a file, and waited for with a deadline, for tests that signal perpd
 * while it runs and time how long it takes to stop.
 */
#ifndef TESTS_CHILD_PROC_H
#define TESTS_CHILD_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Milliseconds on the monotonic clock. */
int64_t child_mono_ms(void);

/* Starts argv (argv[0] a path) with stdout and stderr appended to
 * log_path; the child's pid, or -1. */
pid_t child_spawn(char *const argv[], const char *log_path);

/* Waits up to timeout_ms for pid: its exit code (128 + signal when a
 * signal ended it), or -1 after killing it (SIGKILL) when it outlived
 * the deadline. */
int child_wait_ms(pid_t pid, int timeout_ms);
/* Sends sig to pid, then child_wait_ms(pid, timeout_ms); *took_ms: from
 * the signal to the exit (or to the kill). */
int child_signal_wait(pid_t pid, int sig, int timeout_ms, int64_t *took_ms);

/* SIGTERM then SIGINT, both pending before pid runs again (it is
 * stopped while they are sent): the second always finds the first's
 * stop under way, however fast that stop would be. */
void child_two_signals(pid_t pid);

/* 1 once the file at path holds needle, 0 if it did not within
 * timeout_ms. */
int child_log_says(const char *path, const char *needle, int timeout_ms);

/* The children of parent (from /proc), at most max into out; how many. */
size_t child_children(pid_t parent, pid_t *out, size_t max);

/* 1 when pid has ended (gone, or a zombie nobody reaped yet). */
int child_gone(pid_t pid);

#endif
