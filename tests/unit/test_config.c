/*
 * test_config.c — the YAML tree: positions, ${VAR} expansion, secrets,
 * typed getters and their messages, durations, key checks, JSON snapshot.
 * Expected line:column values are counted by hand from the YAML literals
 * (1-based; a value's column is where its first character is).
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "stderr_capture.h"

static host_config *parse_ok(const char *text)
{
    char err[512];
    host_config *c = host_config_parse(text, "t.yaml", err, sizeof err);
    cr_assert_not_null(c, "parse failed: %s", err);
    return c;
}

static void parse_fails(const char *text, const char *expected)
{
    char err[512];
    host_config *c = host_config_parse(text, "t.yaml", err, sizeof err);
    cr_assert_null(c, "expected a parse error for: %s", text);
    cr_assert_str_eq(err, expected);
}

static const char PIPELINE[] = "agent:\n"                        /* line 1 */
                               "  version: v1.0.0\n"             /* line 2 */
                               "  symbols: [BTC-USD, ETH-USD]\n" /* 3 */
                               "feeds:\n"                        /* line 4 */
                               "  - plugin: replay\n"            /* line 5 */
                               "    speed: max\n";               /* line 6 */

Test(config, tree_shape_and_positions)
{
    host_config *c = parse_ok(PIPELINE);
    const perp_config_node *root = host_config_root(c);
    cr_assert_eq(host_cfg_kind(root), HOST_NODE_MAP);
    cr_assert_eq(host_cfg_len(root), 2);
    cr_assert_str_eq(host_cfg_key_at(root, 0), "agent");
    cr_assert_str_eq(host_cfg_key_at(root, 1), "feeds");

    const perp_config_node *agent = host_cfg_child(root, "agent");
    const perp_config_node *ver = host_cfg_child(agent, "version");
    cr_assert_str_eq(host_cfg_scalar(ver), "v1.0.0");
    /* "  version: v1.0.0": the value starts at column 12 of line 2. */
    cr_assert_eq(host_cfg_line(ver), 2);
    cr_assert_eq(host_cfg_col(ver), 12);
    cr_assert_str_eq(host_cfg_file(ver), "t.yaml");

    const perp_config_node *syms = host_cfg_child(agent, "symbols");
    cr_assert_eq(host_cfg_kind(syms), HOST_NODE_SEQ);
    cr_assert_eq(host_cfg_len(syms), 2);
    /* "  symbols: [BTC-USD, ETH-USD]": ETH-USD starts at column 22. */
    const perp_config_node *eth = host_cfg_at(syms, 1);
    cr_assert_str_eq(host_cfg_scalar(eth), "ETH-USD");
    cr_assert_eq(host_cfg_line(eth), 3);
    cr_assert_eq(host_cfg_col(eth), 22);
    cr_assert_null(host_cfg_at(syms, 2));

    const perp_config_node *feed =
        host_cfg_at(host_cfg_child(root, "feeds"), 0);
    cr_assert_eq(host_cfg_kind(feed), HOST_NODE_MAP);
    /* "  - plugin: replay": the mapping starts at column 5 of line 5. */
    cr_assert_eq(host_cfg_line(feed), 5);
    cr_assert_eq(host_cfg_col(feed), 5);
    char where[64];
    host_cfg_where(host_cfg_child(feed, "speed"), where, sizeof where);
    cr_assert_str_eq(where, "t.yaml:6:12");

    cr_assert_null(host_cfg_child(root, "missing"));
    cr_assert_null(host_cfg_child(ver, "x"), "a scalar has no children");
    cr_assert_null(host_cfg_scalar(agent));
    host_config_free(c);
}

Test(config, syntax_errors_name_file_line_column)
{
    /* The ':' after "bad" is at line 2, column 6. */
    parse_fails("key: value\n  bad: indent\n",
                "t.yaml:2:6: YAML syntax error: mapping values are not "
                "allowed in this context");
    parse_fails("a: [1, 2\nb: 3\n",
                "t.yaml:2:2: YAML syntax error: did not find expected ',' or "
                "']' (while parsing a flow sequence started at line 1, "
                "column 4)");
}

Test(config, duplicate_keys_are_an_error)
{
    parse_fails("a: 1\nb: 2\na: 3\n",
                "t.yaml:3:1: duplicate key 'a' (first at line 1, column 1)");
}

Test(config, aliases_are_refused)
{
    parse_fails("a: &x 1\nb: *x\n", "t.yaml:2:4: YAML aliases (*x) are not "
                                    "supported: write the value out");
}

