/*
 * perp/sdk.h — the perpd plugin SDK. Headers only; the one file a plugin
 * author includes.
 *
 * Contract (modelled on Janus plugin.h, Redis redismodule.h and SQLite
 * sqlite3ext.h):
 *   - every plugin .so exports exactly one symbol, `perp_plugin_entry`,
 *     returning a pointer to a constant perp_plugin_descriptor;
 *   - the host refuses a plugin whose abi_major differs from PERP_ABI_MAJOR
 *     or whose descriptor/vtable struct_size is smaller than the host needs;
 *   - minor versions only ever append fields at the end of structs, so a
 *     plugin built against 1.N loads in a host of 1.M for any M >= N, and a
 *     host checks struct_size before touching an appended field;
 *   - a plugin reaches the host only through the perp_host table handed to
 *     its create(); it never links against host internals and never exits.
 *
 * Conventions: time is int64_t milliseconds since the Unix epoch (UTC);
 * money and sizes are double; every call returns a perp_status code (a
 * plain int on the wire, so 1.0 and 1.1 plugins that return int load).
 * Ownership of each pointer is written next to it: "borrowed" means the
 * callee must not free it nor keep it past the call unless stated.
 */
#ifndef PERP_SDK_H
#define PERP_SDK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PERP_ABI_MAJOR    1
#define PERP_ABI_MINOR    2
#define PERP_ENTRY_SYMBOL "perp_plugin_entry"

/* Fixed capacities keep the value types plain (no allocation across the
 * ABI). Changing any of them is an ABI-major change. */
#define PERP_SYMBOL_MAX        24   /* "BTC-USD" plus NUL, with room */
#define PERP_COIN_MAX          16   /* "BTC" */
#define PERP_MAX_SYMBOLS       32   /* symbols one agent trades */
#define PERP_REASON_MAX        512  /* a trade's entry/exit reason, NUL incl. */
#define PERP_JUSTIFICATION_MAX 500  /* characters, excluding NUL */
#define PERP_NOTES_MAX         1000 /* notes_for_audience, excluding NUL */
#define PERP_INVALIDATION_MAX  256
#define PERP_ERROR_MAX         256

#if defined(__GNUC__)
#define PERP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PERP_PLUGIN_EXPORT     __attribute__((visibility("default")))
#else
#define PERP_PRINTF(fmt, args)
#define PERP_PLUGIN_EXPORT
#endif

/* ------------------------------------------------------------------ */
/* Status codes                                                        */

typedef enum perp_status {
    PERP_OK = 0,
    PERP_EOF = 1,      /* feed: no more events, ever (replay ended) */
    PERP_AGAIN = 2,    /* feed: no event within timeout; try later */
    PERP_ERR = -1,     /* generic failure; details already logged */
    PERP_EINVAL = -2,  /* bad configuration or argument */
    PERP_EREJECT = -3, /* backend refused an order; reason filled in */
    PERP_ENOMEM = -4,
    PERP_EUNSUPPORTED = -5 /* optional call not provided by this plugin */
} perp_status;

typedef enum perp_kind {
    PERP_KIND_FEED = 1,
    PERP_KIND_INDICATOR = 2,
    PERP_KIND_PLANNER = 3,
    PERP_KIND_BACKEND = 4,
    PERP_KIND_SINK = 5,
    PERP_KIND_SERVICE = 6
} perp_kind;

typedef enum perp_log_level {
    PERP_LOG_DEBUG = 0,
    PERP_LOG_INFO = 1,
    PERP_LOG_WARN = 2,
    PERP_LOG_ERROR = 3
} perp_log_level;

/* ------------------------------------------------------------------ */
/* Market data                                                         */

/* A top-of-book/trade update from a live feed. Fields the source does not
 * give are NAN (prices, sizes) or 0 (sequence). */
typedef struct perp_tick {
    int64_t ts;                   /* exchange time of the update */
    char symbol[PERP_SYMBOL_MAX]; /* "BTC-USD" */
    double price;                 /* last trade price */
    double bid, ask;              /* best bid/ask */
    double bid_size, ask_size;
    double last_size;  /* size of the last trade */
    double volume_24h; /* base-asset volume over 24 h */
    int64_t sequence;  /* per-symbol feed sequence, 0 if none */
} perp_tick;

/* One OHLCV bar. Stamped with its open time; visible only once closed,
 * i.e. at ts + interval_ms. */
typedef struct perp_candle {
    int64_t ts;          /* open time, aligned to interval_ms (UTC) */
    int64_t interval_ms; /* 60000 for 1m, 21600000 for 6h, ... */
    char symbol[PERP_SYMBOL_MAX];
    double open, high, low, close;
    double volume; /* base-asset volume; 0 for a no-trade bar */
} perp_candle;

/* A funding rate published by a venue (or read from a file). */
typedef struct perp_funding_rate {
    int64_t ts;
    char symbol[PERP_SYMBOL_MAX];
    double rate_1h; /* fraction per hour; positive: longs pay shorts */
} perp_funding_rate;

typedef enum perp_event_type {
    PERP_EV_NONE = 0,
    PERP_EV_TICK = 1,
    PERP_EV_CANDLE = 2,
    PERP_EV_FUNDING = 3
} perp_event_type;

typedef struct perp_event {
    perp_event_type type;
    int64_t ts; /* when the event became known: a tick's ts, a candle's
                   close time (open + interval), a funding rate's ts */
    union {
        perp_tick tick;
        perp_candle candle;
        perp_funding_rate funding;
    } u;
} perp_event;

/* ------------------------------------------------------------------ */
/* Trading values                                                      */

/* A position's exit plan. 0 means "not set" for the prices. */
typedef struct perp_exit_plan {
    double profit_target;
    double stop_loss;
    char invalidation[PERP_INVALIDATION_MAX]; /* free text, may be "" */
} perp_exit_plan;

typedef enum perp_order_type {
    PERP_ORDER_MARKET = 0,
    PERP_ORDER_LIMIT = 1
} perp_order_type;

/* Why a fill happened; chosen by the host for orders it sends, by the
 * backend for fills it causes itself. */
typedef enum perp_fill_cause {
    PERP_CAUSE_ENTRY = 0, /* opens or adds */
    PERP_CAUSE_EXIT = 1,  /* reduces or closes on the planner's word */
    PERP_CAUSE_FLIP = 2,  /* closes and opens the other side */
    PERP_CAUSE_STOP_LOSS = 3,
    PERP_CAUSE_TAKE_PROFIT = 4,
    PERP_CAUSE_LIQUIDATION = 5
} perp_fill_cause;

typedef struct perp_order {
    int64_t ts;
    char symbol[PERP_SYMBOL_MAX];
    double qty; /* signed: > 0 buys, < 0 sells */
    perp_order_type type;
    double limit_price; /* PERP_ORDER_LIMIT only */
    double leverage;    /* leverage for the resulting position */
    int reduce_only;
    int has_exit_plan; /* exit_plan applies to the resulting position */
    perp_exit_plan exit_plan;
    char reason[PERP_REASON_MAX]; /* the planner's justification */
    char client_id[48];
} perp_order;

