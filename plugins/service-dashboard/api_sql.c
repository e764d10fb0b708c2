/*
 * api_sql.c — the statements of api_sql.h. Conventions of the answers:
 * times are the agent clock in ms since the epoch (docs/schema.md), money
 * in USD, percentages as 12.5 for 12.5 %, win_rate 0..1; a figure that is
 * infinite in the database (profit factor with no loss) is null here,
 * since JSON has no infinity.
 */
#include "api_sql.h"

/* x, or NULL when not finite */
#define FIN(x)                                                                 \
    "(CASE WHEN " x " IN ('Infinity'::float8, '-Infinity'::float8, "           \
    "'NaN'::float8) THEN NULL ELSE " x " END)"

#define TAG_OF_1 "(SELECT tag FROM agent_versions WHERE id = $1::int)"

/* A list of a version's table newest first, in [$2, $3) by ts, $4 rows
 * from $5: {"version", "total", "<key>": [...]} */
#define LIST(table, key, cols)                                                 \
    "SELECT json_build_object('version', " TAG_OF_1 ", 'total', "              \
    "(SELECT count(*) FROM " table " WHERE version_id = $1::int AND ts >= "    \
    "$2::bigint AND ts < $3::bigint), '" key "', coalesce((SELECT "            \
    "json_agg(x ORDER BY x.id DESC) FROM (SELECT " cols " FROM " table         \
    " WHERE version_id = $1::int AND ts >= $2::bigint AND ts < $3::bigint "    \
    "ORDER BY seq DESC LIMIT $4::int OFFSET $5::int) x), '[]'::json))"

/* The long statements keep one field a line: clang-format re-flows a
 * string split by macros into fragments. */
/* clang-format off */

/* Issue 16's figures (migration 0003, docs/benchmark.md): the version
 * against an equal-weight buy-and-hold of its symbols, the P&L before and
 * after fees and funding, the cadence. NULL where undefined (before the
 * book starts, too few paired returns, rows older than the migration). */
#define BENCH_FIELDS                                                           \
    "'bench_return_pct', " FIN("bench_return_pct") ", "                        \
    "'excess_return_pct', " FIN("excess_return_pct") ", "                      \
    "'beta', " FIN("beta") ", "                                                \
    "'alpha_pct', " FIN("alpha_pct") ", "                                      \
    "'tracking_error_pct', " FIN("tracking_error_pct") ", "                    \
    "'info_ratio', " FIN("info_ratio") ", "                                    \
    "'bench_periods', bench_periods, "                                         \
    "'gross_pnl', " FIN("gross_pnl") ", "                                      \
    "'net_pnl', " FIN("net_pnl") ", "                                          \
    "'decisions_per_day', " FIN("decisions_per_day")

static const char leaderboard_sql[] =
    "WITH l AS (SELECT l.*, v.last_seen AS seen, "
    "greatest(l.last_ts - l.first_ts, 0) / 86400000.0 AS days "
    "FROM leaderboard l JOIN agent_versions v ON v.id = l.version_id) "
    "SELECT json_build_object('min_hours', $1::float8, 'versions', "
    "coalesce(json_agg(json_build_object("
    "'version', tag, 'description', description, 'last_seen', seen, "
    "'first_ts', first_ts, 'last_ts', last_ts, 'duration_days', days, "
    "'cycles', cycles, 'starting_equity', starting_equity, "
    "'equity', equity, 'total_return_pct', total_return_pct, "
    /* the host's annual return is compounded to 365 days: the daily
     * return is the same compounding, one day */
    "'daily_return_pct', CASE WHEN annual_return_pct > -100 THEN "
    "(power(1 + annual_return_pct / 100, 1 / 365.0) - 1) * 100 END, "
    "'annual_return_pct', annual_return_pct, "
    "'sharpe', " FIN("sharpe") ", "
    "'sortino', " FIN("sortino") ", "
    "'max_drawdown_pct', max_drawdown_pct, "
    "'calmar', " FIN("calmar") ", "
    "'trades', round_trips, 'wins', wins, 'losses', losses, "
    "'trades_per_day', CASE WHEN days > 0 THEN round_trips / days END, "
    "'win_rate', win_rate, "
    "'profit_factor', " FIN("profit_factor") ", "
    "'avg_hold_ms', avg_hold_ms, "
    "'realized_pnl', realized_pnl, "
    "'total_fees', total_fees, "
    "'total_funding', total_funding, "
    "'llm_calls', llm_calls, "
    "'llm_cost_usd', llm_cost_usd, "
    "'decisions', decisions, "
    "'cost_per_decision', cost_per_decision, "
    BENCH_FIELDS ") "
    "ORDER BY sharpe DESC, total_return_pct DESC, tag), '[]'::json)) "
    "FROM l WHERE days * 24 >= $1::float8";

