/*
 * child_proc.c — see child_proc.h.
 */
#include "child_proc.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "file_read.h"

int64_t child_mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

pid_t child_spawn(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int child_wait_ms(pid_t pid, int timeout_ms)
{
    int64_t end = child_mono_ms() + timeout_ms;
    int st;
    while (child_mono_ms() < end) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(5000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

int child_signal_wait(pid_t pid, int sig, int timeout_ms, int64_t *took_ms)
{
    int64_t t0 = child_mono_ms();
    kill(pid, sig);
    int rc = child_wait_ms(pid, timeout_ms);
    *took_ms = child_mono_ms() - t0;
    return rc;
}

int child_log_says(const char *path, const char *needle, int timeout_ms)
{
    int64_t end = child_mono_ms() + timeout_ms;
    do {
        char *text = file_read(path, NULL);
        int found = text && strstr(text, needle);
        free(text);
        if (found)
            return 1;
        usleep(20000);
    } while (child_mono_ms() < end);
    return 0;
}

/* 1 once /proc says pid is stopped (state T), within a second. */
static int stopped(pid_t pid)
{
    for (int i = 0; i < 1000; i++) {
        char path[64], text[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f)
            fclose(f);
        text[n] = '\0';
        const char *paren = strrchr(text, ')');
        if (paren && paren[1] == ' ' && paren[2] == 'T')
            return 1;
        usleep(1000);
    }
    return 0;
}

void child_two_signals(pid_t pid)
{
    kill(pid, SIGSTOP);
    stopped(pid);
    kill(pid, SIGTERM);
    kill(pid, SIGINT);
    kill(pid, SIGCONT);
}

/* The parent pid of a process, from /proc/PID/stat ("pid (comm) S ppid"
 * where comm may hold spaces and parentheses: the last ')' ends it), and
 * its state letter; -1 when it is gone. */
static pid_t parent_and_state(const char *pid, char *state)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *end = strrchr(line, ')');
    long ppid;
    if (!end || sscanf(end + 1, " %c %ld", state, &ppid) != 2)
        return -1;
    return (pid_t)ppid;
}

size_t child_children(pid_t parent, pid_t *out, size_t max)
{
    DIR *d = opendir("/proc");
    size_t n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; n < max && (e = readdir(d));) {
        char state;
        if (isdigit((unsigned char)e->d_name[0]) &&
            parent_and_state(e->d_name, &state) == parent)
            out[n++] = (pid_t)atol(e->d_name);
    }
    closedir(d);
    return n;
}

int child_gone(pid_t pid)
{
    char name[24], state = 0;
    snprintf(name, sizeof name, "%d", (int)pid);
    return parent_and_state(name, &state) < 0 || state == 'Z';
}
