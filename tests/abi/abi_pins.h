/*
 * abi_pins.h — the layout of every public struct of the plugin ABI, pinned
 * member by member: offset and size of each member, and the size of each
 * struct, as _Static_asserts. Compiled into the test build
 * (tests/unit/test_abi_pins.c), so a member moved, resized or inserted
 * anywhere but the end fails `make test` at compile time, naming it; and
 * compiled at test time against the released 1.0 and 1.1 headers kept in
 * tests/fixtures (tests/integration/test_abi_compat.c), so the pins are
 * the layout those releases shipped, not only today's.
 *
 * Rules this file encodes (sdk.h, "Contract"):
 *   - PIN(...) is a member of ABI 1.0; PIN_1_N(...) one appended by 1.N.
 *     A 1.N pin is checked only against headers of minor >= N.
 *   - A value type (used by value in another struct or as an array
 *     element) has one SIZE: it can never grow. A struct that grows at
 *     its end (perp_host, the descriptor, the vtables, perp_observation,
 *     perp_llm_call_record inside perp_record's union) has a SIZE_AT_1_N
 *     per minor.
 *   - A new minor adds its members here with PIN_1_N and its sizes with
 *     SIZE_AT_1_N; until it does, the #error below stops the build.
 *
 * Figures are for LP64 (x86-64, aarch64: 8-byte pointers, size_t, int64
 * and double; 4-byte int and enums), the ABI perpd ships for.
 */
#ifndef PERP_ABI_PINS_H
#define PERP_ABI_PINS_H

#include <stddef.h>
#include <perp/sdk.h>

#if !defined(__LP64__)
#error "abi_pins.h: the pinned figures are for LP64 targets"
#endif
#if PERP_ABI_MAJOR != 1 || PERP_ABI_MINOR > 2
#error "ABI changed: pin the new minor's members (PIN_1_N) and sizes here"
#endif