/* clang-format on */

static const char pl_sql[] =
    "SELECT json_build_object('version', v.tag, 'ts', e.ts, 'equity', "
    "e.equity, 'cash', e.cash, 'available', e.available, 'unrealized_pnl', "
    "e.unrealized_pnl, 'margin_used', e.margin_used, 'realized_pnl', "
    "e.realized_pnl, 'fees_paid', e.fees_paid, 'funding_net', e.funding_net, "
    "'starting_equity', v.starting_equity, 'pnl', e.equity - "
    "v.starting_equity, 'total_return_pct', (e.equity / "
    "nullif(v.starting_equity, 0) - 1) * 100, 'max_drawdown_pct', "
    "m.max_drawdown_pct, 'open_positions', (SELECT count(*) FROM positions p "
    "WHERE p.version_id = v.id)) "
    "FROM agent_versions v "
    "LEFT JOIN LATERAL (SELECT * FROM equity_snapshots x WHERE x.version_id "
    "= v.id ORDER BY x.seq DESC LIMIT 1) e ON true "
    "LEFT JOIN LATERAL (SELECT max_drawdown_pct FROM version_metrics x "
    "WHERE x.version_id = v.id ORDER BY x.seq DESC LIMIT 1) m ON true "
    "WHERE v.id = $1::int";

static const char positions_sql[] =
    "SELECT json_build_object('version', " TAG_OF_1 ", 'positions', "
    "coalesce(json_agg(json_build_object('symbol', symbol, 'side', CASE WHEN "
    "qty > 0 THEN 'long' ELSE 'short' END, 'qty', qty, 'entry_price', "
    "entry_price, 'mark_price', mark_price, 'leverage', leverage, "
    "'notional', notional, 'initial_margin', initial_margin, "
    "'maintenance_margin', maintenance_margin, 'unrealized_pnl', "
    "unrealized_pnl, 'liquidation_price', nullif(liquidation_price, 0), "
    "'entry_ts', entry_ts, 'ts', ts, 'exit_plan', json_build_object("
    "'profit_target', profit_target, 'stop_loss', stop_loss, "
    "'invalidation', nullif(invalidation, ''))) ORDER BY symbol), "
    "'[]'::json)) FROM positions WHERE version_id = $1::int";

static const char decision_sql[] =
    "SELECT json_build_object('version', " TAG_OF_1 ", 'id', d.seq, 'ts', "
    "d.ts, 'cycle', d.cycle, 'notes', d.notes, 'error', d.error, "
    "'decision', d.decision, 'raw_output', d.raw_output, 'observation', "
    "o.observation, 'llm_call', CASE WHEN c.seq IS NULL THEN NULL ELSE "
    "json_build_object('id', c.seq, 'model', c.model, 'status', c.status, "
    "'latency_ms', c.latency_ms, 'prompt_tokens', c.prompt_tokens, "
    "'completion_tokens', c.completion_tokens, 'cached_tokens', "
    "c.cached_tokens, 'cost_usd', c.cost_usd) END) "
    "FROM decisions d "
    "LEFT JOIN observations o ON o.version_id = d.version_id AND o.seq = "
    "d.observation_seq "
    "LEFT JOIN llm_calls c ON c.version_id = d.version_id AND c.seq = "
    "d.llm_call_seq "
    "WHERE d.version_id = $1::int AND d.seq = $2::bigint";

