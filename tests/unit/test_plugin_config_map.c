/*
 * test_plugin_config_map.c — a plugin's config map applied by the host:
 * each kind of error as one "file:line:col: ..." line (types, ranges,
 * choices, unknown keys with "did you mean", duplicates, required keys,
 * nested mappings and lists, free-key mappings, secrets), the defaults
 * filled in for the getters, and the lint of a map that contradicts
 * itself. Line:column values are counted by hand from the YAML below
 * (1-based; a value's column is where its first character is).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "plugin_config_map.h"
#include "stderr_capture.h"
#include "temp_dir.h"

static const perp_config_key funding_rows[] = {
    PERP_CFG_CHOICE("model", "heuristic", "none|heuristic|external", "m"),
    PERP_CFG_NUM("cap", "0.0001", 0, 1, "c"),
    {.name = "interval",
     .type = PERP_CFG_DURATION,
     .default_value = "1h",
     .min = 1,
     .choices = "continuous",
     .flags = PERP_CFG_HAS_MIN,
     .description = "i"},
    PERP_CFG_LAST};

static const perp_config_key rule_rows[] = {
    {.name = "tick", .type = PERP_CFG_NUMBER, .description = "t"},
    PERP_CFG_INT("lot", "1", 1, 10, "l"),
    PERP_CFG_LAST};

static const perp_config_key item_rows[] = {PERP_CFG_REQ_STR("id", "an id"),
                                            PERP_CFG_BOOLEAN("on", "true", "o"),
                                            PERP_CFG_LAST};

static const perp_config_key test_map[] = {
    PERP_CFG_INT("period", "14", 2, 100000, "candles"),
    PERP_CFG_CHOICE("source", "close", "open|high|low|close", "price"),
    PERP_CFG_NUM("k", "2", 0.001, 1000, "width"),
    PERP_CFG_BOOLEAN("cache", "true", "keep a cache"),
    PERP_CFG_DUR("every", "15s", 1000, 3600000, "how often"),
    {.name = "speed",
     .type = PERP_CFG_NUMBER,
     .default_value = "max",
     .min = 0.001,
     .max = 1e9,
     .choices = "max",
     .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX,
     .description = "pace"},
    PERP_CFG_FILE("path", NULL, "a file"),
    PERP_CFG_LIST_MAX("products", PERP_CFG_STRING, 3, "ids"),
    {.name = "items",
     .type = PERP_CFG_LIST,
     .children = item_rows,
     .description = "a list of mappings"},
    PERP_CFG_MAP("funding", funding_rows, "funding"),
    PERP_CFG_MAP_OF("rules", rule_rows, "per symbol"),
    PERP_CFG_SECRET_STR("api_key", "the key"),
    PERP_CFG_LAST};

static const char *const ENTRY_KEYS[] = {"plugin", "name", "timeframe", NULL};

typedef struct loaded {
    char *dir, *path;
    host_config *cfg;
    const perp_config_node *root;
} loaded;

/* Writes yaml to a file and loads it as the agent does (duplicates kept
 * for the checks to say). */
static loaded load(const char *yaml)
{
    loaded l;
    l.dir = temp_dir_new();
    l.path = temp_dir_write(l.dir, "t.yaml", yaml);
    char err[512];
    l.cfg = host_config_load_keep_duplicates(l.path, err, sizeof err);
    cr_assert_not_null(l.cfg, "%s", err);
    l.root = host_config_root(l.cfg);
    return l;
}

static void unload(loaded *l)
{
    host_config_free(l->cfg);
    temp_dir_remove(l->dir);
    free(l->dir);
    free(l->path);
}

