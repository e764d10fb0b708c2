/*
 * dash_serve.c — see dash_serve.h.
 */
#include "dash_serve.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "file_read.h"
#include "run_process.h"

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int dash_serve_start(const char *yaml, const char *log_path, dash_proc *p)
{
    char *perpd = perpd_path();
    int rc = dash_serve_start_bin(perpd, yaml, log_path, p);
    free(perpd);
    return rc;
}

int dash_serve_start_bin(const char *perpd, const char *yaml,
                         const char *log_path, dash_proc *p)
{
    memset(p, 0, sizeof *p);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        for (int k = 3; k < 1024; k++)
            close(k);
        execl(perpd, perpd, "serve", yaml, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    p->pid = pid;
    for (int i = 0; i < 300; i++) {
        char *log = file_read(log_path, NULL);
        const char *at = log ? strstr(log, "listening on http://") : NULL;
        const char *colon = at ? strstr(at, "]:") : NULL;
        if (at && !colon)
            colon = strchr(at + strlen("listening on http://"), ':');
        else if (colon)
            colon++;
        if (colon && atoi(colon + 1) > 0) {
            p->port = atoi(colon + 1);
            snprintf(p->base, sizeof p->base, "http://127.0.0.1:%d", p->port);
            free(log);
            return 0;
        }
        free(log);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            p->pid = 0;
            return -1;
        }
        nap_ms(50);
    }
    return -1;
}

int dash_serve_stop(dash_proc *p)
{
    if (p->pid <= 0)
        return -1;
    kill(p->pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 200; i++) {
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
            p->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        nap_ms(50);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &st, 0);
    p->pid = 0;
    return 128 + SIGKILL;
}
