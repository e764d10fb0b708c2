/*
 * test_coinbase_parse.c — the message parser alone: Coinbase's own
 * documented examples (read from $PERP_SHARED/protocols at test time),
 * RFC 3339 times, and every fuzz corpus/regression input under
 * tests/fuzz/corpus/coinbase_message (so crashes the fuzzer found stay fixed in
 * the plain and ASan builds).
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "parse.h"

#define CORPUS "tests/fuzz/corpus/coinbase_message"

static const char *const IDS[] = {"BTC-USD", "ETH-USD"};
static const cb_products PRODUCTS = {IDS, 2};

/* The named example from coinbase_messages.json, as compact JSON text
 * (malloc'd). */
static char *doc_example(const char *name)
{
    const char *shared = getenv("PERP_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/protocols/coinbase_messages.json",
             shared && *shared ? shared : "../shared");
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    cr_assert_not_null(root, "%s: %s", path, je.text);
    json_t *msgs =
        json_object_get(json_object_get(root, "exchange_ws"), "messages");
    size_t i;
    json_t *m;
    char *text = NULL;
    json_array_foreach(msgs, i, m)
    {
        const char *n = json_string_value(json_object_get(m, "name"));
        if (n && strcmp(n, name) == 0)
            text = json_dumps(json_object_get(m, "json"), JSON_COMPACT);
    }
    json_decref(root);
    cr_assert_not_null(text, "no example named %s", name);
    return text;
}

static cb_msg_kind parse_text(const char *text, cb_message *m)
{
    return cb_parse_message(text, strlen(text), NULL, m);
}

Test(coinbase_parse, official_ticker_example)
{
    char *text = doc_example("ticker_current_doc_example");
    cb_message m;
    cr_assert_eq(parse_text(text, &m), CB_MSG_TICKER, "%s", m.text);
    const perp_tick *t = &m.tick;
    cr_expect_str_eq(t->symbol, "ETH-USD");
    cr_expect_eq(t->sequence, 37475248783LL);
    cr_expect_eq(t->price, 1285.22);
    cr_expect_eq(t->bid, 1285.04);
    cr_expect_eq(t->ask, 1285.27);
    cr_expect_eq(t->bid_size, 0.46688654);
    cr_expect_eq(t->ask_size, 1.56637040);
    cr_expect_eq(t->last_size, 11.4396987);
    cr_expect_eq(t->volume_24h, 245532.79269678);
    /* 2022-10-19 is day 19284 since 1970-01-01: 19284 * 86400 +
     * 23*3600 + 28*60 + 22 = 1666222102 s, .061769 -> 61 ms. */
    cr_expect_eq(t->ts, 1666222102061LL);
    free(text);
}

Test(coinbase_parse, legacy_ticker_without_sizes_gives_nan)
{
    char *text = doc_example("ticker_legacy_doc_example");
    cb_message m;
    cr_assert_eq(parse_text(text, &m), CB_MSG_TICKER, "%s", m.text);
    cr_expect_eq(m.tick.price, 4388.01);
    cr_expect_eq(m.tick.last_size, 0.03);
    cr_expect(isnan(m.tick.bid_size));
    cr_expect(isnan(m.tick.ask_size));
    cr_expect(isnan(m.tick.volume_24h));
    free(text);
}

Test(coinbase_parse, heartbeat_error_and_subscriptions_examples)
{
    cb_message m;
    char *hb = doc_example("heartbeat");
    cr_assert_eq(parse_text(hb, &m), CB_MSG_HEARTBEAT, "%s", m.text);
    cr_expect_str_eq(m.product, "BTC-USD");
    cr_expect_eq(m.sequence, 90);
    /* 2014-11-07 is day 16381: 16381 * 86400 + 8*3600 + 19*60 + 28 =
     * 1415348368 s, .464459 -> 464 ms. */
    cr_expect_eq(m.ts, 1415348368464LL);
    free(hb);
    char *err = doc_example("error_bad_product");
    cr_assert_eq(parse_text(err, &m), CB_MSG_ERROR);
    cr_expect_str_eq(m.text,
                     "Failed to subscribe: GIBBERISH-USD is not a valid "
                     "product");
    free(err);
    char *sub = doc_example("subscriptions_ack_ticker_heartbeat");
    cr_expect_eq(parse_text(sub, &m), CB_MSG_SUBSCRIPTIONS);
    free(sub);
    cr_expect_eq(parse_text("{\"type\":\"l2update\"}", &m), CB_MSG_OTHER);
}

Test(coinbase_parse, products_outside_the_subscription_are_malformed)
{
    char *text = doc_example("ticker_current_doc_example");
    cb_message m;
    static const char *const btc[] = {"BTC-USD"};
    const cb_products only_btc = {btc, 1};
    cr_expect_eq(cb_parse_message(text, strlen(text), &only_btc, &m),
                 CB_MSG_MALFORMED);
    cr_expect(strstr(m.text, "unknown product 'ETH-USD'"), "%s", m.text);
    cr_expect_eq(cb_parse_message(text, strlen(text), &PRODUCTS, &m),
                 CB_MSG_TICKER);
    free(text);
}

