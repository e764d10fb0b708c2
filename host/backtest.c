/*
 * backtest.c — the `perpd backtest` command: arguments, the history
 * folder, the LLM check, the run (in one process, or across -j worker
 * processes), and what it prints and writes.
 */
#include "backtest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_internal.h"
#include "backtest_compare.h"
#include "backtest_jobs.h"
#include "backtest_metrics.h"
#include "backtest_report.h"
#include "backtest_summary.h"
#include "backtest_run.h"
#include "config_path.h"
#include "log.h"

#define EXIT_USAGE 2
#define RESAMPLES  1000

static const char usage[] =
    "usage: perpd backtest CONFIG... [--from ISO] [--to ISO] [--data DIR]\n"
    "                      [--report FILE.html] [--summary FILE.json]\n"
    "                      [--hash] [-j N] [--allow-llm] [--path DIR]...\n"
    "\n"
    "Runs each CONFIG's pipeline over a replay of a history folder (--data,\n"
    "else backtest.data in the first CONFIG, else $PERP_DATA_DIR, else the\n"
    "folder of its replay feed). Several CONFIGs run as an arena on one\n"
    "tape: a leaderboard, and for each pair the Sharpe difference with a\n"
    "95%% confidence interval (block bootstrap). -j N runs the versions in\n"
    "N processes instead of one pass. An LLM planner must answer from its\n"
    "replay cassette unless --allow-llm.\n";

typedef struct bt_args {
    const char **configs; /* owned array, borrowed strings */
    size_t n_configs;
    const char **paths;
    size_t n_paths;
    const char *from, *to, *data, *report, *summary;
    int hash, allow_llm;
    long jobs;
} bt_args;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "perpd backtest: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

static int parse(int argc, char **argv, bt_args *a)
{
    memset(a, 0, sizeof *a);
    a->jobs = 1;
    a->configs = calloc((size_t)argc + 1, sizeof *a->configs);
    a->paths = calloc((size_t)argc + 1, sizeof *a->paths);
    if (!a->configs || !a->paths)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char **val = !strcmp(s, "--from")      ? &a->from
                           : !strcmp(s, "--to")      ? &a->to
                           : !strcmp(s, "--data")    ? &a->data
                           : !strcmp(s, "--report")  ? &a->report
                           : !strcmp(s, "--summary") ? &a->summary
                                                     : NULL;
        if (val || !strcmp(s, "--path") || !strcmp(s, "-j")) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", s);
            const char *v = argv[++i];
            if (val) {
                *val = v;
            } else if (!strcmp(s, "--path")) {
                a->paths[a->n_paths++] = v;
            } else {
                char *end;
                errno = 0;
                a->jobs = strtol(v, &end, 10);
                if (*end || errno || a->jobs < 1 || a->jobs > 256)
                    return usage_error("-j expects 1..256, got '%s'", v);
            }
        } else if (!strcmp(s, "--hash")) {
            a->hash = 1;
        } else if (!strcmp(s, "--allow-llm")) {
            a->allow_llm = 1;
        } else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (s[0] == '-' && s[1]) {
            return usage_error("unknown option '%s'", s);
        } else {
            a->configs[a->n_configs++] = s;
        }
    }
    if (a->n_configs == 0)
        return usage_error("%s", "missing CONFIG");
    return 0;
}

/* ------------------------------------------------------- the data */

static const char *yaml_str(const host_agent *a, const char *section,
                            const char *key)
{
    const perp_config_node *n =
        host_cfg_child(host_config_root(a->cfg), section);
    const perp_config_node *v = n ? host_cfg_child(n, key) : NULL;
    return v ? host_cfg_scalar(v) : NULL;
}

/* A folder named in a pipeline file, relative to the file's folder
 * (config_path.h), as every path in a pipeline is. */
static const char *yaml_path(const perp_config_node *v)
{
    if (!v || host_cfg_resolve_path("backtest", v, 0) != PERP_OK)
        return NULL;
    return host_cfg_scalar(v);
}

static const char *yaml_data(const host_agent *a)
{
    const perp_config_node *n =
        host_cfg_child(host_config_root(a->cfg), "backtest");
    return yaml_path(n ? host_cfg_child(n, "data") : NULL);
}

