/*
 * plugin_config_map.c — checks a plugin's YAML node against its config
 * map and fills the defaults in. The checks walk the node, not the map,
 * so that each key of the file gets exactly one verdict (unknown,
 * duplicate, wrong type or range) in file order; required keys are
 * checked after. Values of a row are judged on their text by
 * scalar_fits(), which also lints the plugin's own defaults.
 */
#include "plugin_config_map.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

/* Longer tables are taken for a missing PERP_CFG_LAST. */
#define MAP_MAX_ROWS 512
/* A key path ("funding.model", "files[2]") as errors show it. */
#define KEY_PATH_MAX 256

typedef struct check_ctx {
    const char *component;
    int errors;
} check_ctx;

static void report(check_ctx *cx, const perp_config_node *at, const char *fmt,
                   ...) PERP_PRINTF(3, 4);

static void report(check_ctx *cx, const perp_config_node *at, const char *fmt,
                   ...)
{
    char where[512], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    host_cfg_where(at, where, sizeof where);
    host_log(PERP_LOG_ERROR, cx->component, "%s: %s", where, msg);
    cx->errors++;
}

static const perp_config_key *find_row(const perp_config_key *map,
                                       const char *name)
{
    for (size_t i = 0; map && map[i].name && i < MAP_MAX_ROWS; i++) {
        if (strcmp(map[i].name, name) == 0)
            return &map[i];
    }
    return NULL;
}

static int in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++) {
        if (strcmp(list[i], name) == 0)
            return 1;
    }
    return 0;
}

/* 1 if text is one of "a|b|c". */
static int in_choices(const char *choices, const char *text)
{
    size_t len = strlen(text);
    const char *c = choices;
    while (c && *c) {
        size_t n = strcspn(c, "|");
        if (n == len && strncmp(c, text, n) == 0)
            return 1;
        c += n;
        if (*c == '|')
            c++;
    }
    return 0;
}

/* ------------------------------------------------ what a row accepts */

void host_config_map_duration(int64_t ms, char *buf, size_t len)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ms != 0 && ms % units[i].ms == 0) {
            snprintf(buf, len, "%" PRId64 "%s", ms / units[i].ms,
                     units[i].unit);
            return;
        }
    }
    snprintf(buf, len, "%" PRId64 "ms", ms);
}

static void bound_text(perp_config_type t, double v, char *buf, size_t len)
{
    if (t == PERP_CFG_DURATION)
        host_config_map_duration((int64_t)v, buf, len);
    else if (t == PERP_CFG_INTEGER || t == PERP_CFG_LIST)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%g", v);
}

/* " in 2..100000", " >= 1", " <= 5" or "" for row's bounds. */
static void range_text(const perp_config_key *row, char *buf, size_t len)
{
    char lo[32], hi[32];
    int has_lo = (row->flags & PERP_CFG_HAS_MIN) != 0;
    int has_hi = (row->flags & PERP_CFG_HAS_MAX) != 0;
    bound_text(row->type, row->min, lo, sizeof lo);
    bound_text(row->type, row->max, hi, sizeof hi);
    if (has_lo && has_hi)
        snprintf(buf, len, " in %s..%s", lo, hi);
    else if (has_lo)
        snprintf(buf, len, " >= %s", lo);
    else if (has_hi)
        snprintf(buf, len, " <= %s", hi);
    else
        buf[0] = '\0';
}

/* "a, b or c" from "a|b|c". */
static void choices_text(const char *choices, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    const char *c = choices;
    while (*c && used < len) {
        size_t n = strcspn(c, "|");
        const char *next = c[n] == '|' ? c + n + 1 : c + n;
        const char *sep = c == choices ? "" : *next ? ", " : " or ";
        int w = snprintf(buf + used, len - used, "%s%.*s", sep, (int)n, c);
        if (w < 0)
            break;
        used += (size_t)w;
        c = next;
    }
}

static const char *type_noun(perp_config_type t)
{
    switch (t) {
    case PERP_CFG_STRING:
        return "a string";
    case PERP_CFG_NUMBER:
        return "a number";
    case PERP_CFG_INTEGER:
        return "an integer";
    case PERP_CFG_BOOL:
        return "true or false";
    case PERP_CFG_DURATION:
        return "a duration";
    case PERP_CFG_LIST:
        return "a list";
    case PERP_CFG_MAPPING:
        return "a mapping";
    case PERP_CFG_PATH:
        return "a path";
    case PERP_CFG_END:
        break;
    }
    return "a value";
}

