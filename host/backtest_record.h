/*
 * backtest_record.h — what a backtest keeps of one version's records, as
 * its agent emits them (the record bus's tap): every fill, the equity
 * curve, funding, LLM usage, and a running SHA-256 over the trades in a
 * canonical form (`--hash`: a change that must not alter results can be
 * checked, as Jesse does). Nothing here reads a clock or iterates an
 * unordered container, so the same run gives the same bytes anywhere.
 *
 * Canonical trade line (one per TRADE record, in emission order):
 *   ts,symbol,side,qty,price,fee,realized_pnl,position_after,cause\n
 * with qty unsigned, side buy|sell, reals as "%.17g" (exact round trip)
 * and cause entry|exit|flip|stop_loss|take_profit|liquidation.
 */
#ifndef HOST_BACKTEST_RECORD_H
#define HOST_BACKTEST_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <perp/sdk.h>

typedef struct host_bt_record {
    perp_fill *fills; /* owned, every TRADE's fill, in order */
    size_t n_fills, cap_fills;
    int64_t *eq_ts; /* owned: the equity curve, one point per EQUITY */
    double *eq;
    double *bench;           /* owned: the buy-and-hold book at each point, NAN
                                before it started (benchmark.h) */
    const double *bench_now; /* borrowed: the agent's book value at the
                                EQUITY being tapped, or NULL */
    size_t n_eq, cap_eq;
    double funding_paid, funding_received;
    size_t n_funding, n_liquidations, n_rejections;
    size_t decisions; /* cycles decided (a collapsed run counts each) */
    int64_t llm_calls, prompt_tokens, completion_tokens;
    double llm_cost_usd;
    void *sha;  /* owned EVP_MD_CTX */
    int failed; /* an allocation failed: figures incomplete */
} host_bt_record;

/* PERP_OK or PERP_ENOMEM. */
int host_bt_record_init(host_bt_record *r);
void host_bt_record_free(host_bt_record *r);
/* The bus tap: ud is the host_bt_record. */
void host_bt_record_tap(void *ud, const perp_record *rec);
/* The canonical line of one fill into out (NUL-terminated); its length. */
size_t host_bt_trade_line(const perp_fill *f, char *out, size_t cap);
/* Hex SHA-256 of every canonical trade line so far (65 bytes). */
void host_bt_record_hash(const host_bt_record *r, char out[65]);

#endif
