/*
 * test_hl_signing.c — the signing library against the official SDKs'
 * vectors in $PERP_SHARED/signing (both files): every connection id,
 * r, s and v through `perpd hyperliquid sign` (the binary, one process
 * per case), every derived msgpack/preimage/digest step through the
 * library, Keccak-256 known answers, float_to_wire, float_to_int, the
 * price rules and actions in wire form.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "file_read.h"
#include "hl_action.h"
#include "hl_eip712.h"
#include "hl_hex.h"
#include "hl_keccak.h"
#include "hl_msgpack.h"
#include "hl_wire.h"
#include "run_process.h"

/* One vector file, parsed. jansson holds integers as int64, and one
 * expected float_to_int answer (12312312312300000000) is beyond that:
 * it is read as a string, which check_int_case compares digit by digit. */
static json_t *vectors(const char *file)
{
    char path[1024];
    const char *shared = getenv("PERP_SHARED");
    snprintf(path, sizeof path, "%s/signing/%s", shared ? shared : "../shared",
             file);
    size_t len;
    char *text = file_read(path, &len);
    cr_assert_not_null(text, "cannot read %s", path);
    static const char big[] = "12312312312300000000";
    char *at = strstr(text, big), *fixed = malloc(len + 3);
    if (at && at > text && at[-1] == '"')
        at = NULL; /* already a string in this file */
    cr_assert_not_null(fixed);
    if (at)
        snprintf(fixed, len + 3, "%.*s\"%s\"%s", (int)(at - text), text, big,
                 at + strlen(big));
    else
        memcpy(fixed, text, len + 1);
    json_error_t e;
    json_t *v = json_loads(fixed, 0, &e);
    cr_assert_not_null(v, "%s:%d: %s", path, e.line, e.text);
    free(fixed);
    free(text);
    return v;
}

#define PY_FILE   "hyperliquid_vectors.json"
#define BOTH_FILE "hyperliquid_python_and_rust_sdk_vectors.json"
#define SDK_TEST_KEY                                                           \
    "0x0123456789012345678901234567890123456789012345678901234567890123"

/* Hex numbers equal as 256-bit integers: the Python SDK drops leading
 * zero nibbles. */