/* The config's first feed, if it is a replay: its folder. */
static const char *replay_dir(const host_agent *a)
{
    const perp_config_node *seq =
        host_cfg_child(host_config_root(a->cfg), "feeds");
    const perp_config_node *f = seq ? host_cfg_at(seq, 0) : NULL;
    const perp_config_node *p = f ? host_cfg_child(f, "plugin") : NULL;
    const perp_config_node *d = f ? host_cfg_child(f, "dir") : NULL;
    if (!p || !d ||
        strcmp(host_cfg_scalar(p) ? host_cfg_scalar(p) : "", "replay") != 0)
        return NULL;
    return yaml_path(d);
}

static int check_section(const host_agent *a)
{
    static const char *const keys[] = {"data", "from", "to", NULL};
    const perp_config_node *n =
        host_cfg_child(host_config_root(a->cfg), "backtest");
    return n ? host_cfg_check_keys("backtest", n, keys) : PERP_OK;
}

static int feed_options(const bt_args *args, const host_backtest *b,
                        host_bt_feed_options *o)
{
    const host_agent *a0 = b->v[0].agent;
    for (size_t i = 0; i < b->n; i++)
        if (check_section(b->v[i].agent) != PERP_OK)
            return PERP_EINVAL;
    const char *env = getenv("PERP_DATA_DIR");
    o->data = args->data      ? args->data
              : yaml_data(a0) ? yaml_data(a0)
              : env && *env   ? env
                              : replay_dir(a0);
    o->from = args->from ? args->from : yaml_str(a0, "backtest", "from");
    o->to = args->to ? args->to : yaml_str(a0, "backtest", "to");
    if (!o->data || !*o->data) {
        host_log(PERP_LOG_ERROR, "backtest",
                 "no history folder: give --data DIR, backtest.data in %s, "
                 "or PERP_DATA_DIR",
                 b->v[0].path);
        return PERP_EINVAL;
    }
    return PERP_OK;
}

/* ---------------------------------------------------- LLM planners */

/* About what one observation renders to: candle rows and series. */
static size_t observation_bytes(const host_agent *a)
{
    size_t outputs = 0;
    for (size_t i = 0; i < a->n_markets; i++)
        outputs += a->markets[i].ind1m.n_out + a->markets[i].indctx.n_out;
    return 4000 + a->n_markets * (2 * a->set.history * 95 + 600) +
           outputs * (a->set.series * 14 + 40);
}

/* 0, or 1 after saying why a version's planner would make paid calls. */
static int refuse_paid_llm(const host_backtest *b, int allow)
{
    int refused = 0;
    for (size_t i = 0; i < b->n; i++) {
        const host_agent *a = b->v[i].agent;
        const perp_planner_vtable *vt = a->planner.vtable;
        if (vt->struct_size < offsetof(perp_planner_vtable, backtest_cost) +
                                  sizeof vt->backtest_cost ||
            !vt->backtest_cost)
            continue;
        int64_t cycles = host_backtest_cycles_estimate(b, i), calls = 0;
        double usd = NAN;
        if (vt->backtest_cost(a->planner.self, cycles, observation_bytes(a),
                              &calls, &usd) == PERP_OK)
            continue;
        char cost[96];
        if (isfinite(usd))
            snprintf(cost, sizeof cost,
                     "about $%.2f at the model's listed "
                     "price",
                     usd);
        else
            snprintf(cost, sizeof cost,
                     "cost unknown: set the planner's price_in_per_mtok and "
                     "price_out_per_mtok");
        host_log(allow ? PERP_LOG_WARN : PERP_LOG_ERROR, "backtest",
                 "%s (%s): planner %s would make %lld paid LLM calls (%s)%s",
                 a->set.version, b->v[i].path, a->planner.name,
                 (long long)calls, cost,
                 allow ? "; going ahead (--allow-llm)"
                       : "; answer from a recorded cassette (replay: FILE) "
                         "or give --allow-llm");
        refused = 1;
    }
    return refused && !allow;
}

/* ----------------------------------------------------------- output */

static void print_comparisons(const host_bt_summary *s,
                              const host_bt_curve *curves, size_t n,
                              int64_t period_ms)
{
    if (n < 2)
        return;
    printf("\npairwise (Sharpe on %lld-minute returns, paired block "
           "bootstrap, %d resamples):\n",
           (long long)(period_ms / 60000), RESAMPLES);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            host_bt_comparison c;
            host_bt_compare(&curves[i], &curves[j], period_ms, RESAMPLES, &c);
            char line[768];
            host_bt_comparison_text(&c, s[i].version, s[j].version, line,
                                    sizeof line);
            printf("  %s\n", line);
        }
}