Test(config, one_document_only)
{
    parse_fails("a: 1\n---\nb: 2\n",
                "t.yaml:2:1: more than one YAML document: a pipeline file "
                "holds one");
}

Test(config, empty_file_is_an_empty_map)
{
    host_config *c = parse_ok("");
    cr_assert_eq(host_cfg_kind(host_config_root(c)), HOST_NODE_MAP);
    cr_assert_eq(host_cfg_len(host_config_root(c)), 0);
    host_config_free(c);
}

Test(config, missing_file)
{
    char err[256];
    cr_assert_null(host_config_load("/nonexistent/x.yaml", err, sizeof err));
    cr_assert_str_eq(err, "/nonexistent/x.yaml: cannot open: No such file or "
                          "directory");
}

Test(config, deep_nesting_is_refused_not_a_crash)
{
    char text[400];
    memset(text, '[', 300);
    text[300] = '\0';
    char err[256];
    cr_assert_null(host_config_parse(text, "t.yaml", err, sizeof err));
    cr_assert(strstr(err, "nesting deeper than"), "%s", err);
}

Test(config, env_expansion_and_defaults)
{
    setenv("PERP_T_DIR", "/data", 1);
    unsetenv("PERP_T_UNSET");
    setenv("PERP_T_EMPTY", "", 1);
    host_config *c = parse_ok("a: ${PERP_T_DIR}/history\n"
                              "b: ${PERP_T_UNSET:-fallback}\n"
                              "c: ${PERP_T_EMPTY:-used-when-empty}\n"
                              "d: x${PERP_T_EMPTY}y\n"
                              "e: cost $5 {ok}\n");
    const perp_config_node *r = host_config_root(c);
    cr_assert_str_eq(host_cfg_scalar(host_cfg_child(r, "a")), "/data/history");
    cr_assert_str_eq(host_cfg_scalar(host_cfg_child(r, "b")), "fallback");
    cr_assert_str_eq(host_cfg_scalar(host_cfg_child(r, "c")),
                     "used-when-empty");
    cr_assert_str_eq(host_cfg_scalar(host_cfg_child(r, "d")), "xy");
    cr_assert_str_eq(host_cfg_scalar(host_cfg_child(r, "e")), "cost $5 {ok}");
    host_config_free(c);
}

Test(config, unset_variable_error_names_only_the_variable)
{
    unsetenv("PERP_T_MISSING_KEY");
    parse_fails("x: 1\nkey: \"${PERP_T_MISSING_KEY}\"\n",
                "t.yaml:2:6: environment variable PERP_T_MISSING_KEY is not "
                "set (and no default given with ${PERP_T_MISSING_KEY:-"
                "default})");
    parse_fails("x: ${bad name}\n",
                "t.yaml:1:4: bad variable reference '${bad name}': expected "
                "a name of letters, digits and '_'");
}

Test(config, secret_values_are_registered_and_flagged)
{
    setenv("PERP_T_API_KEY", "sk-test-SECRET123", 1);
    setenv("PERP_T_PLAIN", "hello-world", 1);
    host_config *c = parse_ok("k: Bearer ${PERP_T_API_KEY}\n"
                              "p: ${PERP_T_PLAIN}\n");
    const perp_config_node *r = host_config_root(c);
    cr_assert(host_cfg_is_secret(host_cfg_child(r, "k")));
    cr_assert_not(host_cfg_is_secret(host_cfg_child(r, "p")));
    char line[] = "sending sk-test-SECRET123 and hello-world";
    host_redact(line);
    cr_assert_str_eq(line, "sending *** and hello-world");
    host_config_free(c);
    host_secret_clear();
}

static const char TYPED[] = "cfg:\n"
                            "  period: abc\n"
                            "  n: 14\n"
                            "  x: 2.5\n"
                            "  flag: yes\n"
                            "  every: 5m\n"
                            "  nothing: ~\n"
                            "  list: [1, 2]\n"
                            "  big: 99999999999999999999\n";