static int same_u256(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    a += strncmp(a, "0x", 2) == 0 ? 2 : 0;
    b += strncmp(b, "0x", 2) == 0 ? 2 : 0;
    while (*a == '0' && a[1])
        a++;
    while (*b == '0' && b[1])
        b++;
    return strcasecmp(a, b) == 0;
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Runs one request through `perpd hyperliquid sign` (the binary under
 * test, which finds hyperliquid.so beside it); the parsed answer. */
static json_t *sign(json_t *req)
{
    char *text = json_dumps(req, JSON_COMPACT), *out = NULL, *err = NULL;
    char *perpd = perpd_path();
    char *argv[] = {perpd, "hyperliquid", "sign", NULL};
    int rc = run_process_input(argv, text, strlen(text), &out, &err);
    cr_assert_eq(rc, 0, "perpd hyperliquid sign exited %d: %s", rc, err);
    cr_expect_str_empty(err);
    json_t *ans = json_loads(out, 0, NULL);
    cr_assert_not_null(ans, "answer is not JSON: %s", out);
    free(text);
    free(out);
    free(err);
    free(perpd);
    return ans;
}

/* The request the tool takes, from an L1 case of either file. */
static json_t *l1_request(const json_t *c, const char *key)
{
    json_t *r = json_object();
    json_object_set_new(r, "private_key", json_string(key));
    json_object_set(r, "action", json_object_get(c, "action"));
    json_object_set(r, "nonce", json_object_get(c, "nonce"));
    json_object_set(r, "vault_address", json_object_get(c, "vault_address"));
    json_object_set(r, "expires_after", json_object_get(c, "expires_after"));
    json_object_set(r, "is_mainnet", json_object_get(c, "is_mainnet"));
    return r;
}

/* Expected r, s, v: top level (first file), under expected (Python
 * cases of the second file), expected_split (Rust cases, whose
 * signature_hex is checked against the split too) or, for the derived
 * cases of the second file, derived's r_64hex, s_64hex and v. */
static void expect_signature(const json_t *c, const json_t *ans, const char *id)
{
    const json_t *e = json_object_get(c, "expected");
    const json_t *split = json_object_get(c, "expected_split");
    const json_t *d = json_object_get(c, "derived");
    const char *rk = "r", *sk = "s";
    const json_t *src = c;
    if (split)
        src = split;
    else if (e && str(e, "r"))
        src = e;
    else if (!str(c, "r") && d && str(d, "r_64hex")) {
        src = d;
        rk = "r_64hex";
        sk = "s_64hex";
    }
    cr_expect(same_u256(str(ans, "r"), str(src, rk)), "%s: r %s != %s", id,
              str(ans, "r"), str(src, rk));
    cr_expect(same_u256(str(ans, "s"), str(src, sk)), "%s: s %s != %s", id,
              str(ans, "s"), str(src, sk));
    cr_expect_eq(json_integer_value(json_object_get(ans, "v")),
                 json_integer_value(json_object_get(src, "v")), "%s: v", id);
    const char *whole = e ? str(e, "signature_hex") : NULL;
    if (whole) { /* 65 bytes r || s || v as one hex string */
        char mine[2 + 130 + 1];
        snprintf(mine, sizeof mine, "0x%s%s%02x", str(ans, "r") + 2,
                 str(ans, "s") + 2,
                 (unsigned)json_integer_value(json_object_get(ans, "v")));
        cr_expect(strcasecmp(mine, whole) == 0, "%s: %s != %s", id, mine,
                  whole);
    }
}

static int n_l1_checked;

static void check_l1_case(const json_t *c)
{
    const char *id = str(c, "id") ? str(c, "id") : str(c, "name");
    const char *key = str(c, "private_key");
    json_t *req = l1_request(c, key ? key : SDK_TEST_KEY);
    json_t *ans = sign(req);
    const json_t *d = json_object_get(c, "derived");
    const char *cid = str(c, "connection_id");
    if (!cid && json_object_get(c, "expected"))
        cid = str(json_object_get(c, "expected"), "connection_id");
    if (!cid && d)
        cid = str(d, "connection_id");
    cr_assert_not_null(cid, "%s: no connection id in the case", id);
    cr_expect(strcasecmp(str(ans, "connection_id"), cid) == 0,
              "%s: connection id %s != %s", id, str(ans, "connection_id"), cid);
    if (key)
        expect_signature(c, ans, id);
    json_decref(ans);
    json_decref(req);
    n_l1_checked++;
}

static void check_l1_list(const json_t *cases)
{
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) check_l1_case(c);
}

Test(hl_signing, official_l1_and_connection_id_vectors_of_both_files)
{
    json_t *py = vectors(PY_FILE), *both = vectors(BOTH_FILE);
    n_l1_checked = 0;
    check_l1_list(json_object_get(py, "l1_cases"));
    check_l1_list(json_object_get(py, "connection_id_cases"));
    check_l1_list(
        json_object_get(json_object_get(py, "derived_l1_cases"), "cases"));
    cr_expect_eq(n_l1_checked, 18 + 1 + 4);
    check_l1_list(json_object_get(both, "l1_cases"));
    check_l1_list(json_object_get(
        json_object_get(both, "derived_extra_l1_cases"), "cases"));
    /* The first connection id case; the second is the bin8 one below. */
    check_l1_case(
        json_array_get(json_object_get(both, "connection_id_cases"), 0));
    cr_expect_eq(n_l1_checked, 23 + 30 + 10 + 1);
    json_decref(py);
    json_decref(both);
}

/* The Rust SDK hashes approveBuilderFee with the builder address as
 * msgpack bin (its typed Address), which the tool's bytes_fields
 * expresses. */
Test(hl_signing, rust_approve_builder_fee_hash_with_bin_address)
{
    json_t *both = vectors(BOTH_FILE);
    json_t *c = json_array_get(json_object_get(both, "connection_id_cases"), 1);
    cr_assert_str_eq(str(c, "id"), "rs_approve_builder_fee_action_hash");
    json_t *req = l1_request(c, SDK_TEST_KEY);
    json_object_set_new(req, "is_mainnet", json_true());
    json_object_set_new(req, "bytes_fields", json_pack("[s]", "builder"));
    json_t *ans = sign(req);
    cr_expect_str_eq(str(ans, "connection_id"),
                     str(json_object_get(c, "expected"), "connection_id"));
    json_decref(ans);
    /* Without it the address is a string and the hash differs. */
    json_object_del(req, "bytes_fields");
    ans = sign(req);
    cr_expect_str_neq(str(ans, "connection_id"),
                      str(json_object_get(c, "expected"), "connection_id"));
    json_decref(ans);
    json_decref(req);
    json_decref(both);
}

