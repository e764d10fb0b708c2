/*
 * hl_backend.h — the state of one backend-hyperliquid instance, shared by
 * its files: hl_config.c (YAML), hl_venue.c (info requests and signed
 * actions), hl_sync.c (account, exchange-made fills, funding),
 * hl_orders.c (submit, exit plans), hl_state.c (export/import) and
 * plugin.c (the vtable).
 *
 * Everything runs on the host's thread; nothing here is shared with
 * another thread. The private key lives only inside `signer`.
 */
#ifndef HL_BACKEND_H
#define HL_BACKEND_H

#include <jansson.h>
#include <stdint.h>

#include <perp/sdk.h>

#include "hl_http.h"
#include "hl_signer.h"

#define HL_MAX_TRIGGERS   8   /* TP/SL orders open per symbol */
#define HL_KNOWN_TRIGGERS 64  /* trigger oids remembered after they fire */
#define HL_OWN_OIDS       256 /* oids of our own orders, recorded at submit */
#define HL_SEEN_AT_MARK   64  /* fill keys at the newest fill time seen */

typedef struct hl_settings {
    int mainnet;
    const char *url; /* REST base, no trailing slash; borrowed */
    double slippage; /* fraction: a market buy's limit is mid x (1 + it) */
    int64_t refresh_ms;
    int64_t timeout_ms, connect_timeout_ms;
    int64_t resolve_wait_ms; /* between orderStatus queries after a failure */
    int resolve_tries;
} hl_settings;

typedef struct hl_trigger {
    int64_t oid;
    int tp; /* 1 take profit, 0 stop loss */
    double trigger_px;
} hl_trigger;

typedef struct hl_sym {
    char symbol[PERP_SYMBOL_MAX];
    char coin[PERP_COIN_MAX];
    int asset; /* index in meta.universe; -1 until meta is read */
    int sz_decimals, max_leverage;
    double bid, ask, last; /* from on_price; NAN until one arrives */
    int leverage_set;      /* last leverage sent; 0: not yet this run */
    perp_position pos;     /* from the last sync, or our own fill since */
    perp_exit_plan plan;   /* wanted */
    hl_trigger triggers[HL_MAX_TRIGGERS]; /* open on the exchange */
    size_t n_triggers;
    double placed_size; /* size the open triggers were placed for */
} hl_sym;

typedef struct hl_backend {
    const perp_host *host;
    hl_settings set;
    hl_signer *signer;
    char account[43]; /* whose state is read: the master account */
    hl_http http;
    hl_sym syms[PERP_MAX_SYMBOLS];
    size_t n_syms;
    int meta_loaded;
    uint64_t last_nonce;

    /* account, refreshed by hl_sync */
    perp_account acc;
    int64_t synced_at;
    int dirty; /* an order or cancel since: sync before the next read */
    int have_start;
    double starting_equity, realized, fees, funding;

    /* exchange-made fills and funding already recorded */
    int64_t start_ms;  /* fills and funding before this are history */
    int64_t fill_mark; /* newest fill time recorded */
    uint64_t seen[HL_SEEN_AT_MARK];
    size_t n_seen;
    int64_t funding_mark;
    int64_t own[HL_OWN_OIDS];
    size_t n_own;
    hl_trigger known[HL_KNOWN_TRIGGERS];
    size_t n_known;
} hl_backend;

/* hl_config.c */
extern const perp_config_key hl_config_map[];
perp_status hl_config_read(hl_backend *b, const perp_config_node *cfg);

/* hl_venue.c: an /info request; the parsed answer (caller json_decref) or
 * NULL after one log line. */
json_t *hl_info(hl_backend *b, json_t *request);
/* Loads meta (asset index, szDecimals, maxLeverage of every symbol's
 * coin). PERP_OK, PERP_EINVAL for a coin not listed, PERP_ERR. */
perp_status hl_load_meta(hl_backend *b);
hl_sym *hl_sym_find(hl_backend *b, const char *symbol);
hl_sym *hl_sym_of_coin(hl_backend *b, const char *coin);

/* The outcome of a signed action. */
typedef enum hl_send_result {
    HL_SENT_OK = 0,      /* *response: the "response" member of status ok */
    HL_SENT_REFUSED = 1, /* the exchange said status err: why holds it */
    HL_SENT_UNKNOWN = 2, /* transport failed after sending: may have acted */
    HL_SENT_FAILED = 3   /* not sent, or an answer that makes no sense */
} hl_send_result;

/* Signs action (a new nonce) and POSTs it to /exchange. */
hl_send_result hl_send(hl_backend *b, json_t *action, json_t **response,
                       char *why, size_t why_len);

/* hl_sync.c */
/* Refreshes account, positions, trigger orders, exchange-made fills and
 * funding when `force` or older than refresh. PERP_OK or PERP_ERR. */
perp_status hl_sync(hl_backend *b, int force);
void hl_remember_own_oid(hl_backend *b, int64_t oid);
void hl_remember_trigger(hl_backend *b, const hl_trigger *t);

/* hl_orders.c */
perp_status hl_submit(hl_backend *b, const perp_order *o, perp_fill *fill,
                      char *why, size_t why_len);
perp_status hl_place_exit_plan(hl_backend *b, hl_sym *s);
void hl_cancel_triggers(hl_backend *b, hl_sym *s);

/* hl_state.c */
char *hl_state_export(const hl_backend *b);
perp_status hl_state_import(hl_backend *b, const char *text);

/* A decimal string member as a double; NAN if absent or not a number. */
double hl_num(const json_t *o, const char *key);
/* A string member, or "" when absent or not a string. */
const char *hl_str(const json_t *o, const char *key);

#endif
