/*
 * bench_pg_sink — records per second through sink-postgres into a local
 * PostgreSQL cluster over its Unix socket (issue 10: >= 50,000 records/s
 * batched), beside the JSONL sink's figure for the same records in the
 * same run, and the ratio.
 *
 * The cluster is made for the run (scripts/pg-cluster.sh in a temporary
 * folder: initdb, Unix socket only, the server's durable defaults: fsync
 * and synchronous_commit on) and removed after. Both sinks are loaded
 * from the build's plugin folder as perpd loads them and fed the records
 * of replay-like cycles: per cycle an equity snapshot, two position
 * snapshots, a trade and a decision (a small JSON document), then the
 * cycle's checkpoint with a backend state. The clock runs from the first
 * write until flush() returns, i.e. until the database has committed the
 * last cycle (the writer thread COPYs waiting cycles in one transaction)
 * or the JSONL file is written. Wall time, best of PASSES, each pass a
 * new agent version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "plugin_instance.h"
#include "plugin_loader.h"
#include "plugin_services.h"

#define PASSES     3
#define CYCLES     40000
#define PER_CYCLE  5
#define MIN_MS     60000LL
#define START_TS   1617321600000LL
#define STATE_JSON "{\"cash\": 10000.5, \"positions\": []}"

static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double load_average(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double l = -1;
    if (f && fscanf(f, "%lf", &l) != 1)
        l = -1;
    if (f)
        fclose(f);
    return l;
}

static int sh(const char *cmd, char *out, size_t len)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = out ? fread(out, 1, len - 1, p) : 0;
    if (out) {
        out[n] = 0;
        out[strcspn(out, "\n")] = 0;
    }
    return pclose(p) == 0 ? 0 : -1;
}

/* One cycle's records, k the cycle's number. */
static perp_status write_cycle(const perp_sink_vtable *vt, void *self,
                               const char *tag, int64_t k)
{
    int64_t ts = START_TS + k * MIN_MS;
    perp_record r;
    memset(&r, 0, sizeof r);
    r.ts = ts;
    r.version = tag;
    r.type = PERP_REC_EQUITY;
    r.u.equity = (perp_equity_record){.equity = 10000 + 0.01 * (double)k,
                                      .cash = 9000.25,
                                      .available = 8000.5,
                                      .unrealized_pnl = 12.125,
                                      .margin_used = 1000.75,
                                      .fees_paid = 3.5};
    perp_status rc = vt->write(self, &r);
    for (int i = 0; rc == PERP_OK && i < 2; i++) {
        memset(&r.u, 0, sizeof r.u);
        r.type = PERP_REC_POSITION;
        perp_position *p = &r.u.position;
        snprintf(p->symbol, sizeof p->symbol, "%s", i ? "ETH-USD" : "BTC-USD");
        p->qty = i ? -0.8 : 0.05;
        p->entry_price = i ? 2000.5 : 58000.25;
        p->mark_price = p->entry_price + 1.5;
        p->leverage = 3;
        p->notional = 2900;
        p->initial_margin = 966.7;
        p->maintenance_margin = 14.5;
        p->liquidation_price = i ? 2600 : 40000;
        p->entry_ts = ts - 10 * MIN_MS;
        rc = vt->write(self, &r);
    }
    if (rc == PERP_OK) {
        memset(&r.u, 0, sizeof r.u);
        r.type = PERP_REC_TRADE;
        perp_fill *f = &r.u.trade.fill;
        snprintf(f->symbol, sizeof f->symbol, "BTC-USD");
        f->qty = k % 2 ? 0.01 : -0.01;
        f->price = 58000.5 + (double)(k % 100);
        f->fee = 0.116;
        f->position_after = 0.05;
        f->cause = PERP_CAUSE_ENTRY;
        snprintf(f->reason, sizeof f->reason, "trend up, rsi 61");
        rc = vt->write(self, &r);
    }
    if (rc == PERP_OK) {
        memset(&r.u, 0, sizeof r.u);
        r.type = PERP_REC_DECISION;
        r.u.json.json = "{\"positions\": {\"BTC\": {\"coin\": \"BTC\", "
                        "\"signal\": \"hold\"}}, \"notes_for_audience\": "
                        "\"holding\"}";
        rc = vt->write(self, &r);
    }
    if (rc == PERP_OK && vt->checkpoint) {
        perp_checkpoint cp = {.struct_size = sizeof cp,
                              .cycle = k + 1,
                              .cycle_ts = ts,
                              .ts = ts,
                              .backend_state = STATE_JSON,
                              .agent_state = "{\"cycles\": 1}"};
        rc = vt->checkpoint(self, &cp);
    }
    return rc;
}