Test(config, typed_getters_read_values_and_defaults)
{
    host_config *c = parse_ok(TYPED);
    const perp_config_node *n = host_cfg_child(host_config_root(c), "cfg");
    int64_t i = 0, ms = 0;
    double d = 0;
    int b = 0;
    const char *s = NULL;
    cr_assert_eq(host_cfg_get_int("t", n, "n", 0, &i), PERP_OK);
    cr_assert_eq(i, 14);
    cr_assert_eq(host_cfg_get_num("t", n, "n", 0, &d), PERP_OK);
    cr_assert_eq(d, 14.0);
    cr_assert_eq(host_cfg_get_num("t", n, "x", 0, &d), PERP_OK);
    cr_assert_eq(d, 2.5);
    cr_assert_eq(host_cfg_get_bool("t", n, "flag", 0, &b), PERP_OK);
    cr_assert_eq(b, 1);
    cr_assert_eq(host_cfg_get_duration_ms("t", n, "every", 0, &ms), PERP_OK);
    cr_assert_eq(ms, 5 * 60 * 1000);
    cr_assert_eq(host_cfg_get_str("t", n, "period", NULL, &s), PERP_OK);
    cr_assert_str_eq(s, "abc");
    /* Absent and null-valued keys take the default. */
    cr_assert_eq(host_cfg_get_int("t", n, "absent", 7, &i), PERP_OK);
    cr_assert_eq(i, 7);
    cr_assert_eq(host_cfg_get_num("t", n, "nothing", 1.5, &d), PERP_OK);
    cr_assert_eq(d, 1.5);
    cr_assert_eq(host_cfg_get_str("t", n, "nothing", "dflt", &s), PERP_OK);
    cr_assert_str_eq(s, "dflt");
    cr_assert_eq(host_cfg_get_bool("t", NULL, "any", 1, &b), PERP_OK);
    cr_assert_eq(b, 1);
    host_config_free(c);
}

/* Ends a capture begun just before `rc` was computed; rc must be
 * PERP_EINVAL. Returns what was logged (caller frees). */
static char *expect_einval(int rc)
{
    char *out = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL, "logged: %s", out);
    return out;
}

/* The comma operator starts the capture before the call runs. */
#define LOGGED_ERROR(call) expect_einval((stderr_capture_begin(), (call)))

