/*
 * dash_serve.h — `perpd serve YAML` in the background for the dashboard's
 * integration, browser and bench runs: started with its log in a file,
 * the port read from its "listening on http://ADDR:PORT/" line (the YAML
 * says port: 0), stopped with SIGTERM.
 */
#ifndef TESTS_DASH_SERVE_H
#define TESTS_DASH_SERVE_H

typedef struct dash_proc {
    int pid;
    int port;
    char base[64]; /* "http://127.0.0.1:PORT" */
} dash_proc;

/* 0, or -1 (the log says why) when no port was announced within 15 s. */
int dash_serve_start(const char *yaml, const char *log_path, dash_proc *p);
/* The same with the perpd binary at path perpd (an installed one). */
int dash_serve_start_bin(const char *perpd, const char *yaml,
                         const char *log_path, dash_proc *p);
/* SIGTERM, then the exit code (128 + signal if killed after 10 s). */
int dash_serve_stop(dash_proc *p);

#endif