/* Runs the check, returns its log (malloc'd) and status. */
static char *check(const loaded *l, const perp_config_key *map, int *rc)
{
    stderr_capture_begin();
    *rc = host_config_map_check("config", l->root, map, ENTRY_KEYS);
    return stderr_capture_end();
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* log holds "<path>:<line>:<col>: <msg>" as one whole line. */
static void assert_line(const char *log, const loaded *l, int line, int col,
                        const char *msg)
{
    char *want = NULL;
    cr_assert(asprintf(&want, "%s:%d:%d: %s\n", l->path, line, col, msg) > 0);
    cr_assert(strstr(log, want), "want: %sgot:\n%s", want, log);
    free(want);
}

Test(config_map, the_four_kinds_of_error_one_line_each)
{
    loaded l = load("plugin: rsi\n"    /* 1 */
                    "name: rsi_7\n"    /* 2 */
                    "timeframe: 1m\n"  /* 3 */
                    "period: abc\n"    /* 4 */
                    "k: 5000\n"        /* 5 */
                    "peroid: 7\n"      /* 6 */
                    "source: close\n"  /* 7 */
                    "source: open\n"); /* 8 */
    int rc;
    char *log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_EINVAL);
    assert_line(log, &l, 4, 9,
                "key 'period': expected an integer in 2..100000, found "
                "'abc'");
    assert_line(log, &l, 5, 4,
                "key 'k': expected a number in 0.001..1000, found 5000");
    assert_line(log, &l, 6, 1, "unknown key 'peroid' (did you mean 'period'?)");
    assert_line(log, &l, 8, 1,
                "duplicate key 'source' (first at line 7, column 1)");
    cr_assert_eq(count_lines(log), 4, "one line per error:\n%s", log);
    /* In file order. */
    cr_assert(strstr(log, ":4:9:") < strstr(log, ":5:4:"));
    cr_assert(strstr(log, ":6:1:") < strstr(log, ":8:1:"));
    free(log);
    unload(&l);
}

Test(config_map, a_far_unknown_key_lists_the_allowed_ones)
{
    loaded l = load("plugin: x\nzzzzzz: 1\n");
    int rc;
    char *log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_EINVAL);
    assert_line(log, &l, 2, 1,
                "unknown key 'zzzzzz' (allowed: plugin, name, timeframe, "
                "period, source, k, cache, every, speed, path, products, "
                "items, funding, rules, api_key)");
    free(log);
    unload(&l);
}

Test(config_map, choices_bools_durations_and_words)
{
    loaded l = load("source: hl2\n"  /* 1 */
                    "cache: maybe\n" /* 2 */
                    "every: 2h\n"    /* 3 */
                    "speed: fast\n"  /* 4 */
                    "every: 5\n");   /* 5: a duplicate, said once */
    int rc;
    char *log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_EINVAL);
    assert_line(log, &l, 1, 9,
                "key 'source': expected one of open, high, low or close, "
                "found 'hl2'");
    assert_line(log, &l, 2, 8,
                "key 'cache': expected true or false, found 'maybe'");
    assert_line(log, &l, 3, 8,
                "key 'every': expected a duration in 1s..1h, found 2h");
    assert_line(log, &l, 4, 8,
                "key 'speed': expected a number in 0.001..1e+09, or max, "
                "found 'fast'");
    cr_assert_eq(count_lines(log), 5, "%s", log);
    /* A second check says the duplicate no more. */
    free(log);
    log = check(&l, test_map, &rc);
    cr_assert_null(strstr(log, "duplicate"), "%s", log);
    free(log);
    unload(&l);
}

Test(config_map, words_and_values_that_pass)
{
    loaded l = load("speed: max\nevery: 90s\nsource: low\ncache: off\n"
                    "products: [A, B]\nfunding: {interval: continuous}\n");
    int rc;
    char *log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_OK, "%s", log);
    cr_assert_str_empty(log);
    free(log);
    unload(&l);
}

Test(config_map, nested_mappings_and_lists_name_their_path)
{
    loaded l = load("funding:\n"                     /* 1 */
                    "  model: magic\n"               /* 2 */
                    "  capp: 1\n"                    /* 3 */
                    "products: [A, B, C, D]\n"       /* 4 */
                    "items:\n"                       /* 5 */
                    "  - {id: a, on: yes}\n"         /* 6 */
                    "  - {on: 3}\n"                  /* 7 */
                    "rules:\n"                       /* 8 */
                    "  BTC-USD: {tick: x, lot: 0}\n" /* 9 */
                    "  ETH-USD: 5\n");               /* 10 */
    int rc;
    char *log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_EINVAL);
    assert_line(log, &l, 2, 10,
                "key 'funding.model': expected one of none, heuristic or "
                "external, found 'magic'");
    assert_line(log, &l, 3, 3,
                "unknown key 'funding.capp' (did you mean 'funding.cap'?)");
    assert_line(log, &l, 4, 11,
                "key 'products': expected a list of at most 3 items, found 4");
    assert_line(log, &l, 7, 10,
                "key 'items[1].on': expected true or false, found '3'");
    assert_line(log, &l, 7, 5, "key 'items[1].id' is required (an id)");
    assert_line(log, &l, 9, 19,
                "key 'rules.BTC-USD.tick': expected a number, found 'x'");
    assert_line(log, &l, 9, 27,
                "key 'rules.BTC-USD.lot': expected an integer in 1..10, "
                "found 0");
    assert_line(log, &l, 10, 12,
                "key 'rules.ETH-USD': expected a mapping, found '5'");
    cr_assert_eq(count_lines(log), 8, "%s", log);
    free(log);
    unload(&l);
}