Test(hl_signing, signatures_of_given_connection_ids)
{
    json_t *both = vectors(BOTH_FILE);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(both, "connection_id_signing_cases"), i,
                       c)
    {
        json_t *req = json_pack(
            "{s:O, s:O, s:O}", "private_key", json_object_get(c, "private_key"),
            "connection_id", json_object_get(c, "connection_id"), "is_mainnet",
            json_object_get(c, "is_mainnet"));
        json_t *ans = sign(req);
        expect_signature(c, ans, str(c, "id"));
        json_decref(ans);
        json_decref(req);
    }
    cr_expect_eq(i, 2);
    json_decref(both);
}

static void check_user_signed(const json_t *cases, size_t expect_n)
{
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *id = str(c, "id") ? str(c, "id") : str(c, "name");
        json_t *req = json_pack(
            "{s:O, s:O, s:O, s:O, s:O}", "private_key",
            json_object_get(c, "private_key"), "primary_type",
            json_object_get(c, "primary_type"), "types",
            json_object_get(c, "types"), "domain", json_object_get(c, "domain"),
            "message", json_object_get(c, "message"));
        if (json_object_get(c, "is_mainnet"))
            json_object_set(req, "is_mainnet",
                            json_object_get(c, "is_mainnet"));
        json_t *ans = sign(req);
        cr_expect_null(json_object_get(ans, "connection_id"), "%s", id);
        expect_signature(c, ans, id);
        json_decref(ans);
        json_decref(req);
    }
    cr_expect_eq(i, expect_n);
}

Test(hl_signing, user_signed_vectors_of_both_files)
{
    json_t *py = vectors(PY_FILE), *both = vectors(BOTH_FILE);
    check_user_signed(json_object_get(py, "user_signed_cases"), 2);
    check_user_signed(json_object_get(both, "user_signed_cases"), 6);
    json_decref(py);
    json_decref(both);
}

/* ---------------------------------------------- one step at a time */

static void expect_hex(const uint8_t *p, size_t n, const char *want,
                       const char *what)
{
    char got[2 * 512 + 3];
    cr_assert_lt(n, (size_t)512);
    hl_hex_encode(p, n, got);
    cr_expect(strcasecmp(got, want) == 0, "%s: %s != %s", what, got, want);
}

/* msgpack bytes, preimage-based connection id and EIP-712 digest of
 * every case that lists them, checked apart from the signature. */
static void check_steps(const json_t *cases)
{
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const json_t *d = json_object_get(c, "derived");
        if (!d || !str(d, "msgpack_hex") || !json_object_get(c, "action"))
            continue;
        hl_bytes mp = {0};
        char err[256];
        cr_assert_eq(hl_msgpack_json(json_object_get(c, "action"), NULL, &mp,
                                     err, sizeof err),
                     0, "%s", err);
        expect_hex(mp.data, mp.len, str(d, "msgpack_hex"), str(c, "id"));
        if (str(d, "eip712_digest")) {
            uint8_t cid[32], dig[32], vault[20];
            const char *va = str(c, "vault_address");
            hl_l1_context ctx = {
                .nonce =
                    (uint64_t)json_integer_value(json_object_get(c, "nonce")),
                .vault =
                    va && hl_hex_decode(va, vault, 20) == 20 ? vault : NULL,
                .expires_after = (uint64_t)json_integer_value(
                    json_object_get(c, "expires_after")),
                .mainnet = json_is_true(json_object_get(c, "is_mainnet"))};
            hl_connection_id(mp.data, mp.len, &ctx, cid);
            expect_hex(cid, 32, str(d, "connection_id"), "connection id");
            hl_agent_digest(cid, ctx.mainnet, dig);
            expect_hex(dig, 32, str(d, "eip712_digest"), "digest");
        }
        hl_bytes_free(&mp);
    }
}

Test(hl_signing, msgpack_connection_id_and_digest_steps)
{
    json_t *both = vectors(BOTH_FILE);
    check_steps(json_object_get(both, "l1_cases"));
    check_steps(json_object_get(json_object_get(both, "derived_extra_l1_cases"),
                                "cases"));
    json_decref(both);
}

