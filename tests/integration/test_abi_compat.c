/*
 * test_abi_compat.c — the ABI across minors, at test time:
 *   - the pins (tests/abi/abi_pins.h) hold for the released 1.0 and 1.1
 *     headers kept in tests/fixtures, so they are the layout those
 *     releases shipped;
 *   - moving one member of perp_host, of the descriptor or of any vtable
 *     in a copy of today's sdk.h makes the pins fail to compile, naming
 *     the struct;
 *   - a feed and an indicator built against the 1.1 header
 *     (tests/fixtures/abi-1.1) load and run in this host: a live pipeline
 *     of them with perpsim, the rule planner and the JSONL sink completes
 *     its cycles and shows the 1.1 indicator's values.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi_fixture.h"
#include "build_dir.h"
#include "file_read.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

/* cc -c of a file that includes the pins, against sdk include dir inc.
 * Returns cc's exit code; its output into *out (caller frees). */
static int compile_pins(const char *dir, const char *inc, char **out)
{
    char *src = temp_dir_write(dir, "pins.c", "#include \"abi_pins.h\"\n");
    char *obj = NULL, *iflag = NULL;
    cr_assert(asprintf(&obj, "%s/pins.o", dir) > 0);
    cr_assert(asprintf(&iflag, "-I%s", inc) > 0);
    char *argv[] = {"cc", "-std=c11", "-Wall", "-Werror", iflag, "-Itests/abi",
                    "-c", "-o",       obj,     src,       NULL};
    int rc = run_process(argv, out);
    free(iflag);
    free(obj);
    free(src);
    return rc;
}

Test(abi_compat, pins_hold_for_the_released_1_0_and_1_1_headers)
{
    static const char *const incs[] = {"tests/fixtures/sdk-1.0",
                                       "tests/fixtures/sdk-1.1", "sdk/include"};
    char *dir = temp_dir_new();
    for (size_t i = 0; i < sizeof incs / sizeof incs[0]; i++) {
        char *out = NULL;
        int rc = compile_pins(dir, incs[i], &out);
        cr_expect_eq(rc, 0, "pins against %s:\n%s", incs[i], out);
        free(out);
    }
    temp_dir_remove(dir);
    free(dir);
}

/* ---------------------------------------------------- moved members */

/* body with comments blanked (they may hold ';'), so declarations split
 * at top-level ';'. In place. */
static void blank_comments(char *s)
{
    for (char *p = s; (p = strstr(p, "/*")) != NULL;) {
        char *e = strstr(p + 2, "*/");
        cr_assert_not_null(e);
        memset(p, ' ', (size_t)(e + 2 - p));
        p = e + 2;
    }
}

/* The header with struct `name`'s second declaration moved to its end
 * (PERP_VTABLE_HEAD spelled out first, so a vtable's create moves).
 * malloc'd. */
static char *move_second_member(const char *header, const char *name)
{
    char open[128], close[128];
    snprintf(open, sizeof open, "struct %s {", name);
    snprintf(close, sizeof close, "} %s;", name);
    const char *o = strstr(header, open);
    cr_assert_not_null(o, "no '%s' in sdk.h", open);
    const char *body = o + strlen(open);
    /* perp_host is "struct perp_host {...};", the others typedefs. */
    const char *c = strcmp(name, "perp_host") == 0 ? strstr(body, "\n};")
                                                   : strstr(body, close);
    cr_assert_not_null(c);
    size_t blen = (size_t)(c - body);
    char *b = malloc(blen + 1);
    memcpy(b, body, blen);
    b[blen] = '\0';
    blank_comments(b);
    char *decl[64];
    size_t n = 0, depth = 0;
    char *start = b;
    static const char head[] = "PERP_VTABLE_HEAD";
    for (char *p = b; *p; p++) {
        depth += *p == '(';
        depth -= *p == ')';
        if (*p != ';' || depth)
            continue;
        *p = '\0';
        cr_assert_lt(n, 64);
        decl[n++] = start;
        start = p + 1;
    }
    char *head_decl[3] = {
        "uint32_t struct_size",
        "perp_status (*create)(const perp_host *host, const perp_config_node "
        "*cfg, void **self)",
        "void (*destroy)(void *self)"};
    char *all[70];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strstr(decl[i], head)) {
            for (int j = 0; j < 3; j++)
                all[k++] = head_decl[j];
        } else {
            all[k++] = decl[i];
        }
    }
    cr_assert_geq(k, 3, "%s has too few members to move one", name);
    size_t cap = strlen(header) + 4096, used = 0;
    char *out = malloc(cap);
    used += (size_t)snprintf(out, cap, "%.*s", (int)(body - header), header);
    for (size_t i = 0; i < k; i++) {
        size_t pick = i == k - 1 ? 1 : (i >= 1 ? i + 1 : i);
        used += (size_t)snprintf(out + used, cap - used, "%s;\n", all[pick]);
    }
    snprintf(out + used, cap - used, "%s", c);
    free(b);
    return out;
}