Test(config_map, a_secret_must_come_from_the_environment_and_never_shows)
{
    setenv("PERP_TEST_MAP_TOKEN", "tok-SECRET-4242", 1);
    /* From a variable: passes, and is redacted from here on even though
     * the variable's name does not look secret to the loader. */
    setenv("PERP_TEST_MAP_PLAIN", "plain-SECRET-9191", 1);
    loaded l = load("api_key: ${PERP_TEST_MAP_PLAIN}\n");
    int rc;
    char *log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_OK, "%s", log);
    free(log);
    cr_assert(host_cfg_is_secret(host_cfg_child(l.root, "api_key")));
    char *json = host_config_to_json_redacted(l.root);
    cr_assert_null(strstr(json, "plain-SECRET-9191"), "%s", json);
    free(json);
    stderr_capture_begin();
    host_log(PERP_LOG_ERROR, "t", "value plain-SECRET-9191 here");
    log = stderr_capture_end();
    cr_assert_null(strstr(log, "plain-SECRET-9191"), "%s", log);
    free(log);
    unload(&l);

    /* Written in the file: refused, and not quoted. */
    l = load("api_key: sk-in-the-file-123\n");
    log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_EINVAL);
    assert_line(log, &l, 1, 10,
                "key 'api_key' is a secret: write it as ${VAR} and set VAR "
                "in the environment, not the value in the file");
    cr_assert_null(strstr(log, "sk-in-the-file-123"), "%s", log);
    free(log);
    unload(&l);
    host_secret_clear();
}

Test(config_map, a_wrong_type_holding_a_secret_is_not_quoted)
{
    setenv("PERP_TEST_MAP_API_KEY", "key-SECRET-777", 1);
    loaded l = load("period: ${PERP_TEST_MAP_API_KEY}\n");
    int rc;
    char *log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_EINVAL);
    assert_line(log, &l, 1, 9,
                "key 'period': expected an integer in 2..100000, found a "
                "secret value (not shown)");
    cr_assert_null(strstr(log, "key-SECRET-777"), "%s", log);
    free(log);
    unload(&l);
    host_secret_clear();
}

Test(config_map, defaults_are_filled_for_the_getters_but_not_snapshotted)
{
    loaded l = load("plugin: x\nk: ~\nfunding: {cap: 0.5}\n"
                    "items: [{id: a}]\nrules: {BTC-USD: {tick: 0.01}}\n");
    int rc;
    char *log = check(&l, test_map, &rc);
    cr_assert_eq(rc, PERP_OK, "%s", log);
    free(log);
    cr_assert_eq(host_config_map_fill(l.root, test_map), PERP_OK);
    int64_t period = 0;
    double k = 0, cap = 0;
    const char *source = NULL, *model = NULL;
    int on = 0;
    /* The getters' own defaults (-1, "?") must not be reached. */
    cr_assert_eq(host_cfg_get_int("t", l.root, "period", -1, &period), 0);
    cr_assert_eq(period, 14);
    cr_assert_eq(host_cfg_get_num("t", l.root, "k", -1, &k), 0);
    cr_assert_eq(k, 2.0, "a null value takes the default");
    cr_assert_eq(host_cfg_get_str("t", l.root, "source", "?", &source), 0);
    cr_assert_str_eq(source, "close");
    const perp_config_node *f = host_cfg_child(l.root, "funding");
    cr_assert_eq(host_cfg_get_num("t", f, "cap", -1, &cap), 0);
    cr_assert_eq(cap, 0.5, "a value in the file stays");
    cr_assert_eq(host_cfg_get_str("t", f, "model", "?", &model), 0);
    cr_assert_str_eq(model, "heuristic");
    const perp_config_node *item =
        host_cfg_at(host_cfg_child(l.root, "items"), 0);
    cr_assert_eq(host_cfg_get_bool("t", item, "on", 0, &on), 0);
    cr_assert_eq(on, 1);
    const perp_config_node *btc =
        host_cfg_child(host_cfg_child(l.root, "rules"), "BTC-USD");
    int64_t lot = 0;
    cr_assert_eq(host_cfg_get_int("t", btc, "lot", -1, &lot), 0);
    cr_assert_eq(lot, 1);
    /* No default, so still absent. */
    cr_assert_null(host_cfg_child(l.root, "path"));
    /* Filled defaults point at their entry. */
    cr_assert_eq(host_cfg_line(host_cfg_child(l.root, "period")), 1);
    /* The snapshot is the file as written. */
    char *json = host_config_to_json_redacted(l.root);
    cr_assert_str_eq(json, "{\"plugin\":\"x\",\"k\":null,\"funding\":"
                           "{\"cap\":0.5},\"items\":[{\"id\":\"a\"}],"
                           "\"rules\":{\"BTC-USD\":{\"tick\":0.01}}}");
    free(json);
    unload(&l);
}