Test(hl_signing, msgpack_edge_cases)
{
    json_t *both = vectors(BOTH_FILE);
    size_t i;
    json_t *c;
    json_array_foreach(
        json_object_get(json_object_get(both, "derived_msgpack_cases"),
                        "cases"),
        i, c)
    {
        hl_bytes mp = {0};
        char err[256];
        cr_assert_eq(hl_msgpack_json(json_object_get(c, "value"), NULL, &mp,
                                     err, sizeof err),
                     0, "%s", err);
        expect_hex(mp.data, mp.len, str(c, "msgpack_hex"), "msgpack");
        hl_bytes_free(&mp);
    }
    cr_expect_geq(i, 20);
    /* A float in an action is refused, not encoded. */
    json_t *bad = json_pack("{s:f}", "px", 1.5);
    hl_bytes mp = {0};
    char err[256];
    cr_expect_eq(hl_msgpack_json(bad, NULL, &mp, err, sizeof err), -1);
    cr_expect(strstr(err, "fraction") != NULL, "%s", err);
    hl_bytes_free(&mp);
    json_decref(bad);
    json_decref(both);
}

Test(hl_signing, eip712_constants)
{
    json_t *both = vectors(BOTH_FILE);
    const json_t *k = json_object_get(both, "eip712_constants");
    uint8_t h[32];
    hl_keccak256(str(k, "eip712_domain_type"),
                 strlen(str(k, "eip712_domain_type")), h);
    expect_hex(h, 32, str(k, "eip712_domain_typehash"), "domain typehash");
    hl_keccak256(str(k, "agent_type"), strlen(str(k, "agent_type")), h);
    expect_hex(h, 32, str(k, "agent_typehash"), "agent typehash");
    hl_keccak256("a", 1, h);
    expect_hex(h, 32, str(k, "keccak_source_a"), "keccak a");
    json_decref(both);
}

/* ------------------------------------------------------- Keccak-256 */

/* Known answers: "" and "abc" are Ethereum's (go-ethereum's empty hash,
 * and the eip712_constants of the vectors); the 200-byte and rate-edge
 * answers were computed with pycryptodome 3.11 (Debian
 * python3-pycryptodome), Crypto.Hash.keccak.new(digest_bits=256). */
static void expect_keccak(const void *m, size_t n, const char *want)
{
    uint8_t h[32];
    hl_keccak256(m, n, h);
    expect_hex(h, 32, want, "keccak");
    /* Byte-at-a-time updates give the same answer. */
    hl_keccak k;
    hl_keccak_init(&k);
    for (size_t i = 0; i < n; i++)
        hl_keccak_update(&k, (const uint8_t *)m + i, 1);
    hl_keccak_final(&k, h);
    expect_hex(h, 32, want, "keccak bytewise");
}

Test(hl_keccak, known_answers)
{
    expect_keccak("", 0,
                  "0xc5d2460186f7233c927e7db2dcc703c0"
                  "e500b653ca82273b7bfad8045d85a470");
    expect_keccak("abc", 3,
                  "0x4e03657aea45a94fc7d47ba826c8d667"
                  "c0d1e6e33a64a036ec44f58fa12d6c45");
    uint8_t a3[200], seq[1000];
    memset(a3, 0xa3, sizeof a3); /* crosses the 136-byte rate */
    expect_keccak(a3, 200,
                  "0x3a57666b048777f2c953dc4456f45a25"
                  "88e1cb6f2da760122d530ac2ce607d4a");
    for (size_t i = 0; i < sizeof seq; i++)
        seq[i] = (uint8_t)i;
    /* One short of the rate (both pad bytes in one), the rate, one over,
     * and several blocks. */
    expect_keccak(seq, 135,
                  "0xcbdfd9dee5faad3818d6b06f95a219fd"
                  "290b0e1706f6a82e5a595b9ce9faca62");
    expect_keccak(seq, 136,
                  "0x7ce759f1ab7f9ce437719970c26b0a66"
                  "ff11fe3e38e17df89cf5d29c7d7f807e");
    expect_keccak(seq, 137,
                  "0xac73d4fae68b8453f764007c1a20ce95"
                  "994187861f0c3227a3a8e99a73a3b1db");
    expect_keccak(seq, 1000,
                  "0xaca79e4146e30eb1c733f6d6060d7247"
                  "1c36ea4e01ebf45d7f4916249c2bbd82");
}