typedef struct perp_fill {
    int64_t ts;
    char symbol[PERP_SYMBOL_MAX];
    double qty;            /* signed, as executed */
    double price;          /* average fill price, slippage included */
    double fee;            /* >= 0, charged to cash */
    double realized_pnl;   /* gross P&L of the closed part, fees excluded */
    double position_after; /* signed position once filled */
    perp_fill_cause cause;
    char reason[PERP_REASON_MAX];
} perp_fill;

typedef struct perp_position {
    char symbol[PERP_SYMBOL_MAX];
    double qty;         /* signed; never 0 in a reported position */
    double entry_price; /* volume-weighted average entry */
    double mark_price;
    double leverage;
    double notional;       /* |qty| * mark */
    double initial_margin; /* notional / leverage */
    double maintenance_margin;
    double unrealized_pnl;
    double liquidation_price; /* 0 if none (e.g. fully collateralised) */
    int64_t entry_ts;
    perp_exit_plan exit_plan;
} perp_position;

typedef struct perp_account {
    double starting_equity;
    double equity;      /* cash + unrealized P&L */
    double cash;        /* collateral: fees, funding, realized in */
    double available;   /* max(0, equity - initial margin used) */
    double margin_used; /* sum of initial margins */
    double maintenance_margin;
    double unrealized_pnl;
    double realized_pnl; /* gross, all time */
    double fees_paid;    /* >= 0, all time */
    double funding_net;  /* received - paid, all time */
    size_t n_positions;
    perp_position positions[PERP_MAX_SYMBOLS];
} perp_account;

/* Per-symbol trading rules a backend enforces. */
typedef struct perp_symbol_rules {
    double tick_size;    /* price step */
    double size_step;    /* quantity step */
    double min_notional; /* USD */
    double max_leverage;
} perp_symbol_rules;

/* A price update handed to a backend for mark-to-market, funding, stops
 * and liquidation. Missing bid/ask are NAN: the backend uses last. */
typedef struct perp_price {
    int64_t ts;
    char symbol[PERP_SYMBOL_MAX];
    double last, bid, ask;
} perp_price;

/* ------------------------------------------------------------------ */
/* Observation: what a planner sees. Built by the host each cycle; every
 * pointer inside is borrowed and valid only during plan().            */

typedef struct perp_indicator_value {
    const char *name;     /* as the YAML names it, "macd.hist" for a
                             multi-output indicator's output */
    const char *label;    /* categorical label ("trending_up") or NULL */
    double value;         /* NAN until defined */
    const double *series; /* oldest first, series[series_len-1] == value */
    size_t series_len;
} perp_indicator_value;

typedef struct perp_market_view {
    char symbol[PERP_SYMBOL_MAX];
    char coin[PERP_COIN_MAX];
    double mid, bid, ask, spread_bps;
    double volume_24h;
    double funding_rate_1h;
    int64_t last_update; /* ts of the last price */
    int stale;           /* 1: no fresh price; the validator blocks orders */
    perp_symbol_rules rules;
    const perp_candle *candles_1m; /* oldest first */
    size_t n_candles_1m;
    const perp_candle *candles_ctx; /* context timeframe, oldest first */
    size_t n_candles_ctx;
    const perp_indicator_value *ind_1m;
    size_t n_ind_1m;
    const perp_indicator_value *ind_ctx;
    size_t n_ind_ctx;
    const char *regime;         /* "trending_up", ... or NULL */
    const char *regime_summary; /* one line or NULL */
} perp_market_view;

/* A completed round trip, rebuilt from fills by average cost. */
typedef struct perp_round_trip {
    char symbol[PERP_SYMBOL_MAX];
    int side;   /* +1 long, -1 short */
    double qty; /* closed quantity (> 0) */
    double entry_price, exit_price;
    int64_t entry_ts, exit_ts;
    double fees;              /* entry fee pro-rated + exit fee */
    double net_pnl;           /* gross - fees */
    const char *entry_reason; /* borrowed */
    const char *exit_reason;  /* borrowed */
} perp_round_trip;

/* Performance of this agent version (DESIGN.md, Metrics). */
typedef struct perp_metrics {
    size_t trades;          /* round trips */
    double win_rate;        /* 0..1 */
    double profit_factor;   /* gross profit / gross loss; INFINITY if no loss */
    double sharpe, sortino; /* annualised with the real snapshot interval */
    double max_drawdown_pct;
    double total_return_pct;
    double avg_win, avg_loss; /* net, USD; avg_loss <= 0 */
} perp_metrics;

typedef struct perp_limits {
    double min_notional;
    double max_leverage;
    double max_exposure;          /* total notional / equity */
    double max_position_notional; /* per symbol, USD; 0 = none */
} perp_limits;

/* ABI 1.2: how far one indicator output is through its warm-up. */
typedef struct perp_warmup {
    uint32_t seen;   /* candles folded in so far, counted up to needed */
    uint32_t needed; /* candles until its first defined value (the
                        indicator's lookback + 1, plus the warm-up of the
                        outputs it reads); 0 if unknown (an indicator
                        built for ABI 1.1 has no lookback) */
} perp_warmup;

/* ABI 1.2: the warm-up of one market's indicators, parallel to its view:
 * ind_1m[k] belongs to perp_market_view.ind_1m[k]. */
typedef struct perp_market_warmup {
    const perp_warmup *ind_1m;  /* n_ind_1m entries, or NULL */
    const perp_warmup *ind_ctx; /* n_ind_ctx entries, or NULL */
} perp_market_warmup;

/* ABI 1.2: what a backend's market orders pay in slippage now, for one
 * order size (perp_backend_vtable.slippage). The caller sets struct_size;
 * the backend fills what it knows (docs/slippage.md). */
typedef struct perp_slippage {
    uint32_t struct_size; /* sizeof(perp_slippage) of the caller */
    char model[16];       /* "fixed" or "sqrt" (square-root impact) */
    double bps;           /* this order's slippage, bps of the price */
    double floor_bps;     /* fixed: every order's; sqrt: the least (0) */
    double k, cap_bps;    /* sqrt: bps = k sigma sqrt(notional / V) 1e4,
                             at most cap_bps */
    int64_t window_ms;    /* sqrt: the window of sigma and V */
    double sigma_1m;      /* sqrt: per-minute volatility (fraction) over
                             the window, NAN while unknown */
    double volume_1m;     /* sqrt: traded notional per minute (USD) over
                             the window, NAN while unknown */
} perp_slippage;

/* ABI 1.2: one market's slippage as the observation shows it: the model
 * in force and what market orders of PERP_SLIPPAGE_QUOTES sizes would pay
 * now. notional[] is 1,000, 10,000 and 100,000 USD, then the largest
 * order the account allows (available x the symbol's max leverage; 0
 * when nothing is available). An array element: it never grows. */
#define PERP_SLIPPAGE_QUOTES 4
typedef struct perp_market_slippage {
    char model[16]; /* "fixed" or "sqrt"; "" when the backend does not say */
    double floor_bps, k, cap_bps;
    int64_t window_ms;
    double sigma_1m, volume_1m;
    double notional[PERP_SLIPPAGE_QUOTES]; /* USD */
    double bps[PERP_SLIPPAGE_QUOTES];      /* NAN when unknown */
} perp_market_slippage;