/* clang-format off */
#define METRIC_FIELDS                                                          \
    "'ts', ts, 'cycles', cycles, 'first_ts', first_ts, 'last_ts', last_ts, "   \
    "'starting_equity', starting_equity, 'equity', equity, "                   \
    "'total_return_pct', total_return_pct, "                                   \
    "'annual_return_pct', annual_return_pct, "                                 \
    "'sharpe', " FIN("sharpe") ", "                                            \
    "'sortino', " FIN("sortino") ", "                                          \
    "'max_drawdown_pct', max_drawdown_pct, "                                   \
    "'calmar', " FIN("calmar") ", "                                            \
    "'round_trips', round_trips, 'wins', wins, 'losses', losses, "             \
    "'win_rate', win_rate, "                                                   \
    "'profit_factor', " FIN("profit_factor") ", "                              \
    "'avg_win', avg_win, 'avg_loss', avg_loss, "                               \
    "'largest_win', largest_win, 'largest_loss', largest_loss, "               \
    "'avg_hold_ms', avg_hold_ms, 'realized_pnl', realized_pnl, "               \
    "'total_fees', total_fees, 'total_funding', total_funding, "               \
    "'llm_calls', llm_calls, 'prompt_tokens', prompt_tokens, "                 \
    "'completion_tokens', completion_tokens, "                                 \
    "'cached_tokens', cached_tokens, 'llm_cost_usd', llm_cost_usd, "           \
    "'decisions', decisions, 'cost_per_decision', cost_per_decision, "         \
    "'snapshot_interval_s', snapshot_interval_s, " BENCH_FIELDS
/* clang-format on */

static const char metrics_sql[] =
    "SELECT json_build_object('version', " TAG_OF_1 ", 'metrics', (SELECT "
    "json_build_object(" METRIC_FIELDS ") FROM version_metrics WHERE "
    "version_id = $1::int ORDER BY seq DESC LIMIT 1))";

static const char perf_sql[] =
    "SELECT json_build_object('version', " TAG_OF_1 ", 'ts', m.ts, "
    "'total_trades', coalesce(m.round_trips, 0), 'winning_trades', "
    "coalesce(m.wins, 0), 'losing_trades', coalesce(m.losses, 0), "
    "'win_rate', m.win_rate, 'profit_factor', " FIN(
        "m.profit_factor") ", "
                           "'avg_win', m.avg_win, 'avg_loss', m.avg_loss, "
                           "'largest_win', "
                           "m.largest_win, 'largest_loss', m.largest_loss, "
                           "'avg_hold_minutes', "
                           "m.avg_hold_ms / 60000, 'sharpe', " FIN(
                               "m.sharpe") ", "
                                           "'max_drawdown_pct', "
                                           "m.max_drawdown_pct, "
                                           "'total_volume', (SELECT "
                                           "coalesce(sum(qty * price), 0) FROM "
                                           "trades WHERE version_id = "
                                           "$1::int)) FROM (SELECT 1) one LEFT "
                                           "JOIN LATERAL (SELECT * FROM "
                                           "version_metrics WHERE version_id = "
                                           "$1::int ORDER BY seq DESC LIMIT 1) "
                                           "m ON true";

static const char llm_sql[] =
    "SELECT json_build_object('version', " TAG_OF_1 ", 'totals', (SELECT "
    "json_build_object('calls', count(*), 'errors', count(*) FILTER (WHERE "
    "status <> 'ok'), 'cost_usd', coalesce(sum(cost_usd), 0), "
    "'prompt_tokens', coalesce(sum(prompt_tokens), 0), 'completion_tokens', "
    "coalesce(sum(completion_tokens), 0), 'cached_tokens', "
    "coalesce(sum(cached_tokens), 0), 'avg_latency_ms', avg(latency_ms)) "
    "FROM llm_calls WHERE version_id = $1::int AND ts >= $2::bigint AND ts "
    "< $3::bigint), 'llm_calls', coalesce((SELECT json_agg(x ORDER BY x.id "
    "DESC) FROM (SELECT seq AS id, ts, cycle, model, status, latency_ms, "
    "prompt_tokens, completion_tokens, cached_tokens, cost_usd, attempt, "
    "error FROM llm_calls WHERE version_id = $1::int AND ts >= $2::bigint "
    "AND ts < $3::bigint ORDER BY seq DESC LIMIT $4::int OFFSET $5::int) x), "
    "'[]'::json))";

