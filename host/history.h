/*
 * history.h — Coinbase Exchange REST candles: `perpd history download`
 * and the live start-up bootstrap. libcurl; at most 300 candles a request,
 * paginated, rate-limited, retried on 429/5xx.
 */
#ifndef HOST_HISTORY_H
#define HOST_HISTORY_H

#include <stdatomic.h>
#include <stddef.h>
#include <perp/sdk.h>

/* Base URL default "https://api.exchange.coinbase.com"; the environment
 * variable PERP_COINBASE_REST_URL overrides it (tests use a local server). */
const char *host_history_base_url(void);

/* `perpd history download --symbols A,B --granularity G --from ISO --to ISO
 * --out DIR [--url BASE]`; argv[0] is "history". Returns the exit code. */
int host_history_main(int argc, char **argv);

/* While *flag is non-zero, requests in flight are aborted, waits end and
 * nothing is retried (the fetch fails with "stopped"). NULL: never. */
void host_history_set_stop_flag(const atomic_int *flag);

/* The newest `count` closed candles ending at or before now_ms, ascending.
 * *out is malloc'd (caller frees). PERP_OK or PERP_ERR with err set. */
int host_history_fetch_recent(const char *base_url, const char *symbol,
                              int granularity_s, size_t count, int64_t now_ms,
                              perp_candle **out, size_t *n, char *err,
                              size_t err_len);

#endif