typedef struct perp_observation {
    uint32_t struct_size; /* sizeof(perp_observation) of the host */
    int64_t ts;           /* cycle time */
    int64_t cycle;        /* 1-based cycle number */
    const char *version;  /* agent.version */
    int64_t ctx_interval_ms;
    const perp_market_view *markets;
    size_t n_markets;
    perp_account account;
    const perp_round_trip *recent_trades; /* newest first */
    size_t n_recent_trades;
    perp_metrics metrics;
    perp_limits limits;
    const char *const *feedback; /* previous cycle's rejections/errors */
    size_t n_feedback;

    /* ABI 1.2 (read only when struct_size covers it): n_markets entries,
     * parallel to markets, or NULL when the builder does not know. The
     * JSON shows an output still warming up as "warming_up": "12/26". */
    const perp_market_warmup *warmup;
    /* ABI 1.2: n_markets entries, parallel to markets, or NULL when the
     * backend does not say what its orders pay (perp_backend_vtable's
     * slippage). */
    const perp_market_slippage *slippage;
} perp_observation;

/* ------------------------------------------------------------------ */
/* Decision: what a planner returns (DESIGN.md, decision schema).      */

typedef enum perp_signal {
    PERP_SIGNAL_HOLD = 0,
    PERP_SIGNAL_BUY = 1,  /* be long `quantity` coins */
    PERP_SIGNAL_SELL = 2, /* be short `quantity` coins */
    PERP_SIGNAL_CLOSE = 3 /* be flat */
} perp_signal;

typedef struct perp_coin_decision {
    char coin[PERP_COIN_MAX]; /* "BTC"; unknown coins are rejected by the
                                 host, not silently dropped */
    perp_signal signal;
    double quantity; /* absolute target in coins; validated by the host */
    double leverage;
    double confidence; /* 0..1 */
    double risk_usd;
    perp_exit_plan exit_plan;
    char justification[PERP_JUSTIFICATION_MAX + 1];
} perp_coin_decision;

typedef struct perp_decision {
    size_t n_coins;
    perp_coin_decision coins[PERP_MAX_SYMBOLS];
    char notes[PERP_NOTES_MAX + 1]; /* notes_for_audience */
    /* Set when the planner could not decide and holds everything (LLM
     * down, unparsable answer); recorded and shown next cycle. */
    char error[PERP_ERROR_MAX];
} perp_decision;

/* ------------------------------------------------------------------ */
/* Records: what sinks receive. Every pointer is borrowed for write(). */

typedef enum perp_record_type {
    PERP_REC_TRADE = 1,
    PERP_REC_EQUITY = 2,
    PERP_REC_OBSERVATION = 3,
    PERP_REC_DECISION = 4,
    PERP_REC_REJECTION = 5,
    PERP_REC_FUNDING = 6,
    PERP_REC_LIQUIDATION = 7,
    PERP_REC_LLM_CALL = 8,
    PERP_REC_POSITION = 9, /* a position snapshot after a cycle */
    PERP_REC_VERSION = 10, /* agent registered: config snapshot */
    /* ABI 1.2; the host sends them only to sinks built for 1.2 or later */
    PERP_REC_ROUND_TRIP = 11, /* a round trip closed by a fill */
    PERP_REC_METRICS = 12     /* the version's performance, every N cycles */
} perp_record_type;

typedef struct perp_trade_record {
    perp_fill fill; /* side = sign of fill.qty */
} perp_trade_record;

typedef struct perp_equity_record {
    double equity, cash, available, unrealized_pnl, margin_used;
    double realized_pnl, fees_paid, funding_net;
} perp_equity_record;

typedef struct perp_json_record {
    const char *json; /* a complete JSON document (observation, decision,
                         version config snapshot without secrets) */
} perp_json_record;

typedef struct perp_rejection_record {
    char symbol[PERP_SYMBOL_MAX];
    char reason[PERP_ERROR_MAX]; /* one line, human readable */
    const char *decision_json;   /* the rejected coin decision, or NULL */
} perp_rejection_record;

typedef struct perp_funding_record {
    char symbol[PERP_SYMBOL_MAX];
    double rate;     /* the fraction applied for this payment */
    double position; /* signed qty */
    double mark;
    double payment; /* signed: > 0 received, < 0 paid */
} perp_funding_record;

typedef struct perp_liquidation_record {
    char symbol[PERP_SYMBOL_MAX];
    double qty;     /* signed position closed */
    double price;   /* mark at liquidation */
    double penalty; /* USD charged to cash */
    double equity_before, maintenance_before;
} perp_liquidation_record;

typedef struct perp_llm_call_record {
    const char *model;
    const char *status;       /* "ok", "http_429", "timeout", ... */
    const char *request_hash; /* hex sha256 of the request body */
    const char *raw_response; /* as received (may be truncated), or NULL */
    const char *error;        /* or NULL */
    double latency_ms;
    int64_t prompt_tokens, completion_tokens;
    double cost_usd;
    int attempt;
    /* ABI 1.2: prompt tokens the provider billed at its cached rate
     * (usage.prompt_tokens_details.cached_tokens); -1 if not reported.
     * A 1.0/1.1 plugin never sets it: the host reads -1. */
    int64_t cached_tokens;
} perp_llm_call_record;

/* ABI 1.2: the version's performance (DESIGN.md, Metrics), computed by the
 * host from every round trip and equity snapshot of the version since its
 * first run, every agent.metrics_every cycles and at stop. Money in USD,
 * percentages as 12.5 for 12.5 %, times in ms. A figure without a
 * definition yet (no round trip, one snapshot) is 0; profit factor and
 * Sortino may be INFINITY (no loss). */
typedef struct perp_metrics_record {
    int64_t cycles;            /* decision cycles run by the version */
    int64_t first_ts, last_ts; /* span of the equity curve */
    double starting_equity, equity;
    double total_return_pct;
    double annual_return_pct; /* compounded to a 365-day year */
    double sharpe, sortino;   /* annualised by the real snapshot interval */
    double max_drawdown_pct;
    double calmar; /* annual_return_pct / max_drawdown_pct; 0 if no dd */
    int64_t round_trips, wins, losses;
    double win_rate; /* 0..1, net P&L > 0 */
    double profit_factor;
    double avg_win, avg_loss;         /* net; avg_loss <= 0 */
    double largest_win, largest_loss; /* net; largest_loss <= 0 */
    double avg_hold_ms;
    double realized_pnl, total_fees, total_funding; /* funding: net, signed */
    int64_t llm_calls, prompt_tokens, completion_tokens, cached_tokens;
    double llm_cost_usd;
    int64_t decisions; /* cycles whose planner returned a decision */
    double cost_per_decision;
    double snapshot_interval_s; /* mean spacing of the equity snapshots */
    /* Appended in 1.2 (issue 16): against an equal-weight buy-and-hold of
     * agent.symbols, from paired per-cycle returns (docs/benchmark.md).
     * NAN where undefined: before the book starts or with fewer than two
     * paired returns, beta when the book never moves, the information
     * ratio of a version that holds the book itself. */
    double bench_return_pct;   /* the book's total return */
    double excess_return_pct;  /* the version's over the same span, less */
    double beta;               /* cov(v, b) / var(b) */
    double alpha_pct;          /* Jensen's alpha, % a year */
    double tracking_error_pct; /* sd(v - b), % a year */
    double info_ratio;         /* mean(v - b) / sd(v - b), a year */
    int64_t bench_periods;     /* paired returns */
    /* Fees and funding as drag: net = equity - starting_equity, gross =
     * net + total_fees - total_funding. */
    double gross_pnl, net_pnl;
    double decisions_per_day; /* decisions / span in days (NAN: no span) */
} perp_metrics_record;