Test(config_map, an_absent_mapping_with_defaults_is_added)
{
    loaded l = load("plugin: x\n");
    cr_assert_eq(host_config_map_fill(l.root, test_map), PERP_OK);
    const perp_config_node *f = host_cfg_child(l.root, "funding");
    cr_assert_not_null(f);
    const char *interval = NULL;
    cr_assert_eq(host_cfg_get_str("t", f, "interval", "?", &interval), 0);
    cr_assert_str_eq(interval, "1h");
    /* rules has no default of its own: free keys are not invented. */
    cr_assert_null(host_cfg_child(l.root, "rules"));
    unload(&l);
}

Test(config_map, lint_refuses_a_map_that_contradicts_itself)
{
    char why[400];
    cr_assert_eq(host_config_map_lint(test_map, why, sizeof why), 0, "%s", why);
    static const perp_config_key out_of_range[] = {
        PERP_CFG_INT("period", "1", 2, 10, "p"), PERP_CFG_LAST};
    cr_assert_eq(host_config_map_lint(out_of_range, why, sizeof why), -1);
    cr_assert_str_eq(why, "config map row 'period': default '1' is not an "
                          "integer in 2..10");
    static const perp_config_key twice[] = {PERP_CFG_STR("a", "x", "a"),
                                            PERP_CFG_STR("a", "y", "a"),
                                            PERP_CFG_LAST};
    cr_assert_eq(host_config_map_lint(twice, why, sizeof why), -1);
    cr_assert_str_eq(why, "config map row 'a': named twice");
    static const perp_config_key required_default[] = {
        {.name = "p",
         .type = PERP_CFG_STRING,
         .default_value = "x",
         .flags = PERP_CFG_REQUIRED},
        PERP_CFG_LAST};
    cr_assert_eq(host_config_map_lint(required_default, why, sizeof why), -1);
    static const perp_config_key bad_choice[] = {
        PERP_CFG_CHOICE("s", "mid", "open|close", "s"), PERP_CFG_LAST};
    cr_assert_eq(host_config_map_lint(bad_choice, why, sizeof why), -1);
    cr_assert_str_eq(why, "config map row 's': default 'mid' is not one of "
                          "open or close");
    static const perp_config_key bad_child[] = {
        PERP_CFG_MAP("m", out_of_range, "m"), PERP_CFG_LAST};
    cr_assert_eq(host_config_map_lint(bad_child, why, sizeof why), -1);
}

Test(config_map, expected_texts_and_durations)
{
    char buf[200];
    host_config_map_duration(90000, buf, sizeof buf);
    cr_assert_str_eq(buf, "90s");
    host_config_map_duration(3600000, buf, sizeof buf);
    cr_assert_str_eq(buf, "1h");
    host_config_map_duration(250, buf, sizeof buf);
    cr_assert_str_eq(buf, "250ms");
    host_config_map_duration(0, buf, sizeof buf);
    cr_assert_str_eq(buf, "0ms");
    host_config_map_expected(&test_map[0], buf, sizeof buf);
    cr_assert_str_eq(buf, "an integer in 2..100000");
    static const perp_config_key only_min = {.name = "x",
                                             .type = PERP_CFG_NUMBER,
                                             .min = 0,
                                             .flags = PERP_CFG_HAS_MIN};
    host_config_map_expected(&only_min, buf, sizeof buf);
    cr_assert_str_eq(buf, "a number >= 0");
}