#define MARKETS_OF(obs)                                                        \
    "coalesce((SELECT json_agg(json_build_object('symbol', m->>'symbol', "     \
    "'coin', m->>'coin', 'price', (m->>'mid')::float8, 'bid', "                \
    "(m->>'bid')::float8, 'ask', (m->>'ask')::float8, 'stale', "               \
    "coalesce((m->>'stale')::boolean, false), 'tick_size', "                   \
    "(m->'rules'->>'tick_size')::float8) ORDER BY m->>'symbol') FROM "         \
    "jsonb_array_elements(" obs "->'markets') m), '[]'::json)"

static const char market_sql[] =
    "SELECT json_build_object('version', " TAG_OF_1 ", 'ts', o.ts, "
    "'prices', " MARKETS_OF(
        "o.observation") ") FROM (SELECT 1) one LEFT "
                         "JOIN LATERAL (SELECT ts, observation FROM "
                         "observations WHERE version_id "
                         "= $1::int ORDER BY seq DESC LIMIT 1) o ON true";

/* the mid price of one market in the newest 500 kept observations of
 * [$3, $4): observations are documents, so the count is capped */
static const char prices_sql[] =
    "SELECT json_build_object('version', " TAG_OF_1 ", 'symbol', $2::text, "
    "'points', coalesce(json_agg(json_build_array(x.ts, x.p) ORDER BY x.ts), "
    "'[]'::json)) FROM (SELECT o.ts, (SELECT (m->>'mid')::float8 FROM "
    "jsonb_array_elements(o.observation->'markets') m WHERE m->>'symbol' = "
    "$2::text LIMIT 1) AS p FROM observations o WHERE o.version_id = $1::int "
    "AND o.ts >= $3::bigint AND o.ts < $4::bigint ORDER BY o.seq DESC LIMIT "
    "500) x WHERE x.p IS NOT NULL";

static const char health_sql[] =
    "SELECT json_build_object('version', v.tag, 'last_commit', v.last_seen, "
    "'lag_s', extract(epoch FROM now() - v.last_seen), 'cycles', c.cycle, "
    "'last_cycle_ts', c.cycle_ts, 'observation_ts', o.ts, "
    "'markets', " MARKETS_OF(
        "o.observation") ") FROM agent_versions v LEFT JOIN "
                         "checkpoints c ON c.version_id = v.id LEFT JOIN "
                         "LATERAL (SELECT ts, "
                         "observation FROM observations x WHERE x.version_id = "
                         "v.id ORDER BY "
                         "x.seq DESC LIMIT 1) o ON true WHERE v.id = $1::int";

static const char prom_sql[] =
    "SELECT v.tag, e.equity, e.unrealized_pnl, (SELECT count(*) FROM "
    "positions p WHERE p.version_id = v.id), (SELECT coalesce(sum(abs("
    "notional)), 0) FROM positions p WHERE p.version_id = v.id), c.cycle, "
    "extract(epoch FROM now() - v.last_seen), m.llm_calls, m.llm_cost_usd, "
    "(SELECT avg(latency_ms) FROM (SELECT latency_ms FROM llm_calls l WHERE "
    "l.version_id = v.id ORDER BY l.seq DESC LIMIT 100) r), m.round_trips, "
    /* live, the agent clock is the wall clock: from the newest cycle's
     * boundary to the commit of its records */
    "extract(epoch FROM c.written_at) - c.cycle_ts / 1000.0 "
    "FROM agent_versions v "
    "LEFT JOIN checkpoints c ON c.version_id = v.id "
    "LEFT JOIN LATERAL (SELECT equity, unrealized_pnl FROM equity_snapshots "
    "x WHERE x.version_id = v.id ORDER BY x.seq DESC LIMIT 1) e ON true "
    "LEFT JOIN LATERAL (SELECT llm_calls, llm_cost_usd, round_trips FROM "
    "version_metrics x WHERE x.version_id = v.id ORDER BY x.seq DESC LIMIT "
    "1) m ON true ORDER BY v.id";