typedef struct perp_record {
    perp_record_type type;
    int64_t ts;
    const char *version; /* agent.version; filled by the host */
    union {
        perp_trade_record trade;
        perp_equity_record equity;
        perp_json_record json; /* OBSERVATION, DECISION, VERSION */
        perp_rejection_record rejection;
        perp_funding_record funding;
        perp_liquidation_record liquidation;
        perp_llm_call_record llm_call;
        perp_position position;
        /* ABI 1.2 (neither grows the union) */
        perp_round_trip round_trip; /* reasons borrowed for the call */
        perp_metrics_record metrics;
    } u;
} perp_record;

/* ------------------------------------------------------------------ */
/* The observation rendered for a language model (ABI 1.2, host service
 * prompt_render). The observation record stays lossless JSON; this is a
 * compact text for reading, with the precision that carries information:
 * prices to the coin's tick, indicator values to about 4 significant
 * digits, volumes to 3, percentages to 1 decimal, candle rows without
 * per-row times (docs/prompt.md has the rules and the reading guide that
 * the CONSTANT part carries). A planner puts the CONSTANT part first (the
 * system message) and the CHANGING part after it, so providers that cache
 * prompt prefixes bill the constant part at their cached rate.       */

typedef enum perp_prompt_part {
    PERP_PROMPT_CHANGING = 0, /* the cycle: markets, account, positions,
                                 round trips, metrics, feedback */
    PERP_PROMPT_CONSTANT = 1  /* how to read it, each coin's trading rules
                                 and the limits: identical every cycle
                                 while the configuration is */
} perp_prompt_part;

/* Options of one rendering. Fill with PERP_PROMPT_OPTIONS_INIT, then set
 * what you need: the struct grows at its end, and a host reads only the
 * struct_size bytes the caller had (the rest take their defaults). */
typedef struct perp_prompt_options {
    uint32_t struct_size; /* sizeof(perp_prompt_options) of the caller */
    perp_prompt_part part;
    /* Estimated-token budget of this text (host->prompt_tokens), 0: none.
     * Over it, the host trims in this order and says so in the text:
     * oldest candles first (context rows, then one-minute rows), then
     * indicator series (down to the current value), then the oldest
     * round trips. */
    int64_t tokens_max;
    uint32_t context_candles; /* newest context candles shown (default 2) */
    uint32_t reason_chars;    /* a round trip's reasons cut to this many
                                 characters (default 40) */
} perp_prompt_options;

#define PERP_PROMPT_OPTIONS_INIT                                               \
    {                                                                          \
        .struct_size = sizeof(perp_prompt_options),                            \
        .part = PERP_PROMPT_CHANGING, .tokens_max = 0, .context_candles = 2,   \
        .reason_chars = 40                                                     \
    }

/* What prompt_render returns. The caller sets struct_size; the host fills
 * the members that size covers. */
typedef struct perp_prompt_text {
    uint32_t struct_size; /* sizeof(perp_prompt_text) of the caller */
    char *text;           /* NUL-terminated, malloc'd by the host; the caller
                             owns it and frees it with host->free_mem */
    size_t bytes;         /* strlen(text) */
    int64_t tokens_est;   /* host->prompt_tokens(text) */
    /* What the budget cut (0 when nothing was): rows and values dropped
     * per market, round trips dropped; over_budget is 1 when everything
     * that may be cut was and the text is still over tokens_max. */
    uint32_t context_candles_cut, candles_1m_cut, series_cut, trades_cut;
    int over_budget;
} perp_prompt_text;

/* ------------------------------------------------------------------ */
/* Host services                                                       */

/* A node of the read-only YAML tree; opaque. Every node knows its
 * file:line:column. Nodes live as long as the host's config. */
typedef struct perp_config_node perp_config_node;

typedef struct perp_host perp_host;

struct perp_host {
    uint32_t struct_size;
    uint16_t abi_major, abi_minor;

    /* One line to stderr as "level ts component message"; secrets known to
     * the host are redacted. component is this plugin instance's name. */
    void (*log)(const perp_host *h, perp_log_level lvl, const char *fmt, ...)
        PERP_PRINTF(3, 4);

    /* Milliseconds since the epoch: wall time live, event time in replay. */
    int64_t (*now_ms)(const perp_host *h);

    /* Config: node is the plugin's own YAML node (or a child of it).
     * Getters return PERP_OK (found or defaulted) or PERP_EINVAL after
     * logging "file:line:col: key: expected X, found Y". Strings returned
     * are borrowed from the config tree (valid until destroy). */
    const perp_config_node *(*cfg_child)(const perp_config_node *node,
                                         const char *key); /* NULL: absent */
    perp_status (*cfg_str)(const perp_host *h, const perp_config_node *node,
                           const char *key, const char *def, const char **out);
    perp_status (*cfg_num)(const perp_host *h, const perp_config_node *node,
                           const char *key, double def, double *out);
    perp_status (*cfg_int)(const perp_host *h, const perp_config_node *node,
                           const char *key, int64_t def, int64_t *out);
    perp_status (*cfg_bool)(const perp_host *h, const perp_config_node *node,
                            const char *key, int def, int *out);
    /* "250ms", "15s", "5m", "6h", "1d" or a bare number of seconds. */
    perp_status (*cfg_duration_ms)(const perp_host *h,
                                   const perp_config_node *node,
                                   const char *key, int64_t def, int64_t *out);
    size_t (*cfg_len)(const perp_config_node *seq); /* 0 if not a sequence */
    const perp_config_node *(*cfg_at)(const perp_config_node *seq, size_t i);
    const char *(*cfg_scalar)(const perp_config_node *node); /* NULL if not */
    /* Logs "file:line:col: msg" at ERROR and returns PERP_EINVAL. */
    perp_status (*cfg_error)(const perp_host *h, const perp_config_node *node,
                             const char *fmt, ...) PERP_PRINTF(3, 4);
    /* Every key of mapping `node` must be in the NULL-terminated `allowed`
     * list ("plugin" and "name" are always allowed); else cfg_error. */
    perp_status (*cfg_check_keys)(const perp_host *h,
                                  const perp_config_node *node,
                                  const char *const *allowed);

