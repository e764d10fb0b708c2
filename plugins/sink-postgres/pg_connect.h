/*
 * pg_connect.h — opening a connection to PostgreSQL that a stop can end.
 * libpq's PQconnectdbParams blocks until the server answers or
 * connect_timeout passes, so a stop had to wait for it against a server
 * that accepts and then answers nothing (frozen, or a link dropping every
 * packet). Here the attempt waits on its socket in slices, asking between
 * them whether to give up.
 */
#ifndef PG_CONNECT_H
#define PG_CONNECT_H

#include <libpq-fe.h>
#include <stddef.h>

/* Longest wait on the server between two looks at `abandon`: how late a
 * stop can find out that it is asked for. */
#define PG_CONNECT_SLICE_MS 100

/* Whether to give up an attempt: asked before each wait on the server;
 * non-zero ends it. Called from the connecting thread; the function and
 * arg are borrowed for the call. */
typedef struct pg_abandon {
    int (*now)(void *arg);
    void *arg;
} pg_abandon;

/* The reason in err when abandon ended the attempt. */
#define PG_CONNECT_ABANDONED "abandoned: perpd is stopping"

/* Opens a connection to url (a postgresql:// URI or a "key=value"
 * string; "" for libpq's defaults and PG* variables) and sets its session
 * up. The whole attempt, the session's set-up included, takes at most
 * connect_timeout: the URL's when it sets one, else timeout_s (libpq's
 * rules: 0 waits for ever, 1 means 2). abandon (NULL: never) ends it
 * within PG_CONNECT_SLICE_MS of turning non-zero; a host name's DNS
 * look-up is the one wait it cannot end. NULL on failure, with "cannot
 * connect to PostgreSQL (host=... port=... dbname=... user=...): <why>"
 * in err; the caller owns the connection returned (PQfinish). */
PGconn *pg_connect(const char *url, int timeout_s, const pg_abandon *abandon,
                   char *err, size_t len);

#endif