Test(coinbase_parse, rfc3339_times)
{
    int64_t ms;
    cr_assert_eq(cb_parse_time("1970-01-01T00:00:00Z", &ms), 0);
    cr_expect_eq(ms, 0);
    /* Half a second before the epoch. */
    cr_assert_eq(cb_parse_time("1969-12-31T23:59:59.5Z", &ms), 0);
    cr_expect_eq(ms, -500);
    /* 2024-02-29 is day 19782: 19782 * 86400 + 86399 = 1709251199 s. */
    cr_assert_eq(cb_parse_time("2024-02-29T23:59:59.999999Z", &ms), 0);
    cr_expect_eq(ms, 1709251199999LL);
    /* 01:00+01:00 is midnight UTC. */
    cr_assert_eq(cb_parse_time("1970-01-02T01:00:00+01:00", &ms), 0);
    cr_expect_eq(ms, 86400000LL);
    static const char *const bad[] = {"2024-01-02 03:04:05Z",
                                      "2024-01-02T03:04:05",
                                      "2024-01-02T03:04:05.Z",
                                      "2024-13-02T03:04:05Z",
                                      "2024-01-02T24:00:00Z",
                                      "2024-01-02T03:04Z",
                                      "",
                                      "2024-01-02T03:04:05Zjunk"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(cb_parse_time(bad[i], &ms), -1, "accepted '%s'", bad[i]);
}

/* Inputs with a known outcome; every other corpus file must simply
 * parse to some kind without crashing. */
static int expected_kind(const char *name)
{
    static const struct {
        const char *file;
        cb_msg_kind kind;
    } known[] = {
        {"ticker_full.json", CB_MSG_TICKER},
        {"ticker_minimal.json", CB_MSG_TICKER},
        {"heartbeat.json", CB_MSG_HEARTBEAT},
        {"error.json", CB_MSG_ERROR},
        {"subscriptions.json", CB_MSG_SUBSCRIPTIONS},
        {"truncated.json", CB_MSG_MALFORMED},
        {"wrong_types.json", CB_MSG_MALFORMED},
        {"bad_numbers_and_time.json", CB_MSG_MALFORMED},
        {"duplicate_keys.json", CB_MSG_TICKER}, /* jansson: last wins */
        {"nul_in_string.json", CB_MSG_MALFORMED},
        {"deep_nesting.json", CB_MSG_MALFORMED},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].file, name) == 0)
            return (int)known[i].kind;
    return -1;
}

Test(coinbase_parse, fuzz_corpus_and_regressions)
{
    DIR *d = opendir(CORPUS);
    cr_assert_not_null(d, "run from the repo root: %s missing", CORPUS);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", CORPUS, e->d_name);
        char *buf = file_read(path, &len);
        cr_assert_not_null(buf, "%s", path);
        cb_message m;
        cb_msg_kind k = cb_parse_message(buf, len, &PRODUCTS, &m);
        cr_expect(k >= CB_MSG_TICKER && k <= CB_MSG_MALFORMED);
        int want = expected_kind(e->d_name);
        if (want >= 0)
            cr_expect_eq((int)k, want, "%s: kind %d (%s)", e->d_name, (int)k,
                         m.text);
        buf[len] = '\0';
        int64_t ms;
        cb_parse_time(buf, &ms);
        free(buf);
        files++;
    }
    closedir(d);
    cr_expect_geq(files, 11);
}

/* A random decimal string: optional '-', leading zeros, 1..18 digits with
 * a point anywhere (or none), sometimes an exponent or other text that
 * only strtod understands. */
static void random_decimal(uint64_t *rng, char *out, size_t cap)
{
    size_t n = 0;
#define NEXT()                                                                 \
    (*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL,            \
     (unsigned)(*rng >> 33))
    if (NEXT() % 4 == 0)
        out[n++] = '-';
    for (unsigned z = NEXT() % 3; z > 0; z--)
        out[n++] = '0';
    unsigned digits = 1 + NEXT() % 18, dot = NEXT() % (digits + 2);
    for (unsigned i = 0; i < digits && n + 4 < cap; i++) {
        if (i == dot)
            out[n++] = '.';
        out[n++] = (char)('0' + NEXT() % 10);
    }
    switch (NEXT() % 16) {
    case 0:
        n += (size_t)snprintf(out + n, cap - n, "e%d", (int)(NEXT() % 40) - 20);
        break;
    case 1:
        out[n++] = '.'; /* a second point: malformed */
        break;
    default:
        break;
    }
    out[n] = '\0';
#undef NEXT
}

/* Decimal fields go through a fast path when they have at most 15
 * significant digits; whatever the path, the value must be the double
 * strtod gives (bit for bit), and text strtod refuses stays malformed. */
Test(coinbase_parse, numbers_equal_strtod_bit_for_bit)
{
    uint64_t rng = 20261124;
    for (int i = 0; i < 200000; i++) {
        char num[64], msg[256];
        random_decimal(&rng, num, sizeof num);
        snprintf(msg, sizeof msg,
                 "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":"
                 "\"1\",\"last_size\":\"%s\",\"time\":"
                 "\"2017-09-02T17:05:49.250000Z\"}",
                 num);
        cb_message m;
        cb_msg_kind k = parse_text(msg, &m);
        char *end;
        double want = strtod(num, &end);
        if (*end || !isfinite(want)) {
            cr_assert_eq(k, CB_MSG_MALFORMED, "'%s' should be refused", num);
            continue;
        }
        cr_assert_eq(k, CB_MSG_TICKER, "'%s': %s", num, m.text);
        cr_assert(memcmp(&m.tick.last_size, &want, sizeof want) == 0,
                  "'%s': parsed %.17g, strtod %.17g", num, m.tick.last_size,
                  want);
    }
}
