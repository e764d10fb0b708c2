/*
 * agent.h — one agent assembled from its YAML: the agent section, the
 * limits, and every plugin instance (feeds, indicators per symbol and
 * timeframe, planner, backend, sinks, services) created and validated.
 * `perpd check` is host_agent_open + host_agent_close.
 */
#ifndef HOST_AGENT_H
#define HOST_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include <perp/sdk.h>

typedef struct host_agent host_agent;

typedef struct host_run_options {
    int64_t max_cycles;                   /* 0: unbounded */
    const char *const *extra_plugin_dirs; /* --path, searched first */
    size_t n_extra_plugin_dirs;
    /* Backtest: the YAML's feeds and services are not opened (the caller
     * drives the agent with one replay of its own), the clock is the
     * replay clock. */
    int backtest;
    /* Live arena (live_arena.c): the YAML's feeds are not opened; the
     * caller opens one set for every version and drives the agent from
     * it, on the wall clock. */
    int feeds_shared;
} host_run_options;

/* NULL on error, after logging each problem with file:line:col. */
host_agent *host_agent_open(const char *config_path,
                            const host_run_options *opt);
void host_agent_close(host_agent *a); /* flushes sinks, stops services */

/* An in-process observer of every record the agent writes (after its
 * sinks), called on the thread that emits with the stamped record; the
 * record is borrowed for the call. NULL removes it. */
void host_agent_set_tap(host_agent *a,
                        void (*tap)(void *ud, const perp_record *rec),
                        void *ud);
/* Only the plugin path and the `services:` of config_path (for `perpd
 * serve`): no feed, backend, planner or sink is created, and the services'
 * context has no agent. NULL on error, after logging. */
host_agent *host_agent_open_services(const char *config_path,
                                     const host_run_options *opt);
/* Starts the services of a and waits for SIGINT/SIGTERM, then stops them.
 * The process exit code: 1 when a service did not start. */
int host_agent_serve(host_agent *a);

/* Runs the pipeline until the replay ends, max_cycles is reached, or
 * SIGINT/SIGTERM. Returns the process exit code. */
int host_agent_run(host_agent *a);
/* SIGINT/SIGTERM set the stop flag (install), or no longer (restore);
 * the agent's plugins read it (perp_host.stopping). Held from before an
 * agent opens until after it closes, a signal at start-up or teardown is
 * not lost; a second signal exits at once with status 130. */
void host_agent_signals(int install);

#endif