const api_sql_stmt api_sql[API_SQL_COUNT] = {
    [SQL_VERSION_STATE] = {"dash_version_state",
                           "SELECT id, tag, last_seq, (extract(epoch FROM "
                           "last_seen) * 1000)::bigint FROM agent_versions "
                           "ORDER BY last_seen DESC, id DESC",
                           0},
    [SQL_VERSIONS] =
        {"dash_versions",
         "SELECT coalesce(json_agg(json_build_object('version', v.tag, "
         "'description', v.description, 'first_seen', v.first_seen, "
         "'last_seen', v.last_seen, 'first_ts', v.first_ts, 'last_ts', "
         "v.last_ts, 'starting_equity', v.starting_equity, 'cycles', "
         "c.cycle) ORDER BY v.last_seen DESC, v.id DESC), '[]'::json) FROM "
         "agent_versions v LEFT JOIN checkpoints c ON c.version_id = v.id",
         0},
    [SQL_CONFIG] = {"dash_config",
                    "SELECT json_build_object('version', tag, "
                    "'description', description, 'config', config) FROM "
                    "agent_versions WHERE id = $1::int",
                    1},
    [SQL_LEADERBOARD] = {"dash_leaderboard", leaderboard_sql, 1},
    [SQL_EQUITY_ROWS] = {"dash_equity_rows",
                         "SELECT ts, equity FROM equity_snapshots WHERE "
                         "version_id = $1::int AND ts < $2::bigint ORDER BY "
                         "seq",
                         2},
    [SQL_PL] = {"dash_pl", pl_sql, 1},
    [SQL_POSITIONS] = {"dash_positions", positions_sql, 1},
    [SQL_TRADES] = {"dash_trades",
                    LIST("trades", "trades",
                         "seq AS id, ts, symbol, side, qty, price, fee, "
                         "realized_pnl, position_after, cause, reason"),
                    5},
    [SQL_ROUND_TRIPS] = {"dash_round_trips",
                         LIST("round_trips", "round_trips",
                              "seq AS id, ts, symbol, side, qty, "
                              "entry_price, exit_price, entry_ts, exit_ts, "
                              "hold_ms, fees, net_pnl, net_pnl + fees AS "
                              "gross_pnl, entry_reason, exit_reason"),
                         5},
    [SQL_CHAT] = {"dash_chat",
                  LIST("decisions", "notes",
                       "seq AS id, ts, cycle, notes, error, decision, "
                       "observation_seq IS NOT NULL AS has_observation, "
                       "llm_call_seq IS NOT NULL AS has_llm_call"),
                  5},
    [SQL_DECISION] = {"dash_decision", decision_sql, 2},
    [SQL_METRICS] = {"dash_metrics", metrics_sql, 1},
    [SQL_PERF_STATS] = {"dash_perf_stats", perf_sql, 1},
    [SQL_LLM_CALLS] = {"dash_llm_calls", llm_sql, 5},
    [SQL_REJECTIONS] = {"dash_rejections",
                        LIST("rejections", "rejections",
                             "seq AS id, ts, cycle, symbol, reason, decision"),
                        5},
    [SQL_MARKET] = {"dash_market", market_sql, 1},
    [SQL_PRICES] = {"dash_prices", prices_sql, 4},
    [SQL_HEALTH] = {"dash_health", health_sql, 1},
    [SQL_PROM] = {"dash_prom", prom_sql, 0},
    [SQL_CURRENT] = {"dash_current",
                     "SELECT json_build_object('version', v.tag, "
                     "'description', v.description, 'first_seen', "
                     "v.first_seen, 'last_seen', v.last_seen, 'first_ts', "
                     "v.first_ts, 'last_ts', v.last_ts, 'starting_equity', "
                     "v.starting_equity, 'cycles', c.cycle) FROM "
                     "agent_versions v LEFT JOIN checkpoints c ON "
                     "c.version_id = v.id WHERE v.id = $1::int",
                     1},
};