    /* The agent: version tag and symbols (borrowed, live as long as host). */
    const char *(*agent_version)(const perp_host *h);
    size_t (*symbol_count)(const perp_host *h);
    const char *(*symbol_at)(const perp_host *h, size_t i);

    /* Hand a record to every sink (the host stamps version). The record
     * and what it points to are borrowed for the call only. */
    void (*emit)(const perp_host *h, const perp_record *rec);

    /* Render an observation to JSON (the same text the planner's prompt
     * and the observation record carry). Caller frees with free_mem. */
    char *(*observation_json)(const perp_host *h, const perp_observation *obs);
    void (*free_mem)(void *p);

    /* Parse a decision in the DESIGN.md schema from text: a JSON object,
     * possibly inside a ```json fence or surrounded by prose. Strings too
     * long are truncated at a character boundary and noted in out->error;
     * a coin whose fields have wrong types keeps its name with quantity
     * NAN, so the host's validator rejects that coin alone. PERP_OK, or
     * PERP_EINVAL with a one-line reason in err when no decision object
     * can be found. */
    perp_status (*decision_from_json)(const perp_host *h, const char *text,
                                      perp_decision *out, char *err,
                                      size_t err_len);

    /* Host-private; plugins must not touch it. */
    void *host_ctx;

    /* ABI 1.1 (check PERP_HOST_HAS(h, stopping) first): non-zero once the
     * host has been asked to stop (SIGINT/SIGTERM). A call that may wait
     * long (an LLM request and its retries) checks it and returns early,
     * so shutdown takes seconds. Callable from any thread. */
    int (*stopping)(const perp_host *h);

    /* ABI 1.2 (check PERP_HOST_HAS(h, prompt_render) first). Renders obs
     * for a language model (see perp_prompt_options); out->text is the
     * caller's, freed with free_mem. Callable from the planner's thread
     * during plan(). PERP_OK (also when over budget: out->over_budget),
     * PERP_EINVAL for a NULL argument or a struct_size too small,
     * PERP_ENOMEM. */
    perp_status (*prompt_render)(const perp_host *h,
                                 const perp_observation *obs,
                                 const perp_prompt_options *opt,
                                 perp_prompt_text *out);
    /* ABI 1.2: the host's estimate of text's tokens for current
     * tokenizers (o200k-like BPE): digits and other bytes each at their
     * calibrated bytes per token (docs/prompt.md; `make bench` compares
     * it with the real o200k count). 0 for NULL. */
    int64_t (*prompt_tokens)(const perp_host *h, const char *text);
    /* ABI 1.2: agent.cycle in milliseconds (how often plan() is called),
     * 0 where there is no agent (a plugin's command). */
    int64_t (*cycle_ms)(const perp_host *h);

    /* ABI 1.2 (PERP_HOST_HAS(h, decision_from_json_strict)): as
     * decision_from_json, for text that is JSON by construction (a script
     * line, a stored decision), not an LLM's prose: text must be exactly
     * one JSON object and the decision is its top-level "positions" (and
     * "notes_for_audience"); nothing is searched for in other keys, in
     * strings or around the object. Other top-level keys are the caller's
     * to check. Both parsers refuse a key given twice anywhere in the
     * decision ("BTC" twice, "quantity" twice) with PERP_EINVAL and a
     * reason naming the key: which value was meant is not theirs to guess. */
    perp_status (*decision_from_json_strict)(const perp_host *h,
                                             const char *text,
                                             perp_decision *out, char *err,
                                             size_t err_len);
};

/* 1 if host table h is recent enough to carry member m (and sets it). */
#define PERP_HOST_HAS(h, m)                                                    \
    ((h)->struct_size >= offsetof(perp_host, m) + sizeof((h)->m) && (h)->m)

/* ------------------------------------------------------------------ */
/* Vtables, one per kind. Every vtable begins with struct_size, create
 * and destroy. create() receives the host table (borrowed; valid until
 * destroy) and the plugin's YAML node (borrowed, same lifetime) and
 * stores its instance in *self. destroy(NULL) is a no-op. Optional
 * entries may be NULL.                                                */

#define PERP_VTABLE_HEAD                                                       \
    uint32_t struct_size;                                                      \
    perp_status (*create)(const perp_host *host, const perp_config_node *cfg,  \
                          void **self);                                        \
    void (*destroy)(void *self)

typedef struct perp_common_vtable {
    PERP_VTABLE_HEAD;
} perp_common_vtable;

typedef struct perp_feed_status {
    int connected;
    int64_t last_message_ts; /* host clock, 0 if never */
    uint64_t messages, reconnects, gaps, malformed, late;
    char detail[128]; /* e.g. last error, one line */
} perp_feed_status;

typedef struct perp_feed_vtable {
    PERP_VTABLE_HEAD;
    /* Fill *ev with the next event; PERP_OK, PERP_AGAIN (none within
     * timeout_ms; live feeds) or PERP_EOF (a replay has ended). Replay
     * feeds return events in non-decreasing ev->ts order. */
    perp_status (*next)(void *self, perp_event *ev, int timeout_ms);
    perp_status (*status)(void *self, perp_feed_status *out); /* optional */
    /* ABI 1.2, optional: closed candles of `symbol` with open times in
     * [from_ms, to_ms) (both multiples of interval_ms), oldest first, one
     * per open time, from the venue's history (REST), as the venue has
     * them: a bucket without trades may be absent (the host fills it for
     * the warm-up) and the host checks every candle (perp/candle_check.h)
     * before using or writing it. Writes at most cap candles to out
     * (caller-owned; NULL allowed when cap is 0) and their count to *n.
     * An empty range (from_ms == to_ms) asks nothing of the venue: it
     * only says whether the interval is served. The host calls it for the
     * live warm-up and for `perpd history download --feed NAME`, maybe on
     * an instance whose next() is never called (so a stream should start
     * at the first next(), not in create()), from one thread at a time.
     * A long wait (rate limit, retries) ends when host->stopping() turns
     * non-zero. PERP_OK; PERP_EUNSUPPORTED for an interval the venue does
     * not serve; PERP_EINVAL for a bad request; PERP_ERR after logging
     * (network, HTTP, stopped). */
    perp_status (*backfill)(void *self, const char *symbol, int64_t interval_ms,
                            int64_t from_ms, int64_t to_ms, perp_candle *out,
                            size_t cap, size_t *n);
} perp_feed_vtable;

typedef enum perp_timeframe {
    PERP_TF_1M = 0, /* one-minute candles */
    PERP_TF_CTX = 1 /* the context timeframe (default 6 h) */
} perp_timeframe;