/* "a list", "a list of 1..32 items", "... of at most 3 items". */
static void list_text(const perp_config_key *row, char *buf, size_t len)
{
    int has_lo = (row->flags & PERP_CFG_HAS_MIN) != 0;
    int has_hi = (row->flags & PERP_CFG_HAS_MAX) != 0;
    if (has_lo && has_hi)
        snprintf(buf, len, "a list of %.0f..%.0f items", row->min, row->max);
    else if (has_lo)
        snprintf(buf, len, "a list of at least %.0f item%s", row->min,
                 row->min == 1 ? "" : "s");
    else if (has_hi)
        snprintf(buf, len, "a list of at most %.0f item%s", row->max,
                 row->max == 1 ? "" : "s");
    else
        snprintf(buf, len, "a list");
}

void host_config_map_expected(const perp_config_key *row, char *buf, size_t len)
{
    char range[80], words[512];
    if (row->type == PERP_CFG_STRING && row->choices) {
        choices_text(row->choices, words, sizeof words);
        snprintf(buf, len, "one of %s", words);
        return;
    }
    range_text(row, range, sizeof range);
    words[0] = '\0';
    if (row->choices)
        choices_text(row->choices, words, sizeof words);
    if (row->type == PERP_CFG_LIST)
        list_text(row, buf, len);
    else if (row->type == PERP_CFG_DURATION && !range[0])
        snprintf(buf, len, "a duration such as 250ms, 15s, 5m, 6h or 1d%s%s",
                 words[0] ? ", or " : "", words);
    else
        snprintf(buf, len, "%s%s%s%s", type_noun(row->type), range,
                 words[0] ? ", or " : "", words);
}

/* 1 if v is within row's bounds. */
static int in_range(const perp_config_key *row, double v)
{
    if ((row->flags & PERP_CFG_HAS_MIN) && v < row->min)
        return 0;
    if ((row->flags & PERP_CFG_HAS_MAX) && v > row->max)
        return 0;
    return 1;
}

/* 1 if text is a value of type t that row (NULL: a list item, no
 * bounds) accepts. */
static int scalar_fits(perp_config_type t, const perp_config_key *row,
                       const char *text)
{
    if (row && row->choices && in_choices(row->choices, text))
        return 1;
    double d;
    int64_t i;
    int b;
    switch (t) {
    case PERP_CFG_STRING:
        return !(row && row->choices); /* with choices: one of them */
    case PERP_CFG_PATH:
        return 1;
    case PERP_CFG_NUMBER:
        return host_parse_number(text, &d) && (!row || in_range(row, d));
    case PERP_CFG_INTEGER:
        return host_parse_int64(text, &i) && (!row || in_range(row, (double)i));
    case PERP_CFG_BOOL:
        return host_parse_bool(text, &b);
    case PERP_CFG_DURATION:
        i = host_parse_duration_ms(text);
        return i >= 0 && (!row || in_range(row, (double)i));
    case PERP_CFG_LIST:
    case PERP_CFG_MAPPING:
    case PERP_CFG_END:
        break;
    }
    return 0;
}

/* --------------------------------------------------------- did you mean */

/* Optimal string alignment distance (a swap of two neighbours is one
 * edit: "peroid" is one from "period"), for names up to 63 bytes. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The nearest name to `name` that is close enough to be a typo: at most
 * one edit for names of up to four characters, two beyond. */
static const char *nearest(const char *name, const perp_config_key *map,
                           const char *const *entry_keys)
{
    size_t limit = strlen(name) <= 4 ? 1 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; entry_keys && entry_keys[i]; i++) {
        size_t d = edit_distance(name, entry_keys[i]);
        if (d < best_d) {
            best_d = d;
            best = entry_keys[i];
        }
    }
    for (size_t i = 0; map && map[i].name && i < MAP_MAX_ROWS; i++) {
        size_t d = edit_distance(name, map[i].name);
        if (d < best_d) {
            best_d = d;
            best = map[i].name;
        }
    }
    return best;
}

