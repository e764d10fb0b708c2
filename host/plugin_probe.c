/*
 * plugin_probe.c — a foreign plugin's create() tried in a child first
 * (plugin_probe.h says why).
 */
#include "plugin_probe.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "data_dir.h"
#include "log.h"

static int g_enabled;

/* How long the child may take. Plugins are created before perpd starts
 * its threads, but in an arena a later version's plugins are created
 * while the first one's run: a lock some thread held at the fork would
 * never be released in the child. The trial then gives up rather than
 * hold the start-up. */
#define TRIAL_MS 10000

void host_plugin_probe_enable(int on)
{
    g_enabled = on;
}

/* 1 if the real folders a and b are the same. */
static int same_dir(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

int host_plugin_probe_wanted(const char *so_path)
{
    if (!g_enabled || !so_path)
        return 0;
    char copy[PATH_MAX], exe[PATH_MAX], own[PATH_MAX + 16];
    snprintf(copy, sizeof copy, "%s", so_path);
    const char *dir = dirname(copy);
    if (host_exe_dir(exe, sizeof exe) == 0) {
        snprintf(own, sizeof own, "%s/../lib/perp", exe);
        if (same_dir(dir, own))
            return 0;
    }
    return !same_dir(dir, host_install_libdir());
}

/* The child: create, then leave at once (no destroy, no atexit work:
 * the process and all it made end here). */
_Noreturn static void try_create(const perp_plugin_descriptor *d,
                                 const perp_host *h,
                                 const perp_config_node *node)
{
    int nul = open("/dev/null", O_WRONLY);
    if (nul >= 0) {
        dup2(nul, STDOUT_FILENO);
        dup2(nul, STDERR_FILENO);
    }
    const perp_common_vtable *vt = d->vtable;
    void *self = NULL;
    int rc = vt->create(h, node, &self);
    _exit(rc == PERP_OK ? 0 : 3);
}

/* 1 with *st once pid ended within TRIAL_MS; else 0, pid killed. The
 * first checks come quickly: most plugins are created in microseconds. */
static int wait_child(pid_t pid, int *st)
{
    long slept_us = 0, step_us = 100;
    while (slept_us < TRIAL_MS * 1000L) {
        pid_t r = waitpid(pid, st, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR) {
            *st = 0; /* reaped elsewhere: nothing known against it */
            return 1;
        }
        struct timespec t = {0, step_us * 1000};
        nanosleep(&t, NULL);
        slept_us += step_us;
        if (step_us < 50000)
            step_us *= 2;
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, st, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

int host_plugin_probe(const perp_plugin_descriptor *d, const perp_host *h,
                      const perp_config_node *node, char *why, size_t len)
{
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        host_log(PERP_LOG_WARN, "agent",
                 "plugin '%s': no child process for its trial (%s); created "
                 "in perpd without it",
                 d->name, strerror(errno));
        return PERP_OK;
    }
    if (pid == 0)
        try_create(d, h, node);
    int st = 0;
    if (!wait_child(pid, &st)) {
        host_log(PERP_LOG_WARN, "agent",
                 "plugin '%s': its trial in a child process did not end "
                 "within %d s; created in perpd without it",
                 d->name, TRIAL_MS / 1000);
        return PERP_OK;
    }
    if (WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 3))
        return PERP_OK;
    if (WIFSIGNALED(st))
        snprintf(why, len, "crashed in create(): %s (signal %d)",
                 strsignal(WTERMSIG(st)), WTERMSIG(st));
    else
        snprintf(why, len, "ended the process in create() (exit status %d)",
                 WEXITSTATUS(st));
    return PERP_ERR;
}