typedef struct perp_indicator_vtable {
    PERP_VTABLE_HEAD;
    /* Names of this instance's outputs (borrowed from the plugin). A
     * single-output indicator is shown under its YAML name; outputs of a
     * multi-output one as "<name>.<output>". */
    size_t (*output_count)(void *self);
    const char *(*output_name)(void *self, size_t i);
    /* Optional: called once before the first update with the full names
     * of the outputs of the indicators before this one (same symbol and
     * timeframe, YAML order); prior[] in update() follows this order.
     * Return PERP_EINVAL (after host->log) if an input is missing. */
    perp_status (*bind)(void *self, size_t n, const char *const *names);
    /* O(1): fold in one closed candle; write output_count() values to out
     * (NAN while undefined). prior: earlier indicators' current outputs. */
    perp_status (*update)(void *self, const perp_candle *c, const double *prior,
                          double *out);
    void (*reset)(void *self);
    /* Optional: label of a categorical output's current value ("ranging"),
     * or NULL; and a one-line summary of the latest update, or NULL. */
    const char *(*output_label)(void *self, size_t i);
    const char *(*summary)(void *self);
    /* ABI 1.2, optional: candles folded in before every output is
     * defined (TA-Lib's TA_xxx_Lookback, Tulip's start): 0 for outputs
     * defined from the first candle. An indicator that reads earlier
     * outputs (bind) counts from the first candle at which those are
     * defined: the host adds their lookback. The host sizes the live
     * warm-up from the largest lookback of a timeframe and tells the
     * planner which indicators are still warming up. */
    size_t (*lookback)(void *self);
} perp_indicator_vtable;

typedef struct perp_planner_vtable {
    PERP_VTABLE_HEAD;
    /* Decide for this cycle. *out arrives zeroed. On a failure the planner
     * still returns PERP_OK with every coin held and out->error set; a
     * non-OK return means the planner itself is broken. */
    perp_status (*plan)(void *self, const perp_observation *obs,
                        perp_decision *out);
    /* ABI 1.2, optional: what plan() would cost over a backtest of
     * `cycles` cycles whose observations render to about
     * `observation_bytes` of JSON. PERP_OK: every answer comes without a
     * paid call (an LLM planner answering from its record/replay
     * cassette). PERP_EUNSUPPORTED: plan() would call a paid model;
     * *calls and *usd (at the model's listed price, NAN when unknown)
     * say how much, and a backtest refuses unless told --allow-llm. A
     * planner without it (rules, script) answers locally. */
    perp_status (*backtest_cost)(void *self, int64_t cycles,
                                 size_t observation_bytes, int64_t *calls,
                                 double *usd);
    /* ABI 1.2, optional: memory the planner keeps between cycles (a
     * cooldown clock, a script's position), as text, so a restarted agent
     * decides as the uninterrupted one would. The host calls export after
     * a cycle's plan() has returned and import once before the first
     * plan(), both from the host thread. export: *out is malloc'd by the
     * plugin and freed by the caller with free(). A planner without such
     * memory leaves both NULL. */
    perp_status (*export_state)(void *self, char **out);
    perp_status (*import_state)(void *self, const char *state);
} perp_planner_vtable;

typedef struct perp_backend_vtable {
    PERP_VTABLE_HEAD;
    /* Execute one order now. PERP_OK: *fill holds the execution.
     * PERP_EREJECT: nothing changed; why holds a one-line reason. The
     * backend emits the TRADE record (and FUNDING/LIQUIDATION ones)
     * through host->emit, so fills it causes itself are recorded too. */
    perp_status (*submit)(void *self, const perp_order *o, perp_fill *fill,
                          char *why, size_t why_len);
    /* Mark-to-market: funding, stops, take-profits, liquidation. */
    perp_status (*on_price)(void *self, const perp_price *p);
    /* Optional: a closed candle in replay; walked open, nearer extreme,
     * other extreme, close, so intrabar stops fire. */
    perp_status (*on_candle)(void *self, const perp_candle *c);
    /* Optional: an external funding rate. */
    perp_status (*on_funding)(void *self, const perp_funding_rate *r);
    perp_status (*account)(void *self, perp_account *out);
    perp_status (*rules)(void *self, const char *symbol,
                         perp_symbol_rules *out);
    /* Set or replace the exit plan of symbol's open position. */
    perp_status (*set_exit_plan)(void *self, const char *symbol,
                                 const perp_exit_plan *plan);
    /* Optional: whole state as text (JSON). export: *out is malloc'd by
     * the plugin and freed by the caller with free(). */
    perp_status (*export_state)(void *self, char **out);
    perp_status (*import_state)(void *self, const char *state);
    /* ABI 1.2, optional: a closed candle of one of the agent's markets,
     * for the backend's own statistics (perpsim's size-aware slippage
     * reads volatility and traded volume from them). It moves no price:
     * on_price and on_candle do. The host hands over every closed candle
     * its markets take: in replay each feed candle after its on_candle,
     * live each one-minute bar its builder closes and the warm-up's
     * backfill, always before the cycle that follows it. */
    perp_status (*market_candle)(void *self, const perp_candle *c);
    /* ABI 1.2, optional: what a market order of `notional` USD on symbol
     * would pay in slippage now and the model in force (*out: the
     * caller's, struct_size set). PERP_EINVAL for an unknown symbol. A
     * backend without it does not say (the observation shows nothing). */
    perp_status (*slippage)(void *self, const char *symbol, double notional,
                            perp_slippage *out);
} perp_backend_vtable;

/* ABI 1.2: where an agent stands after a cycle, for crash recovery. The
 * host hands one to every sink after a cycle's records: live after every
 * cycle, in a replay every agent.checkpoint_every cycles (and at most a
 * second of wall time apart), and once more at stop. A sink that stores
 * records keeps the records written since the previous checkpoint and
 * this checkpoint together, all or nothing (one database transaction), so
 * what it has stored always ends at a checkpoint. Records between two
 * checkpoints may span several cycles: each cycle's records end with its
 * EQUITY record (and the POSITION records after it), which is where a
 * sink that numbers cycles counts one. Every pointer is borrowed for the
 * call; agent_state is JSON. */
typedef struct perp_checkpoint {
    uint32_t struct_size; /* sizeof(perp_checkpoint) of the caller */
    int64_t cycle;        /* cycles run so far (1-based number of the last) */
    int64_t cycle_ts;     /* time of that cycle; the next one is due one
                             agent.cycle later */
    int64_t ts;           /* the agent clock: every market event up to and
                             including this time is in the states below (a
                             replay resumes with the events after it) */
    const char *backend_state; /* backend export_state, or NULL */
    const char *planner_state; /* planner export_state, or NULL */
    const char *agent_state;   /* the host's own (JSON), or NULL */
} perp_checkpoint;

/* ABI 1.2: what a sink hands back to the host from restore(). */
typedef struct perp_restore_visitor {
    uint32_t struct_size; /* sizeof(perp_restore_visitor) of the host */
    void *ud;             /* the host's; passed back to each call */
    /* The last checkpoint stored for the version, once, first; not called
     * when the sink holds nothing for the version (a first run). */
    perp_status (*checkpoint)(void *ud, const perp_checkpoint *cp);
    /* Then every stored TRADE record of the version up to that checkpoint,
     * in write order, then every EQUITY record, in write order. The record
     * and its strings are borrowed for the call. A non-OK return stops the
     * restore, which then returns it. */
    perp_status (*record)(void *ud, const perp_record *rec);
} perp_restore_visitor;

