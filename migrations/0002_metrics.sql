-- 0002: each version's performance (DESIGN.md, Metrics), computed by the
-- agent from all its round trips and equity snapshots every
-- agent.metrics_every cycles and at stop; and the leaderboard, the newest
-- row of every version.

CREATE TABLE version_metrics (
    version_id          integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq                 bigint NOT NULL,
    ts                  bigint NOT NULL,
    cycles              bigint NOT NULL,
    first_ts            bigint,                  -- span of the equity curve
    last_ts             bigint,
    starting_equity     double precision NOT NULL,
    equity              double precision NOT NULL,
    total_return_pct    double precision NOT NULL,
    annual_return_pct   double precision NOT NULL,
    sharpe              double precision NOT NULL,  -- annualised by the real
    sortino             double precision NOT NULL,  -- snapshot interval
    max_drawdown_pct    double precision NOT NULL,
    calmar              double precision NOT NULL,
    round_trips         bigint NOT NULL,
    wins                bigint NOT NULL,
    losses              bigint NOT NULL,
    win_rate            double precision NOT NULL,  -- 0..1
    profit_factor       double precision NOT NULL,  -- Infinity: no loss
    avg_win             double precision NOT NULL,
    avg_loss            double precision NOT NULL,  -- <= 0
    largest_win         double precision NOT NULL,
    largest_loss        double precision NOT NULL,  -- <= 0
    avg_hold_ms         double precision NOT NULL,
    realized_pnl        double precision NOT NULL,
    total_fees          double precision NOT NULL,
    total_funding       double precision NOT NULL,  -- net, signed
    llm_calls           bigint NOT NULL,
    prompt_tokens       bigint NOT NULL,
    completion_tokens   bigint NOT NULL,
    cached_tokens       bigint NOT NULL,
    llm_cost_usd        double precision NOT NULL,
    decisions           bigint NOT NULL,
    cost_per_decision   double precision NOT NULL,
    snapshot_interval_s double precision NOT NULL,
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX version_metrics_by_time ON version_metrics (version_id, ts);

-- One row per version: its newest metrics (a version without any yet has
-- none). Order it as the page wants, e.g. ORDER BY sharpe DESC.
CREATE VIEW leaderboard AS
SELECT v.id AS version_id, v.tag, v.description, v.first_seen, v.last_seen,
       m.seq, m.ts, m.cycles, m.first_ts, m.last_ts, m.starting_equity,
       m.equity, m.total_return_pct, m.annual_return_pct, m.sharpe,
       m.sortino, m.max_drawdown_pct, m.calmar, m.round_trips, m.wins,
       m.losses, m.win_rate, m.profit_factor, m.avg_win, m.avg_loss,
       m.largest_win, m.largest_loss, m.avg_hold_ms, m.realized_pnl,
       m.total_fees, m.total_funding, m.llm_calls, m.prompt_tokens,
       m.completion_tokens, m.cached_tokens, m.llm_cost_usd, m.decisions,
       m.cost_per_decision, m.snapshot_interval_s
FROM agent_versions v
CROSS JOIN LATERAL (
    SELECT * FROM version_metrics x
    WHERE x.version_id = v.id
    ORDER BY x.seq DESC
    LIMIT 1) m;
