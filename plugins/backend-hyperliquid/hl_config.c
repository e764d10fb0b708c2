/*
 * hl_config.c — backend-hyperliquid's YAML: the config map the host
 * checks and prints (`perpd plugins --describe hyperliquid`), and reading
 * it into hl_settings, the signer and the account address.
 */
#include <stdio.h>
#include <string.h>

#include "hl_backend.h"
#include "hl_hex.h"

#define TESTNET_URL "https://api.hyperliquid-testnet.xyz"
#define MAINNET_URL "https://api.hyperliquid.xyz"

const perp_config_key hl_config_map[] = {
    PERP_CFG_CHOICE("network", "testnet", "testnet|mainnet",
                    "which exchange; mainnet only when written out"),
    PERP_CFG_STR("url", NULL, "REST base URL (default: the network's own API)"),
    {.name = "private_key",
     .type = PERP_CFG_STRING,
     .flags = PERP_CFG_SECRET | PERP_CFG_REQUIRED,
     .description = "the API wallet's private key, as ${VARIABLE}"},
    PERP_CFG_STR("account", NULL,
                 "the trading account's address (default: the key's own)"),
    PERP_CFG_NUM("slippage_bps", "100", 1, 2000,
                 "market orders: IOC limit this far beyond the mid"),
    PERP_CFG_DUR("refresh", "5s", 100, 600000,
                 "account and fill polling interval"),
    PERP_CFG_DUR("timeout", "10s", 100, 120000, "one HTTP request, total"),
    PERP_CFG_DUR("connect_timeout", "5s", 100, 60000, "TCP and TLS connect"),
    PERP_CFG_DUR("resolve_wait", "1s", 10, 60000,
                 "after a failed send, between order status queries"),
    PERP_CFG_INT("resolve_tries", "3", 1, 20,
                 "order status queries before an order counts as unsent"),
    PERP_CFG_LAST};

/* Types and ranges were checked by the host against hl_config_map. */
static perp_status read_numbers(const perp_host *h, const perp_config_node *n,
                                hl_settings *s)
{
    double bps;
    int64_t tries;
    if (h->cfg_num(h, n, "slippage_bps", 100, &bps) ||
        h->cfg_duration_ms(h, n, "refresh", 5000, &s->refresh_ms) ||
        h->cfg_duration_ms(h, n, "timeout", 10000, &s->timeout_ms) ||
        h->cfg_duration_ms(h, n, "connect_timeout", 5000,
                           &s->connect_timeout_ms) ||
        h->cfg_duration_ms(h, n, "resolve_wait", 1000, &s->resolve_wait_ms) ||
        h->cfg_int(h, n, "resolve_tries", 3, &tries))
        return PERP_EINVAL;
    s->slippage = bps / 10000.0;
    s->resolve_tries = (int)tries;
    return PERP_OK;
}

static perp_status read_network(const perp_host *h, const perp_config_node *n,
                                hl_settings *s)
{
    const char *net, *url;
    if (h->cfg_str(h, n, "network", "testnet", &net) ||
        h->cfg_str(h, n, "url", NULL, &url))
        return PERP_EINVAL;
    s->mainnet = strcmp(net, "mainnet") == 0;
    s->url = url && *url ? url : s->mainnet ? MAINNET_URL : TESTNET_URL;
    if (strncmp(s->url, "https://", 8) && strncmp(s->url, "http://", 7))
        return h->cfg_error(h, h->cfg_child(n, "url"),
                            "url: expected http:// or https://");
    if (s->mainnet)
        h->log(h, PERP_LOG_WARN,
               "network: mainnet — orders go to %s and trade real money",
               s->url);
    return PERP_OK;
}

/* The key: required, a secret; never quoted in any message. */
static perp_status read_key(hl_backend *b, const perp_config_node *n)
{
    const perp_host *h = b->host;
    const char *key = NULL;
    char err[200];
    if (h->cfg_str(h, n, "private_key", NULL, &key))
        return PERP_EINVAL;
    if (!key || !*key)
        return h->cfg_error(h, n,
                            "private_key: required, from the environment: "
                            "private_key: ${HL_PRIVATE_KEY}");
    b->signer = hl_signer_new(key, err, sizeof err);
    if (!b->signer)
        return h->cfg_error(h, h->cfg_child(n, "private_key"), "%s", err);
    return PERP_OK;
}

static perp_status read_account(hl_backend *b, const perp_config_node *n)
{
    const perp_host *h = b->host;
    const char *acct;
    uint8_t raw[20];
    if (h->cfg_str(h, n, "account", NULL, &acct))
        return PERP_EINVAL;
    if (!acct || !*acct) {
        snprintf(b->account, sizeof b->account, "%s",
                 hl_signer_address_text(b->signer));
        return PERP_OK;
    }
    if (strlen(acct) != 42 || hl_hex_decode(acct, raw, 20) != 20)
        return h->cfg_error(h, h->cfg_child(n, "account"),
                            "account: expected 0x and 40 hex digits");
    hl_hex_encode(raw, 20, b->account); /* lowercase, as the API answers */
    return PERP_OK;
}

perp_status hl_config_read(hl_backend *b, const perp_config_node *cfg)
{
    const perp_host *h = b->host;
    if (read_network(h, cfg, &b->set) || read_numbers(h, cfg, &b->set) ||
        read_key(b, cfg) || read_account(b, cfg))
        return PERP_EINVAL;
    return PERP_OK;
}
