/*
 * test_soak.c — the short form of `make soak` (tests/support/
 * soak_scenario.h): perpd replays March 2025's one-minute history at
 * full speed with the LLM planner answered by the local chat server on
 * its fault schedule, for one minute of wall clock (then SIGTERM), its
 * resident memory and open descriptors sampled every second. After a
 * quarter-minute warm-up neither may grow (RSS by at most 2 MB, 8 MB
 * under ASan, whose allocator keeps freed blocks a while); the run exits
 * 0 with no sanitizer report, logs "replay ended" and has cycled.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_process.h"
#include "soak_scenario.h"
#include "temp_dir.h"

#define SECONDS 60

static const char *shared(void)
{
    const char *s = getenv("PERP_SHARED");
    return s && *s ? s : "../shared";
}

Test(soak, a_minute_of_replay_with_llm_faults_stays_flat, .timeout = 300)
{
    char history[1024];
    snprintf(history, sizeof history, "%s/history/1m_2025-03", shared());
    char *dir = temp_dir_new();
    char *perpd = perpd_path();
    int san = 0;
#if defined(__SANITIZE_ADDRESS__)
    san = 1;
    /* A small quarantine, so freed memory is reused within the minute. */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[512];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=16", asan ? asan : "",
             asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
#endif
    soak_opts o = {.perpd = perpd,
                   .history = history,
                   .symbols = "BTC-USD, ETH-USD, SOL-USD, XRP-USD",
                   .limit_ms = SECONDS * 1000L,
                   .sample_ms = 1000,
                   .warm = 0.25,
                   .slack_kb = san ? 8192 : 2048,
                   .workdir = dir};
    soak_report r;
    cr_assert_eq(soak_replay(&o, &r), 0, "the chat server did not start");
    const proc_watch *w = &r.w;
    cr_log_info("soak: %.1f s, %lld events, %lld cycles, %zu LLM requests, "
                "RSS %ld -> %ld kB, fds %d -> %d",
                w->seconds, r.events, r.cycles, r.llm_requests,
                w->n ? w->s[0].rss_kb : 0, w->n ? w->s[w->n - 1].rss_kb : 0,
                w->n ? w->s[0].fds : 0, w->n ? w->s[w->n - 1].fds : 0);
    cr_expect(r.ok, "%s", r.why);
    cr_expect_gt(r.cycles, 100, "only %lld cycles in %.0f s", r.cycles,
                 w->seconds);
    cr_expect_geq(r.llm_requests, (size_t)r.cycles,
                  "%zu LLM requests for %lld cycles", r.llm_requests, r.cycles);
    cr_expect_gt(r.records, 0);
    soak_report_free(&r);
    free(perpd);
    temp_dir_remove(dir);
    free(dir);
}
