/*
 * pg_command.c — `perpd postgres migrate|metrics`.
 */
#include "pg_command.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_conn.h"
#include "pg_connect.h"
#include "pg_migrate.h"

typedef struct cmd_args {
    const char *url, *version;
} cmd_args;

static const char usage_text[] =
    "usage: perpd migrate [--database-url URL]\n"
    "       perpd metrics [--version TAG] [--database-url URL]\n"
    "(also as `perpd postgres migrate|metrics`)\n"
    "\n"
    "  migrate   apply the schema migrations this perpd carries that the\n"
    "            database lacks (each in a transaction, under a lock)\n"
    "  metrics   the newest stored metrics of version TAG, or one line per\n"
    "            version (the leaderboard, best Sharpe first)\n"
    "\n"
    "The URL defaults to $DATABASE_URL; prefer the variable, since a\n"
    "command line is visible to every user of the machine.\n";

/* Usage on stderr after why (exit 2), or on stdout when asked (exit 0). */
static int usage(const char *why, const char *arg)
{
    if (!why) {
        fputs(usage_text, stdout);
        return 0;
    }
    fprintf(stderr, "perpd postgres: %s%s\n\n%s", why, arg ? arg : "",
            usage_text);
    return 2;
}

static int is_help(const char *s)
{
    return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* 0; -1 when --help was asked; or the usage exit code. */
static int parse(int argc, char **argv, int want_version, cmd_args *a)
{
    const char *env = getenv("DATABASE_URL");
    a->url = env ? env : "";
    a->version = NULL;
    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i]))
            return -1;
        int is_url = strcmp(argv[i], "--database-url") == 0;
        int is_ver = want_version && strcmp(argv[i], "--version") == 0;
        if (!is_url && !is_ver)
            return usage("unknown argument: ", argv[i]);
        if (i + 1 >= argc)
            return usage("a value is missing after ", argv[i]);
        if (is_url)
            a->url = argv[++i];
        else
            a->version = argv[++i];
    }
    return 0;
}

static int cmd_migrate(int argc, char **argv)
{
    cmd_args a;
    int rc = parse(argc, argv, 0, &a);
    if (rc)
        return rc < 0 ? usage(NULL, NULL) : rc;
    char err[1024];
    PGconn *c = pg_connect(a.url, 10, NULL, err, sizeof err);
    int applied = 0;
    if (!c || pg_migrate(c, &applied, err, sizeof err) != 0) {
        fprintf(stderr, "perpd postgres migrate: %s\n", err);
        PQfinish(c);
        return 1;
    }
    printf("schema at migration %d (%d applied now)\n", pg_schema_latest(),
           applied);
    PQfinish(c);
    return 0;
}

static const char *val(const PGresult *r, int row, const char *col)
{
    int k = PQfnumber(r, col);
    return k >= 0 && !PQgetisnull(r, row, k) ? PQgetvalue(r, row, k) : "";
}

static double num(const PGresult *r, int row, const char *col)
{
    return strtod(val(r, row, col), NULL);
}

/* A stored figure in fmt, or "-" when it is NULL (undefined) or the
 * schema has no such column (a database not yet migrated). */
static const char *fig(const PGresult *r, int row, const char *col,
                       const char *fmt, char *buf, size_t len)
{
    const char *v = val(r, row, col);
    if (!*v)
        return "-";
    snprintf(buf, len, fmt, strtod(v, NULL));
    return buf;
}

static void print_time(const char *label, long long ms)
{
    char when[32] = "-";
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms > 0 && gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
    printf("  %-22s %s\n", label, when);
}

/* Issue 16's figures (docs/benchmark.md): against buy-and-hold, the P&L
 * before and after fees and funding, the cadence. */
static void print_drag(const PGresult *r)
{
    static const struct {
        const char *col, *label, *fmt;
    } rows[] = {
        {"bench_return_pct", "buy-and-hold return %", "%+.4f"},
        {"excess_return_pct", "excess return %", "%+.4f"},
        {"beta", "beta", "%.4f"},
        {"alpha_pct", "alpha %/yr", "%+.4f"},
        {"tracking_error_pct", "tracking error %/yr", "%.4f"},
        {"info_ratio", "information ratio", "%.4f"},
        {"bench_periods", "paired periods", "%.0f"},
        {"gross_pnl", "gross P&L", "%+.4f"},
        {"total_fees", "fees", "%.4f"},
        {"total_funding", "funding (net)", "%+.4f"},
        {"net_pnl", "net P&L", "%+.4f"},
        {"decisions_per_day", "decisions a day", "%.2f"},
        {"cost_per_decision", "LLM cost a decision", "%.6f"},
    };
    char buf[64];
    printf("against buy-and-hold (docs/benchmark.md), and the drag of fees "
           "and funding:\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        printf("  %-22s %s\n", rows[i].label,
               fig(r, 0, rows[i].col, rows[i].fmt, buf, sizeof buf));
}

