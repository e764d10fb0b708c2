/*
 * test_config_path.c — the rule for paths a pipeline names (config_path.h)
 * and the data folder lookup (data_dir.h): a relative path follows the
 * YAML file's folder after ${VAR} expansion, a relative default follows
 * the data folder (a PERP_CFG_OUTPUT one the YAML's folder), absolute
 * paths stay; keys, list items, nested and free-key mappings are all
 * reached; the snapshot keeps the text as written; an error names the
 * path as written and as resolved. Expected paths are written out by
 * hand from the folders the test makes.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_path.h"
#include "data_dir.h"
#include "plugin_config_map.h"
#include "temp_dir.h"

/* ------------------------------------------------------------- join */

static void join_is(const char *base, const char *rel, const char *want)
{
    char out[PATH_MAX];
    cr_assert_eq(host_path_join(base, rel, out, sizeof out), 0, "%s + %s", base,
                 rel);
    cr_assert_str_eq(out, want, "%s + %s", base, rel);
}

Test(config_path, join_follows_the_base_folder)
{
    setenv("HOME", "/home/u", 1);
    join_is("/a/b", "x.md", "/a/b/x.md");
    join_is("/a/b", "p/x.md", "/a/b/p/x.md");
    join_is("/a/b", "./x.md", "/a/b/x.md");
    join_is("/a/b", "././x.md", "/a/b/x.md");
    join_is("/a/b", "../x.md", "/a/x.md");
    join_is("/a/b", "../../x.md", "/x.md");
    join_is("/a/b", "../../../x.md", "/x.md"); /* no folder above / */
    join_is("/a/b", "..", "/a");
    join_is("/a/b", ".", "/a/b");
    join_is("/a/b", "/etc/x.md", "/etc/x.md");
    join_is("/a/b", "~/x.md", "/home/u/x.md");
    join_is("/a/b", "~", "/home/u");
    join_is("/a/b", "~x/y", "/a/b/~x/y"); /* not a home folder */
    join_is("/", "x", "/x");
    /* ".." after a name is the kernel's: the name may be a symlink. */
    join_is("/a/b", "data/../x", "/a/b/data/../x");
}

Test(config_path, join_refuses_what_does_not_fit)
{
    char out[8];
    cr_assert_eq(host_path_join("/a/b", "long-name", out, sizeof out), -1);
    cr_assert_eq(host_path_join("/a", "/absolute/long", out, sizeof out), -1);
}

/* ------------------------------------------------- a pipeline's node */

static const perp_config_key fund_rows[] = {
    PERP_CFG_FILE("file", NULL, "rates"), PERP_CFG_LAST};
static const perp_config_key sym_rows[] = {
    PERP_CFG_FILE("tape", NULL, "per-symbol file"), PERP_CFG_LAST};
static const perp_config_key item_rows[] = {
    PERP_CFG_FILE("at", NULL, "item path"), PERP_CFG_LAST};

static const perp_config_key path_map[] = {
    PERP_CFG_FILE("prompt", "config/prompts/system.md", "default in data"),
    PERP_CFG_OUT_FILE("spool", "var/spool", "default beside the YAML"),
    PERP_CFG_FILE("dir", NULL, "written"),
    PERP_CFG_FILE("abs", NULL, "absolute"),
    PERP_CFG_FILE("env", NULL, "from a variable"),
    PERP_CFG_STR("label", "a/b", "not a path"),
    PERP_CFG_LIST_OF("files", PERP_CFG_PATH, "paths"),
    {.name = "items",
     .type = PERP_CFG_LIST,
     .children = item_rows,
     .description = "mappings with paths"},
    PERP_CFG_MAP("funding", fund_rows, "nested"),
    PERP_CFG_MAP_OF("symbols", sym_rows, "free keys"),
    PERP_CFG_LAST};

typedef struct fixture {
    char *top;                    /* temp dir */
    char yaml_dir[PATH_MAX + 16]; /* top/bot/conf, real path */
    char top_real[PATH_MAX];
    host_config *cfg;
    const perp_config_node *root;
} fixture;