/* --------------------------------------------------- numbers on wire */

static void check_wire_cases(const json_t *cases, int python_neg_zero)
{
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const json_t *in = json_object_get(c, "in");
        double x = json_is_string(in) ? strtod(json_string_value(in), NULL)
                                      : json_number_value(in);
        char out[HL_WIRE_MAX];
        int rc = hl_float_to_wire(x, out);
        if (json_object_get(c, "error")) {
            cr_expect_eq(rc, -1, "%.17g should be refused, got %s", x, out);
            continue;
        }
        cr_assert_eq(rc, 0, "%.17g refused", x);
        const char *want = str(c, "out");
        /* -0.0: the Python SDK's "-0" is a check that never fires; its
         * intent and the Rust SDK give "0", which perpd sends. */
        if (python_neg_zero && x == 0 && signbit(x))
            want = "0";
        cr_expect_str_eq(out, want, "float_to_wire(%.17g)", x);
    }
}

Test(hl_wire, float_to_wire_cases_of_both_files)
{
    json_t *py = vectors(PY_FILE), *both = vectors(BOTH_FILE);
    check_wire_cases(json_object_get(py, "float_to_wire_order_cases"), 0);
    check_wire_cases(
        json_object_get(json_object_get(py, "float_to_wire_derived_"
                                            "examples"),
                        "cases"),
        1);
    const json_t *w = json_object_get(both, "float_to_wire");
    check_wire_cases(
        json_object_get(json_object_get(w, "python_sdk_implied"), "cases"), 0);
    check_wire_cases(
        json_object_get(json_object_get(w, "rust_sdk_official"), "cases"), 0);
    check_wire_cases(
        json_object_get(json_object_get(w, "derived_python_semantics"),
                        "cases"),
        0);
    char out[HL_WIRE_MAX];
    cr_expect_eq(hl_float_to_wire(NAN, out), -1);
    cr_expect_eq(hl_float_to_wire(INFINITY, out), -1);
    json_decref(py);
    json_decref(both);
}

static void check_int_case(const json_t *c)
{
    char out[64];
    double x = json_number_value(json_object_get(c, "in"));
    int rc = hl_float_to_int(x, 8, out, sizeof out);
    if (json_object_get(c, "error")) {
        cr_expect_eq(rc, -1, "%.17g should be refused, got %s", x, out);
        return;
    }
    cr_assert_eq(rc, 0, "%.17g refused", x);
    const json_t *o = json_object_get(c, "out");
    char want[64];
    if (json_is_string(o))
        snprintf(want, sizeof want, "%s", json_string_value(o));
    else if (json_is_integer(o))
        snprintf(want, sizeof want, "%lld", (long long)json_integer_value(o));
    else
        cr_assert_fail("float_to_int case without an answer");
    cr_expect_str_eq(out, want, "float_to_int(%.17g)", x);
}

Test(hl_wire, float_to_int_for_hashing_cases)
{
    json_t *py = vectors(PY_FILE), *both = vectors(BOTH_FILE);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(py, "float_to_int_for_hashing"), i, c)
        check_int_case(c);
    cr_expect_eq(i, 4);
    json_array_foreach(
        json_object_get(json_object_get(both, "float_to_int_for_hashing"),
                        "cases"),
        i, c) check_int_case(c);
    cr_expect_eq(i, 4);
    char out[32];
    cr_expect_eq(hl_float_to_int(-2.5, 6, out, sizeof out), 0);
    cr_expect_str_eq(out, "-2500000"); /* float_to_usd_int of a withdrawal */
    json_decref(py);
    json_decref(both);
}

Test(hl_wire, price_validity_doc_examples)
{
    json_t *both = vectors(BOTH_FILE);
    size_t i;
    json_t *c;
    json_array_foreach(
        json_object_get(json_object_get(both, "price_validity_doc_examples"),
                        "cases"),
        i, c)
    {
        int szd = (int)json_integer_value(json_object_get(c, "szDecimals"));
        int valid = json_is_true(json_object_get(c, "valid"));
        if (str(c, "px")) {
            int spot = strcmp(str(c, "market"), "spot") == 0;
            cr_expect_eq(hl_price_valid(str(c, "px"), (spot ? 8 : 6) - szd),
                         valid, "price %s szDecimals %d", str(c, "px"), szd);
        } else {
            double sz = strtod(str(c, "sz"), NULL);
            cr_expect_eq(hl_round_size(sz, szd) == sz, valid, "size %s",
                         str(c, "sz"));
        }
    }
    cr_expect_eq(i, 12);
    json_decref(both);
}

