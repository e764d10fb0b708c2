/*
 * test_pg_reaper.c — a test binary killed with its PostgreSQL cluster
 * still running (a crash, or tests/run.sh's timeout) leaks no server and
 * no folder: the cluster's reaper (tests/support/pg_cluster.c) stops it
 * once every holder of its pipe is gone.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pg_cluster.h"

/* The postmaster's pid from DIR/data/postmaster.pid, or 0. */
static pid_t postmaster_pid(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/data/postmaster.pid", dir);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

Test(pg_reaper, a_killed_test_leaks_no_server_and_no_folder, .timeout = 120)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED ***");
    int p[2]; /* close-on-exec: the server pg_ctl starts must not hold it */
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        /* The "test binary": starts a cluster, says where, dies. */
        close(p[0]);
        pg_cluster c;
        if (pg_cluster_start(&c) != 0)
            _exit(3);
        dprintf(p[1], "%s\n%s\n%d\n", c.root, c.dir,
                (int)postmaster_pid(c.dir));
        close(p[1]);
        raise(SIGKILL);
    }
    close(p[1]);
    char buf[4096] = {0};
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(p[0]);
    int status = 0;
    waitpid(child, &status, 0);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "the child did not start its cluster (status %d)", status);
    char root[2048], dir[2048];
    int pid = 0;
    cr_assert_eq(sscanf(buf, "%2047s %2047s %d", root, dir, &pid), 3, "%s",
                 buf);
    cr_assert_gt(pid, 0, "the server was not running: %s", buf);
    /* The reaper stops the server (a fast shutdown) and removes the
     * folder: within 30 s even on a loaded machine. */
    struct stat st;
    int gone = 0;
    for (int i = 0; i < 300 && !gone; i++) {
        gone = stat(root, &st) != 0 && kill(pid, 0) != 0;
        if (!gone)
            usleep(100 * 1000);
    }
    cr_assert(gone, "after 30 s: folder %s %s, server %d %s", root,
              stat(root, &st) == 0 ? "still there" : "gone", pid,
              kill(pid, 0) == 0 ? "still running" : "gone");
}