static fixture load_pipeline(const char *yaml)
{
    fixture f;
    memset(&f, 0, sizeof f);
    f.top = temp_dir_new();
    cr_assert_not_null(realpath(f.top, f.top_real));
    char sub[PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/bot", f.top);
    cr_assert_eq(mkdir(sub, 0755), 0);
    snprintf(sub, sizeof sub, "%s/bot/conf", f.top);
    cr_assert_eq(mkdir(sub, 0755), 0);
    snprintf(f.yaml_dir, sizeof f.yaml_dir, "%s/bot/conf", f.top_real);
    free(temp_dir_write(sub, "p.yaml", yaml));
    /* Loaded by a relative name from another working directory, as
     * `cd top && perpd run bot/conf/p.yaml` does. */
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(f.top), 0);
    char err[512] = "";
    f.cfg = host_config_load("bot/conf/p.yaml", err, sizeof err);
    cr_assert_not_null(f.cfg, "%s", err);
    cr_assert_eq(chdir("/"), 0); /* resolution must not need the cwd */
    f.root = host_config_root(f.cfg);
    (void)cwd;
    return f;
}

static void apply_map(const fixture *f)
{
    static const char *const entry[] = {"plugin", NULL};
    cr_assert_eq(host_config_map_check("t", f->root, path_map, entry), PERP_OK);
    cr_assert_eq(host_config_map_fill(f->root, path_map), PERP_OK);
    cr_assert_eq(host_config_map_paths("t", f->root, path_map), PERP_OK);
}

static const char *text_at(const perp_config_node *n, const char *key)
{
    const perp_config_node *v = host_cfg_child(n, key);
    cr_assert_not_null(v, "no %s", key);
    return host_cfg_scalar(v);
}

static void fixture_free(fixture *f)
{
    host_config_free(f->cfg);
    temp_dir_remove(f->top);
    free(f->top);
}

Test(config_path, every_path_of_a_map_follows_the_yaml_folder)
{
    setenv("PERP_DATA_HOME", "/opt/perp-data", 1);
    setenv("PERP_T_TAPES", "../tapes", 1);
    fixture f = load_pipeline("plugin: x\n"
                              "dir: data\n"
                              "abs: /srv/history\n"
                              "env: ${PERP_T_TAPES}/may\n"
                              "label: not/a/path\n"
                              "files: [a.csv, ./b.csv, ../c.csv]\n"
                              "items:\n"
                              "  - {at: one}\n"
                              "funding: {file: rates.csv}\n"
                              "symbols:\n"
                              "  BTC-USD: {tape: btc.bin}\n");
    apply_map(&f);
    char want[PATH_MAX + 64];
    const char *d = f.yaml_dir;
    snprintf(want, sizeof want, "%s/data", d);
    cr_assert_str_eq(text_at(f.root, "dir"), want);
    cr_assert_str_eq(text_at(f.root, "abs"), "/srv/history");
    /* ${VAR} first, then the rule: ../tapes from bot/conf is bot/tapes. */
    snprintf(want, sizeof want, "%s/bot/tapes/may", f.top_real);
    cr_assert_str_eq(text_at(f.root, "env"), want);
    cr_assert_str_eq(text_at(f.root, "label"), "not/a/path");
    const perp_config_node *files = host_cfg_child(f.root, "files");
    snprintf(want, sizeof want, "%s/a.csv", d);
    cr_assert_str_eq(host_cfg_scalar(host_cfg_at(files, 0)), want);
    snprintf(want, sizeof want, "%s/b.csv", d);
    cr_assert_str_eq(host_cfg_scalar(host_cfg_at(files, 1)), want);
    snprintf(want, sizeof want, "%s/bot/c.csv", f.top_real);
    cr_assert_str_eq(host_cfg_scalar(host_cfg_at(files, 2)), want);
    const perp_config_node *items = host_cfg_child(f.root, "items");
    snprintf(want, sizeof want, "%s/one", d);
    cr_assert_str_eq(text_at(host_cfg_at(items, 0), "at"), want);
    snprintf(want, sizeof want, "%s/rates.csv", d);
    cr_assert_str_eq(text_at(host_cfg_child(f.root, "funding"), "file"), want);
    const perp_config_node *btc =
        host_cfg_child(host_cfg_child(f.root, "symbols"), "BTC-USD");
    snprintf(want, sizeof want, "%s/btc.bin", d);
    cr_assert_str_eq(text_at(btc, "tape"), want);
    /* Defaults: the data folder for a file perpd reads, the YAML's
     * folder for one it writes. */
    cr_assert_str_eq(text_at(f.root, "prompt"),
                     "/opt/perp-data/config/prompts/system.md");
    snprintf(want, sizeof want, "%s/var/spool", d);
    cr_assert_str_eq(text_at(f.root, "spool"), want);
    fixture_free(&f);
}

