/*
 * soak_scenario.h — the soak runs of perpd (issue 14), shared by
 * `make soak`, `make soak-tsan` (tests/soak/soak.c) and the short form in
 * `make test` (tests/integration/test_soak.c).
 *
 * replay: perpd replays a folder of one-minute CSVs at full speed with
 * the openrouter planner asking the local chat server every cycle, which
 * answers on a fixed schedule of faults between good decisions (429,
 * 500, an HTML body, prose, a cut envelope, an empty body, a stall past
 * the timeout, limits broken by the decision); perpsim trades, the JSONL
 * sink writes.
 *
 * live: perpd runs live against the local Coinbase WebSocket server
 * (tickers every 20 ms on two products, the connection dropped every
 * 15 s), the local candles server for the warm-up and the chat server
 * with the same schedule and answers that take up to 300 ms, so the
 * planner thread works while ticks arrive. Ended by SIGTERM after the
 * limit. Meant for a ThreadSanitizer build of perpd.
 *
 * Either way the process is sampled every second (proc_watch) and
 * judged flat after the warm-up; it must exit 0 without a sanitizer
 * report in its output.
 */
#ifndef TESTS_SOAK_SCENARIO_H
#define TESTS_SOAK_SCENARIO_H

#include <stddef.h>

#include "proc_watch.h"

typedef struct soak_opts {
    const char *perpd;   /* the binary (its plugins beside it) */
    const char *history; /* replay: folder of <SYMBOL>_1m.csv */
    const char *symbols; /* replay: "BTC-USD, ETH-USD" (YAML list items) */
    long limit_ms;       /* replay: 0 runs to the data's end; live: > 0 */
    int sample_ms;       /* 1000 */
    double warm;         /* warm-up fraction of the samples, 0.2 */
    long slack_kb;       /* RSS growth tolerated after the warm-up */
    const char *workdir; /* YAML, records and log go here (exists) */
} soak_opts;

typedef struct soak_report {
    proc_watch w;
    long long events, cycles; /* from "replay ended" (replay) */
    long long ticks_sent;     /* live */
    size_t llm_requests;      /* answered by the chat server */
    size_t drops;             /* live: feed connections dropped */
    size_t records;           /* lines in the JSONL file */
    int ok;                   /* 1 if every check held */
    char why[2048];           /* the first check that failed */
    char log_path[1100];
} soak_report;

/* Run and judge; the report is filled either way (free with
 * soak_report_free). 0 when it ran (see r->ok), -1 when a server could
 * not start. */
int soak_replay(const soak_opts *o, soak_report *r);
int soak_live(const soak_opts *o, soak_report *r);
void soak_report_free(soak_report *r);

/* The fault schedule's length and how many of its entries are faults. */
size_t soak_schedule_len(void);
size_t soak_schedule_faults(void);

#endif