Test(abi_compat, moving_a_member_of_the_host_table_or_a_vtable_fails_the_build)
{
    static const char *const structs[] = {
        "perp_host",           "perp_plugin_descriptor",
        "perp_feed_vtable",    "perp_indicator_vtable",
        "perp_planner_vtable", "perp_backend_vtable",
        "perp_sink_vtable",    "perp_service_vtable",
        "perp_observation"};
    char *header = file_read("sdk/include/perp/sdk.h", NULL);
    cr_assert_not_null(header);
    char *dir = temp_dir_new();
    char *inc = NULL, *perp = NULL, *path = NULL;
    cr_assert(asprintf(&inc, "%s/inc", dir) > 0);
    cr_assert(asprintf(&perp, "%s/inc/perp", dir) > 0);
    cr_assert(asprintf(&path, "%s/inc/perp/sdk.h", dir) > 0);
    char *mk[] = {"mkdir", "-p", perp, NULL}, *o = NULL;
    cr_assert_eq(run_process(mk, &o), 0);
    free(o);
    for (size_t i = 0; i < sizeof structs / sizeof structs[0]; i++) {
        char *moved = move_second_member(header, structs[i]);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(moved, f);
        fclose(f);
        char *out = NULL;
        int rc = compile_pins(dir, inc, &out);
        char *want = NULL;
        cr_assert(asprintf(&want, "%s.", structs[i]) > 0);
        cr_expect_neq(rc, 0, "%s: a moved member compiled", structs[i]);
        cr_expect(strstr(out, want) && strstr(out, "moved"),
                  "%s: the error does not name it:\n%s", structs[i], out);
        free(want);
        free(out);
        free(moved);
    }
    free(inc);
    free(perp);
    free(path);
    free(header);
    temp_dir_remove(dir);
    free(dir);
}

/* ------------------------------------------- a 1.1 plugin in 1.2 host */

static char *write_pipeline(const char *dir)
{
    char text[2048];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: abi11-1.0\n"
             "  cycle: 1s\n"
             "  symbols: [BTC-USD]\n"
             "plugin_path: [%s, %s/lib/perp]\n"
             "feeds:\n"
             "  - plugin: tick11\n"
             "    candles: 30\n"
             "indicators:\n"
             "  - {plugin: sma11, name: sma_3}\n"
             "  - {plugin: rsi, name: rsi_7, period: 7}\n"
             "planner:\n"
             "  plugin: rules\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "sinks:\n"
             "  - plugin: jsonl\n"
             "    path: %s/records.jsonl\n",
             dir, test_build_dir(), dir);
    return temp_dir_write(dir, "abi11.yaml", text);
}

Test(abi_compat, plugins_built_against_1_1_load_and_run, .timeout = 60)
{
    char *dir = temp_dir_new();
    abi11_build(dir, "tick11");
    abi11_build(dir, "sma11");
    char *out = NULL, *bin = perpd_path();
    char *ls[] = {bin, "plugins", "--path", dir, NULL};
    cr_assert_eq(run_process(ls, &out), 0, "%s", out);
    cr_expect(strstr(out, "tick11       feed       1.1.0    ABI 1.1"), "%s",
              out);
    cr_expect(strstr(out, "sma11        indicator  1.1.0    ABI 1.1"), "%s",
              out);
    free(out);
    char *yaml = write_pipeline(dir);
    char *run[] = {bin, "run", yaml, "--max-cycles", "2", NULL};
    int rc = run_process(run, &out);
    cr_assert_eq(rc, 0, "perpd run exit %d:\n%s", rc, out);
    json_t *all = jsonl_records_read(dir);
    cr_assert_eq(jsonl_records_count(all, "observation"), 2, "%s", out);
    /* The 1.1 indicator saw the feed's 30 candles: SMA(3) of the last
     * three closes, defined; next to it the 1.2 RSI. */
    json_t *obs =
        json_object_get(jsonl_records_nth(all, "observation", 1), "data");
    json_t *ind = json_object_get(
        json_array_get(json_object_get(obs, "markets"), 0), "indicators_1m");
    json_t *sma = json_object_get(json_object_get(ind, "sma_3"), "value");
    json_t *rsi = json_object_get(json_object_get(ind, "rsi_7"), "value");
    cr_expect(json_is_number(sma), "sma_3: %s", json_dumps(ind, 0));
    cr_expect(json_is_number(rsi), "rsi_7: %s", json_dumps(ind, 0));
    json_decref(all);
    free(out);
    free(yaml);
    free(bin);
    temp_dir_remove(dir);
    free(dir);
}