static void print_one(const PGresult *r)
{
    printf("version %s%s%s%s\n", val(r, 0, "tag"),
           *val(r, 0, "description") ? " (" : "", val(r, 0, "description"),
           *val(r, 0, "description") ? ")" : "");
    print_time("from", atoll(val(r, 0, "first_ts")));
    print_time("to", atoll(val(r, 0, "last_ts")));
    printf("  %-22s %s\n", "cycles", val(r, 0, "cycles"));
    static const struct {
        const char *col, *label, *fmt;
    } rows[] = {
        {"starting_equity", "starting equity", "%.2f"},
        {"equity", "equity", "%.2f"},
        {"total_return_pct", "total return %", "%+.4f"},
        {"annual_return_pct", "annualised return %", "%+.4f"},
        {"sharpe", "Sharpe", "%.4f"},
        {"sortino", "Sortino", "%.4f"},
        {"max_drawdown_pct", "max drawdown %", "%.4f"},
        {"calmar", "Calmar", "%.4f"},
        {"win_rate", "win rate", "%.4f"},
        {"profit_factor", "profit factor", "%.4f"},
        {"avg_win", "average win", "%.4f"},
        {"avg_loss", "average loss", "%.4f"},
        {"largest_win", "largest win", "%.4f"},
        {"largest_loss", "largest loss", "%.4f"},
        {"realized_pnl", "realized P&L", "%.4f"},
        {"total_fees", "total fees", "%.4f"},
        {"total_funding", "total funding", "%.4f"},
        {"llm_cost_usd", "LLM cost USD", "%.6f"},
        {"cost_per_decision", "cost per decision", "%.6f"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        printf("  %-22s %s\n", rows[i].label,
               fig(r, 0, rows[i].col, rows[i].fmt, buf, sizeof buf));
    printf("  %-22s %s (%s won, %s lost)\n", "round trips",
           val(r, 0, "round_trips"), val(r, 0, "wins"), val(r, 0, "losses"));
    printf("  %-22s %.1f min\n", "average hold",
           num(r, 0, "avg_hold_ms") / 60000.0);
    printf("  %-22s %s calls, %s prompt (%s cached) + %s completion tokens\n",
           "LLM", val(r, 0, "llm_calls"), val(r, 0, "prompt_tokens"),
           val(r, 0, "cached_tokens"), val(r, 0, "completion_tokens"));
    printf("  %-22s %s\n", "decisions", val(r, 0, "decisions"));
    print_drag(r);
}

static void print_board(const PGresult *r)
{
    printf("%-28s %8s %12s %10s %8s %9s %7s %7s %8s %9s %8s %6s %6s %10s "
           "%9s %10s %8s\n",
           "version", "cycles", "equity", "return %", "Sharpe", "max dd %",
           "trips", "win %", "PF", "B&H %", "alpha %", "beta", "IR", "net P&L",
           "fees", "$/dec", "dec/d");
    char b[8][64];
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-28s %8s %12.2f %+10.4f %8.3f %9.4f %7s %7.2f %8.3f %9s %8s "
               "%6s %6s %10s %9s %10s %8s\n",
               val(r, i, "tag"), val(r, i, "cycles"), num(r, i, "equity"),
               num(r, i, "total_return_pct"), num(r, i, "sharpe"),
               num(r, i, "max_drawdown_pct"), val(r, i, "round_trips"),
               100.0 * num(r, i, "win_rate"), num(r, i, "profit_factor"),
               fig(r, i, "bench_return_pct", "%+.2f", b[0], 64),
               fig(r, i, "alpha_pct", "%+.2f", b[1], 64),
               fig(r, i, "beta", "%.2f", b[2], 64),
               fig(r, i, "info_ratio", "%.2f", b[3], 64),
               fig(r, i, "net_pnl", "%+.2f", b[4], 64),
               fig(r, i, "total_fees", "%.2f", b[5], 64),
               fig(r, i, "cost_per_decision", "%.6f", b[6], 64),
               fig(r, i, "decisions_per_day", "%.1f", b[7], 64));
}

static int cmd_metrics(int argc, char **argv)
{
    cmd_args a;
    int rc = parse(argc, argv, 1, &a);
    if (rc)
        return rc < 0 ? usage(NULL, NULL) : rc;
    char err[1024];
    PGconn *c = pg_connect(a.url, 10, NULL, err, sizeof err);
    int have = c ? pg_schema_version(c, err, sizeof err) : -1;
    if (have == 0)
        snprintf(err, sizeof err,
                 "the database has no perpd schema (run perpd migrate)");
    if (have <= 0) {
        fprintf(stderr, "perpd postgres metrics: %s\n", err);
        PQfinish(c);
        return 1;
    }
    const char *p[] = {a.version};
    PGresult *r =
        a.version ? pg_exec(c, "SELECT * FROM leaderboard WHERE tag = $1", 1, p,
                            err, sizeof err)
                  : pg_exec(c,
                            "SELECT * FROM leaderboard ORDER BY sharpe DESC, "
                            "total_return_pct DESC",
                            0, NULL, err, sizeof err);
    rc = 0;
    if (!r) {
        fprintf(stderr, "perpd postgres metrics: %s\n", err);
        rc = 1;
    } else if (a.version && PQntuples(r) == 0) {
        fprintf(stderr,
                "perpd postgres metrics: no metrics stored for version %s\n",
                a.version);
        rc = 1;
    } else if (a.version) {
        print_one(r);
    } else {
        print_board(r);
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}

int pg_command(const perp_host *host, int argc, char **argv)
{
    (void)host;
    if (argc < 2)
        return usage("a command is missing", NULL);
    if (is_help(argv[1]))
        return usage(NULL, NULL);
    if (strcmp(argv[1], "migrate") == 0)
        return cmd_migrate(argc, argv);
    if (strcmp(argv[1], "metrics") == 0)
        return cmd_metrics(argc, argv);
    return usage("unknown command: ", argv[1]);
}