/* Records per second through the sink described by yaml, best of
 * PASSES; 0 on failure. */
static double rate(const char *yaml, const char *what)
{
    char err[256];
    host_config *cfg = host_config_parse(yaml, "bench.yaml", err, sizeof err);
    if (!cfg) {
        printf("%s: %s\n", what, err);
        return 0;
    }
    char dir[1024];
    const char *b = getenv("PERP_BUILD_DIR");
    snprintf(dir, sizeof dir, "%s/lib/perp", b && *b ? b : "build");
    const char *dirs[1] = {dir};
    host_plugin_path path;
    host_plugin_path_init(&path, dirs, 1);
    double best = 0;
    for (int p = 0; p < PASSES; p++) {
        char tag[64];
        snprintf(tag, sizeof tag, "bench-%d-%d", (int)getpid(), p);
        host_context ctx = {.version = tag};
        host_instance inst;
        if (host_instance_open(&inst, &path, PERP_KIND_SINK,
                               host_config_root(cfg), what, &ctx) != PERP_OK) {
            printf("%s: the sink did not start\n", what);
            break;
        }
        const perp_sink_vtable *vt = inst.vtable;
        double t0 = wall_s();
        perp_status rc = PERP_OK;
        for (int64_t k = 0; k < CYCLES && rc == PERP_OK; k++)
            rc = write_cycle(vt, inst.self, tag, k);
        if (rc == PERP_OK)
            rc = vt->flush(inst.self);
        double t = wall_s() - t0;
        host_instance_close(&inst);
        if (rc != PERP_OK) {
            printf("%s: write failed\n", what);
            break;
        }
        double r = (double)CYCLES * PER_CYCLE / t;
        if (r > best)
            best = r;
    }
    host_config_free(cfg);
    return best;
}

int main(void)
{
    host_log_set_level(PERP_LOG_WARN);
    char root[] = "/tmp/perp-bench-pg-XXXXXX";
    if (!mkdtemp(root)) {
        printf("bench_pg_sink: cannot make a temporary folder\n");
        return 1;
    }
    chmod(root, 0755); /* the server runs as postgres when we are root */
    char cmd[1400], url[1200];
    snprintf(cmd, sizeof cmd, "scripts/pg-cluster.sh start %s/pg", root);
    if (sh(cmd, url, sizeof url) != 0) {
        printf("bench_pg_sink: no PostgreSQL cluster (%s failed): skipped\n",
               cmd);
        snprintf(cmd, sizeof cmd, "rm -rf %s", root);
        sh(cmd, NULL, 0);
        return 0;
    }
    setenv("PERP_BENCH_PG_URL", url, 1);
    char pg[1400], jsonl[1400];
    snprintf(pg, sizeof pg,
             "plugin: postgres\nurl: \"${PERP_BENCH_PG_URL}\"\n"
             "spool_dir: %s/spool\n",
             root);
    snprintf(jsonl, sizeof jsonl, "plugin: jsonl\npath: %s/records.jsonl\n",
             root);
    double load = load_average();
    double r_pg = rate(pg, "postgres");
    double r_jsonl = rate(jsonl, "jsonl");
    snprintf(cmd, sizeof cmd, "scripts/pg-cluster.sh stop %s/pg; rm -rf %s",
             root, root);
    sh(cmd, NULL, 0);
    printf("sink-postgres, COPY over the Unix socket (%d cycles of %d "
           "records, durable server defaults): %.0f records/s  JSONL sink, "
           "same records: %.0f records/s  ratio %.3f  target >= 50000 "
           "records/s: %s; load average %.2f on %ld cores\n",
           CYCLES, PER_CYCLE, r_pg, r_jsonl, r_jsonl > 0 ? r_pg / r_jsonl : 0,
           r_pg >= 50000 ? "ok" : "MISSED", load,
           sysconf(_SC_NPROCESSORS_ONLN));
    return r_pg > 0 && r_jsonl > 0 ? 0 : 1;
}
