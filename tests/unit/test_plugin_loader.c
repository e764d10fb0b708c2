/*
 * test_loader.c — the plugin search path, opening by name and by file,
 * the kind and file-name checks, and scanning a directory. The good
 * plugin is the jsonl sink from $PERP_BUILD_DIR; the ABI-mismatch cases
 * are built at test time in tests/integration/test_abi.c.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_dir.h"
#include "data_dir.h"
#include "plugin_loader.h"
#include "temp_dir.h"

static char *build_plugin(const char *name)
{
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/lib/perp/%s.so", test_build_dir(), name) > 0);
    cr_assert_eq(access(path, R_OK), 0, "%s not built", path);
    return path;
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    cr_assert(in && out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

Test(loader, search_path_order)
{
    setenv("PERP_PLUGIN_PATH", "/env/a:/env/b::/yaml/1", 1);
    const char *yaml[] = {"/yaml/1", "/yaml/2"};
    host_plugin_path p;
    host_plugin_path_init(&p, yaml, 2);
    cr_assert_eq(p.n, 6);
    cr_assert_str_eq(p.dirs[0], "/yaml/1");
    cr_assert_str_eq(p.dirs[1], "/yaml/2");
    cr_assert_str_eq(p.dirs[2], "/env/a");
    cr_assert_str_eq(p.dirs[3], "/env/b",
                     "empty entries and duplicates "
                     "are skipped");
    /* The binary's own ../lib/perp before the compiled-in folder. */
    char exe[4096], want[4200];
    cr_assert_eq(host_exe_dir(exe, sizeof exe), 0);
    snprintf(want, sizeof want, "%s/../lib/perp", exe);
    cr_assert_str_eq(p.dirs[4], want);
    cr_assert_str_eq(p.dirs[5], host_install_libdir());
    host_plugin_path_free(&p);
    cr_assert_eq(p.n, 0);
}

Test(loader, opens_a_plugin_by_name_and_kind)
{
    char *so = build_plugin("jsonl");
    char *dir = strdup(so);
    *strrchr(dir, '/') = '\0';
    unsetenv("PERP_PLUGIN_PATH");
    const char *yaml[] = {"/nonexistent", dir};
    host_plugin_path p;
    host_plugin_path_init(&p, yaml, 2);
    host_plugin pl;
    char err[512] = "";
    cr_assert_eq(
        host_plugin_open(&p, "jsonl", PERP_KIND_SINK, &pl, err, sizeof err),
        PERP_OK, "%s", err);
    cr_assert_str_eq(pl.desc->name, "jsonl");
    cr_assert_eq(pl.desc->kind, PERP_KIND_SINK);
    cr_assert_eq(pl.desc->abi_major, PERP_ABI_MAJOR);
    cr_assert_str_eq(pl.path, so);
    host_plugin_close(&pl);
    cr_assert_null(pl.dl);
    host_plugin_path_free(&p);
    free(dir);
    free(so);
}

Test(loader, wrong_kind_is_refused)
{
    char *so = build_plugin("jsonl");
    host_plugin pl;
    char err[512];
    cr_assert_eq(
        host_plugin_open_file(so, PERP_KIND_FEED, &pl, err, sizeof err),
        PERP_ERR);
    char want[600];
    snprintf(want, sizeof want, "%s: is a sink plugin, expected a feed", so);
    cr_assert_str_eq(err, want);
    free(so);
}

Test(loader, missing_plugin_names_the_dirs_searched)
{
    unsetenv("PERP_PLUGIN_PATH");
    const char *yaml[] = {"/x/one", "/x/two"};
    host_plugin_path p;
    host_plugin_path_init(&p, yaml, 2);
    host_plugin pl;
    char err[1024];
    cr_assert_eq(host_plugin_open(&p, "nosuch", 0, &pl, err, sizeof err),
                 PERP_ERR);
    cr_assert(strncmp(err, "no plugin 'nosuch' in: /x/one, /x/two, ", 39) == 0,
              "%s", err);
    cr_assert_eq(host_plugin_open(&p, "../etc/x", 0, &pl, err, sizeof err),
                 PERP_ERR);
    cr_assert(strstr(err, "bad plugin name '../etc/x'"), "%s", err);
    host_plugin_path_free(&p);
}

Test(loader, not_a_shared_object_is_refused)
{
    char *dir = temp_dir_new();
    char *path = temp_dir_write(dir, "text.so", "not an ELF file\n");
    host_plugin pl;
    char err[512];
    cr_assert_eq(host_plugin_open_file(path, 0, &pl, err, sizeof err),
                 PERP_ERR);
    char want[600];
    snprintf(want, sizeof want,
             "%s: not an ELF file (text, such as a linker script)", path);
    cr_assert_str_eq(err, want);
    free(path);
    temp_dir_remove(dir);
    free(dir);
}

Test(loader, file_name_must_match_the_plugin_name)
{
    char *so = build_plugin("jsonl");
    char *dir = temp_dir_new();
    char *renamed = NULL;
    cr_assert(asprintf(&renamed, "%s/csv.so", dir) > 0);
    copy_file(so, renamed);
    host_plugin pl;
    char err[512];
    cr_assert_eq(host_plugin_open_file(renamed, 0, &pl, err, sizeof err),
                 PERP_ERR);
    char want[600];
    snprintf(want, sizeof want,
             "%s: plugin names itself 'jsonl' but its file is csv.so", renamed);
    cr_assert_str_eq(err, want);
    free(renamed);
    temp_dir_remove(dir);
    free(dir);
    free(so);
}

typedef struct seen {
    int ok, refused;
    char names[4][64];
} seen;

static void record_visit(void *ud, const char *path, const host_plugin *pl,
                         const char *why)
{
    seen *s = ud;
    (void)path;
    if (pl) {
        snprintf(s->names[s->ok % 4], 64, "%s", pl->desc->name);
        s->ok++;
    } else {
        cr_assert_not_null(why);
        s->refused++;
    }
}

Test(loader, scan_lists_good_and_refused_sorted)
{
    char *so = build_plugin("jsonl");
    char *dir = temp_dir_new();
    char *good = NULL;
    cr_assert(asprintf(&good, "%s/jsonl.so", dir) > 0);
    copy_file(so, good);
    char *bad = temp_dir_write(dir, "aaa.so", "garbage");
    char *other = temp_dir_write(dir, "readme.txt", "ignored");
    seen s = {0};
    cr_assert_eq(host_plugin_scan(dir, record_visit, &s), 2);
    cr_assert_eq(s.ok, 1);
    cr_assert_eq(s.refused, 1);
    cr_assert_str_eq(s.names[0], "jsonl");
    cr_assert_eq(host_plugin_scan("/nonexistent-dir", record_visit, &s), 0);
    free(good);
    free(bad);
    free(other);
    temp_dir_remove(dir);
    free(dir);
    free(so);
}

Test(loader, kind_names)
{
    cr_assert_str_eq(host_kind_name(PERP_KIND_FEED), "feed");
    cr_assert_str_eq(host_kind_name(PERP_KIND_INDICATOR), "indicator");
    cr_assert_str_eq(host_kind_name(PERP_KIND_PLANNER), "planner");
    cr_assert_str_eq(host_kind_name(PERP_KIND_BACKEND), "backend");
    cr_assert_str_eq(host_kind_name(PERP_KIND_SINK), "sink");
    cr_assert_str_eq(host_kind_name(PERP_KIND_SERVICE), "service");
    cr_assert_str_eq(host_kind_name((perp_kind)42), "?");
}
