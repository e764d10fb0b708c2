/*
 * mute_server.c — accept, hold, answer nothing.
 */
#include "mute_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MUTE_MAX_HELD 64

struct mute_server {
    int listen_fd, port;
    int stop_pipe[2]; /* written by stop: wakes the thread */
    pthread_t thread;
    atomic_int accepted;
    int held[MUTE_MAX_HELD]; /* the thread's until it ends */
    int n_held;
};

/* Accepts until stopped; the connections stay open and unread. */
static void *mute_main(void *arg)
{
    mute_server *m = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = m->listen_fd, .events = POLLIN},
                              {.fd = m->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0)
            continue;
        if (p[1].revents)
            break;
        int fd = accept(m->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        if (m->n_held < MUTE_MAX_HELD)
            m->held[m->n_held++] = fd;
        else
            close(fd);
        atomic_fetch_add(&m->accepted, 1);
    }
    for (int i = 0; i < m->n_held; i++)
        close(m->held[i]);
    return NULL;
}

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(fd, 16) != 0 || getsockname(fd, (struct sockaddr *)&a, &n)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

mute_server *mute_server_start(void)
{
    mute_server *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->listen_fd = listen_loopback(&m->port);
    if (m->listen_fd < 0 || pipe2(m->stop_pipe, O_CLOEXEC) != 0) {
        if (m->listen_fd >= 0)
            close(m->listen_fd);
        free(m);
        return NULL;
    }
    if (pthread_create(&m->thread, NULL, mute_main, m) != 0) {
        close(m->listen_fd);
        close(m->stop_pipe[0]);
        close(m->stop_pipe[1]);
        free(m);
        return NULL;
    }
    return m;
}

void mute_server_stop(mute_server *m)
{
    if (!m)
        return;
    ssize_t w = write(m->stop_pipe[1], "x", 1);
    (void)w;
    pthread_join(m->thread, NULL);
    close(m->listen_fd);
    close(m->stop_pipe[0]);
    close(m->stop_pipe[1]);
    free(m);
}

int mute_server_port(const mute_server *m)
{
    return m->port;
}

int mute_server_accepted(const mute_server *m)
{
    return atomic_load(&((mute_server *)m)->accepted);
}

int mute_server_wait_accepted(const mute_server *m, int n, int timeout_ms)
{
    struct timespec nap = {0, 5 * 1000 * 1000};
    for (int waited = 0; waited < timeout_ms; waited += 5) {
        if (mute_server_accepted(m) >= n)
            return 1;
        nanosleep(&nap, NULL);
    }
    return mute_server_accepted(m) >= n;
}

char *mute_server_pg_url(const mute_server *m)
{
    char *url = NULL;
    if (asprintf(&url,
                 "postgresql://perp:not-a-secret-%d@127.0.0.1:%d/"
                 "perpd?connect_timeout=10",
                 (int)getpid(), mute_server_port(m)) < 0)
        return NULL;
    return url;
}
