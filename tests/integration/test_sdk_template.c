/*
 * test_sdk_template.c — the third-party path end to end: install the SDK
 * (the headers and perp-sdk.pc laid out as `make install` does, into a
 * temporary DESTDIR), copy
 * sdk/examples/indicator-template out of the tree, build it with only
 * `pkg-config --cflags perp-sdk` pointed into that DESTDIR, and check that
 * `perpd plugins --path DIR` lists it as a loadable indicator; then load
 * it from a pipeline YAML (replay feed over a CSV written here, the
 * template indicator, planner-script, perpsim, sink-jsonl) with
 * `perpd check` and `perpd run`, and find its values in the observation
 * records (and, from its lookback, "warming_up" before the first one).
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "run_process.h"
#include "temp_dir.h"

static int sh(const char *cmd, char **out)
{
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    return run_process(argv, out);
}

/* Installs the SDK into tmp/dest and builds the template in tmp/tpl with
 * only pkg-config pointed there; asserts tmp/tpl/mysma.so exists. */
static void build_template(const char *tmp)
{
    char cmd[4096], *out = NULL;
    /* Install only the SDK pieces the template needs: headers and the .pc
     * file, exactly as `make install` lays them out (the sed is the
     * Makefile's own rule). */
    snprintf(cmd, sizeof cmd,
             "set -e; d=%s/dest; p=/usr;"
             "install -d $d$p/include/perp $d$p/lib/pkgconfig;"
             "install -m 644 sdk/include/perp/*.h $d$p/include/perp/;"
             "sed -e \"s|@PREFIX@|$p|g\" -e \"s|@VERSION@|$(cat VERSION)|g\" "
             "sdk/perp-sdk.pc.in > $d$p/lib/pkgconfig/perp-sdk.pc;"
             "cp -r sdk/examples/indicator-template %s/tpl",
             tmp, tmp);
    int rc = sh(cmd, &out);
    cr_assert_eq(rc, 0, "install failed: %s", out);
    free(out);

    snprintf(cmd, sizeof cmd,
             "cd %s/tpl && PKG_CONFIG_PATH=%s/dest/usr/lib/pkgconfig "
             "PKG_CONFIG_LIBDIR=%s/dest/usr/lib/pkgconfig "
             "PKG_CONFIG_SYSROOT_DIR=%s/dest make 2>&1 && "
             "pkg-config --cflags perp-sdk; true",
             tmp, tmp, tmp, tmp);
    rc = sh(cmd, &out);
    cr_assert_eq(rc, 0, "template build failed: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s/tpl/mysma.so", tmp);
    FILE *f = fopen(cmd, "rb");
    cr_assert(f != NULL, "no mysma.so was built");
    fclose(f);
}

Test(sdk_template, builds_out_of_tree_and_is_listed, .timeout = 300)
{
    char *tmp = temp_dir_new();
    char cmd[4096], *out = NULL;
    build_template(tmp);
    char *perpd = perpd_path();
    snprintf(cmd, sizeof cmd, "%s plugins --path %s/tpl", perpd, tmp);
    int rc = sh(cmd, &out);
    cr_assert_eq(rc, 0, "perpd plugins failed: %s", out);
    cr_assert(strstr(out, "mysma") != NULL, "not listed: %s", out);
    cr_assert(strstr(out, "indicator") != NULL, "kind not shown: %s", out);
    free(out);
    free(perpd);
    temp_dir_remove(tmp);
    free(tmp);
}

#define TPL_T0      1679004900LL /* first candle's open, s */
#define TPL_CANDLES 60

/* 60 one-minute candles whose closes are 25000, 25001, ... so the
 * template's SMA(10) at candle i >= 9 is the mean of 25000 + i-9 ..
 * 25000 + i, i.e. 25000 + i - 4.5 (exact in binary). */
static void write_csv(const char *tmp)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/data/BTC-USD_1m.csv", tmp);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL, "cannot write %s", path);
    fprintf(f, "ts,open,high,low,close,volume\n");
    for (int i = 0; i < TPL_CANDLES; i++) {
        double c = 25000.0 + i;
        fprintf(f, "%lld,%.2f,%.2f,%.2f,%.2f,1.5\n", TPL_T0 + 60LL * i, c - 1.0,
                c + 2.0, c - 3.0, c);
    }
    fclose(f);
}

