/*
 * The agent and limits sections (host/agent_settings.h): defaults from
 * DESIGN.md and the brief, and refusals that name their place.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_settings.h"
#include "config.h"
#include "stderr_capture.h"

static host_config *parse(const char *yaml)
{
    char err[512];
    host_config *c = host_config_parse(yaml, "t.yaml", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    return c;
}

Test(agent_settings, defaults)
{
    host_config *c = parse("agent:\n  version: v1\n");
    host_agent_settings s;
    cr_assert_eq(host_agent_settings_read(host_config_root(c), &s), PERP_OK);
    cr_assert_str_eq(s.version, "v1");
    cr_assert_eq(s.cycle_ms, 60000);
    cr_assert_eq(s.ctx_ms, 6 * 3600000LL);
    cr_assert_eq(s.stale_after_ms, 120000);
    cr_assert_eq(s.history, 60);
    cr_assert_eq(s.series, 3);
    cr_assert_eq(s.observation_every, 1);
    cr_assert_eq(s.checkpoint_every, 1440); /* a day of 1m cycles */
    cr_assert_eq(s.n_symbols, 5);
    cr_assert_str_eq(s.symbols[0], "BTC-USD");
    cr_assert_str_eq(s.symbols[4], "XRP-USD");
    cr_assert_eq(s.limits.min_notional, 5);
    cr_assert_eq(s.limits.max_exposure, 3);
    cr_assert_eq(s.limits.max_position_notional, 0);
    cr_assert_eq(s.max_leverage_set, 0);
    host_config_free(c);
}

Test(agent_settings, explicit_values)
{
    host_config *c = parse("agent:\n  version: v2\n  cycle: 5m\n"
                           "  context: 1h\n  symbols: [ETH-USD]\n"
                           "  checkpoint_every: 7\n"
                           "limits:\n  max_leverage: 3\n  min_notional: 10\n");
    host_agent_settings s;
    cr_assert_eq(host_agent_settings_read(host_config_root(c), &s), PERP_OK);
    cr_assert_eq(s.cycle_ms, 300000);
    cr_assert_eq(s.ctx_ms, 3600000);
    cr_assert_eq(s.n_symbols, 1);
    cr_assert_eq(s.checkpoint_every, 7);
    cr_assert_eq(s.limits.max_leverage, 3);
    cr_assert_eq(s.max_leverage_set, 1);
    cr_assert_eq(s.limits.min_notional, 10);
    host_config_free(c);
}

static void refused(const char *yaml, const char *where)
{
    host_config *c = parse(yaml);
    host_agent_settings s;
    stderr_capture_begin();
    int rc = host_agent_check_top_level(host_config_root(c));
    if (rc == PERP_OK)
        rc = host_agent_settings_read(host_config_root(c), &s);
    char *err = stderr_capture_end();
    cr_assert_neq(rc, PERP_OK, "accepted: %s", yaml);
    cr_assert(strstr(err, where) != NULL, "no %s in: %s", where, err);
    free(err);
    host_config_free(c);
}

Test(agent_settings, refusals_name_their_place)
{
    refused("agent:\n  description: x\n", "t.yaml:2:3"); /* version */
    refused("agent:\n  version: v\n  context: 7m\n", "t.yaml:3:12"); /* 7m */
    refused("agent:\n  version: v\n  colour: red\n", "t.yaml:3:3");
    refused("agent:\n  version: v\n  symbols: [BTC-USD, BTC-EUR]\n", "BTC");
    refused("agent:\n  version: v\nlimits:\n  max_exposure: -1\n",
            "t.yaml:4:17");
    refused("agent:\n  version: v\nextra: 1\n", "t.yaml:3:1");
    /* agent.checkpoint_every: 1..1000000 cycles */
    refused("agent:\n  version: v\n  checkpoint_every: 0\n", "t.yaml:3:21");
    refused("agent:\n  version: v\n  checkpoint_every: 1000001\n",
            "1..1000000 cycles");
    refused("agent:\n  version: v\n  checkpoint_every: daily\n", "t.yaml:3:21");
}

Test(agent_settings, checkpoint_every_bounds_are_accepted)
{
    const char *ok[] = {"1", "1000000"};
    for (size_t i = 0; i < 2; i++) {
        char yaml[128];
        snprintf(yaml, sizeof yaml,
                 "agent:\n  version: v\n  checkpoint_every: %s\n", ok[i]);
        host_config *c = parse(yaml);
        host_agent_settings s;
        cr_assert_eq(host_agent_settings_read(host_config_root(c), &s),
                     PERP_OK);
        cr_assert_eq(s.checkpoint_every, atoll(ok[i]));
        host_config_free(c);
    }
}
