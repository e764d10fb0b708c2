/*
 * soak.c — the on-demand soak runs (tests/support/soak_scenario.h):
 *   soak replay PERPD HISTORY_DIR [SECONDS]   (make soak; 0: to the end)
 *   soak live PERPD SECONDS                   (make soak-tsan SECONDS=N)
 * Prints the figures (events per second, RSS and descriptors at start,
 * after the warm-up and at the end, LLM requests, records) and the
 * verdict; exit status 0 when every check held. The samples are kept in
 * WORKDIR/samples.csv (WORKDIR: var/soak-replay or var/soak-live).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "soak_scenario.h"

static int usage(void)
{
    fprintf(stderr, "usage: soak replay PERPD HISTORY_DIR [SECONDS]\n"
                    "       soak live PERPD SECONDS\n");
    return 2;
}

static void write_samples(const char *dir, const proc_watch *w)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/samples.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f, "seconds,rss_kb,fds\n");
    for (size_t i = 0; i < w->n; i++)
        fprintf(f, "%.1f,%ld,%d\n", w->s[i].t, w->s[i].rss_kb, w->s[i].fds);
    fclose(f);
}

static void print_report(const char *kind, const soak_opts *o,
                         const soak_report *r)
{
    const proc_watch *w = &r->w;
    size_t w0 = (size_t)(w->n * o->warm + 0.999);
    long peak = 0;
    for (size_t i = 0; i < w->n; i++)
        if (w->s[i].rss_kb > peak)
            peak = w->s[i].rss_kb;
    printf("soak %s: %.1f s, exit %d%s\n", kind, w->seconds, w->status,
           w->stopped ? " (stopped by SIGTERM at the limit)" : "");
    if (r->events)
        printf("  events %lld, cycles %lld: %.0f events/s, %.0f cycles/s\n",
               r->events, r->cycles, r->events / w->seconds,
               r->cycles / w->seconds);
    if (r->ticks_sent)
        printf("  ticks sent %lld (%.0f/s), feed connections dropped %zu\n",
               r->ticks_sent, r->ticks_sent / w->seconds, r->drops);
    printf("  LLM requests %zu (schedule of %zu answers, %zu of them "
           "faults), records written %zu\n",
           r->llm_requests, soak_schedule_len(), soak_schedule_faults(),
           r->records);
    if (w->n) {
        const proc_sample *a = &w->s[0], *b = &w->s[w0 < w->n ? w0 : 0],
                          *z = &w->s[w->n - 1];
        printf("  samples %zu every %d ms; RSS kB: start %ld, after warm-up "
               "(%.0f s) %ld, end %ld, peak %ld; fds: start %d, after "
               "warm-up %d, end %d\n",
               w->n, o->sample_ms, a->rss_kb, b->t, b->rss_kb, z->rss_kb, peak,
               a->fds, b->fds, z->fds);
    }
    printf("  %s%s\n", r->ok ? "PASS" : "FAIL: ", r->ok ? "" : r->why);
    printf("  log %s\n", r->log_path);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return usage();
    int live = strcmp(argv[1], "live") == 0;
    if (!live && strcmp(argv[1], "replay") != 0)
        return usage();
    soak_opts o = {.perpd = argv[2],
                   .symbols = "BTC-USD, ETH-USD, SOL-USD, XRP-USD",
                   .sample_ms = 1000,
                   .warm = 0.2,
                   .slack_kb = 2048,
                   .workdir = live ? "var/soak-live" : "var/soak-replay"};
    long secs = 0;
    if (live)
        secs = atol(argv[3]);
    else {
        o.history = argv[3];
        secs = argc > 4 ? atol(argv[4]) : 0;
    }
    if (live && secs < 10) {
        fprintf(stderr, "soak live: SECONDS must be at least 10\n");
        return 2;
    }
    o.limit_ms = secs * 1000;
    mkdir("var", 0755);
    /* Absolute: the pipeline's paths follow the YAML file's folder. */
    static char work[PATH_MAX], hist[PATH_MAX];
    if ((mkdir(o.workdir, 0755) != 0 && errno != EEXIST) ||
        !realpath(o.workdir, work)) {
        fprintf(stderr, "cannot create %s: %s\n", o.workdir, strerror(errno));
        return 2;
    }
    o.workdir = work;
    if (o.history && !realpath(o.history, hist)) {
        fprintf(stderr, "%s: %s\n", o.history, strerror(errno));
        return 2;
    }
    if (o.history)
        o.history = hist;
    soak_report r;
    int rc = live ? soak_live(&o, &r) : soak_replay(&o, &r);
    if (rc != 0) {
        fprintf(stderr, "soak: a local server could not start\n");
        return 1;
    }
    write_samples(o.workdir, &r.w);
    print_report(live ? "live" : "replay", &o, &r);
    int ok = r.ok;
    soak_report_free(&r);
    return ok ? 0 : 1;
}
