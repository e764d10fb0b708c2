/*
 * test_pg_ab.c — two agent versions replayed over the same history into
 * one database (the rule planner and a script of trades with stops): each
 * version's records are its own (the database holds exactly what each
 * run's JSONL file holds), and each version's stored metrics equal a
 * recomputation written here from the stored trades and equity snapshots
 * alone, after DESIGN.md "Metrics": round trips by average cost (each
 * reducing fill one trip, fees pro-rated), win rate on net P&L, profit
 * factor = gross profit / gross loss, Sharpe and Sortino of the returns
 * between snapshots annualised by the real mean interval, max drawdown
 * peak to trough; and metrics_version.h's annual return and Calmar; and
 * issue 16's figures against buy-and-hold (docs/benchmark.md) from the
 * stored equity snapshots and the tape's closes, gross and net P&L and
 * decisions a day.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonl_records.h"
#include "pg_cluster.h"
#include "pg_replay.h"
#include "run_process.h"
#include "temp_dir.h"

PG_CLUSTER_START_HOOK()
PG_CLUSTER_STOP_HOOK()

#define FROM "2021-04-02T00:00:00Z"
#define TO   "2021-04-06T00:00:00Z"

/* ------------------------------------------------ the recomputation */

typedef struct trip {
    char symbol[24];
    double qty, entry, exit, fees, net;
    long long entry_ts, exit_ts;
} trip;

typedef struct open_pos {
    char symbol[24];
    double qty, avg, fees;
    long long ts;
} open_pos;

typedef struct figures {
    size_t n_trips, wins, losses;
    trip trips[512];
    double win_rate, profit_factor, avg_win, avg_loss, largest_win,
        largest_loss, avg_hold_ms;
    double total_return, annual_return, sharpe, sortino, max_dd, calmar;
    double interval_s, fees, realized, funding, last_equity, span_ms;
    long long decisions, snapshots;
} figures;

static open_pos *pos_of(open_pos *p, size_t *n, const char *sym)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(p[i].symbol, sym) == 0)
            return &p[i];
    memset(&p[*n], 0, sizeof p[0]);
    snprintf(p[*n].symbol, sizeof p[0].symbol, "%s", sym);
    return &p[(*n)++];
}

/* One fill folded into the open positions, closing a trip when it reduces. */
static void fold_fill(figures *f, open_pos *p, double q, double price,
                      double fee, long long ts)
{
    if (p->qty == 0 || (p->qty > 0) == (q > 0)) {
        double held = fabs(p->qty);
        p->avg = held == 0
                     ? price
                     : (held * p->avg + fabs(q) * price) / (held + fabs(q));
        if (held == 0)
            p->ts = ts;
        p->qty += q;
        p->fees += fee;
        return;
    }
    double held = fabs(p->qty), closed = fmin(held, fabs(q));
    int side = p->qty > 0 ? 1 : -1;
    double entry_fee = p->fees * closed / held;
    cr_assert_lt(f->n_trips, 512);
    trip *t = &f->trips[f->n_trips++];
    snprintf(t->symbol, sizeof t->symbol, "%s", p->symbol);
    t->qty = closed;
    t->entry = p->avg;
    t->exit = price;
    t->fees = entry_fee + fee * closed / fabs(q);
    t->net = side * closed * (price - p->avg) - t->fees;
    t->entry_ts = p->ts;
    t->exit_ts = ts;
    double rest = fabs(q) - closed;
    if (rest > 1e-12 * fabs(q)) {
        p->qty = (q > 0 ? 1 : -1) * rest;
        p->avg = price;
        p->fees = fee * rest / fabs(q);
        p->ts = ts;
    } else if (held - closed <= 1e-9 * held) {
        p->qty = 0;
        p->fees = 0;
    } else {
        p->qty -= side * closed;
        p->fees -= entry_fee;
    }
}

static void trips_from_trades(PGconn *c, int vid, figures *f)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT symbol, side, qty, price, fee, ts, realized_pnl FROM "
             "trades WHERE version_id = %d ORDER BY seq",
             vid);
    PGresult *r = pg_test_query(c, sql);
    open_pos pos[8];
    size_t n_pos = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        double q = strtod(PQgetvalue(r, i, 2), NULL);
        if (strcmp(PQgetvalue(r, i, 1), "sell") == 0)
            q = -q;
        double fee = strtod(PQgetvalue(r, i, 4), NULL);
        f->fees += fee;
        f->realized += strtod(PQgetvalue(r, i, 6), NULL);
        fold_fill(f, pos_of(pos, &n_pos, PQgetvalue(r, i, 0)), q,
                  strtod(PQgetvalue(r, i, 3), NULL), fee,
                  atoll(PQgetvalue(r, i, 5)));
    }
    PQclear(r);
}