Test(config_path, the_snapshot_keeps_the_text_as_written)
{
    fixture f = load_pipeline("plugin: x\ndir: data\nfiles: [../c.csv]\n");
    apply_map(&f);
    char *json = host_config_to_json_redacted(f.root);
    cr_assert_str_eq(json, "{\"plugin\":\"x\",\"dir\":\"data\","
                           "\"files\":[\"../c.csv\"]}");
    free(json);
    /* Resolving twice changes nothing (a tree opened again). */
    char before[PATH_MAX];
    snprintf(before, sizeof before, "%s", text_at(f.root, "dir"));
    cr_assert_eq(host_config_map_paths("t", f.root, path_map), PERP_OK);
    cr_assert_str_eq(text_at(f.root, "dir"), before);
    host_path_base base = 0;
    cr_assert_str_eq(
        host_cfg_path_written(host_cfg_child(f.root, "dir"), &base), "data");
    cr_assert_eq(base, HOST_PATH_YAML);
    fixture_free(&f);
}

Test(config_path, an_error_names_the_path_as_written_and_as_resolved)
{
    setenv("PERP_DATA_HOME", "/opt/perp-data", 1);
    fixture f = load_pipeline("plugin: x\ndir: data\n");
    apply_map(&f);
    const perp_config_node *dir = host_cfg_child(f.root, "dir");
    char note[2 * PATH_MAX + 200], want[3 * PATH_MAX];
    /* A message without the resolved path gets it. */
    host_cfg_path_note(dir, "cannot open", note, sizeof note);
    snprintf(want, sizeof want,
             " (written 'data', resolved to %s/data: relative to the YAML "
             "file's folder %s)",
             f.yaml_dir, f.yaml_dir);
    cr_assert_str_eq(note, want);
    /* One that shows it already is not told twice. */
    char msg[PATH_MAX + 64];
    snprintf(msg, sizeof msg, "%s/data: No such file or directory", f.yaml_dir);
    host_cfg_path_note(dir, msg, note, sizeof note);
    snprintf(want, sizeof want,
             " (written 'data', relative to the YAML file's folder %s)",
             f.yaml_dir);
    cr_assert_str_eq(note, want);
    /* A default says the data folder and where it came from. */
    host_cfg_path_note(host_cfg_child(f.root, "prompt"), "x", note,
                       sizeof note);
    cr_assert_str_eq(note, " (default 'config/prompts/system.md', resolved "
                           "to /opt/perp-data/config/prompts/system.md: "
                           "relative to the data folder /opt/perp-data "
                           "(PERP_DATA_HOME))");
    /* Not a resolved path: nothing. */
    host_cfg_path_note(host_cfg_child(f.root, "plugin"), "x", note,
                       sizeof note);
    cr_assert_str_eq(note, "");
    fixture_free(&f);
}

Test(config_path, output_flag_only_on_paths)
{
    static const perp_config_key bad[] = {{.name = "n",
                                           .type = PERP_CFG_STRING,
                                           .flags = PERP_CFG_OUTPUT,
                                           .description = "x"},
                                          PERP_CFG_LAST};
    char why[256];
    cr_assert_eq(host_config_map_lint(bad, why, sizeof why), -1);
    cr_assert_str_eq(why, "config map row 'n': PERP_CFG_OUTPUT on a non-path");
    cr_assert_eq(host_config_map_lint(path_map, why, sizeof why), 0, "%s", why);
}

/* ------------------------------------------------------ data folder */

