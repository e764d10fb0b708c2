-- 0003: each version judged against buy-and-hold (issue 16,
-- docs/benchmark.md): an equal-weight book of its symbols bought with its
-- starting equity, no leverage, and the figures of paired per-cycle
-- returns against it; the P&L before and after fees and funding; the
-- cadence. NULL where a figure is undefined (before the book starts,
-- fewer than two paired returns, beta of a book that never moves, the
-- information ratio of a version holding the book itself). Rows written
-- before this migration have NULL too.

ALTER TABLE version_metrics
    ADD COLUMN bench_return_pct   double precision,  -- the book's return
    ADD COLUMN excess_return_pct  double precision,  -- the version's less it
    ADD COLUMN beta               double precision,
    ADD COLUMN alpha_pct          double precision,  -- Jensen's, % a year
    ADD COLUMN tracking_error_pct double precision,  -- % a year
    ADD COLUMN info_ratio         double precision,  -- a year
    ADD COLUMN bench_periods      bigint,            -- paired returns
    ADD COLUMN gross_pnl          double precision,  -- net + fees - funding
    ADD COLUMN net_pnl            double precision,  -- equity - starting
    ADD COLUMN decisions_per_day  double precision;

-- The leaderboard keeps its columns and order and gains the new ones at
-- its end (CREATE OR REPLACE VIEW may only append).
CREATE OR REPLACE VIEW leaderboard AS
SELECT v.id AS version_id, v.tag, v.description, v.first_seen, v.last_seen,
       m.seq, m.ts, m.cycles, m.first_ts, m.last_ts, m.starting_equity,
       m.equity, m.total_return_pct, m.annual_return_pct, m.sharpe,
       m.sortino, m.max_drawdown_pct, m.calmar, m.round_trips, m.wins,
       m.losses, m.win_rate, m.profit_factor, m.avg_win, m.avg_loss,
       m.largest_win, m.largest_loss, m.avg_hold_ms, m.realized_pnl,
       m.total_fees, m.total_funding, m.llm_calls, m.prompt_tokens,
       m.completion_tokens, m.cached_tokens, m.llm_cost_usd, m.decisions,
       m.cost_per_decision, m.snapshot_interval_s,
       m.bench_return_pct, m.excess_return_pct, m.beta, m.alpha_pct,
       m.tracking_error_pct, m.info_ratio, m.bench_periods, m.gross_pnl,
       m.net_pnl, m.decisions_per_day
FROM agent_versions v
CROSS JOIN LATERAL (
    SELECT * FROM version_metrics x
    WHERE x.version_id = v.id
    ORDER BY x.seq DESC
    LIMIT 1) m;