static char *write_pipeline(const char *tmp, const char *libdir)
{
    char yaml[16384];
    snprintf(yaml, sizeof yaml,
             "agent:\n"
             "  version: v0.0.1-sdk-template-test\n"
             "  symbols: [BTC-USD]\n"
             "  cycle: 60s\n"
             "plugin_path: [%s, %s/tpl]\n"
             "feeds:\n"
             "  - {plugin: replay, dir: %s/data, speed: max, cache_dir: "
             "%s/cache}\n"
             "indicators:\n"
             "  - {plugin: mysma, name: sma_10, period: 10}\n"
             "planner:\n"
             "  plugin: script\n"
             "  path: %s/decisions.jsonl\n"
             "backend:\n"
             "  plugin: perpsim\n"
             "  starting_equity: 10000\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s/records.jsonl}\n",
             libdir, tmp, tmp, tmp, tmp, tmp);
    return temp_dir_write(tmp, "pipeline.yaml", yaml);
}

/* Checks one observation record's sma_10 against the closes above: the
 * latest closed candle at observation time ts opened at ts - 60 s.
 * Returns 1 when it carried a value. */
static int check_observation(json_t *rec)
{
    json_t *data = json_object_get(rec, "data");
    int64_t ts = json_integer_value(json_object_get(data, "ts"));
    json_t *m = json_array_get(json_object_get(data, "markets"), 0);
    json_t *ind = json_object_get(
        json_object_get(json_object_get(m, "indicators_1m"), "sma_10"),
        "value");
    cr_assert(ind != NULL, "observation at %lld has no indicators_1m.sma_10",
              (long long)ts);
    long long i = (ts / 1000 - TPL_T0) / 60 - 1;
    /* The template's lookback (period - 1 = 9): 10 candles needed, and
     * until then the observation says how many are in. */
    const char *wu = json_string_value(json_object_get(
        json_object_get(json_object_get(m, "indicators_1m"), "sma_10"),
        "warming_up"));
    if (i < 9) {
        char want[32];
        snprintf(want, sizeof want, "%lld/10", i + 1);
        cr_assert(json_is_null(ind), "sma_10 defined before its 10th candle");
        cr_assert(wu && strcmp(wu, want) == 0,
                  "candle %lld: warming_up '%s', want '%s'", i, wu ? wu : "",
                  want);
        return 0;
    }
    cr_assert_null(wu, "candle %lld: still warming up (%s)", i, wu);
    cr_assert(json_is_number(ind), "sma_10 missing at candle %lld", i);
    double want = 25000.0 + (double)i - 4.5;
    cr_assert_eq(json_number_value(ind), want, "candle %lld: %.17g vs %.17g", i,
                 json_number_value(ind), want);
    return 1;
}

Test(sdk_template, runs_in_a_pipeline_from_yaml, .timeout = 300)
{
    char *tmp = temp_dir_new();
    char cmd[8192], *out = NULL, libdir[PATH_MAX], *perpd = perpd_path();
    build_template(tmp);
    snprintf(cmd, sizeof cmd, "%s/lib/perp", test_build_dir());
    cr_assert(realpath(cmd, libdir) != NULL, "no %s", cmd);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/data && : > %s/decisions.jsonl", tmp,
             tmp);
    cr_assert_eq(sh(cmd, &out), 0, "%s", out);
    free(out);
    write_csv(tmp);
    char *yaml = write_pipeline(tmp, libdir);

    snprintf(cmd, sizeof cmd, "%s check %s 2>&1", perpd, yaml);
    int rc = sh(cmd, &out);
    cr_assert_eq(rc, 0, "perpd check failed: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s run %s 2>&1", perpd, yaml);
    rc = sh(cmd, &out);
    cr_assert_eq(rc, 0, "perpd run failed: %s", out);
    free(out);

    snprintf(cmd, sizeof cmd, "%s/records.jsonl", tmp);
    FILE *f = fopen(cmd, "r");
    cr_assert(f != NULL, "no records written");
    char line[1 << 16];
    int observations = 0, valued = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *rec = json_loads(line, 0, NULL);
        cr_assert(rec != NULL, "not JSON: %.200s", line);
        const char *type = json_string_value(json_object_get(rec, "type"));
        if (type && strcmp(type, "observation") == 0) {
            observations++;
            valued += check_observation(rec);
        }
        json_decref(rec);
    }
    fclose(f);
    /* 60 candles: one cycle per closed candle after the first, and the
     * SMA defined from the 10th candle on. */
    cr_assert_gt(observations, 0, "no observation records");
    cr_assert_gt(valued, 40, "only %d observations carried sma_10", valued);
    free(yaml);
    free(perpd);
    temp_dir_remove(tmp);
    free(tmp);
}