static void trade_figures(figures *f)
{
    double gross_win = 0, gross_loss = 0, hold = 0;
    for (size_t i = 0; i < f->n_trips; i++) {
        double net = f->trips[i].net;
        hold += (double)(f->trips[i].exit_ts - f->trips[i].entry_ts);
        if (net > 0) {
            f->wins++;
            gross_win += net;
            f->largest_win = fmax(f->largest_win, net);
        } else if (net < 0) {
            f->losses++;
            gross_loss -= net;
            f->largest_loss = fmin(f->largest_loss, net);
        }
    }
    size_t n = f->n_trips;
    f->win_rate = n ? (double)f->wins / (double)n : 0;
    f->avg_win = f->wins ? gross_win / (double)f->wins : 0;
    f->avg_loss = f->losses ? -gross_loss / (double)f->losses : 0;
    f->profit_factor = gross_loss > 0  ? gross_win / gross_loss
                       : gross_win > 0 ? INFINITY
                                       : 0;
    f->avg_hold_ms = n ? hold / (double)n : 0;
}

static void equity_figures(PGconn *c, int vid, double start, figures *f)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT ts, equity FROM equity_snapshots WHERE version_id = %d "
             "ORDER BY seq",
             vid);
    PGresult *r = pg_test_query(c, sql);
    int n = PQntuples(r);
    cr_assert_gt(n, 2);
    f->snapshots = n;
    double prev = 0, peak = -INFINITY, sum = 0, sum_sq = 0, down_sq = 0;
    long long first = 0, last = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        long long ts = atoll(PQgetvalue(r, i, 0));
        double e = strtod(PQgetvalue(r, i, 1), NULL);
        if (i == 0)
            first = ts;
        else {
            double ret = e / prev - 1;
            sum += ret;
            sum_sq += ret * ret;
            down_sq += ret < 0 ? ret * ret : 0;
            k++;
        }
        peak = fmax(peak, e);
        f->max_dd = fmax(f->max_dd, (peak - e) / peak * 100);
        prev = e;
        last = ts;
    }
    PQclear(r);
    f->last_equity = prev;
    f->interval_s = (double)(last - first) / 1000.0 / (n - 1);
    f->span_ms = (double)(last - first);
    double scale = sqrt(365.0 * 86400.0 / f->interval_s);
    double mean = sum / k, sd = sqrt(sum_sq / k - mean * mean);
    f->sharpe = sd > 0 ? mean / sd * scale : 0;
    f->sortino = down_sq > 0 ? mean / sqrt(down_sq / k) * scale : 0;
    f->total_return = (prev - start) / start * 100;
    f->annual_return =
        (pow(prev / start, 365.0 * 86400e3 / (double)(last - first)) - 1) * 100;
    f->calmar = f->max_dd > 0 ? f->annual_return / f->max_dd : 0;
}

static void recompute(PGconn *c, int vid, figures *f)
{
    memset(f, 0, sizeof *f);
    trips_from_trades(c, vid, f);
    trade_figures(f);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT starting_equity FROM agent_versions WHERE id = %d", vid);
    double start = pg_test_num(c, sql);
    cr_assert_eq(start, 10000.0);
    equity_figures(c, vid, start, f);
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(payment), 0) FROM (SELECT payment FROM "
             "funding_payments WHERE version_id = %d ORDER BY seq) x",
             vid);
    f->funding = pg_test_num(c, sql);
    /* A run of unchanged holds is one record that says how many cycles
     * it covers: every cycle decided once. */
    snprintf(sql, sizeof sql,
             "SELECT sum(coalesce((decision->'held'->>'cycles')::int, 1)) "
             "FROM decisions WHERE version_id = %d",
             vid);
    f->decisions = pg_test_int(c, sql);
}

/* ------------------------------- against buy-and-hold (issue 16) */

/* docs/benchmark.md, written out again: an equal-weight book of the
 * version's symbols (pg_replay.c's two), bought with the starting equity
 * at the first equity snapshot at which both have a price, each valued
 * at the close of its newest candle closed at or before the snapshot
 * (the replay's mid), read here from the tape's CSV files; then paired
 * simple returns of the stored equity and of the book, two-pass
 * population moments, annualised by 365 days over the mean spacing of
 * the paired snapshots. */
