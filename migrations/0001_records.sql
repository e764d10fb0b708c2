-- 0001: agent versions, every record type, and the checkpoint a restarted
-- agent resumes from. docs/schema.md draws these tables and their keys.
--
-- Conventions: ts columns are the agent clock in milliseconds since the
-- Unix epoch, UTC (event time in a replay, wall time live); money is USD
-- in double precision (what the engine computes, stored exactly). Every
-- record table is keyed by (version_id, seq): seq numbers a version's
-- records in the order the agent wrote them, so a retried batch never
-- duplicates and "the newest N" is an index scan backwards. The second
-- index, (version_id, ts), serves ranges by time.

CREATE TABLE agent_versions (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tag             text NOT NULL UNIQUE,        -- agent.version
    description     text NOT NULL DEFAULT '',    -- agent.description
    config          jsonb,                       -- the YAML, secrets "***"
    starting_equity double precision,
    first_seen      timestamptz NOT NULL DEFAULT now(),  -- wall clock
    last_seen       timestamptz NOT NULL DEFAULT now(),  -- last commit
    first_ts        bigint,                      -- agent clock, first record
    last_ts         bigint,                      -- agent clock, last record
    last_seq        bigint NOT NULL DEFAULT 0,   -- newest committed seq
    live_pid        integer,                     -- last process to run it
    live_host       text,
    live_since      timestamptz
);

