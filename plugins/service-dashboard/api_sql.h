/*
 * api_sql.h — every statement the dashboard runs, prepared on each pooled
 * connection. Each endpoint is one statement that builds the whole JSON
 * body in the database (one round trip, one snapshot); parameters are
 * always bound ($1...), never spliced into the text. docs/schema.md
 * lists the index each one uses.
 */
#ifndef DASH_API_SQL_H
#define DASH_API_SQL_H

enum {
    SQL_VERSION_STATE = 0, /* rows: id, tag, last_seq, last_seen_ms */
    SQL_VERSIONS,
    SQL_CONFIG,
    SQL_LEADERBOARD,
    SQL_EQUITY_ROWS, /* rows: ts, equity (binary), seq order, ts < $2 */
    SQL_PL,
    SQL_POSITIONS,
    SQL_TRADES,
    SQL_ROUND_TRIPS,
    SQL_CHAT,
    SQL_DECISION,
    SQL_METRICS,
    SQL_PERF_STATS,
    SQL_LLM_CALLS,
    SQL_REJECTIONS,
    SQL_MARKET,
    SQL_PRICES,
    SQL_HEALTH,
    SQL_PROM, /* rows: one per version, for /metrics */
    SQL_CURRENT,
    API_SQL_COUNT
};

typedef struct api_sql_stmt {
    const char *name;
    const char *sql;
    int nparams;
} api_sql_stmt;

extern const api_sql_stmt api_sql[API_SQL_COUNT];

#endif