#define N_SYM 2
static const char *const bench_symbols[N_SYM] = {"BTC-USD", "ETH-USD"};

typedef struct closes {
    long long open_s[8192];
    double close[8192];
    size_t n, at;
} closes;

static long long iso_s(const char *iso)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    cr_assert(strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm));
    return (long long)timegm(&tm);
}

/* The candles of sym the run was fed: open times in [FROM, TO). */
static void closes_read(const char *sym, closes *c)
{
    const char *shared = getenv("PERP_SHARED");
    char path[1024], line[256];
    snprintf(path, sizeof path, "%s/history/1m_2021-04/%s_1m.csv",
             shared && *shared ? shared : "../shared", sym);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    long long from = iso_s(FROM), to = iso_s(TO);
    c->n = c->at = 0;
    while (fgets(line, sizeof line, f)) {
        long long t;
        double o, h, l, cl;
        if (sscanf(line, "%lld,%lf,%lf,%lf,%lf", &t, &o, &h, &l, &cl) != 5 ||
            t < from || t >= to)
            continue;
        cr_assert_lt(c->n, 8192);
        c->open_s[c->n] = t;
        c->close[c->n++] = cl;
    }
    fclose(f);
}

/* The close of the newest candle closed at or before ts_ms (NAN: none
 * yet). Snapshots come in time order, so the cursor only moves on. */
static double close_at(closes *c, long long ts_ms)
{
    while (c->at < c->n && (c->open_s[c->at] + 60) * 1000 <= ts_ms)
        c->at++;
    return c->at ? c->close[c->at - 1] : NAN;
}

typedef struct bench_fig {
    double ret, excess, beta, alpha, te, ir;
    long long periods;
} bench_fig;

static void bench_moments(const long long *ts, const double *e, const double *b,
                          size_t n, bench_fig *f)
{
    f->ret = (b[n - 1] / b[0] - 1) * 100;
    f->excess = (e[n - 1] / e[0] - b[n - 1] / b[0]) * 100;
    size_t k = n - 1;
    f->periods = (long long)k;
    double mv = 0, mb = 0, ma = 0;
    for (size_t i = 1; i < n; i++) {
        mv += (e[i] / e[i - 1] - 1) / (double)k;
        mb += (b[i] / b[i - 1] - 1) / (double)k;
    }
    ma = mv - mb;
    double vb = 0, va = 0, cvb = 0;
    for (size_t i = 1; i < n; i++) {
        double v = e[i] / e[i - 1] - 1, r = b[i] / b[i - 1] - 1;
        vb += (r - mb) * (r - mb) / (double)k;
        va += ((v - r) - ma) * ((v - r) - ma) / (double)k;
        cvb += (v - mv) * (r - mb) / (double)k;
    }
    double p = 365.0 * 86400.0 /
               ((double)(ts[n - 1] - ts[0]) / 1000.0 / (double)(n - 1));
    f->beta = vb > 0 ? cvb / vb : NAN;
    f->alpha = vb > 0 ? (mv - f->beta * mb) * p * 100 : NAN;
    f->te = sqrt(va) * sqrt(p) * 100;
    f->ir = sqrt(va) >= 1e-10 ? ma / sqrt(va) * sqrt(p) : NAN;
}

static void bench_figures(PGconn *c, int vid, double start, bench_fig *f)
{
    static closes px[N_SYM];
    for (int s = 0; s < N_SYM; s++)
        closes_read(bench_symbols[s], &px[s]);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT ts, equity FROM equity_snapshots WHERE version_id = %d "
             "ORDER BY seq",
             vid);
    PGresult *r = pg_test_query(c, sql);
    size_t n = (size_t)PQntuples(r), m = 0;
    long long *ts = calloc(n, sizeof *ts);
    double *e = calloc(n, sizeof *e), *b = calloc(n, sizeof *b);
    double units[N_SYM] = {0};
    int started = 0;
    for (size_t i = 0; i < n; i++) {
        long long t = atoll(PQgetvalue(r, (int)i, 0));
        double p[N_SYM], book = 0;
        int priced = 1;
        for (int s = 0; s < N_SYM; s++)
            priced &= (p[s] = close_at(&px[s], t)) > 0;
        if (!priced)
            continue;
        if (!started) {
            for (int s = 0; s < N_SYM; s++)
                units[s] = start / N_SYM / p[s];
            started = 1;
            book = start;
        } else {
            for (int s = 0; s < N_SYM; s++)
                book += units[s] * p[s];
        }
        ts[m] = t;
        e[m] = strtod(PQgetvalue(r, (int)i, 1), NULL);
        b[m++] = book;
    }
    PQclear(r);
    cr_assert_gt(m, 2, "fewer than three snapshots with both prices");
    bench_moments(ts, e, b, m, f);
    free(ts);
    free(e);
    free(b);
}