/* top/rel as a folder (dir) or as a small file in its folders. */
static void touch(const char *top, const char *rel, int dir)
{
    char folder[PATH_MAX], cmd[PATH_MAX + 32];
    snprintf(folder, sizeof folder, "%s/%s", top, rel);
    if (!dir)
        *strrchr(folder, '/') = '\0';
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", folder);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    if (!dir)
        free(temp_dir_write(top, rel, "x\n"));
}

Test(data_dir, the_lookup_order)
{
    char *top = temp_dir_new();
    char real[PATH_MAX], out[PATH_MAX], want[PATH_MAX + 32];
    cr_assert_not_null(realpath(top, real));
    /* A source tree with a build inside it. */
    touch(top, "src/config/prompts", 1);
    touch(top, "src/sdk/include/perp/sdk.h", 0);
    touch(top, "src/build/san/bin/perpd", 0);
    touch(top, "src/build/bin/perpd", 0);
    /* An installed tree, moved: prefix/bin/perpd, prefix/share/perp. */
    touch(top, "prefix/bin/perpd", 0);
    touch(top, "prefix/share/perp/config/prompts", 1);
    /* A lone binary. */
    touch(top, "lone/bin/perpd", 0);
    char exe[PATH_MAX + 64];

    snprintf(exe, sizeof exe, "%s/src/build/bin/perpd", top);
    cr_assert_eq(host_data_dir_find("/env/data", exe, "/c", out, sizeof out),
                 HOST_DATA_ENV);
    cr_assert_str_eq(out, "/env/data");
    cr_assert_eq(host_data_dir_find("", exe, "/c", out, sizeof out),
                 HOST_DATA_SOURCE, "an empty PERP_DATA_HOME is unset");
    snprintf(want, sizeof want, "%s/src", real);
    cr_assert_str_eq(out, want);
    snprintf(exe, sizeof exe, "%s/src/build/san/bin/perpd", top);
    cr_assert_eq(host_data_dir_find(NULL, exe, "/c", out, sizeof out),
                 HOST_DATA_SOURCE);
    cr_assert_str_eq(out, want);

    snprintf(exe, sizeof exe, "%s/prefix/bin/perpd", top);
    cr_assert_eq(host_data_dir_find(NULL, exe, "/c", out, sizeof out),
                 HOST_DATA_EXE);
    snprintf(want, sizeof want, "%s/prefix/share/perp", real);
    cr_assert_str_eq(out, want);

    snprintf(exe, sizeof exe, "%s/lone/bin/perpd", top);
    cr_assert_eq(
        host_data_dir_find(NULL, exe, "/c/share/perp", out, sizeof out),
        HOST_DATA_COMPILED);
    cr_assert_str_eq(out, "/c/share/perp");
    temp_dir_remove(top);
    free(top);
}

Test(data_dir, perp_data_home_wins_and_is_made_absolute)
{
    char *top = temp_dir_new();
    char real[PATH_MAX], want[PATH_MAX + 16];
    cr_assert_not_null(realpath(top, real));
    cr_assert_eq(chdir(top), 0);
    cr_assert_eq(mkdir("mine", 0755), 0);
    setenv("PERP_DATA_HOME", "mine", 1);
    snprintf(want, sizeof want, "%s/mine", real);
    cr_assert_str_eq(host_data_dir(), want);
    cr_assert_eq(host_data_dir_origin(), HOST_DATA_ENV);
    cr_assert_str_eq(host_data_origin_name(HOST_DATA_ENV), "PERP_DATA_HOME");
    cr_assert_eq(chdir("/"), 0);
    temp_dir_remove(top);
    free(top);
}

Test(data_dir, a_test_binary_of_the_build_finds_the_source_tree)
{
    unsetenv("PERP_DATA_HOME");
    /* build/tests/unit/test_config_path (build/san/tests/unit/...) sits
     * three (four) folders below the checkout: the data folder. */
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/config/prompts/system.md", host_data_dir());
    cr_assert_eq(access(p, R_OK), 0, "%s", p);
    cr_assert_eq(host_data_dir_origin(), HOST_DATA_SOURCE);
}
