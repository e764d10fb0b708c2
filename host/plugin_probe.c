/*
 * plugin_probe.c — a foreign plugin's create() tried in a child first
 * (plugin_probe.h says why).
 */
#include "plugin_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data_dir.h"

static int g_enabled;

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

int host_plugin_probe(const perp_plugin_descriptor *d, const perp_host *h,
                      const perp_config_node *node, char *why, size_t len)
{
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, len, "could not be tried in a child (fork: %s)",
                 strerror(errno));
        return PERP_ERR;
    }
    if (pid == 0)
        try_create(d, h, node);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
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