Test(config, type_errors_say_where_what_and_found)
{
    host_config *c = parse_ok(TYPED);
    const perp_config_node *n = host_cfg_child(host_config_root(c), "cfg");
    double d;
    int64_t i, ms;
    int b;
    const char *s;
    struct {
        char *out;
        const char *want;
    } cases[] = {
        {LOGGED_ERROR(host_cfg_get_num("indicator.rsi", n, "period", 0, &d)),
         " indicator.rsi t.yaml:2:11: key 'period': expected a number, "
         "found 'abc'\n"},
        {LOGGED_ERROR(host_cfg_get_int("c", n, "x", 0, &i)),
         " c t.yaml:4:6: key 'x': expected an integer, found '2.5'\n"},
        {LOGGED_ERROR(host_cfg_get_int("c", n, "big", 0, &i)),
         " c t.yaml:9:8: key 'big': expected an integer, found "
         "'99999999999999999999'\n"},
        {LOGGED_ERROR(host_cfg_get_bool("c", n, "n", 0, &b)),
         " c t.yaml:3:6: key 'n': expected true or false, found '14'\n"},
        {LOGGED_ERROR(host_cfg_get_duration_ms("c", n, "period", 0, &ms)),
         " c t.yaml:2:11: key 'period': expected a duration such as 250ms, "
         "15s, 5m, 6h or 1d, found 'abc'\n"},
        {LOGGED_ERROR(host_cfg_get_str("c", n, "list", NULL, &s)),
         " c t.yaml:8:9: key 'list': expected a string, found a list\n"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cr_assert(strncmp(cases[k].out, "ERROR ", 6) == 0, "%s", cases[k].out);
        size_t len = strlen(cases[k].out), wl = strlen(cases[k].want);
        cr_assert(len > wl &&
                      strcmp(cases[k].out + len - wl, cases[k].want) == 0,
                  "got: %s\nwant suffix: %s", cases[k].out, cases[k].want);
        free(cases[k].out);
    }
    host_config_free(c);
}

Test(config, secrets_are_never_quoted_in_errors)
{
    setenv("PERP_T_TOKEN", "tok-notanumber-42", 1);
    host_config *c = parse_ok("period: ${PERP_T_TOKEN}\n");
    double d;
    /* Clear the redactor: the message itself must not carry the value. */
    host_secret_clear();
    char *out = LOGGED_ERROR(
        host_cfg_get_num("c", host_config_root(c), "period", 0, &d));
    cr_assert_null(strstr(out, "notanumber"), "%s", out);
    cr_assert(strstr(out, "t.yaml:1:9: key 'period': expected a number, "
                          "found a secret value (not shown)"),
              "%s", out);
    free(out);
    host_config_free(c);
}

Test(config, durations)
{
    cr_assert_eq(host_parse_duration_ms("250ms"), 250);
    cr_assert_eq(host_parse_duration_ms("15s"), 15000);
    cr_assert_eq(host_parse_duration_ms("5m"), 300000);
    cr_assert_eq(host_parse_duration_ms("6h"), 21600000);
    cr_assert_eq(host_parse_duration_ms("1d"), 86400000);
    cr_assert_eq(host_parse_duration_ms("90"), 90000, "bare seconds");
    cr_assert_eq(host_parse_duration_ms("1.5s"), 1500);
    cr_assert_eq(host_parse_duration_ms("0"), 0);
    cr_assert_eq(host_parse_duration_ms("abc"), -1);
    cr_assert_eq(host_parse_duration_ms("-5s"), -1);
    cr_assert_eq(host_parse_duration_ms("5 s"), -1);
    cr_assert_eq(host_parse_duration_ms("5x"), -1);
    cr_assert_eq(host_parse_duration_ms(""), -1);
    cr_assert_eq(host_parse_duration_ms("1e300d"), -1);
}

Test(config, check_keys_names_each_unknown_key)
{
    host_config *c = parse_ok("plugin: rsi\nname: rsi_7\nperiod: 7\n"
                              "perod: 9\nsource: close\n");
    static const char *const allowed[] = {"period", "perod", "source", NULL};
    cr_assert_eq(host_cfg_check_keys("c", host_config_root(c), allowed),
                 PERP_OK, "plugin and name are always allowed");
    static const char *const strict[] = {"period", NULL};
    char *out = LOGGED_ERROR(
        host_cfg_check_keys("indicator.rsi_7", host_config_root(c), strict));
    cr_assert(strstr(out, "t.yaml:4:1: unknown key 'perod' (allowed: plugin, "
                          "name, period)"),
              "%s", out);
    cr_assert(strstr(out, "t.yaml:5:1: unknown key 'source'"), "%s", out);
    free(out);
    host_config_free(c);
}

Test(config, json_snapshot_types_values_and_hides_secrets)
{
    setenv("PERP_T_PASSWORD", "pw-very-secret", 1);
    host_config *c = parse_ok("agent: {version: v1, cycle: 60s}\n"
                              "n: 5\nx: 2.5\nq: \"5\"\nb: true\nz: ~\n"
                              "db: postgres://u:${PERP_T_PASSWORD}@h/d\n"
                              "l: [a, 1]\n");
    char *s = host_config_to_json_redacted(host_config_root(c));
    cr_assert_not_null(s);
    cr_assert_null(strstr(s, "pw-very-secret"), "%s", s);
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, s);
    cr_assert_str_eq(json_string_value(json_object_get(j, "db")), "***");
    cr_assert_eq(json_integer_value(json_object_get(j, "n")), 5);
    cr_assert_eq(json_real_value(json_object_get(j, "x")), 2.5);
    cr_assert_str_eq(json_string_value(json_object_get(j, "q")), "5");
    cr_assert(json_is_true(json_object_get(j, "b")));
    cr_assert(json_is_null(json_object_get(j, "z")));
    json_t *agent = json_object_get(j, "agent");
    cr_assert_str_eq(json_string_value(json_object_get(agent, "cycle")), "60s");
    cr_assert_eq(json_array_size(json_object_get(j, "l")), 2);
    json_decref(j);
    free(s);
    host_config_free(c);
    host_secret_clear();
}

/* xorshift32: a fixed sequence, so a failure reproduces. */
static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

Test(config, mutated_input_never_crashes_and_errors_are_located)
{
    static const char alphabet[] = ":-[]{}#&*!|>'\"%@`,? \n\t$\\\x01\xff";
    setenv("PERP_T_DIR", "/data", 1);
    uint32_t seed = 0x9e3779b9u;
    size_t len = strlen(PIPELINE);
    for (int iter = 0; iter < 3000; iter++) {
        char text[sizeof PIPELINE + 8];
        memcpy(text, PIPELINE, len + 1);
        for (int k = 0; k < 1 + iter % 4; k++) {
            size_t at = next_rand(&seed) % len;
            text[at] = alphabet[next_rand(&seed) % (sizeof alphabet - 1)];
        }
        char err[512] = "";
        host_config *c = host_config_parse(text, "t.yaml", err, sizeof err);
        if (c) {
            char *j = host_config_to_json_redacted(host_config_root(c));
            cr_assert_not_null(j);
            free(j);
            host_config_free(c);
        } else {
            cr_assert(strncmp(err, "t.yaml:", 7) == 0 &&
                          strchr(err, '\n') == NULL,
                      "iteration %d: %s", iter, err);
        }
    }
}