#define PIN_OFFSET(t, m, off)                                                  \
    _Static_assert(offsetof(t, m) == (off), #t "." #m " moved")
#define PIN(t, m, off, size)                                                   \
    PIN_OFFSET(t, m, off);                                                     \
    _Static_assert(sizeof(((t *)0)->m) == (size), #t "." #m " changed size")
#define SIZE(t, size) _Static_assert(sizeof(t) == (size), #t " changed size")

#if PERP_ABI_MINOR >= 1
#define PIN_1_1(t, m, off, size) PIN(t, m, off, size)
#else
#define PIN_1_1(t, m, off, size) _Static_assert(1, "")
#endif
#if PERP_ABI_MINOR >= 2
#define PIN_1_2(t, m, off, size) PIN(t, m, off, size)
#define SIZE_1_2(t, size)        SIZE(t, size)
#else
#define PIN_1_2(t, m, off, size) _Static_assert(1, "")
#define SIZE_1_2(t, size)        _Static_assert(1, "")
#endif
#define SIZE_AT(minor, t, size)                                                \
    _Static_assert(PERP_ABI_MINOR != (minor) || sizeof(t) == (size),           \
                   #t " at ABI 1." #minor ": size changed")
#define SIZE_AT_1_0(t, size) SIZE_AT(0, t, size)
#define SIZE_AT_1_1(t, size) SIZE_AT(1, t, size)
#define SIZE_AT_1_2(t, size) SIZE_AT(2, t, size)

/* Enumerations cross the ABI as int. */
SIZE(perp_status, 4);
SIZE(perp_kind, 4);
SIZE(perp_log_level, 4);
SIZE(perp_event_type, 4);
SIZE(perp_order_type, 4);
SIZE(perp_fill_cause, 4);
SIZE(perp_signal, 4);
SIZE(perp_record_type, 4);
SIZE(perp_timeframe, 4);
SIZE_1_2(perp_config_type, 4);

/* perp_tick */
PIN(perp_tick, ts, 0, 8);
PIN(perp_tick, symbol, 8, 24);
PIN(perp_tick, price, 32, 8);
PIN(perp_tick, bid, 40, 8);
PIN(perp_tick, ask, 48, 8);
PIN(perp_tick, bid_size, 56, 8);
PIN(perp_tick, ask_size, 64, 8);
PIN(perp_tick, last_size, 72, 8);
PIN(perp_tick, volume_24h, 80, 8);
PIN(perp_tick, sequence, 88, 8);
SIZE(perp_tick, 96);

/* perp_candle */
PIN(perp_candle, ts, 0, 8);
PIN(perp_candle, interval_ms, 8, 8);
PIN(perp_candle, symbol, 16, 24);
PIN(perp_candle, open, 40, 8);
PIN(perp_candle, high, 48, 8);
PIN(perp_candle, low, 56, 8);
PIN(perp_candle, close, 64, 8);
PIN(perp_candle, volume, 72, 8);
SIZE(perp_candle, 80);

/* perp_funding_rate */
PIN(perp_funding_rate, ts, 0, 8);
PIN(perp_funding_rate, symbol, 8, 24);
PIN(perp_funding_rate, rate_1h, 32, 8);
SIZE(perp_funding_rate, 40);

/* perp_event */
PIN(perp_event, type, 0, 4);
PIN(perp_event, ts, 8, 8);
PIN(perp_event, u, 16, 96);
PIN(perp_event, u.candle, 16, 80);
PIN(perp_event, u.funding, 16, 40);
PIN(perp_event, u.tick, 16, 96);
SIZE(perp_event, 112);

/* perp_exit_plan */
PIN(perp_exit_plan, profit_target, 0, 8);
PIN(perp_exit_plan, stop_loss, 8, 8);
PIN(perp_exit_plan, invalidation, 16, 256);
SIZE(perp_exit_plan, 272);

/* perp_order */
PIN(perp_order, ts, 0, 8);
PIN(perp_order, symbol, 8, 24);
PIN(perp_order, qty, 32, 8);
PIN(perp_order, type, 40, 4);
PIN(perp_order, limit_price, 48, 8);
PIN(perp_order, leverage, 56, 8);
PIN(perp_order, reduce_only, 64, 4);
PIN(perp_order, has_exit_plan, 68, 4);
PIN(perp_order, exit_plan, 72, 272);
PIN(perp_order, reason, 344, 512);
PIN(perp_order, client_id, 856, 48);
SIZE(perp_order, 904);

/* perp_fill */
PIN(perp_fill, ts, 0, 8);
PIN(perp_fill, symbol, 8, 24);
PIN(perp_fill, qty, 32, 8);
PIN(perp_fill, price, 40, 8);
PIN(perp_fill, fee, 48, 8);
PIN(perp_fill, realized_pnl, 56, 8);
PIN(perp_fill, position_after, 64, 8);
PIN(perp_fill, cause, 72, 4);
PIN(perp_fill, reason, 76, 512);
SIZE(perp_fill, 592);

/* perp_position */
PIN(perp_position, symbol, 0, 24);
PIN(perp_position, qty, 24, 8);
PIN(perp_position, entry_price, 32, 8);
PIN(perp_position, mark_price, 40, 8);
PIN(perp_position, leverage, 48, 8);
PIN(perp_position, notional, 56, 8);
PIN(perp_position, initial_margin, 64, 8);
PIN(perp_position, maintenance_margin, 72, 8);
PIN(perp_position, unrealized_pnl, 80, 8);
PIN(perp_position, liquidation_price, 88, 8);
PIN(perp_position, entry_ts, 96, 8);
PIN(perp_position, exit_plan, 104, 272);
SIZE(perp_position, 376);

/* perp_account */
PIN(perp_account, starting_equity, 0, 8);
PIN(perp_account, equity, 8, 8);
PIN(perp_account, cash, 16, 8);
PIN(perp_account, available, 24, 8);
PIN(perp_account, margin_used, 32, 8);
PIN(perp_account, maintenance_margin, 40, 8);
PIN(perp_account, unrealized_pnl, 48, 8);
PIN(perp_account, realized_pnl, 56, 8);
PIN(perp_account, fees_paid, 64, 8);
PIN(perp_account, funding_net, 72, 8);
PIN(perp_account, n_positions, 80, 8);
PIN(perp_account, positions, 88, 12032);
SIZE(perp_account, 12120);

/* perp_symbol_rules */
PIN(perp_symbol_rules, tick_size, 0, 8);
PIN(perp_symbol_rules, size_step, 8, 8);
PIN(perp_symbol_rules, min_notional, 16, 8);
PIN(perp_symbol_rules, max_leverage, 24, 8);
SIZE(perp_symbol_rules, 32);

/* perp_price */
PIN(perp_price, ts, 0, 8);
PIN(perp_price, symbol, 8, 24);
PIN(perp_price, last, 32, 8);
PIN(perp_price, bid, 40, 8);
PIN(perp_price, ask, 48, 8);
SIZE(perp_price, 56);

/* perp_indicator_value */
PIN(perp_indicator_value, name, 0, 8);
PIN(perp_indicator_value, label, 8, 8);
PIN(perp_indicator_value, value, 16, 8);
PIN(perp_indicator_value, series, 24, 8);
PIN(perp_indicator_value, series_len, 32, 8);
SIZE(perp_indicator_value, 40);

/* perp_market_view */
PIN(perp_market_view, symbol, 0, 24);
PIN(perp_market_view, coin, 24, 16);
PIN(perp_market_view, mid, 40, 8);
PIN(perp_market_view, bid, 48, 8);
PIN(perp_market_view, ask, 56, 8);
PIN(perp_market_view, spread_bps, 64, 8);
PIN(perp_market_view, volume_24h, 72, 8);
PIN(perp_market_view, funding_rate_1h, 80, 8);
PIN(perp_market_view, last_update, 88, 8);
PIN(perp_market_view, stale, 96, 4);
PIN(perp_market_view, rules, 104, 32);
PIN(perp_market_view, candles_1m, 136, 8);
PIN(perp_market_view, n_candles_1m, 144, 8);
PIN(perp_market_view, candles_ctx, 152, 8);
PIN(perp_market_view, n_candles_ctx, 160, 8);
PIN(perp_market_view, ind_1m, 168, 8);
PIN(perp_market_view, n_ind_1m, 176, 8);
PIN(perp_market_view, ind_ctx, 184, 8);
PIN(perp_market_view, n_ind_ctx, 192, 8);
PIN(perp_market_view, regime, 200, 8);
PIN(perp_market_view, regime_summary, 208, 8);
SIZE(perp_market_view, 216);

/* perp_round_trip */
PIN(perp_round_trip, symbol, 0, 24);
PIN(perp_round_trip, side, 24, 4);
PIN(perp_round_trip, qty, 32, 8);
PIN(perp_round_trip, entry_price, 40, 8);
PIN(perp_round_trip, exit_price, 48, 8);
PIN(perp_round_trip, entry_ts, 56, 8);
PIN(perp_round_trip, exit_ts, 64, 8);
PIN(perp_round_trip, fees, 72, 8);
PIN(perp_round_trip, net_pnl, 80, 8);
PIN(perp_round_trip, entry_reason, 88, 8);
PIN(perp_round_trip, exit_reason, 96, 8);
SIZE(perp_round_trip, 104);

/* perp_metrics */
PIN(perp_metrics, trades, 0, 8);
PIN(perp_metrics, win_rate, 8, 8);
PIN(perp_metrics, profit_factor, 16, 8);
PIN(perp_metrics, sharpe, 24, 8);
PIN(perp_metrics, sortino, 32, 8);
PIN(perp_metrics, max_drawdown_pct, 40, 8);
PIN(perp_metrics, total_return_pct, 48, 8);
PIN(perp_metrics, avg_win, 56, 8);
PIN(perp_metrics, avg_loss, 64, 8);
SIZE(perp_metrics, 72);

/* perp_limits */
PIN(perp_limits, min_notional, 0, 8);
PIN(perp_limits, max_leverage, 8, 8);
PIN(perp_limits, max_exposure, 16, 8);
PIN(perp_limits, max_position_notional, 24, 8);
SIZE(perp_limits, 32);

/* perp_warmup (ABI 1.2) */
PIN_1_2(perp_warmup, seen, 0, 4);
PIN_1_2(perp_warmup, needed, 4, 4);
SIZE_1_2(perp_warmup, 8);

/* perp_market_warmup (ABI 1.2) */
PIN_1_2(perp_market_warmup, ind_1m, 0, 8);
PIN_1_2(perp_market_warmup, ind_ctx, 8, 8);
SIZE_1_2(perp_market_warmup, 16);

/* perp_observation */
PIN(perp_observation, struct_size, 0, 4);
PIN(perp_observation, ts, 8, 8);
PIN(perp_observation, cycle, 16, 8);
PIN(perp_observation, version, 24, 8);
PIN(perp_observation, ctx_interval_ms, 32, 8);
PIN(perp_observation, markets, 40, 8);
PIN(perp_observation, n_markets, 48, 8);
PIN(perp_observation, account, 56, 12120);
PIN(perp_observation, recent_trades, 12176, 8);
PIN(perp_observation, n_recent_trades, 12184, 8);
PIN(perp_observation, metrics, 12192, 72);
PIN(perp_observation, limits, 12264, 32);
PIN(perp_observation, feedback, 12296, 8);
PIN(perp_observation, n_feedback, 12304, 8);
SIZE_AT_1_0(perp_observation, 12312);
SIZE_AT_1_1(perp_observation, 12312);
PIN_1_2(perp_observation, warmup, 12312, 8);
PIN_1_2(perp_observation, slippage, 12320, 8);
SIZE_AT_1_2(perp_observation, 12328);

/* The slippage types (1.2): perp_slippage carries its struct_size and
 * grows at its end; perp_market_slippage is an array element. Types older
 * headers do not have. */
#if PERP_ABI_MINOR >= 2
PIN_1_2(perp_slippage, struct_size, 0, 4);
PIN_1_2(perp_slippage, model, 4, 16);
PIN_1_2(perp_slippage, bps, 24, 8);
PIN_1_2(perp_slippage, floor_bps, 32, 8);
PIN_1_2(perp_slippage, k, 40, 8);
PIN_1_2(perp_slippage, cap_bps, 48, 8);
PIN_1_2(perp_slippage, window_ms, 56, 8);
PIN_1_2(perp_slippage, sigma_1m, 64, 8);
PIN_1_2(perp_slippage, volume_1m, 72, 8);
SIZE_AT_1_2(perp_slippage, 80);

PIN_1_2(perp_market_slippage, model, 0, 16);
PIN_1_2(perp_market_slippage, floor_bps, 16, 8);
PIN_1_2(perp_market_slippage, k, 24, 8);
PIN_1_2(perp_market_slippage, cap_bps, 32, 8);
PIN_1_2(perp_market_slippage, window_ms, 40, 8);
PIN_1_2(perp_market_slippage, sigma_1m, 48, 8);
PIN_1_2(perp_market_slippage, volume_1m, 56, 8);
PIN_1_2(perp_market_slippage, notional, 64, 32);
PIN_1_2(perp_market_slippage, bps, 96, 32);
SIZE_1_2(perp_market_slippage, 128);
#endif

/* perp_coin_decision */
PIN(perp_coin_decision, coin, 0, 16);
PIN(perp_coin_decision, signal, 16, 4);
PIN(perp_coin_decision, quantity, 24, 8);
PIN(perp_coin_decision, leverage, 32, 8);
PIN(perp_coin_decision, confidence, 40, 8);
PIN(perp_coin_decision, risk_usd, 48, 8);
PIN(perp_coin_decision, exit_plan, 56, 272);
PIN(perp_coin_decision, justification, 328, 501);
SIZE(perp_coin_decision, 832);

/* perp_decision */
PIN(perp_decision, n_coins, 0, 8);
PIN(perp_decision, coins, 8, 26624);
PIN(perp_decision, notes, 26632, 1001);
PIN(perp_decision, error, 27633, 256);
SIZE(perp_decision, 27896);

/* perp_trade_record */
PIN(perp_trade_record, fill, 0, 592);
SIZE(perp_trade_record, 592);

/* perp_equity_record */
PIN(perp_equity_record, equity, 0, 8);
PIN(perp_equity_record, cash, 8, 8);
PIN(perp_equity_record, available, 16, 8);
PIN(perp_equity_record, unrealized_pnl, 24, 8);
PIN(perp_equity_record, margin_used, 32, 8);
PIN(perp_equity_record, realized_pnl, 40, 8);
PIN(perp_equity_record, fees_paid, 48, 8);
PIN(perp_equity_record, funding_net, 56, 8);
SIZE(perp_equity_record, 64);

/* perp_json_record */
PIN(perp_json_record, json, 0, 8);
SIZE(perp_json_record, 8);

/* perp_rejection_record */
PIN(perp_rejection_record, symbol, 0, 24);
PIN(perp_rejection_record, reason, 24, 256);
PIN(perp_rejection_record, decision_json, 280, 8);
SIZE(perp_rejection_record, 288);

/* perp_funding_record */
PIN(perp_funding_record, symbol, 0, 24);
PIN(perp_funding_record, rate, 24, 8);
PIN(perp_funding_record, position, 32, 8);
PIN(perp_funding_record, mark, 40, 8);
PIN(perp_funding_record, payment, 48, 8);
SIZE(perp_funding_record, 56);

/* perp_liquidation_record */
PIN(perp_liquidation_record, symbol, 0, 24);
PIN(perp_liquidation_record, qty, 24, 8);
PIN(perp_liquidation_record, price, 32, 8);
PIN(perp_liquidation_record, penalty, 40, 8);
PIN(perp_liquidation_record, equity_before, 48, 8);
PIN(perp_liquidation_record, maintenance_before, 56, 8);
SIZE(perp_liquidation_record, 64);

/* perp_llm_call_record */
PIN(perp_llm_call_record, model, 0, 8);
PIN(perp_llm_call_record, status, 8, 8);
PIN(perp_llm_call_record, request_hash, 16, 8);
PIN(perp_llm_call_record, raw_response, 24, 8);
PIN(perp_llm_call_record, error, 32, 8);
PIN(perp_llm_call_record, latency_ms, 40, 8);
PIN(perp_llm_call_record, prompt_tokens, 48, 8);
PIN(perp_llm_call_record, completion_tokens, 56, 8);
PIN(perp_llm_call_record, cost_usd, 64, 8);
PIN(perp_llm_call_record, attempt, 72, 4);
PIN_1_2(perp_llm_call_record, cached_tokens, 80, 8);
SIZE_AT_1_0(perp_llm_call_record, 80);
SIZE_AT_1_1(perp_llm_call_record, 80);
SIZE_AT_1_2(perp_llm_call_record, 88);

/* perp_metrics_record (1.2): inside perp_record's union, so it may grow
 * at its end while the union (perp_trade_record, 592) holds it. */
#if PERP_ABI_MINOR >= 2
PIN_1_2(perp_metrics_record, cycles, 0, 8);
PIN_1_2(perp_metrics_record, first_ts, 8, 8);
PIN_1_2(perp_metrics_record, last_ts, 16, 8);
PIN_1_2(perp_metrics_record, starting_equity, 24, 8);
PIN_1_2(perp_metrics_record, equity, 32, 8);
PIN_1_2(perp_metrics_record, total_return_pct, 40, 8);
PIN_1_2(perp_metrics_record, annual_return_pct, 48, 8);
PIN_1_2(perp_metrics_record, sharpe, 56, 8);
PIN_1_2(perp_metrics_record, sortino, 64, 8);
PIN_1_2(perp_metrics_record, max_drawdown_pct, 72, 8);
PIN_1_2(perp_metrics_record, calmar, 80, 8);
PIN_1_2(perp_metrics_record, round_trips, 88, 8);
PIN_1_2(perp_metrics_record, wins, 96, 8);
PIN_1_2(perp_metrics_record, losses, 104, 8);
PIN_1_2(perp_metrics_record, win_rate, 112, 8);
PIN_1_2(perp_metrics_record, profit_factor, 120, 8);
PIN_1_2(perp_metrics_record, avg_win, 128, 8);
PIN_1_2(perp_metrics_record, avg_loss, 136, 8);
PIN_1_2(perp_metrics_record, largest_win, 144, 8);
PIN_1_2(perp_metrics_record, largest_loss, 152, 8);
PIN_1_2(perp_metrics_record, avg_hold_ms, 160, 8);
PIN_1_2(perp_metrics_record, realized_pnl, 168, 8);
PIN_1_2(perp_metrics_record, total_fees, 176, 8);
PIN_1_2(perp_metrics_record, total_funding, 184, 8);
PIN_1_2(perp_metrics_record, llm_calls, 192, 8);
PIN_1_2(perp_metrics_record, prompt_tokens, 200, 8);
PIN_1_2(perp_metrics_record, completion_tokens, 208, 8);
PIN_1_2(perp_metrics_record, cached_tokens, 216, 8);
PIN_1_2(perp_metrics_record, llm_cost_usd, 224, 8);
PIN_1_2(perp_metrics_record, decisions, 232, 8);
PIN_1_2(perp_metrics_record, cost_per_decision, 240, 8);
PIN_1_2(perp_metrics_record, snapshot_interval_s, 248, 8);
PIN_1_2(perp_metrics_record, bench_return_pct, 256, 8);
PIN_1_2(perp_metrics_record, excess_return_pct, 264, 8);
PIN_1_2(perp_metrics_record, beta, 272, 8);
PIN_1_2(perp_metrics_record, alpha_pct, 280, 8);
PIN_1_2(perp_metrics_record, tracking_error_pct, 288, 8);
PIN_1_2(perp_metrics_record, info_ratio, 296, 8);
PIN_1_2(perp_metrics_record, bench_periods, 304, 8);
PIN_1_2(perp_metrics_record, gross_pnl, 312, 8);
PIN_1_2(perp_metrics_record, net_pnl, 320, 8);
PIN_1_2(perp_metrics_record, decisions_per_day, 328, 8);
SIZE_AT_1_2(perp_metrics_record, 336);
#endif

/* perp_record */
PIN(perp_record, type, 0, 4);
PIN(perp_record, ts, 8, 8);
PIN(perp_record, version, 16, 8);
PIN(perp_record, u, 24, 592);
PIN(perp_record, u.equity, 24, 64);
PIN(perp_record, u.funding, 24, 56);
PIN(perp_record, u.json, 24, 8);
PIN(perp_record, u.liquidation, 24, 64);
PIN_OFFSET(perp_record, u.llm_call, 24);
PIN(perp_record, u.position, 24, 376);
PIN(perp_record, u.rejection, 24, 288);
PIN(perp_record, u.trade, 24, 592);
PIN_1_2(perp_record, u.round_trip, 24, 104);
PIN_1_2(perp_record, u.metrics, 24, 336);
SIZE(perp_record, 616);

/* perp_host */
PIN(perp_host, struct_size, 0, 4);
PIN(perp_host, abi_major, 4, 2);
PIN(perp_host, abi_minor, 6, 2);
PIN(perp_host, log, 8, 8);
PIN(perp_host, now_ms, 16, 8);
PIN(perp_host, cfg_child, 24, 8);
PIN(perp_host, cfg_str, 32, 8);
PIN(perp_host, cfg_num, 40, 8);
PIN(perp_host, cfg_int, 48, 8);
PIN(perp_host, cfg_bool, 56, 8);
PIN(perp_host, cfg_duration_ms, 64, 8);
PIN(perp_host, cfg_len, 72, 8);
PIN(perp_host, cfg_at, 80, 8);
PIN(perp_host, cfg_scalar, 88, 8);
PIN(perp_host, cfg_error, 96, 8);
PIN(perp_host, cfg_check_keys, 104, 8);
PIN(perp_host, agent_version, 112, 8);
PIN(perp_host, symbol_count, 120, 8);
PIN(perp_host, symbol_at, 128, 8);
PIN(perp_host, emit, 136, 8);
PIN(perp_host, observation_json, 144, 8);
PIN(perp_host, free_mem, 152, 8);
PIN(perp_host, decision_from_json, 160, 8);
PIN(perp_host, host_ctx, 168, 8);
PIN_1_1(perp_host, stopping, 176, 8);
PIN_1_2(perp_host, prompt_render, 184, 8);
PIN_1_2(perp_host, prompt_tokens, 192, 8);
PIN_1_2(perp_host, cycle_ms, 200, 8);
SIZE_AT_1_0(perp_host, 176);
SIZE_AT_1_1(perp_host, 184);
PIN_1_2(perp_host, decision_from_json_strict, 208, 8);
SIZE_AT_1_2(perp_host, 216);

/* The LLM rendering's options and result (1.2): each carries its own
 * struct_size and grows at its end. Types older headers do not have. */
#if PERP_ABI_MINOR >= 2
SIZE_1_2(perp_prompt_part, 4);
PIN_1_2(perp_prompt_options, struct_size, 0, 4);
PIN_1_2(perp_prompt_options, part, 4, 4);
PIN_1_2(perp_prompt_options, tokens_max, 8, 8);
PIN_1_2(perp_prompt_options, context_candles, 16, 4);
PIN_1_2(perp_prompt_options, reason_chars, 20, 4);
SIZE_AT_1_2(perp_prompt_options, 24);
PIN_1_2(perp_prompt_text, struct_size, 0, 4);
PIN_1_2(perp_prompt_text, text, 8, 8);
PIN_1_2(perp_prompt_text, bytes, 16, 8);
PIN_1_2(perp_prompt_text, tokens_est, 24, 8);
PIN_1_2(perp_prompt_text, context_candles_cut, 32, 4);
PIN_1_2(perp_prompt_text, candles_1m_cut, 36, 4);
PIN_1_2(perp_prompt_text, series_cut, 40, 4);
PIN_1_2(perp_prompt_text, trades_cut, 44, 4);
PIN_1_2(perp_prompt_text, over_budget, 48, 4);
SIZE_AT_1_2(perp_prompt_text, 56);
#endif

/* perp_common_vtable */
PIN(perp_common_vtable, struct_size, 0, 4);
PIN(perp_common_vtable, create, 8, 8);
PIN(perp_common_vtable, destroy, 16, 8);
SIZE(perp_common_vtable, 24);

/* perp_feed_status */
PIN(perp_feed_status, connected, 0, 4);
PIN(perp_feed_status, last_message_ts, 8, 8);
PIN(perp_feed_status, messages, 16, 8);
PIN(perp_feed_status, reconnects, 24, 8);
PIN(perp_feed_status, gaps, 32, 8);
PIN(perp_feed_status, malformed, 40, 8);
PIN(perp_feed_status, late, 48, 8);
PIN(perp_feed_status, detail, 56, 128);
SIZE(perp_feed_status, 184);

/* perp_feed_vtable */
PIN(perp_feed_vtable, struct_size, 0, 4);
PIN(perp_feed_vtable, create, 8, 8);
PIN(perp_feed_vtable, destroy, 16, 8);
PIN(perp_feed_vtable, next, 24, 8);
PIN(perp_feed_vtable, status, 32, 8);
PIN_1_2(perp_feed_vtable, backfill, 40, 8);
SIZE_AT_1_0(perp_feed_vtable, 40);
SIZE_AT_1_1(perp_feed_vtable, 40);
SIZE_AT_1_2(perp_feed_vtable, 48);

/* perp_indicator_vtable */
PIN(perp_indicator_vtable, struct_size, 0, 4);
PIN(perp_indicator_vtable, create, 8, 8);
PIN(perp_indicator_vtable, destroy, 16, 8);
PIN(perp_indicator_vtable, output_count, 24, 8);
PIN(perp_indicator_vtable, output_name, 32, 8);
PIN(perp_indicator_vtable, bind, 40, 8);
PIN(perp_indicator_vtable, update, 48, 8);
PIN(perp_indicator_vtable, reset, 56, 8);
PIN(perp_indicator_vtable, output_label, 64, 8);
PIN(perp_indicator_vtable, summary, 72, 8);
PIN_1_2(perp_indicator_vtable, lookback, 80, 8);
SIZE_AT_1_0(perp_indicator_vtable, 80);
SIZE_AT_1_1(perp_indicator_vtable, 80);
SIZE_AT_1_2(perp_indicator_vtable, 88);

/* perp_planner_vtable */
PIN(perp_planner_vtable, struct_size, 0, 4);
PIN(perp_planner_vtable, create, 8, 8);
PIN(perp_planner_vtable, destroy, 16, 8);
PIN(perp_planner_vtable, plan, 24, 8);
PIN_1_2(perp_planner_vtable, backtest_cost, 32, 8);
PIN_1_2(perp_planner_vtable, export_state, 40, 8);
PIN_1_2(perp_planner_vtable, import_state, 48, 8);
SIZE_AT_1_0(perp_planner_vtable, 32);
SIZE_AT_1_1(perp_planner_vtable, 32);
SIZE_AT_1_2(perp_planner_vtable, 56);

/* perp_backend_vtable */
PIN(perp_backend_vtable, struct_size, 0, 4);
PIN(perp_backend_vtable, create, 8, 8);
PIN(perp_backend_vtable, destroy, 16, 8);
PIN(perp_backend_vtable, submit, 24, 8);
PIN(perp_backend_vtable, on_price, 32, 8);
PIN(perp_backend_vtable, on_candle, 40, 8);
PIN(perp_backend_vtable, on_funding, 48, 8);
PIN(perp_backend_vtable, account, 56, 8);
PIN(perp_backend_vtable, rules, 64, 8);
PIN(perp_backend_vtable, set_exit_plan, 72, 8);
PIN(perp_backend_vtable, export_state, 80, 8);
PIN(perp_backend_vtable, import_state, 88, 8);
PIN_1_2(perp_backend_vtable, market_candle, 96, 8);
PIN_1_2(perp_backend_vtable, slippage, 104, 8);
SIZE_AT_1_0(perp_backend_vtable, 96);
SIZE_AT_1_1(perp_backend_vtable, 96);
SIZE_AT_1_2(perp_backend_vtable, 112);

/* perp_sink_vtable */
PIN(perp_sink_vtable, struct_size, 0, 4);
PIN(perp_sink_vtable, create, 8, 8);
PIN(perp_sink_vtable, destroy, 16, 8);
PIN(perp_sink_vtable, write, 24, 8);
PIN(perp_sink_vtable, flush, 32, 8);
PIN_1_2(perp_sink_vtable, checkpoint, 40, 8);
PIN_1_2(perp_sink_vtable, restore, 48, 8);
SIZE_AT_1_0(perp_sink_vtable, 40);
SIZE_AT_1_1(perp_sink_vtable, 40);
SIZE_AT_1_2(perp_sink_vtable, 56);

/* Crash recovery (1.2): a sink's checkpoint and the host's restore
 * visitor, each with its own struct_size, growing at its end. Types older
 * headers do not have. */
#if PERP_ABI_MINOR >= 2
PIN_1_2(perp_checkpoint, struct_size, 0, 4);
PIN_1_2(perp_checkpoint, cycle, 8, 8);
PIN_1_2(perp_checkpoint, cycle_ts, 16, 8);
PIN_1_2(perp_checkpoint, ts, 24, 8);
PIN_1_2(perp_checkpoint, backend_state, 32, 8);
PIN_1_2(perp_checkpoint, planner_state, 40, 8);
PIN_1_2(perp_checkpoint, agent_state, 48, 8);
SIZE_AT_1_2(perp_checkpoint, 56);
PIN_1_2(perp_restore_visitor, struct_size, 0, 4);
PIN_1_2(perp_restore_visitor, ud, 8, 8);
PIN_1_2(perp_restore_visitor, checkpoint, 16, 8);
PIN_1_2(perp_restore_visitor, record, 24, 8);
SIZE_AT_1_2(perp_restore_visitor, 32);
#endif

/* perp_service_vtable */
PIN(perp_service_vtable, struct_size, 0, 4);
PIN(perp_service_vtable, create, 8, 8);
PIN(perp_service_vtable, destroy, 16, 8);
PIN(perp_service_vtable, start, 24, 8);
PIN(perp_service_vtable, stop, 32, 8);
SIZE_AT_1_0(perp_service_vtable, 40);
SIZE_AT_1_1(perp_service_vtable, 40);
SIZE_AT_1_2(perp_service_vtable, 40);

/* perp_config_key (ABI 1.2) */
PIN_1_2(perp_config_key, name, 0, 8);
PIN_1_2(perp_config_key, type, 8, 4);
PIN_1_2(perp_config_key, default_value, 16, 8);
PIN_1_2(perp_config_key, min, 24, 8);
PIN_1_2(perp_config_key, max, 32, 8);
PIN_1_2(perp_config_key, choices, 40, 8);
PIN_1_2(perp_config_key, flags, 48, 4);
PIN_1_2(perp_config_key, description, 56, 8);
PIN_1_2(perp_config_key, children, 64, 8);
PIN_1_2(perp_config_key, item_type, 72, 4);
SIZE_1_2(perp_config_key, 80);

/* perp_plugin_descriptor */
PIN(perp_plugin_descriptor, abi_major, 0, 2);
PIN(perp_plugin_descriptor, abi_minor, 2, 2);
PIN(perp_plugin_descriptor, struct_size, 4, 4);
PIN(perp_plugin_descriptor, kind, 8, 4);
PIN(perp_plugin_descriptor, name, 16, 8);
PIN(perp_plugin_descriptor, version, 24, 8);
PIN(perp_plugin_descriptor, description, 32, 8);
PIN(perp_plugin_descriptor, vtable, 40, 8);
PIN_1_2(perp_plugin_descriptor, config_map, 48, 8);
PIN_1_2(perp_plugin_descriptor, command, 56, 8);
PIN_1_2(perp_plugin_descriptor, command_usage, 64, 8);
SIZE_AT_1_0(perp_plugin_descriptor, 48);
SIZE_AT_1_1(perp_plugin_descriptor, 48);
SIZE_AT_1_2(perp_plugin_descriptor, 72);
#endif
