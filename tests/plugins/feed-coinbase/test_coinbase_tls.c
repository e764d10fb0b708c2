/*
 * test_coinbase_tls.c — feed-coinbase over wss:// to the loopback
 * Coinbase-protocol server with a self-signed certificate made at test
 * time: trusted through ca_file it connects, subscribes and delivers
 * ticks; trusting a different self-signed CA it is refused.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "cb_test_util.h"
#include "plugin_env.h"
#include "stderr_capture.h"
#include "temp_dir.h"
#include "tls_cert.h"
#include "ws_server.h"

static const char *const PRODUCTS[] = {"BTC-USD"};

typedef struct tls_fixture {
    char *dir;
    char *crt, *key;             /* the server's certificate */
    char *other_crt, *other_key; /* an unrelated self-signed CA */
    ws_server *server;
} tls_fixture;

static void fixture_up(tls_fixture *f)
{
    f->dir = temp_dir_new();
    cr_assert_eq(tls_cert_make(f->dir, "server", &f->crt, &f->key), 0);
    cr_assert_eq(tls_cert_make(f->dir, "other", &f->other_crt, &f->other_key),
                 0);
    ws_server_opts o = {.cert_file = f->crt,
                        .key_file = f->key,
                        .products = PRODUCTS,
                        .n_products = 1,
                        .heartbeat_ms = 100};
    f->server = ws_server_start(&o);
    cr_assert_not_null(f->server);
}

static void fixture_down(tls_fixture *f)
{
    ws_server_stop(f->server);
    temp_dir_remove(f->dir);
    free(f->dir);
    free(f->crt);
    free(f->key);
    free(f->other_crt);
    free(f->other_key);
}

static void *create_feed(plugin_env *env, int port, const char *ca_file)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "plugin: coinbase\nurl: wss://127.0.0.1:%d\n"
             "products: [BTC-USD]\nstale_after: 2s\nbackoff_min: 50ms\n"
             "backoff_max: 200ms\nca_file: %s\n",
             port, ca_file);
    cr_assert_eq(plugin_env_init(env, yaml, PRODUCTS, 1), 0);
    void *feed = NULL;
    cr_assert_eq(plugin_env_create(env, perp_plugin_entry(), &feed), PERP_OK);
    cb_start(feed);
    return feed;
}

Test(coinbase_tls, trusted_self_signed_certificate_connects)
{
    tls_fixture f;
    fixture_up(&f);
    plugin_env env;
    void *feed = create_feed(&env, ws_server_port(f.server), f.crt);
    cr_assert(ws_server_wait_subscribes(f.server, 1, 5000),
              "no subscribe over TLS");
    char msg[1024];
    int n = cb_ticker_json(msg, sizeof msg, "BTC-USD", 7,
                           "2024-01-02T03:04:05.000000Z", "42000.5", "0.1");
    ws_server_send(f.server, msg, (size_t)n);
    perp_tick t;
    cr_assert_eq(cb_drain(cb_vt(), feed, &t, 1, 5000), 1);
    cr_expect_eq(t.price, 42000.5);
    cr_expect_eq(t.sequence, 7);
    perp_feed_status st;
    cb_vt()->status(feed, &st);
    cr_expect_eq(st.connected, 1);
    cb_vt()->destroy(feed);
    plugin_env_free(&env);
    fixture_down(&f);
}

Test(coinbase_tls, certificate_from_another_ca_is_refused)
{
    tls_fixture f;
    fixture_up(&f);
    plugin_env env;
    stderr_capture_begin();
    void *feed = create_feed(&env, ws_server_port(f.server), f.other_crt);
    perp_event ev;
    /* ~1 s of attempts: every one must fail the handshake. */
    for (int i = 0; i < 20; i++)
        cr_assert_eq(cb_vt()->next(feed, &ev, 50), PERP_AGAIN);
    perp_feed_status st;
    cb_vt()->status(feed, &st);
    cb_vt()->destroy(feed);
    char *log = stderr_capture_end();
    cr_expect_eq(ws_server_subscribes(f.server), 0,
                 "a subscribe got through an untrusted certificate");
    cr_expect_eq(ws_server_connections(f.server), 0);
    cr_expect_eq(st.connected, 0);
    cr_expect_geq(st.reconnects, 1);
    cr_expect(strstr(log, "cannot connect to 127.0.0.1:"), "log: %s", log);
    free(log);
    plugin_env_free(&env);
    fixture_down(&f);
}