Test(hl_wire, sdk_rounding_examples)
{
    json_t *both = vectors(BOTH_FILE);
    size_t i, n_price = 0;
    json_t *c;
    json_array_foreach(
        json_object_get(json_object_get(both, "derived_rounding_examples"),
                        "cases"),
        i, c)
    {
        int szd = (int)json_integer_value(json_object_get(c, "szDecimals"));
        const char *fn = str(c, "fn");
        double got;
        if (strncmp(fn, "examples/rounding.py", 20) == 0) {
            got = hl_round_price(strtod(str(c, "px"), NULL), szd);
            n_price++;
        } else if (strncmp(fn, "size", 4) == 0) {
            got = hl_round_size(strtod(str(c, "sz"), NULL), szd);
        } else {
            continue; /* _slippage_price: checked with the backend */
        }
        char wire[HL_WIRE_MAX];
        cr_assert_eq(hl_float_to_wire(got, wire), 0);
        cr_expect_str_eq(wire, str(c, "out_wire"), "%s", fn);
        cr_expect(hl_price_valid(wire, 6 - szd) || strncmp(fn, "size", 4) == 0,
                  "%s not a valid price", wire);
    }
    cr_expect_eq(n_price, 7);
    json_decref(both);
}

/* ------------------------------------------------ actions in wire form */

/* Same keys in the same order and same values: compared as text, since
 * the order changes the hash and json_equal ignores it. */
static void expect_same_text(json_t *got, const json_t *want, const char *what)
{
    char *a = json_dumps(got, JSON_COMPACT);
    char *b = json_dumps(want, JSON_COMPACT);
    cr_expect_str_eq(a, b, "%s", what);
    free(a);
    free(b);
}

static void wire_of(double x, char out[HL_WIRE_MAX])
{
    cr_assert_eq(hl_float_to_wire(x, out), 0, "%.17g", x);
}

/* The SDK's order request -> wire conversion for its four order tests. */
Test(hl_action, order_requests_become_the_sdk_wire)
{
    json_t *py = vectors(PY_FILE);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(py, "order_wire_cases"), i, c)
    {
        const json_t *rq = json_object_get(c, "order_request");
        const json_t *ot = json_object_get(rq, "order_type");
        const json_t *trig = json_object_get(ot, "trigger");
        hl_order_req o = {
            .asset = (int)json_integer_value(json_object_get(c, "asset")),
            .is_buy = json_is_true(json_object_get(rq, "is_buy")),
            .reduce_only = json_is_true(json_object_get(rq, "reduce_only"))};
        wire_of(json_number_value(json_object_get(rq, "limit_px")), o.px);
        wire_of(json_number_value(json_object_get(rq, "sz")), o.sz);
        if (trig) {
            o.kind = HL_TRIGGER;
            o.trigger_is_market =
                json_is_true(json_object_get(trig, "isMarket"));
            o.tpsl_tp = strcmp(str(trig, "tpsl"), "tp") == 0;
            wire_of(json_number_value(json_object_get(trig, "triggerPx")),
                    o.trigger_px);
        } else {
            const char *tif = str(json_object_get(ot, "limit"), "tif");
            o.kind = strcmp(tif, "Ioc") == 0   ? HL_LIMIT_IOC
                     : strcmp(tif, "Alo") == 0 ? HL_LIMIT_ALO
                                               : HL_LIMIT_GTC;
        }
        if (str(rq, "cloid"))
            snprintf(o.cloid, sizeof o.cloid, "%s", str(rq, "cloid"));
        json_t *a = hl_order_action(&o, 1, str(c, "grouping"));
        expect_same_text(a, json_object_get(c, "action"), str(c, "test"));
        json_decref(a);
    }
    cr_expect_eq(i, 4);
    json_decref(py);
}

