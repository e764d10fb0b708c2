/*
 * fuzz_config.c — libFuzzer target for the pipeline file: libyaml through
 * host/config.c (the tree, ${VAR} and ${VAR:-default} expansion, the
 * depth and NUL checks, duplicate keys kept and said), the `agent:` and
 * `limits:` sections (agent_settings.c), the top-level key check, the
 * typed getters on every scalar, and the config-map check and fill
 * (plugin_config_map.c) of every plugin entry against a map using every
 * row type. The input is the YAML text.
 *
 * Oracles besides the sanitizers: a refused file says why in err, with a
 * place; the value of a secret variable never reaches an error or the
 * JSON snapshot (unless the input itself spells it out).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_settings.h"
#include "config.h"
#include "log.h"
#include "plugin_config_map.h"
#include "plugin_instance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define SECRET_KEY "sk-or-v1-FUZZ-planted-4f1c2a9e"
#define SECRET_PW  "pw-FUZZ-planted-77d0"

static const perp_config_key child_map[] = {
    PERP_CFG_NUM("k", "1", 0, 10, "a bounded number"),
    PERP_CFG_STR("note", NULL, "free text"), PERP_CFG_LAST};

/* Every row type and flag of the SDK's config map. */
static const perp_config_key fuzz_map[] = {
    PERP_CFG_STR("s", "x", "a string"),
    PERP_CFG_CHOICE("mode", "a", "a|b|c", "one of three"),
    PERP_CFG_NUM("num", "1.5", -10, 10, "a number"),
    PERP_CFG_INT("period", "14", 2, 100000, "an integer"),
    PERP_CFG_BOOLEAN("flag", "false", "a bool"),
    PERP_CFG_DUR("every", "15s", 1000, 86400000, "a duration"),
    PERP_CFG_FILE("path", "var/x.jsonl", "a path"),
    PERP_CFG_SECRET_STR("api_key", "a secret"),
    PERP_CFG_MAP("sub", child_map, "a mapping"),
    PERP_CFG_MAP_OF("per", child_map, "free keys"),
    PERP_CFG_LIST_MAX("symbols", PERP_CFG_STRING, 32, "a list of strings"),
    {.name = "rows",
     .type = PERP_CFG_LIST,
     .children = child_map,
     .description = "a list of mappings"},
    {.name = "speed",
     .type = PERP_CFG_NUMBER,
     .default_value = "max",
     .min = 0.001,
     .max = 1e9,
     .choices = "max",
     .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX,
     .description = "a number or a word"},
    {.name = "url",
     .type = PERP_CFG_STRING,
     .flags = PERP_CFG_SECRET | PERP_CFG_REQUIRED,
     .description = "a required secret"},
    PERP_CFG_LAST};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("FUZZ_PLAIN", "plain-value", 1);
    setenv("FUZZ_EMPTY", "", 1);
    setenv("OPENROUTER_API_KEY", SECRET_KEY, 1);
    setenv("DATABASE_URL", "postgres://perp:" SECRET_PW "@127.0.0.1/perp", 1);
    /* The fuzzer's own output is the log; the host's would drown it. */
    host_log_set_level((perp_log_level)(PERP_LOG_ERROR + 1));
    char why[256];
    if (host_config_map_lint(fuzz_map, why, sizeof why) != 0) {
        fprintf(stderr, "fuzz_config: the map contradicts itself: %s\n", why);
        abort();
    }
    return 0;
}

static int leaks(const char *s, int planted_in_input)
{
    if (!s || planted_in_input)
        return 0;
    return strstr(s, SECRET_KEY) || strstr(s, SECRET_PW);
}

/* Every scalar through every getter; mappings and lists walked. */
static void walk(const perp_config_node *n, int depth)
{
    if (!n || depth > 80)
        return;
    size_t len = host_cfg_len(n);
    for (size_t i = 0; i < len; i++) {
        const perp_config_node *c = host_cfg_at(n, i);
        if (host_cfg_kind(n) == HOST_NODE_MAP) {
            const char *key = host_cfg_key_at(n, i);
            const char *s;
            double d;
            int64_t v;
            int b;
            host_cfg_get_str("fuzz", n, key, "", &s);
            host_cfg_get_num("fuzz", n, key, 0, &d);
            host_cfg_get_int("fuzz", n, key, 0, &v);
            host_cfg_get_bool("fuzz", n, key, 0, &b);
            host_cfg_get_duration_ms("fuzz", n, key, 0, &v);
            host_cfg_duplicate_of(host_cfg_key_node(n, i));
        }
        char where[256], what[128];
        host_cfg_where(c, where, sizeof where);
        host_cfg_describe(c, what, sizeof what);
        walk(c, depth + 1);
    }
}

/* Each plugin entry of a section through the map, as the host does
 * before create(). */
static void check_entries(const perp_config_node *root, const char *section)
{
    const perp_config_node *sec = host_cfg_child(root, section);
    if (!sec)
        return;
    if (host_cfg_kind(sec) == HOST_NODE_MAP) {
        if (host_config_map_check(section, sec, fuzz_map,
                                  host_entry_keys(PERP_KIND_BACKEND)) ==
            PERP_OK)
            host_config_map_fill(sec, fuzz_map);
        return;
    }
    for (size_t i = 0; i < host_cfg_len(sec) && i < 64; i++) {
        const perp_config_node *e = host_cfg_at(sec, i);
        if (host_config_map_check(section, e, fuzz_map,
                                  host_entry_keys(PERP_KIND_INDICATOR)) ==
            PERP_OK)
            host_config_map_fill(e, fuzz_map);
    }
}

static void exercise(const host_config *c, int planted)
{
    const perp_config_node *root = host_config_root(c);
    walk(root, 0);
    host_agent_check_top_level(root);
    host_agent_settings settings;
    host_agent_settings_read(root, &settings);
    host_cfg_say_duplicates("fuzz", root, 1);
    static const char *const sections[] = {"feeds",   "indicators", "planner",
                                           "backend", "sinks",      "services"};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        check_entries(root, sections[i]);
    char *json = host_config_to_json_redacted(root);
    if (leaks(json, planted))
        abort(); /* a secret reached the version's config snapshot */
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 20)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int planted = memmem(data, size, "FUZZ-planted", 12) != NULL;

    char err[512] = "";
    host_config *c = host_config_parse(text, "fuzz.yaml", err, sizeof err);
    if (!c && !err[0])
        abort(); /* refused without a reason */
    if (leaks(err, planted))
        abort(); /* a secret quoted in an error */
    if (c) {
        exercise(c, planted);
        host_config_free(c);
    }

    /* Duplicates kept and said, as `perpd check` reads a file. */
    err[0] = '\0';
    c = host_config_parse_keep_duplicates(text, "fuzz.yaml", err, sizeof err);
    if ((!c && !err[0]) || leaks(err, planted))
        abort();
    if (c) {
        exercise(c, planted);
        host_config_free(c);
    }
    free(text);
    return 0;
}