static void print_results(const bt_args *args, const host_bt_summary *s,
                          const host_bt_curve *curves, size_t n,
                          int64_t period_ms)
{
    printf("\n");
    host_bt_print_table(stdout, s, n);
    if (n > 1) {
        printf("\nleaderboard:\n");
        host_bt_print_leaderboard(stdout, s, n);
    }
    printf("\nagainst buy-and-hold (alpha on each version's per-cycle "
           "returns, paired block bootstrap, %d resamples):\n",
           HOST_BT_RESAMPLES);
    host_bt_print_verdicts(stdout, s, n);
    print_comparisons(s, curves, n, period_ms);
    if (args->hash)
        for (size_t i = 0; i < n; i++)
            printf("hash %s %s\n", s[i].version, s[i].hash);
    fflush(stdout);
}

/* ------------------------------------------------------------- run */

static int64_t comparison_period(const host_backtest *b)
{
    int64_t p = 60000;
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].agent->set.cycle_ms > p)
            p = b->v[i].agent->set.cycle_ms;
    return p;
}

/* 1 if any version lost records to a sink, each said
 * (host_agent_writes_failed). */
static int writes_failed(const host_backtest *b)
{
    int failed = 0;
    for (size_t i = 0; i < b->n; i++)
        failed |= host_agent_writes_failed(b->v[i].agent);
    return failed;
}

static int in_process(const bt_args *args, host_backtest *b)
{
    int rc = host_backtest_run(b);
    if (rc != 0)
        return 1;
    if (host_agent_stop_requested())
        host_log(PERP_LOG_WARN, "backtest",
                 "stopped early: the figures "
                 "below cover the tape up to the "
                 "stop");
    host_bt_summary *s = calloc(b->n, sizeof *s);
    host_bt_curve *c = calloc(b->n, sizeof *c);
    if (!s || !c) {
        free(s);
        free(c);
        return 1;
    }
    for (size_t i = 0; i < b->n; i++) {
        host_agent *a = b->v[i].agent;
        host_bt_summarize(host_trade_book_all(a->book),
                          host_trade_book_count(a->book), &b->v[i].rec,
                          a->view.obs.account.starting_equity, &s[i]);
        s[i].version = a->set.version;
        s[i].cycle_ms = a->set.cycle_ms;
        s[i].config_path = b->v[i].path;
        c[i] = (host_bt_curve){b->v[i].rec.eq_ts, b->v[i].rec.eq,
                               b->v[i].rec.n_eq, b->v[i].rec.bench};
    }
    print_results(args, s, c, b->n, comparison_period(b));
    rc = writes_failed(b);
    if (args->report && host_bt_report_write(args->report, b, s) != PERP_OK)
        rc = 1;
    if (args->summary &&
        host_bt_summary_write(args->summary, s, c, b->n) != PERP_OK)
        rc = 1;
    free(s);
    free(c);
    return rc;
}

static void free_args(bt_args *a)
{
    free(a->configs);
    free(a->paths);
}

int host_backtest_main(int argc, char **argv)
{
    bt_args args;
    int rc = parse(argc, argv, &args);
    if (rc != 0) {
        free_args(&args);
        return rc < 0 ? 0 : rc;
    }
    if (args.jobs > 1 && args.n_configs > 1) {
        rc = host_bt_jobs_run(argc, argv, args.configs, args.n_configs,
                              (int)args.jobs, args.hash);
        free_args(&args);
        return rc;
    }
    host_run_options opt = {.extra_plugin_dirs = args.paths,
                            .n_extra_plugin_dirs = args.n_paths};
    host_backtest b;
    host_bt_feed_options fo;
    /* Held from before the plugins open until after they close, as
     * `perpd run` does: a signal while they open stops the run before
     * its first cycle, and one while the sinks flush at the end does not
     * cut them short (a second still exits 130 at once). */
    host_agent_signals(1);
    rc = host_backtest_open(&b, args.configs, args.n_configs, &opt);
    if (rc == PERP_OK)
        rc = feed_options(&args, &b, &fo);
    if (rc == PERP_OK)
        rc = host_backtest_open_feed(&b, &fo);
    if (rc == PERP_OK && refuse_paid_llm(&b, args.allow_llm))
        rc = PERP_EINVAL;
    rc = rc == PERP_OK ? in_process(&args, &b) : 1;
    host_backtest_close(&b);
    host_agent_signals(0);
    free_args(&args);
    return rc;
}