static json_t *derived_action(json_t *both, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(both, "derived_extra_l1_"
                                                             "cases"),
                                       "cases"),
                       i, c) if (strcmp(str(c, "id"), id) ==
                                 0) return json_object_get(c, "action");
    cr_assert_fail("no case %s", id);
    return NULL;
}

/* The shapes the backend sends: an entry with TP/SL children, a TP/SL on
 * the position, a reduce-only IOC with a cloid, cancels and leverage. */
Test(hl_action, backend_shapes_match_the_derived_cases)
{
    json_t *both = vectors(BOTH_FILE);
    hl_order_req g[3] = {{.asset = 5, .is_buy = 1, .px = "150.25", .sz = "1.5"},
                         {.asset = 5,
                          .px = "165",
                          .sz = "1.5",
                          .reduce_only = 1,
                          .kind = HL_TRIGGER,
                          .trigger_is_market = 1,
                          .trigger_px = "165",
                          .tpsl_tp = 1},
                         {.asset = 5,
                          .px = "140",
                          .sz = "1.5",
                          .reduce_only = 1,
                          .kind = HL_TRIGGER,
                          .trigger_is_market = 1,
                          .trigger_px = "140"}};
    json_t *a = hl_order_action(g, 3, "normalTpsl");
    expect_same_text(a,
                     derived_action(both, "derived_sol_gtc_with_tp_sl_"
                                          "normalTpsl_mainnet"),
                     "normalTpsl");
    json_decref(a);
    hl_order_req p = {.asset = 0,
                      .px = "85000",
                      .sz = "0.01",
                      .reduce_only = 1,
                      .kind = HL_TRIGGER,
                      .trigger_is_market = 1,
                      .trigger_px = "86000"};
    a = hl_order_action(&p, 1, "positionTpsl");
    expect_same_text(a,
                     derived_action(both, "derived_btc_position_tpsl_sl_"
                                          "testnet"),
                     "positionTpsl");
    json_decref(a);
    hl_order_req r = {.asset = 1,
                      .px = "3120.5",
                      .sz = "0.0321",
                      .reduce_only = 1,
                      .kind = HL_LIMIT_IOC,
                      .cloid = "0x0000000000000000000000000000002a"};
    a = hl_order_action(&r, 1, "na");
    expect_same_text(a,
                     derived_action(both, "derived_eth_reduce_only_ioc_"
                                          "sell_cloid_testnet"),
                     "reduce-only IOC");
    json_decref(a);
    a = hl_leverage_action(1, 1, 20);
    expect_same_text(a,
                     derived_action(both, "derived_update_leverage_"
                                          "cross_20x_mainnet"),
                     "leverage");
    json_decref(a);
    a = hl_cancel_cloid_action(1, "0x0000000000000000000000000000002a");
    expect_same_text(a, derived_action(both, "derived_cancel_by_cloid_testnet"),
                     "cancelByCloid");
    json_decref(a);
    a = hl_cancel_action(0, 123456789012);
    char *t = json_dumps(a, JSON_COMPACT);
    cr_expect_str_eq(t, "{\"type\":\"cancel\",\"cancels\":[{\"a\":0,"
                        "\"o\":123456789012}]}");
    free(t);
    json_decref(a);
    json_decref(both);
}

/* The request body of a derived case, r and s with 64 digits. */
Test(hl_action, exchange_body_matches_the_derived_request)
{
    json_t *both = vectors(BOTH_FILE);
    json_t *c = json_array_get(
        json_object_get(json_object_get(both, "derived_extra_l1_cases"),
                        "cases"),
        0);
    const json_t *d = json_object_get(c, "derived");
    hl_signature sig = {.v = (int)json_integer_value(json_object_get(d, "v"))};
    cr_assert_eq(hl_hex_decode(str(d, "r_64hex"), sig.r, 32), 32);
    cr_assert_eq(hl_hex_decode(str(d, "s_64hex"), sig.s, 32), 32);
    hl_l1_context ctx = {
        .nonce = (uint64_t)json_integer_value(json_object_get(c, "nonce")),
        .mainnet = 1};
    char *body =
        hl_exchange_body(json_object_get(c, "action"), &ctx, NULL, &sig);
    char *want = json_dumps(json_object_get(c, "request_body"), JSON_COMPACT);
    cr_expect_str_eq(body, want);
    free(body);
    free(want);
    json_decref(both);
}
