/*
 * mute_server.h — a TCP server on 127.0.0.1 (an ephemeral port) that
 * accepts every connection and never sends a byte: what a client sees of
 * a database server that froze after its kernel took the connection, or
 * of a link that drops every packet once connected. It holds each
 * connection open until stopped and counts them, so a test knows a
 * client's attempt is in flight.
 */
#ifndef TESTS_MUTE_SERVER_H
#define TESTS_MUTE_SERVER_H

typedef struct mute_server mute_server;

/* NULL if the server cannot start. */
mute_server *mute_server_start(void);
/* Closes every connection it holds, then the listener; NULL is a no-op. */
void mute_server_stop(mute_server *m);
int mute_server_port(const mute_server *m);
/* Connections accepted so far. */
int mute_server_accepted(const mute_server *m);
/* 1 once at least n were accepted, 0 if not within timeout_ms. */
int mute_server_wait_accepted(const mute_server *m, int n, int timeout_ms);
/* A PostgreSQL URL naming the server, with a password the test can look
 * for in logs ("not-a-secret-PID") and connect_timeout=10, twice the 5 s
 * a stop is given (malloc'd; NULL on allocation failure). */
char *mute_server_pg_url(const mute_server *m);

#endif