typedef struct perp_sink_vtable {
    PERP_VTABLE_HEAD;
    perp_status (*write)(void *self, const perp_record *rec);
    perp_status (*flush)(void *self);
    /* ABI 1.2, optional: the end of a cycle (see perp_checkpoint). Called
     * under the same serialisation as write(). */
    perp_status (*checkpoint)(void *self, const perp_checkpoint *cp);
    /* ABI 1.2, optional: called once when a run starts (`perpd run`, not
     * `perpd check`), before any write: the sink opens its store (and may
     * refuse the run: unreachable, version held by another live process),
     * then reports the version's stored state through v (see
     * perp_restore_visitor). Whatever it stored after the last checkpoint
     * is discarded, since the agent resumes from that checkpoint.
     * PERP_OK (with or without a checkpoint), or PERP_ERR after one
     * log line: the host then refuses to run. */
    perp_status (*restore)(void *self, const perp_restore_visitor *v);
} perp_sink_vtable;

typedef struct perp_service_vtable {
    PERP_VTABLE_HEAD;
    perp_status (*start)(void *self);
    perp_status (*stop)(void *self);
} perp_service_vtable;

/* ------------------------------------------------------------------ */
/* Config map (ABI 1.2): a plugin describes its YAML keys in a table, as
 * fluent-bit's config_map and Tulip's indicator info do. The host checks
 * the plugin's node against it before create() — types, ranges, allowed
 * values, unknown keys (with "did you mean"), required keys — fills the
 * defaults in, and prints it for `perpd plugins --describe NAME`. The
 * plugin then reads values through the cfg_* getters as before; the
 * getters' own `def` arguments are only reached by hosts older than 1.2.
 * "plugin", "name" and the host's own keys of an entry (an indicator's
 * `timeframe`) are never listed: the host owns them.                  */

typedef enum perp_config_type {
    PERP_CFG_END = 0,      /* ends a table */
    PERP_CFG_STRING = 1,   /* any scalar text; `choices` restricts it */
    PERP_CFG_NUMBER = 2,   /* a finite double; min/max bound it */
    PERP_CFG_INTEGER = 3,  /* an int64; min/max bound it */
    PERP_CFG_BOOL = 4,     /* true/false/yes/no/on/off */
    PERP_CFG_DURATION = 5, /* "250ms" "15s" "5m" "6h" "1d" or seconds;
                              min/max in milliseconds */
    PERP_CFG_LIST = 6,     /* a sequence; min/max bound its length;
                              items are of item_type, or mappings checked
                              against `children` */
    PERP_CFG_MAPPING = 7,  /* a mapping checked against `children` */
    PERP_CFG_PATH = 8      /* a file or folder path. After ${VAR}
                              expansion, a relative path written in the
                              YAML is resolved against the YAML file's
                              folder (not the working directory); a
                              relative default against the data folder
                              (share/perp, or $PERP_DATA_HOME), unless
                              PERP_CFG_OUTPUT; "~/" is $HOME. The plugin
                              reads the resolved absolute path with
                              cfg_str; the host's errors about the node
                              (cfg_error) name it as written too. */
} perp_config_type;

/* flags */
#define PERP_CFG_REQUIRED 0x1u /* absent is an error (no default) */
#define PERP_CFG_SECRET   0x2u /* never printed; must come from ${VAR} */
#define PERP_CFG_HAS_MIN  0x4u /* min applies */
#define PERP_CFG_HAS_MAX  0x8u /* max applies */

typedef struct perp_config_key {
    const char *name; /* NULL (with type PERP_CFG_END) ends it */
    perp_config_type type;
    const char *default_value; /* YAML text filled in when absent, or NULL
                                  (absent stays absent) */
    double min, max;           /* see PERP_CFG_HAS_MIN/MAX */
    const char *choices;       /* STRING: "a|b|c", the only values allowed */
    uint32_t flags;
    const char *description; /* one line, for --describe and docs */
    const struct perp_config_key *children; /* MAPPING, LIST of mappings */
    perp_config_type item_type;             /* LIST of scalars; 0: any */
} perp_config_key;

/* Table rows, e.g.
 *   static const perp_config_key rsi_config[] = {
 *       PERP_CFG_INT("period", "14", 2, 100000, "candles averaged"),
 *       PERP_CFG_CHOICE("source", "close", "open|high|low|close", "price"),
 *       PERP_CFG_LAST};
 */
#define PERP_CFG_LAST                                                          \
    {                                                                          \
        .name = NULL, .type = PERP_CFG_END                                     \
    }
#define PERP_CFG_STR(n, def, desc)                                             \
    {                                                                          \
        .name = (n), .type = PERP_CFG_STRING, .default_value = (def),          \
        .description = (desc)                                                  \
    }
#define PERP_CFG_CHOICE(n, def, choices_, desc)                                \
    {                                                                          \
        .name = (n), .type = PERP_CFG_STRING, .default_value = (def),          \
        .choices = (choices_), .description = (desc)                           \
    }
#define PERP_CFG_SECRET_STR(n, desc)                                           \
    {                                                                          \
        .name = (n), .type = PERP_CFG_STRING, .flags = PERP_CFG_SECRET,        \
        .description = (desc)                                                  \
    }
#define PERP_CFG_NUM(n, def, lo, hi, desc)                                     \
    {                                                                          \
        .name = (n), .type = PERP_CFG_NUMBER, .default_value = (def),          \
        .min = (lo), .max = (hi),                                              \
        .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX, .description = (desc)    \
    }
#define PERP_CFG_INT(n, def, lo, hi, desc)                                     \
    {                                                                          \
        .name = (n), .type = PERP_CFG_INTEGER, .default_value = (def),         \
        .min = (lo), .max = (hi),                                              \
        .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX, .description = (desc)    \
    }
#define PERP_CFG_BOOLEAN(n, def, desc)                                         \
    {                                                                          \
        .name = (n), .type = PERP_CFG_BOOL, .default_value = (def),            \
        .description = (desc)                                                  \
    }
#define PERP_CFG_DUR(n, def, lo_ms, hi_ms, desc)                               \
    {                                                                          \
        .name = (n), .type = PERP_CFG_DURATION, .default_value = (def),        \
        .min = (lo_ms), .max = (hi_ms),                                        \
        .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX, .description = (desc)    \
    }
#define PERP_CFG_FILE(n, def, desc)                                            \
    {                                                                          \
        .name = (n), .type = PERP_CFG_PATH, .default_value = (def),            \
        .description = (desc)                                                  \
    }
#define PERP_CFG_MAP(n, children_, desc)                                       \
    {                                                                          \
        .name = (n), .type = PERP_CFG_MAPPING, .children = (children_),        \
        .description = (desc)                                                  \
    }
#define PERP_CFG_LIST_OF(n, item, desc)                                        \
    {                                                                          \
        .name = (n), .type = PERP_CFG_LIST, .item_type = (item),               \
        .description = (desc)                                                  \
    }

