/*
 * test_hl_sign_errors.c — `perpd hyperliquid sign`'s core on bad input:
 * one clear line for each mistake, and the private key in none of them
 * (jansson's own messages quote the text near an error, which can be the
 * key, so they are never passed on).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_sign_cmd.h"
#include "hl_signer.h"

/* A recognisable key: any trace of it in an error is a leak. */
#define KEY_DIGITS                                                             \
    "c0ffee11c0ffee11c0ffee11c0ffee11c0ffee11c0ffee11c0ffee11c0ffee11"

static void expect_error(const char *input, const char *needle)
{
    char err[256] = "", *out = NULL;
    int rc = hl_sign_json(input, strlen(input), &out, err, sizeof err);
    cr_expect_eq(rc, -1, "accepted: %s", input);
    cr_expect_null(out);
    cr_expect(strstr(err, needle) != NULL, "error '%s' lacks '%s'", err,
              needle);
    cr_expect(strstr(err, "c0ffee") == NULL, "key in error: %s", err);
    cr_expect(strchr(err, '\n') == NULL, "not one line: %s", err);
    free(out);
}

Test(hl_sign_errors, malformed_json_names_the_place_not_the_text)
{
    /* Unquoted: jansson would say "invalid token near '0xc0ffee…'". */
    expect_error("{\"private_key\": 0x" KEY_DIGITS "}", "stdin:1:");
    expect_error("{\"private_key\": \"0x" KEY_DIGITS, "ends inside");
    expect_error("", "stdin:");
    expect_error("{} {}", "more than one");
    expect_error("[1,2]", "one JSON object");
    expect_error("{\"private_key\":\"0x" KEY_DIGITS "\",\"private_key\":1}",
                 "twice");
}

Test(hl_sign_errors, bad_keys_are_described_not_quoted)
{
    expect_error("{\"private_key\":\"0x" KEY_DIGITS "00\",\"connection_id\":"
                 "\"0x00\",\"is_mainnet\":true}",
                 "64 hex digits");
    expect_error("{\"private_key\":\"0xc0ffeeZZ" KEY_DIGITS "\"}",
                 "64 hex digits");
    expect_error("{\"private_key\":\"0x00000000000000000000000000000000000000"
                 "00000000000000000000000000\",\"action\":{}}",
                 "not a valid secp256k1 key");
    /* The curve order n itself is not a key. */
    expect_error("{\"private_key\":\"0xfffffffffffffffffffffffffffffffebaaedce6"
                 "af48a03bbfd25e8cd0364141\",\"action\":{}}",
                 "not a valid secp256k1 key");
    expect_error("{\"private_key\":42}", "private_key");
}

Test(hl_sign_errors, request_mistakes)
{
    const char *k = "{\"private_key\":\"0x" KEY_DIGITS "\",";
    char buf[512];
#define WITH(rest) (snprintf(buf, sizeof buf, "%s%s", k, rest), buf)
    expect_error(WITH("\"acton\":{}}"), "unknown key \"acton\"");
    expect_error(WITH("\"is_mainnet\":true}"), "expected \"action\"");
    expect_error(WITH("\"action\":{\"type\":\"x\"},\"is_mainnet\":true}"),
                 "\"nonce\"");
    expect_error(WITH("\"action\":{\"type\":\"x\"},\"nonce\":-1,"
                      "\"is_mainnet\":true}"),
                 "\"nonce\"");
    expect_error(WITH("\"action\":{\"type\":\"x\"},\"nonce\":1}"),
                 "is_mainnet");
    expect_error(WITH("\"action\":{\"px\":1.5},\"nonce\":1,"
                      "\"is_mainnet\":true}"),
                 "fraction");
    expect_error(WITH("\"action\":{},\"nonce\":1,\"is_mainnet\":true,"
                      "\"vault_address\":\"0x12\"}"),
                 "vault_address");
    expect_error(WITH("\"action\":[],\"nonce\":1,\"is_mainnet\":true}"),
                 "\"action\": expected an object");
    expect_error(WITH("\"connection_id\":\"0x1234\",\"is_mainnet\":true}"),
                 "connection_id");
    expect_error(WITH("\"primary_type\":\"T\",\"types\":[{\"name\":\"a\","
                      "\"type\":\"string\"}],\"domain\":{},\"message\":"
                      "{\"a\":\"x\"}}"),
                 "domain");
    expect_error(WITH("\"primary_type\":\"T\",\"types\":[{\"name\":\"a\","
                      "\"type\":\"uint64\"}],\"domain\":{\"name\":\"n\","
                      "\"version\":\"1\",\"chainId\":1,\"verifyingContract\":"
                      "\"0x0000000000000000000000000000000000000000\"},"
                      "\"message\":{\"a\":\"x\"}}"),
                 "message.a");
#undef WITH
}

/* The answer carries the signature and never the key. */
Test(hl_sign_errors, answer_has_no_key)
{
    const char *in = "{\"private_key\":\"0x" KEY_DIGITS "\",\"action\":"
                     "{\"type\":\"scheduleCancel\"},\"nonce\":1,"
                     "\"is_mainnet\":false}";
    char err[256], *out = NULL;
    cr_assert_eq(hl_sign_json(in, strlen(in), &out, err, sizeof err), 0, "%s",
                 err);
    cr_expect(strstr(out, "c0ffee") == NULL, "%s", out);
    cr_expect(strstr(out, "\"v\":") != NULL, "%s", out);
    free(out);
}

/* The signer's own error texts never quote the key either. */
Test(hl_sign_errors, signer_errors)
{
    char err[256];
    cr_expect_null(hl_signer_new("0x" KEY_DIGITS "1", err, sizeof err));
    cr_expect(strstr(err, "c0ffee") == NULL, "%s", err);
    hl_signer *s = hl_signer_new(KEY_DIGITS, err, sizeof err);
    cr_assert_not_null(s, "64 digits without 0x: %s", err);
    cr_expect_eq(strlen(hl_signer_address_text(s)), 42u);
    hl_signer_free(s);
}