/* ------------------------------------------------------- comparison */

static void near(double got, double want, const char *what, const char *tag)
{
    if (isinf(want)) {
        cr_assert(isinf(got) && (got > 0) == (want > 0), "%s %s: %g vs %g", tag,
                  what, got, want);
        return;
    }
    double tol = 1e-9 * fmax(1.0, fabs(want));
    cr_assert(fabs(got - want) <= tol, "%s %s: stored %.17g, recomputed %.17g",
              tag, what, got, want);
}

static double col(PGresult *r, const char *name)
{
    int k = PQfnumber(r, name);
    cr_assert_geq(k, 0, "no column %s", name);
    return PQgetisnull(r, 0, k) ? NAN : strtod(PQgetvalue(r, 0, k), NULL);
}

/* A figure that may be undefined: NULL in the database exactly when the
 * recomputation says undefined. */
static void near_or_null(double got, double want, const char *what,
                         const char *tag)
{
    cr_assert_eq(isnan(got), isnan(want), "%s %s: stored %g, recomputed %g",
                 tag, what, got, want);
    if (!isnan(want))
        near(got, want, what, tag);
}

/* Issue 16's figures of the stored metrics row m. */
static void check_bench(PGconn *c, int vid, PGresult *m, const figures *f,
                        const char *tag)
{
    bench_fig bf;
    bench_figures(c, vid, 10000.0, &bf);
    near_or_null(col(m, "bench_return_pct"), bf.ret, "B&H return", tag);
    near_or_null(col(m, "excess_return_pct"), bf.excess, "excess", tag);
    near_or_null(col(m, "beta"), bf.beta, "beta", tag);
    near_or_null(col(m, "alpha_pct"), bf.alpha, "alpha", tag);
    near_or_null(col(m, "tracking_error_pct"), bf.te, "tracking error", tag);
    near_or_null(col(m, "info_ratio"), bf.ir, "information ratio", tag);
    near(col(m, "bench_periods"), (double)bf.periods, "paired periods", tag);
    double net = f->last_equity - 10000.0;
    near(col(m, "net_pnl"), net, "net P&L", tag);
    near(col(m, "gross_pnl"), net + f->fees - f->funding, "gross P&L", tag);
    near(col(m, "decisions_per_day"),
         (double)f->decisions / (f->span_ms / 86400000.0), "decisions a day",
         tag);
    near(col(m, "cost_per_decision"), 0.0, "cost per decision", tag);
    cr_assert(!isnan(bf.beta) && !isnan(bf.alpha), "%s: beta undefined", tag);
    fprintf(stderr,
            "pg_ab: %s: buy-and-hold %+.4f %%, excess %+.4f %%, beta %.4f, "
            "alpha %+.4f %%/yr, TE %.4f %%, IR %.4f over %lld periods; "
            "gross %+.2f, net %+.2f: stored = recomputed\n",
            tag, bf.ret, bf.excess, bf.beta, bf.alpha, bf.te, bf.ir, bf.periods,
            net + f->fees - f->funding, net);
}