/* More rules of the map (ABI 1.2):
 *   - `choices` on a NUMBER, INTEGER or DURATION lists words accepted
 *     instead of a value ("max|continuous"); the plugin tells them apart.
 *   - PERP_CFG_ANY_KEY on a MAPPING: its keys are free (names the plugin
 *     cannot list, as perpsim's per-symbol rules); each value is checked
 *     against `children` (a mapping) or else item_type (a scalar).
 *   - A default fills an absent key or one written as null; a MAPPING
 *     absent from the file is added when one of its children has a
 *     default, so every getter finds the defaults under it.
 *   - min/max of a LIST bound its length; of a DURATION are milliseconds.
 *   - PERP_CFG_SECRET: the value must come from the environment
 *     (${VAR}); it is redacted from logs and records and has no default.
 *   - The host refuses to load a plugin whose map contradicts itself (a
 *     default of the wrong type or out of its range, a row named twice). */
#define PERP_CFG_ANY_KEY 0x10u
/* PERP_CFG_OUTPUT on a PATH: perpd writes there (records, a spool, a
 * cache). A relative default then follows the YAML file's folder, as a
 * written path does, instead of the read-only data folder. */
#define PERP_CFG_OUTPUT 0x20u
/* A PATH perpd writes to, with a default relative to the YAML's folder. */
#define PERP_CFG_OUT_FILE(n, def, desc)                                        \
    {                                                                          \
        .name = (n), .type = PERP_CFG_PATH, .default_value = (def),            \
        .flags = PERP_CFG_OUTPUT, .description = (desc)                        \
    }

#define PERP_CFG_REQ_STR(n, desc)                                              \
    {                                                                          \
        .name = (n), .type = PERP_CFG_STRING, .flags = PERP_CFG_REQUIRED,      \
        .description = (desc)                                                  \
    }
#define PERP_CFG_REQ_FILE(n, desc)                                             \
    {                                                                          \
        .name = (n), .type = PERP_CFG_PATH, .flags = PERP_CFG_REQUIRED,        \
        .description = (desc)                                                  \
    }
/* A mapping whose keys are free, each value checked against children_. */
#define PERP_CFG_MAP_OF(n, children_, desc)                                    \
    {                                                                          \
        .name = (n), .type = PERP_CFG_MAPPING, .children = (children_),        \
        .flags = PERP_CFG_ANY_KEY, .description = (desc)                       \
    }
/* A list of at most max_ scalars of type item. */
#define PERP_CFG_LIST_MAX(n, item, max_, desc)                                 \
    {                                                                          \
        .name = (n), .type = PERP_CFG_LIST, .item_type = (item),               \
        .max = (max_), .flags = PERP_CFG_HAS_MAX, .description = (desc)        \
    }

/* ------------------------------------------------------------------ */
/* The descriptor and the entry point                                  */

typedef struct perp_plugin_descriptor {
    uint16_t abi_major; /* PERP_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;
    uint32_t struct_size; /* sizeof(perp_plugin_descriptor) */
    perp_kind kind;
    const char *name;        /* short name used in YAML: "rsi", "perpsim" */
    const char *version;     /* the plugin's semantic version */
    const char *description; /* one line */
    const void *vtable;      /* perp_<kind>_vtable for `kind` */

    /* ABI 1.2 (read only when struct_size covers them) */
    const perp_config_key *config_map; /* or NULL: the plugin checks its
                                          own keys, as under 1.1 */
    /* Optional: `perpd <name> ARGS...` runs this, for a plugin's own
     * tools (e.g. `perpd hyperliquid sign`). argv[0] is the plugin name.
     * The host table has no agent (no symbols, emit drops records) and
     * the clock is the wall clock. Returns the process exit status (0 ok,
     * 1 failed, 2 usage); output goes to stdout/stderr. */
    int (*command)(const perp_host *host, int argc, char **argv);
    const char *command_usage; /* one line per subcommand, or NULL */
} perp_plugin_descriptor;

typedef const perp_plugin_descriptor *(*perp_plugin_entry_fn)(void);

/* Use once per plugin, at file scope:
 *   static const perp_indicator_vtable vt = {sizeof vt, ...};
 *   PERP_PLUGIN(PERP_KIND_INDICATOR, "sma", "1.0.0", "simple moving average",
 * vt)
 */
#define PERP_PLUGIN(kind_, name_, version_, desc_, vtable_)                    \
    PERP_PLUGIN_WITH_CONFIG(kind_, name_, version_, desc_, vtable_, NULL)

/* The same with a config map (ABI 1.2): config_ is a perp_config_key
 * table ending in PERP_CFG_LAST. */
#define PERP_PLUGIN_WITH_CONFIG(kind_, name_, version_, desc_, vtable_,        \
                                config_)                                       \
    PERP_PLUGIN_WITH_COMMAND(kind_, name_, version_, desc_, vtable_, config_,  \
                             NULL, NULL)

/* The same with the plugin's own tools (ABI 1.2): `perpd <name> ARGS...`
 * runs command_ (see perp_plugin_descriptor.command); usage_ is its help,
 * one line per subcommand, or NULL. */
#define PERP_PLUGIN_WITH_COMMAND(kind_, name_, version_, desc_, vtable_,       \
                                 config_, command_, usage_)                    \
    static const perp_plugin_descriptor perp_plugin_descriptor_ = {            \
        .abi_major = PERP_ABI_MAJOR,                                           \
        .abi_minor = PERP_ABI_MINOR,                                           \
        .struct_size = sizeof(perp_plugin_descriptor),                         \
        .kind = (kind_),                                                       \
        .name = (name_),                                                       \
        .version = (version_),                                                 \
        .description = (desc_),                                                \
        .vtable = &(vtable_),                                                  \
        .config_map = (config_),                                               \
        .command = (command_),                                                 \
        .command_usage = (usage_)};                                            \
    PERP_PLUGIN_EXPORT const perp_plugin_descriptor *perp_plugin_entry(void);  \
    PERP_PLUGIN_EXPORT const perp_plugin_descriptor *perp_plugin_entry(void)   \
    {                                                                          \
        return &perp_plugin_descriptor_;                                       \
    }

/* Base asset of a symbol: "BTC-USD" -> "BTC". out must hold PERP_COIN_MAX. */
static inline void perp_symbol_coin(const char *symbol, char *out)
{
    size_t i = 0;
    while (symbol[i] && symbol[i] != '-' && i + 1 < PERP_COIN_MAX) {
        out[i] = symbol[i];
        i++;
    }
    out[i] = '\0';
}

/* A fill cause's name in every record format ("entry", "exit", "flip",
 * "stop_loss", "take_profit", "liquidation"), or NULL for a value outside
 * the enum: writers and readers of records share one spelling. */
static inline const char *perp_fill_cause_name(perp_fill_cause c)
{
    static const char *const names[] = {
        "entry", "exit", "flip", "stop_loss", "take_profit", "liquidation"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : NULL;
}

/* The cause named name (perp_fill_cause_name's spelling), or -1. */
static inline int perp_fill_cause_parse(const char *name)
{
    for (int c = PERP_CAUSE_ENTRY; name && c <= PERP_CAUSE_LIQUIDATION; c++)
        if (strcmp(name, perp_fill_cause_name((perp_fill_cause)c)) == 0)
            return c;
    return -1;
}

#ifdef __cplusplus
}
#endif

#endif /* PERP_SDK_H */