/* "plugin, name, timeframe, period, source" */
static void allowed_text(const perp_config_key *map,
                         const char *const *entry_keys, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; entry_keys && entry_keys[i] && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                         entry_keys[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    for (size_t i = 0; map && map[i].name && i < MAP_MAX_ROWS && used < len;
         i++) {
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                         map[i].name);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* ---------------------------------------------------------------- check */

static void check_mapping(check_ctx *cx, const perp_config_node *node,
                          const perp_config_key *map,
                          const char *const *entry_keys, const char *path);

/* prefix "funding" + name "cap" -> "funding.cap"; "" + name -> name. */
static void join_path(const char *prefix, const char *name, char *out,
                      size_t len)
{
    if (snprintf(out, len, "%s%s%s", prefix, *prefix ? "." : "", name) >=
        (int)len)
        out[len - 1] = '\0'; /* a path this deep is cut, not lost */
}

static void type_error(check_ctx *cx, const perp_config_node *v,
                       const char *path, const char *expected)
{
    char found[128];
    host_cfg_describe(v, found, sizeof found);
    report(cx, v, "key '%s': expected %s, found %s", path, expected, found);
}

/* A scalar of type t (row: bounds and choices, NULL for list items). A
 * value of the right type out of range is shown as written ("found 0");
 * anything else quoted, or not at all when secret. */
static void check_scalar(check_ctx *cx, perp_config_type t,
                         const perp_config_key *row, const perp_config_node *v,
                         const char *path)
{
    const char *text = host_cfg_scalar(v);
    if (text && scalar_fits(t, row, text))
        return;
    char expected[600];
    perp_config_key bare = {.type = t};
    host_config_map_expected(row ? row : &bare, expected, sizeof expected);
    int typed = text &&
                (t == PERP_CFG_NUMBER || t == PERP_CFG_INTEGER ||
                 t == PERP_CFG_DURATION) &&
                scalar_fits(t, NULL, text);
    if (typed && !host_cfg_is_secret(v) && strlen(text) < 40)
        report(cx, v, "key '%s': expected %s, found %s", path, expected, text);
    else
        type_error(cx, v, path, expected);
}

static void check_list(check_ctx *cx, const perp_config_key *row,
                       const perp_config_node *v, const char *path)
{
    char expected[600];
    host_config_map_expected(row, expected, sizeof expected);
    if (host_cfg_kind(v) != HOST_NODE_SEQ) {
        type_error(cx, v, path, expected);
        return;
    }
    size_t n = host_cfg_len(v);
    if (!in_range(row, (double)n)) {
        report(cx, v, "key '%s': expected %s, found %zu", path, expected, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char item[KEY_PATH_MAX];
        if (snprintf(item, sizeof item, "%s[%zu]", path, i) >= (int)sizeof item)
            item[sizeof item - 1] = '\0';
        const perp_config_node *it = host_cfg_at(v, i);
        if (row->children)
            check_mapping(cx, it, row->children, NULL, item);
        else if (row->item_type)
            check_scalar(cx, row->item_type, NULL, it, item);
    }
}

/* A mapping whose keys are free: each value against children/item_type. */
static void check_free_mapping(check_ctx *cx, const perp_config_key *row,
                               const perp_config_node *v, const char *path)
{
    if (host_cfg_kind(v) != HOST_NODE_MAP) {
        type_error(cx, v, path, "a mapping");
        return;
    }
    for (size_t i = 0; i < host_cfg_len(v); i++) {
        const perp_config_node *k = host_cfg_key_node(v, i);
        if (host_cfg_say_duplicate_key(cx->component, k)) {
            cx->errors++;
            continue;
        }
        char item[KEY_PATH_MAX];
        join_path(path, host_cfg_key_at(v, i), item, sizeof item);
        const perp_config_node *val = host_cfg_at(v, i);
        if (row->children)
            check_mapping(cx, val, row->children, NULL, item);
        else if (row->item_type && !host_cfg_is_null(val))
            check_scalar(cx, row->item_type, NULL, val, item);
    }
}

static void check_secret(check_ctx *cx, const perp_config_node *v,
                         const char *path)
{
    host_cfg_mark_secret(v); /* redacted from here on, pass or fail */
    if (!host_cfg_from_env(v))
        report(cx, v,
               "key '%s' is a secret: write it as ${VAR} and set VAR in "
               "the environment, not the value in the file",
               path);
}

static void check_value(check_ctx *cx, const perp_config_key *row,
                        const perp_config_node *v, const char *path)
{
    if (host_cfg_is_null(v))
        return; /* absent; a required key is said by check_required */
    if ((row->flags & PERP_CFG_SECRET) && host_cfg_scalar(v))
        check_secret(cx, v, path);
    switch (row->type) {
    case PERP_CFG_LIST:
        check_list(cx, row, v, path);
        return;
    case PERP_CFG_MAPPING:
        if (row->flags & PERP_CFG_ANY_KEY)
            check_free_mapping(cx, row, v, path);
        else
            check_mapping(cx, v, row->children, NULL, path);
        return;
    default:
        /* A PATH is any text here; host_config_map_paths (config_path.c)
         * resolves it once the defaults are in, before create(). */
        check_scalar(cx, row->type, row, v, path);
    }
}

static void check_required(check_ctx *cx, const perp_config_node *node,
                           const perp_config_key *map, const char *path)
{
    for (size_t i = 0; map && map[i].name && i < MAP_MAX_ROWS; i++) {
        if (!(map[i].flags & PERP_CFG_REQUIRED))
            continue;
        const perp_config_node *v = host_cfg_child(node, map[i].name);
        if (v && !host_cfg_is_null(v))
            continue;
        char key[KEY_PATH_MAX];
        join_path(path, map[i].name, key, sizeof key);
        report(cx, v ? v : node, "key '%s' is required%s%s%s", key,
               map[i].description ? " (" : "",
               map[i].description ? map[i].description : "",
               map[i].description ? ")" : "");
    }
}

static void unknown_key(check_ctx *cx, const perp_config_node *key,
                        const perp_config_key *map,
                        const char *const *entry_keys, const char *path)
{
    const char *name = host_cfg_scalar(key);
    char shown[KEY_PATH_MAX];
    join_path(path, name, shown, sizeof shown);
    const char *near = nearest(name, map, entry_keys);
    if (near) {
        char want[KEY_PATH_MAX];
        join_path(path, near, want, sizeof want);
        report(cx, key, "unknown key '%s' (did you mean '%s'?)", shown, want);
        return;
    }
    char allowed[1024];
    allowed_text(map, entry_keys, allowed, sizeof allowed);
    report(cx, key, "unknown key '%s' (allowed: %s)", shown,
           allowed[0] ? allowed : "none");
}

static void check_mapping(check_ctx *cx, const perp_config_node *node,
                          const perp_config_key *map,
                          const char *const *entry_keys, const char *path)
{
    if (host_cfg_kind(node) != HOST_NODE_MAP) {
        if (*path)
            type_error(cx, node, path, "a mapping");
        else
            report(cx, node, "expected a mapping of keys");
        return;
    }
    for (size_t i = 0; i < host_cfg_len(node); i++) {
        const perp_config_node *key = host_cfg_key_node(node, i);
        const char *name = host_cfg_scalar(key);
        if (host_cfg_say_duplicate_key(cx->component, key)) {
            cx->errors++; /* in file order, among the other verdicts */
            continue;
        }
        if (in_list(entry_keys, name))
            continue;
        const perp_config_key *row = find_row(map, name);
        if (!row) {
            unknown_key(cx, key, map, entry_keys, path);
            continue;
        }
        char sub[KEY_PATH_MAX];
        join_path(path, name, sub, sizeof sub);
        check_value(cx, row, host_cfg_at(node, i), sub);
    }
    check_required(cx, node, map, path);
}

int host_config_map_check(const char *component, const perp_config_node *node,
                          const perp_config_key *map,
                          const char *const *entry_keys)
{
    if (!node || !map)
        return PERP_OK;
    check_ctx cx = {.component = component ? component : "config"};
    check_mapping(&cx, node, map, entry_keys, "");
    return cx.errors ? PERP_EINVAL : PERP_OK;
}

/* ----------------------------------------------------------------- fill */

static int has_default_below(const perp_config_key *map)
{
    for (size_t i = 0; map && map[i].name && i < MAP_MAX_ROWS; i++) {
        if (map[i].default_value)
            return 1;
        if (map[i].type == PERP_CFG_MAPPING &&
            !(map[i].flags & PERP_CFG_ANY_KEY) &&
            has_default_below(map[i].children))
            return 1;
    }
    return 0;
}

static int fill_row(const perp_config_node *node, const perp_config_key *row);

static int fill_each(const perp_config_node *coll, const perp_config_key *map)
{
    for (size_t i = 0; i < host_cfg_len(coll); i++) {
        if (host_config_map_fill(host_cfg_at(coll, i), map) != PERP_OK)
            return PERP_ENOMEM;
    }
    return PERP_OK;
}

static int fill_row(const perp_config_node *node, const perp_config_key *row)
{
    if (row->type == PERP_CFG_MAPPING && (row->flags & PERP_CFG_ANY_KEY))
        return fill_each(host_cfg_child(node, row->name), row->children);
    if (row->type == PERP_CFG_MAPPING) {
        const perp_config_node *v = host_cfg_child(node, row->name);
        if (!v && has_default_below(row->children) &&
            !(v = host_cfg_fill_map(node, row->name)))
            return PERP_ENOMEM;
        return host_config_map_fill(v, row->children);
    }
    if (row->type == PERP_CFG_LIST && row->children)
        return fill_each(host_cfg_child(node, row->name), row->children);
    if (row->default_value &&
        !host_cfg_fill_scalar(node, row->name, row->default_value))
        return PERP_ENOMEM;
    return PERP_OK;
}

int host_config_map_fill(const perp_config_node *node,
                         const perp_config_key *map)
{
    if (host_cfg_kind(node) != HOST_NODE_MAP || !map)
        return PERP_OK;
    for (size_t i = 0; map[i].name && i < MAP_MAX_ROWS; i++) {
        if (fill_row(node, &map[i]) != PERP_OK)
            return PERP_ENOMEM;
    }
    return PERP_OK;
}

/* ----------------------------------------------------------------- lint */

static int lint_fail(char *why, size_t len, const char *name, const char *msg)
{
    snprintf(why, len, "config map row '%s': %s", name ? name : "(null)", msg);
    return -1;
}

static int lint_row(const perp_config_key *r, char *why, size_t len)
{
    if (r->type < PERP_CFG_STRING || r->type > PERP_CFG_PATH)
        return lint_fail(why, len, r->name, "unknown type");
    if ((r->flags & PERP_CFG_HAS_MIN) && (r->flags & PERP_CFG_HAS_MAX) &&
        r->min > r->max)
        return lint_fail(why, len, r->name, "min is above max");
    if (r->default_value && (r->flags & (PERP_CFG_REQUIRED | PERP_CFG_SECRET)))
        return lint_fail(why, len, r->name,
                         "a required or secret key has a default");
    if (r->default_value &&
        (r->type == PERP_CFG_LIST || r->type == PERP_CFG_MAPPING))
        return lint_fail(why, len, r->name,
                         "a list or mapping takes defaults in its children");
    if (r->default_value && !scalar_fits(r->type, r, r->default_value)) {
        char msg[700], expected[600];
        host_config_map_expected(r, expected, sizeof expected);
        snprintf(msg, sizeof msg, "default '%.40s' is not %s", r->default_value,
                 expected);
        return lint_fail(why, len, r->name, msg);
    }
    if ((r->flags & PERP_CFG_OUTPUT) && r->type != PERP_CFG_PATH &&
        !(r->type == PERP_CFG_LIST && r->item_type == PERP_CFG_PATH))
        return lint_fail(why, len, r->name, "PERP_CFG_OUTPUT on a non-path");
    if (r->type == PERP_CFG_MAPPING && !r->children &&
        !(r->flags & PERP_CFG_ANY_KEY))
        return lint_fail(why, len, r->name, "a mapping without children");
    if (r->children)
        return host_config_map_lint(r->children, why, len);
    return 0;
}

int host_config_map_lint(const perp_config_key *map, char *why, size_t why_len)
{
    size_t i = 0;
    for (; map && map[i].name; i++) {
        if (i >= MAP_MAX_ROWS)
            return lint_fail(why, why_len, map[0].name,
                             "table does not end (PERP_CFG_LAST missing?)");
        if (find_row(map, map[i].name) != &map[i])
            return lint_fail(why, why_len, map[i].name, "named twice");
        if (lint_row(&map[i], why, why_len) != 0)
            return -1;
    }
    if (map && map[i].type != PERP_CFG_END)
        return lint_fail(why, why_len, "(end)",
                         "a row without a name before PERP_CFG_LAST");
    return 0;
}
