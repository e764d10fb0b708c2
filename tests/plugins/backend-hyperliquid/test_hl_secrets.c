/*
 * test_hl_secrets.c — a recognisable private key planted in the
 * environment and put through everything backend-hyperliquid does:
 * create, orders that fill and orders refused, exit plans, account
 * reads, exchange-made fills, export_state, destroy, and a malformed key
 * in the YAML. The key appears in no log line, no record, no exported
 * state and no error message: not as given, not without 0x, not in
 * upper case, not as its 32 raw bytes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <unistd.h>

#include "hl_test_util.h"
#include "stderr_capture.h"

#define PLANTED                                                                \
    "0x5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7abcd"

static char planted_upper[67];
static uint8_t planted_raw[32];

static void forms_init(void)
{
    for (size_t i = 0; i < sizeof planted_upper - 1; i++)
        planted_upper[i] = (char)toupper((unsigned char)PLANTED[i]);
    planted_upper[sizeof planted_upper - 1] = '\0';
    cr_assert_eq(hl_hex_decode(PLANTED, planted_raw, 32), 32);
}

/* Any form of the key in len bytes at p. */
static int leaks(const void *p, size_t len)
{
    return memmem(p, len, PLANTED + 2, 64) != NULL ||
           memmem(p, len, planted_upper + 2, 64) != NULL ||
           memmem(p, len, planted_raw, 32) != NULL ||
           /* a prefix long enough to identify it */
           memmem(p, len, PLANTED + 2, 16) != NULL;
}

static void expect_clean_text(const char *what, const char *text)
{
    cr_expect(!leaks(text, strlen(text)), "the key leaked into %s: %s", what,
              text);
}

Test(hl_secrets, planted_key_appears_nowhere)
{
    forms_init();
    char err[128];
    hl_signer *sg = hl_signer_new(PLANTED, err, sizeof err);
    cr_assert_not_null(sg, "%s", err);
    char signer[43];
    snprintf(signer, sizeof signer, "%s", hl_signer_address_text(sg));
    hl_signer_free(sg);

    setenv("HL_PLANTED_PRIVATE_KEY", PLANTED, 1);
    hl_server_opts so = {.account = HL_ACCOUNT,
                         .signer = signer,
                         .recover = hl_test_recover,
                         .account_value = 5000};
    hl_server *s = hl_server_start(&so);
    cr_assert_not_null(s);
    hl_server_add_coin(s, "BTC", 5, 40, 95000);
    hl_server_add_coin(s, "ETH", 4, 25, 3000);

    plugin_env env;
    hl_records rs = {0};
    char whys[8][PERP_ERROR_MAX];
    memset(whys, 0, sizeof whys);
    char *state = NULL;
    stderr_capture_begin();
    void *b = hl_test_backend(&env, s, &rs, "HL_PLANTED_PRIVATE_KEY",
                              "network: testnet\n");
    hl_price(b, "ETH-USD", 3000);
    perp_fill f;
    perp_order o = hl_market("ETH-USD", 1, 3, 0);
    o.has_exit_plan = 1;
    o.exit_plan.stop_loss = 2900;
    hl_vt()->submit(b, &o, &f, whys[0], sizeof whys[0]);
    perp_exit_plan p = {.profit_target = 3100, .stop_loss = 2950};
    hl_vt()->set_exit_plan(b, "ETH-USD", &p);
    o = hl_market("ETH-USD", 100, 3, 0); /* insufficient margin */
    hl_vt()->submit(b, &o, &f, whys[1], sizeof whys[1]);
    hl_server_rate_limit_next(s);
    o = hl_market("BTC-USD", 0.001, 3, 0);
    hl_vt()->submit(b, &o, &f, whys[2], sizeof whys[2]);
    hl_server_drop_next_exchange(s);
    o = hl_market("ETH-USD", 0.5, 3, 0);
    hl_vt()->submit(b, &o, &f, whys[3], sizeof whys[3]);
    hl_server_pay_funding(s, "ETH", -0.5, 0.0001, f.ts + 1);
    hl_server_set_mid(s, "ETH", 2900); /* the stop fires */
    usleep(150000);
    perp_account a;
    hl_vt()->account(b, &a);
    hl_vt()->export_state(b, &state);
    hl_vt()->destroy(b);
    plugin_env_free(&env);

    /* A malformed key: the error says so without quoting it. */
    setenv("HL_PLANTED_PRIVATE_KEY", PLANTED "ff", 1);
    char url[64], yaml[512];
    hl_server_base_url(s, url, sizeof url);
    snprintf(yaml, sizeof yaml,
             "plugin: hyperliquid\nurl: %s\n"
             "private_key: ${HL_PLANTED_PRIVATE_KEY}\n",
             url);
    cr_assert_eq(plugin_env_init(&env, yaml, HL_SYMBOLS, 2), 0);
    void *bad = NULL;
    cr_expect_neq(plugin_env_create(&env, perp_plugin_entry(), &bad), PERP_OK);
    cr_expect_null(bad);
    plugin_env_free(&env);
    char *logged = stderr_capture_end();

    cr_expect(strstr(logged, "64 hex digits") != NULL,
              "the malformed key is reported: %s", logged);
    cr_expect(strstr(logged, signer) != NULL, "the signer is named");
    expect_clean_text("the log", logged);
    for (int i = 0; i < 4; i++)
        expect_clean_text("an error message", whys[i]);
    cr_expect(strstr(whys[1], "Insufficient margin") != NULL, "%s", whys[1]);
    cr_assert_not_null(state);
    expect_clean_text("the exported state", state);
    /* entry, added size, the stop's fill, funding */
    cr_expect_geq(rs.n, 4u, "records were emitted: %zu", rs.n);
    cr_expect(!leaks(rs.rec, rs.n * sizeof rs.rec[0]),
              "the key leaked into a record");
    free(state);
    free(logged);
    hl_server_stop(s);
}