static void check_metrics(PGconn *c, int vid, const char *tag)
{
    figures f;
    recompute(c, vid, &f);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT * FROM version_metrics WHERE version_id = %d ORDER BY "
             "seq DESC LIMIT 1",
             vid);
    PGresult *m = pg_test_query(c, sql);
    cr_assert_eq(PQntuples(m), 1, "%s: no metrics stored", tag);
    near(col(m, "round_trips"), (double)f.n_trips, "round trips", tag);
    near(col(m, "wins"), (double)f.wins, "wins", tag);
    near(col(m, "losses"), (double)f.losses, "losses", tag);
    near(col(m, "win_rate"), f.win_rate, "win rate", tag);
    near(col(m, "profit_factor"), f.profit_factor, "profit factor", tag);
    near(col(m, "avg_win"), f.avg_win, "avg win", tag);
    near(col(m, "avg_loss"), f.avg_loss, "avg loss", tag);
    near(col(m, "largest_win"), f.largest_win, "largest win", tag);
    near(col(m, "largest_loss"), f.largest_loss, "largest loss", tag);
    near(col(m, "avg_hold_ms"), f.avg_hold_ms, "avg hold", tag);
    near(col(m, "equity"), f.last_equity, "equity", tag);
    near(col(m, "total_return_pct"), f.total_return, "total return", tag);
    near(col(m, "annual_return_pct"), f.annual_return, "annual return", tag);
    near(col(m, "sharpe"), f.sharpe, "Sharpe", tag);
    near(col(m, "sortino"), f.sortino, "Sortino", tag);
    near(col(m, "max_drawdown_pct"), f.max_dd, "max drawdown", tag);
    near(col(m, "calmar"), f.calmar, "Calmar", tag);
    near(col(m, "snapshot_interval_s"), f.interval_s, "interval", tag);
    near(col(m, "total_fees"), f.fees, "fees", tag);
    near(col(m, "realized_pnl"), f.realized, "realized", tag);
    near(col(m, "total_funding"), f.funding, "funding", tag);
    near(col(m, "decisions"), (double)f.decisions, "decisions", tag);
    near(col(m, "cycles"), (double)f.decisions, "cycles", tag);
    check_bench(c, vid, m, &f, tag);
    PQclear(m);
    /* The stored round trips are the recomputed ones, in order. */
    snprintf(sql, sizeof sql,
             "SELECT symbol, qty, entry_price, exit_price, fees, net_pnl, "
             "entry_ts, exit_ts FROM round_trips WHERE version_id = %d ORDER "
             "BY seq",
             vid);
    PGresult *r = pg_test_query(c, sql);
    cr_assert_eq((size_t)PQntuples(r), f.n_trips, "%s: round trips", tag);
    for (size_t i = 0; i < f.n_trips; i++) {
        const trip *t = &f.trips[i];
        cr_assert_str_eq(PQgetvalue(r, (int)i, 0), t->symbol);
        near(strtod(PQgetvalue(r, (int)i, 1), NULL), t->qty, "trip qty", tag);
        near(strtod(PQgetvalue(r, (int)i, 2), NULL), t->entry, "trip entry",
             tag);
        near(strtod(PQgetvalue(r, (int)i, 3), NULL), t->exit, "trip exit", tag);
        near(strtod(PQgetvalue(r, (int)i, 4), NULL), t->fees, "trip fees", tag);
        near(strtod(PQgetvalue(r, (int)i, 5), NULL), t->net, "trip net", tag);
        cr_assert_eq(atoll(PQgetvalue(r, (int)i, 6)), t->entry_ts);
        cr_assert_eq(atoll(PQgetvalue(r, (int)i, 7)), t->exit_ts);
    }
    PQclear(r);
    fprintf(stderr,
            "pg_ab: %s: %zu round trips (%zu won), return %.4f %%, Sharpe "
            "%.4f, max dd %.4f %%: stored = recomputed\n",
            tag, f.n_trips, f.wins, f.total_return, f.sharpe, f.max_dd);
}

/* --------------------------------------------------------- isolation */

static const struct {
    const char *type, *table;
} kinds[] = {{"trade", "trades"},
             {"round_trip", "round_trips"},
             {"equity", "equity_snapshots"},
             {"position", "position_snapshots"},
             {"funding", "funding_payments"},
             {"liquidation", "liquidations"},
             {"observation", "observations"},
             {"decision", "decisions"},
             {"llm_call", "llm_calls"},
             {"rejection", "rejections"},
             {"metrics", "version_metrics"}};

/* The database holds for the version exactly the records its JSONL file
 * holds: counts per type, and every trade (time, price, size). */
static void check_isolated(PGconn *c, int vid, const char *dir, const char *tag)
{
    char path[1024], sql[512];
    snprintf(path, sizeof path, "%s/%s", dir, tag);
    json_t *all = jsonl_records_read(path);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM %s WHERE version_id = %d",
                 kinds[i].table, vid);
        cr_assert_eq((size_t)pg_test_int(c, sql),
                     jsonl_records_count(all, kinds[i].type), "%s: %s", tag,
                     kinds[i].type);
    }
    json_t *trades = jsonl_records_of_type(all, "trade");
    snprintf(sql, sizeof sql,
             "SELECT ts, price, qty FROM trades WHERE version_id = %d ORDER "
             "BY seq",
             vid);
    PGresult *r = pg_test_query(c, sql);
    cr_assert_eq((size_t)PQntuples(r), json_array_size(trades));
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *t = json_array_get(trades, (size_t)i);
        cr_assert_eq(atoll(PQgetvalue(r, i, 0)), jsonl_ts(t));
        cr_assert_eq(strtod(PQgetvalue(r, i, 1), NULL), jsonl_num(t, "price"));
        cr_assert_eq(strtod(PQgetvalue(r, i, 2), NULL), jsonl_num(t, "qty"));
    }
    PQclear(r);
    json_decref(trades);
    json_decref(all);
}

