/*
 * prom.c — GET /metrics in the Prometheus text format (0.0.4): per
 * version, from the database (equity, positions, cycles, commit lag, LLM
 * calls, cost and latency, round trips); and the dashboard's own
 * counters (requests, errors, cache, database latency). Not cached:
 * scrapers come every few seconds at most.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_sql.h"
#include "dash.h"
#include "http_reply.h"

typedef struct prom_buf {
    char *text;
    size_t len;
    FILE *f;
} prom_buf;

/* A label value with \, " and newline escaped. */
static void label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n') {
            fputs("\\n", f);
            continue;
        }
        fputc(*v, f);
    }
}

typedef struct metric {
    int col;
    const char *name, *type, *help;
    double scale;
} metric;

static const metric per_version[] = {
    {1, "perpd_equity_usd", "gauge", "Equity of the newest snapshot.", 1},
    {2, "perpd_unrealized_pnl_usd", "gauge",
     "Unrealized P&L of the newest snapshot.", 1},
    {3, "perpd_open_positions", "gauge", "Open positions now.", 1},
    {4, "perpd_position_notional_usd", "gauge",
     "Sum of the open positions' absolute notional.", 1},
    {5, "perpd_cycles_total", "counter", "Decision cycles run.", 1},
    {6, "perpd_commit_lag_seconds", "gauge",
     "Seconds since the version's last commit to the database (grows while "
     "the sink is queueing or the agent is stopped).",
     1},
    {7, "perpd_llm_calls_total", "counter",
     "LLM calls (newest stored metrics).", 1},
    {8, "perpd_llm_cost_usd_total", "counter",
     "LLM cost in USD (newest stored metrics).", 1},
    {9, "perpd_llm_latency_seconds", "gauge",
     "Mean latency of the last 100 LLM calls.", 1e-3},
    {10, "perpd_round_trips_total", "counter", "Round trips closed.", 1},
    {11, "perpd_cycle_latency_seconds", "gauge",
     "From the newest cycle's boundary to the commit of its records (plan, "
     "orders, sink). Live only: a replay's agent clock is its data's time.",
     1},
};
#define N_PER_VERSION (sizeof per_version / sizeof per_version[0])

static void rows(void *ud, const PGresult *r)
{
    FILE *f = ud;
    int n = PQntuples(r);
    for (size_t m = 0; m < N_PER_VERSION; m++) {
        const metric *x = &per_version[m];
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", x->name, x->help, x->name,
                x->type);
        for (int i = 0; i < n; i++) {
            if (PQgetisnull(r, i, x->col))
                continue;
            fprintf(f, "%s{version=\"", x->name);
            label(f, PQgetvalue(r, i, 0));
            fprintf(f, "\"} %.17g\n",
                    strtod(PQgetvalue(r, i, x->col), NULL) * x->scale);
        }
    }
}

enum MHD_Result prom_answer(dash *d, struct MHD_Connection *c)
{
    prom_buf b = {0};
    b.f = open_memstream(&b.text, &b.len);
    if (!b.f)
        return MHD_NO;
    db_status st = db_pool_rows(d->pool, SQL_PROM, 0, NULL, rows, b.f);
    uint64_t hits, misses;
    resp_cache_counts(d->cache, &hits, &misses);
    double lat = db_pool_last_latency_ms(d->pool);
    fprintf(b.f,
            "# HELP perpd_dashboard_database_up 1 when the last query "
            "worked.\n# TYPE perpd_dashboard_database_up gauge\n"
            "perpd_dashboard_database_up %d\n",
            st == DB_OK);
    fprintf(b.f,
            "# HELP perpd_dashboard_database_latency_seconds The last "
            "query's round trip.\n# TYPE "
            "perpd_dashboard_database_latency_seconds gauge\n"
            "perpd_dashboard_database_latency_seconds %.6f\n",
            lat < 0 ? 0 : lat / 1e3);
    fprintf(b.f,
            "# HELP perpd_dashboard_requests_total HTTP requests answered.\n"
            "# TYPE perpd_dashboard_requests_total counter\n"
            "perpd_dashboard_requests_total %llu\n"
            "# HELP perpd_dashboard_cache_hits_total API answers from the "
            "cache.\n# TYPE perpd_dashboard_cache_hits_total counter\n"
            "perpd_dashboard_cache_hits_total %llu\n"
            "# HELP perpd_dashboard_cache_misses_total API answers built "
            "from the database.\n# TYPE perpd_dashboard_cache_misses_total "
            "counter\nperpd_dashboard_cache_misses_total %llu\n",
            (unsigned long long)d->requests, (unsigned long long)hits,
            (unsigned long long)misses);
    fclose(b.f);
    struct MHD_Response *r = reply_make(b.text, b.len, CT_PROM, 0, NULL);
    if (!r)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}