-- Every fill, including those the backend causes itself (stops,
-- take-profits, liquidations).
CREATE TABLE trades (
    version_id     integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq            bigint NOT NULL,
    ts             bigint NOT NULL,
    symbol         text NOT NULL,
    side           text NOT NULL CHECK (side IN ('buy', 'sell')),
    qty            double precision NOT NULL,    -- > 0; side gives the sign
    price          double precision NOT NULL,    -- slippage included
    fee            double precision NOT NULL,
    realized_pnl   double precision NOT NULL,    -- gross, of the closed part
    position_after double precision NOT NULL,    -- signed
    cause          text NOT NULL CHECK (cause IN ('entry', 'exit', 'flip',
                       'stop_loss', 'take_profit', 'liquidation')),
    reason         text NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX trades_by_time ON trades (version_id, ts);

-- One per reducing fill, rebuilt by average cost (DESIGN.md, Metrics).
CREATE TABLE round_trips (
    version_id   integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq          bigint NOT NULL,
    ts           bigint NOT NULL,                -- = exit_ts
    symbol       text NOT NULL,
    side         text NOT NULL CHECK (side IN ('long', 'short')),
    qty          double precision NOT NULL,
    entry_price  double precision NOT NULL,
    exit_price   double precision NOT NULL,
    entry_ts     bigint NOT NULL,
    exit_ts      bigint NOT NULL,
    hold_ms      bigint GENERATED ALWAYS AS (exit_ts - entry_ts) STORED,
    fees         double precision NOT NULL,      -- entry share + exit share
    net_pnl      double precision NOT NULL,      -- gross - fees
    entry_reason text NOT NULL DEFAULT '',
    exit_reason  text NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX round_trips_by_time ON round_trips (version_id, ts);

-- The account after every cycle.
CREATE TABLE equity_snapshots (
    version_id     integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq            bigint NOT NULL,
    ts             bigint NOT NULL,
    equity         double precision NOT NULL,
    cash           double precision NOT NULL,
    available      double precision NOT NULL,
    unrealized_pnl double precision NOT NULL,
    margin_used    double precision NOT NULL,
    realized_pnl   double precision NOT NULL,    -- all time
    fees_paid      double precision NOT NULL,    -- all time, >= 0
    funding_net    double precision NOT NULL,    -- all time, signed
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX equity_snapshots_by_time ON equity_snapshots (version_id, ts);

-- Every open position after every cycle (written with the equity
-- snapshot of the same ts).
CREATE TABLE position_snapshots (
    version_id         integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq                bigint NOT NULL,
    ts                 bigint NOT NULL,
    symbol             text NOT NULL,
    qty                double precision NOT NULL,  -- signed
    entry_price        double precision NOT NULL,
    mark_price         double precision,
    leverage           double precision NOT NULL,
    notional           double precision,
    initial_margin     double precision,
    maintenance_margin double precision,
    unrealized_pnl     double precision,
    liquidation_price  double precision,           -- 0: none
    entry_ts           bigint NOT NULL,
    profit_target      double precision,           -- NULL: not set
    stop_loss          double precision,           -- NULL: not set
    invalidation       text NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX position_snapshots_by_time ON position_snapshots (version_id, ts);

-- The open positions now: the snapshots taken with the newest equity
-- snapshot, replaced in the same transaction that writes it.
CREATE TABLE positions (
    version_id         integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    symbol             text NOT NULL,
    seq                bigint NOT NULL,
    ts                 bigint NOT NULL,
    qty                double precision NOT NULL,
    entry_price        double precision NOT NULL,
    mark_price         double precision,
    leverage           double precision NOT NULL,
    notional           double precision,
    initial_margin     double precision,
    maintenance_margin double precision,
    unrealized_pnl     double precision,
    liquidation_price  double precision,
    entry_ts           bigint NOT NULL,
    profit_target      double precision,
    stop_loss          double precision,
    invalidation       text NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, symbol)
);

CREATE TABLE funding_payments (
    version_id integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq        bigint NOT NULL,
    ts         bigint NOT NULL,
    symbol     text NOT NULL,
    rate       double precision NOT NULL,        -- the fraction applied
    position   double precision NOT NULL,        -- signed qty
    mark       double precision NOT NULL,
    payment    double precision NOT NULL,        -- > 0 received, < 0 paid
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX funding_payments_by_time ON funding_payments (version_id, ts);

CREATE TABLE liquidations (
    version_id         integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq                bigint NOT NULL,
    ts                 bigint NOT NULL,
    symbol             text NOT NULL,
    qty                double precision NOT NULL,  -- signed position closed
    price              double precision NOT NULL,  -- mark
    penalty            double precision NOT NULL,
    equity_before      double precision NOT NULL,
    maintenance_before double precision NOT NULL,
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX liquidations_by_time ON liquidations (version_id, ts);

-- What the planner saw: one cycle in agent.observation_every.
CREATE TABLE observations (
    version_id  integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    ts          bigint NOT NULL,
    cycle       bigint NOT NULL,
    observation jsonb NOT NULL,
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX observations_by_time ON observations (version_id, ts);

-- Every decision: the audience notes, the parsed decision, the model's raw
-- text (the cycle's last LLM answer, NULL for a planner without one) and
-- the observation and LLM call of the same cycle (NULL when not recorded).
CREATE TABLE decisions (
    version_id      integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    ts              bigint NOT NULL,
    cycle           bigint NOT NULL,
    notes           text NOT NULL DEFAULT '',    -- notes_for_audience
    error           text,                        -- the planner could not decide
    decision        jsonb NOT NULL,              -- DESIGN.md decision schema
    raw_output      text,
    observation_seq bigint,                      -- observations.seq
    llm_call_seq    bigint,                      -- llm_calls.seq
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX decisions_by_time ON decisions (version_id, ts);

CREATE TABLE llm_calls (
    version_id        integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq               bigint NOT NULL,
    ts                bigint NOT NULL,
    cycle             bigint NOT NULL,
    model             text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT '',  -- ok, http_429, timeout, ...
    request_hash      text,                      -- hex sha256 of the body
    latency_ms        double precision,
    prompt_tokens     bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    cached_tokens     bigint,                    -- NULL: not reported
    cost_usd          double precision,
    attempt           integer NOT NULL DEFAULT 1,
    error             text,
    raw_response      text,
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX llm_calls_by_time ON llm_calls (version_id, ts);

-- A coin decision the validator or the backend refused, with why.
CREATE TABLE rejections (
    version_id integer NOT NULL REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq        bigint NOT NULL,
    ts         bigint NOT NULL,
    cycle      bigint NOT NULL,
    symbol     text NOT NULL,
    reason     text NOT NULL,
    decision   jsonb,                            -- the coin's decision
    PRIMARY KEY (version_id, seq)
);
CREATE INDEX rejections_by_time ON rejections (version_id, ts);

-- Where each version stands: written in the same transaction as the
-- records of the cycle it ends, so a restart resumes exactly there.
CREATE TABLE checkpoints (
    version_id    integer PRIMARY KEY REFERENCES agent_versions (id) ON DELETE CASCADE,
    seq           bigint NOT NULL,               -- last record it covers
    cycle         bigint NOT NULL,
    cycle_ts      bigint NOT NULL,
    ts            bigint NOT NULL,               -- agent clock
    backend_state text,                          -- backend export_state
    planner_state text,                          -- planner export_state
    agent_state   jsonb,                         -- the host's run state
    written_at    timestamptz NOT NULL DEFAULT now()
);