/* Rows matching `where` summed over every table with a version_id column
 * (the catalog's list, so a table added later is counted too). */
static long long rows_where(PGconn *c, const char *where)
{
    PGresult *t = pg_test_query(
        c, "SELECT table_name FROM information_schema.columns JOIN "
           "information_schema.tables USING (table_schema, table_name) "
           "WHERE column_name = 'version_id' AND table_schema = 'public' "
           "AND table_type = 'BASE TABLE'");
    cr_assert_geq(PQntuples(t), 13,
                  "the record tables, checkpoints, positions");
    long long rows = 0;
    for (int i = 0; i < PQntuples(t); i++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s",
                 PQgetvalue(t, i, 0), where);
        rows += pg_test_int(c, sql);
    }
    PQclear(t);
    return rows;
}

static long long rows_of(PGconn *c, int vid)
{
    char where[64];
    snprintf(where, sizeof where, "version_id = %d", vid);
    return rows_where(c, where);
}

static long long orphan_rows(PGconn *c)
{
    return rows_where(c, "version_id NOT IN (SELECT id FROM agent_versions)");
}

Test(pg_ab, two_versions_side_by_side_with_their_own_metrics, .timeout = 600)
{
    char *url = pg_test_db("ab");
    char *dir = temp_dir_new();
    pg_run_cfg a = {.dir = dir,
                    .version = "v-a",
                    .from = FROM,
                    .to = TO,
                    .planner = "rules",
                    .observation_every = 60,
                    .metrics_every = 10,
                    .with_jsonl = 1};
    pg_run_cfg b = a;
    b.version = "v-b";
    b.planner = "script";
    char *ya = pg_run_yaml(&a), *yb = pg_run_yaml(&b), *out = NULL;
    int rc = pg_run_perpd(ya, url, &out);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = pg_run_perpd(yb, url, &out);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);

    PGconn *c = pg_test_connect(url);
    int va = pg_version_id(c, "v-a"), vb = pg_version_id(c, "v-b");
    cr_assert_neq(va, vb);
    check_isolated(c, va, dir, "v-a");
    check_isolated(c, vb, dir, "v-b");
    check_metrics(c, va, "v-a");
    check_metrics(c, vb, "v-b");
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM leaderboard"), 2);
    pg_test_str_eq(c,
                   "SELECT description FROM agent_versions WHERE tag = "
                   "'v-b'",
                   "integration test v-b");

    /* `perpd metrics --version v-b` prints what is stored. */
    char *perpd = perpd_path();
    char *argv[] = {perpd, "metrics", "--version", "v-b", NULL};
    rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "%s", out);
    char want[128];
    snprintf(want, sizeof want, "round trips            %lld (",
             pg_test_int(c, "SELECT round_trips FROM leaderboard WHERE tag "
                            "= 'v-b'"));
    cr_assert(strstr(out, want), "no '%s' in:\n%s", want, out);
    cr_assert(strstr(out, "version v-b (integration test v-b)"), "%s", out);
    char *beta = pg_test_str(c, "SELECT to_char(beta, 'FM990.0000') FROM "
                                "leaderboard WHERE tag = 'v-b'");
    snprintf(want, sizeof want, "beta                   %s\n", beta);
    cr_assert(strstr(out, want), "no '%s' in:\n%s", want, out);
    cr_assert(strstr(out, "buy-and-hold return %  "), "%s", out);
    free(beta);
    free(out);
    char *board[] = {perpd, "metrics", NULL};
    rc = run_process(board, &out);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "v-a") && strstr(out, "v-b"), "%s", out);
    free(out);
    free(perpd);

    /* Deleting a version (README "make replay": start over) takes every
     * row it wrote, in every table, and leaves the other's whole. */
    long long b_rows = rows_of(c, vb);
    pg_test_exec(c, "DELETE FROM agent_versions WHERE tag = 'v-a'");
    cr_assert_eq(rows_of(c, va), 0);
    cr_assert_eq(rows_of(c, vb), b_rows);
    cr_assert_eq(orphan_rows(c), 0);
    check_isolated(c, vb, dir, "v-b");
    PQfinish(c);
    free(ya);
    free(yb);
    free(url);
    free(dir);
}
