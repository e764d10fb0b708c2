/*
 * test_abi.c — the loader's refusals, with plugins compiled at test time
 * (cc -shared -fPIC) into a temp dir: another ABI major, a newer ABI
 * minor, no entry symbol, a descriptor or vtable smaller than the host
 * reads; and a good one.
 * Checked through host_plugin_open_file and `perpd plugins --path DIR`.
 */
#include <criterion/criterion.h>

#include <perp/sdk.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_loader.h"
#include "run_process.h"
#include "temp_dir.h"

/* A sink whose descriptor and vtable are written out by hand, so each
 * field can be wrong on purpose. %s: vtable size, ABI major and minor
 * expressions, descriptor size, name. */
static const char SINK_FMT[] =
    "#include <perp/sdk.h>\n"
    "static int c(const perp_host *h, const perp_config_node *n, void **s)\n"
    "{ (void)h; (void)n; *s = 0; return 0; }\n"
    "static void d(void *s) { (void)s; }\n"
    "static int w(void *s, const perp_record *r) { (void)s; (void)r; return "
    "0; }\n"
    "static int f(void *s) { (void)s; return 0; }\n"
    "static const perp_sink_vtable vt = {%s, c, d, w, f};\n"
    "static const perp_plugin_descriptor desc = {%s, %s, %s,\n"
    "    PERP_KIND_SINK, \"%s\", \"1.2.3\", \"test sink\", &vt};\n"
    "PERP_PLUGIN_EXPORT const perp_plugin_descriptor *perp_plugin_entry(void)"
    "\n{ return &desc; }\n";

static char *dir;

/* Compiles dir/<name>.c (source given) into dir/<name>.so. */
static void build_so(const char *name, const char *source)
{
    char *file = NULL, *src = NULL, *so = NULL, *out = NULL;
    cr_assert(asprintf(&file, "%s.c", name) > 0);
    src = temp_dir_write(dir, file, source);
    cr_assert(asprintf(&so, "%s/%s.so", dir, name) > 0);
    char *argv[] = {"cc",      "-std=c11",      "-shared", "-fPIC", "-Wall",
                    "-Werror", "-Isdk/include", "-o",      so,      src,
                    NULL};
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "cc failed for %s:\n%s", name, out);
    free(out);
    free(so);
    free(src);
    free(file);
}

static void build_sink_minor(const char *name, const char *vt_size,
                             const char *abi_major, const char *abi_minor,
                             const char *desc_size)
{
    char *src = NULL;
    cr_assert(asprintf(&src, SINK_FMT, vt_size, abi_major, abi_minor, desc_size,
                       name) > 0);
    build_so(name, src);
    free(src);
}

static void build_sink(const char *name, const char *vt_size,
                       const char *abi_major, const char *desc_size)
{
    build_sink_minor(name, vt_size, abi_major, "PERP_ABI_MINOR", desc_size);
}

static void setup(void)
{
    dir = temp_dir_new();
    build_sink("good", "sizeof vt", "PERP_ABI_MAJOR", "sizeof desc");
    build_sink("nextabi", "sizeof vt", "PERP_ABI_MAJOR + 1", "sizeof desc");
    build_sink_minor("nextminor", "sizeof vt", "PERP_ABI_MAJOR",
                     "PERP_ABI_MINOR + 1", "sizeof desc");
    build_sink("smallvt", "8", "PERP_ABI_MAJOR", "sizeof desc");
    build_sink("smalldesc", "sizeof vt", "PERP_ABI_MAJOR", "8");
    build_so("noentry", "int not_a_plugin(void);\n"
                        "int not_a_plugin(void) { return 1; }\n");
}

static void teardown(void)
{
    temp_dir_remove(dir);
    free(dir);
}

/* The host's expected sizes, from the SDK's own layout. */
#define SINK_VT_NEED (offsetof(perp_sink_vtable, flush) + sizeof(void *))
#define DESC_NEED                                                              \
    (offsetof(perp_plugin_descriptor, vtable) + sizeof(const void *))

static char *expected(const char *name)
{
    char *s = NULL;
    int n = -1;
    if (strcmp(name, "nextabi") == 0)
        n = asprintf(&s,
                     "%s/nextabi.so: plugin ABI %d.%d, host ABI %d.%d: "
                     "rebuild it against this SDK",
                     dir, PERP_ABI_MAJOR + 1, PERP_ABI_MINOR, PERP_ABI_MAJOR,
                     PERP_ABI_MINOR);
    else if (strcmp(name, "nextminor") == 0)
        n = asprintf(&s,
                     "%s/nextminor.so: plugin ABI %d.%d is newer than host "
                     "ABI %d.%d: upgrade perpd, or rebuild the plugin "
                     "against SDK %d.%d",
                     dir, PERP_ABI_MAJOR, PERP_ABI_MINOR + 1, PERP_ABI_MAJOR,
                     PERP_ABI_MINOR, PERP_ABI_MAJOR, PERP_ABI_MINOR);
    else if (strcmp(name, "noentry") == 0)
        n = asprintf(&s,
                     "%s/noentry.so: no perp_plugin_entry symbol (not a "
                     "perpd plugin?)",
                     dir);
    else if (strcmp(name, "smallvt") == 0)
        n = asprintf(&s,
                     "%s/smallvt.so: sink vtable is 8 bytes, host needs %zu "
                     "(plugin ABI %d.%d, host ABI %d.%d): rebuild it against "
                     "this SDK",
                     dir, SINK_VT_NEED, PERP_ABI_MAJOR, PERP_ABI_MINOR,
                     PERP_ABI_MAJOR, PERP_ABI_MINOR);
    else if (strcmp(name, "smalldesc") == 0)
        n = asprintf(&s,
                     "%s/smalldesc.so: descriptor is 8 bytes, host needs %zu "
                     "(plugin ABI %d.%d, host ABI %d.%d): rebuild it against "
                     "this SDK",
                     dir, DESC_NEED, PERP_ABI_MAJOR, PERP_ABI_MINOR,
                     PERP_ABI_MAJOR, PERP_ABI_MINOR);
    cr_assert(n > 0);
    return s;
}

static const char *const REFUSED[] = {"nextabi", "nextminor", "noentry",
                                      "smallvt", "smalldesc"};

TestSuite(abi, .init = setup, .fini = teardown);

Test(abi, loader_refuses_each_with_file_and_versions)
{
    for (size_t i = 0; i < sizeof REFUSED / sizeof REFUSED[0]; i++) {
        char *path = NULL;
        cr_assert(asprintf(&path, "%s/%s.so", dir, REFUSED[i]) > 0);
        host_plugin pl;
        char err[512] = "";
        cr_assert_eq(
            host_plugin_open_file(path, PERP_KIND_SINK, &pl, err, sizeof err),
            PERP_ERR, "%s loaded", path);
        cr_assert_null(pl.dl);
        char *want = expected(REFUSED[i]);
        cr_assert_str_eq(err, want);
        free(want);
        free(path);
    }
}

Test(abi, loader_accepts_a_good_plugin)
{
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/good.so", dir) > 0);
    host_plugin pl;
    char err[512] = "";
    cr_assert_eq(
        host_plugin_open_file(path, PERP_KIND_SINK, &pl, err, sizeof err),
        PERP_OK, "%s", err);
    cr_assert_str_eq(pl.desc->name, "good");
    cr_assert_str_eq(pl.desc->version, "1.2.3");
    const perp_sink_vtable *vt = pl.desc->vtable;
    void *self = (void *)1;
    cr_assert_eq(vt->create(NULL, NULL, &self), PERP_OK);
    vt->destroy(self);
    host_plugin_close(&pl);
    free(path);
}

Test(abi, perpd_plugins_lists_good_and_refused)
{
    char *bin = perpd_path();
    char *argv[] = {bin, "plugins", "--path", dir, NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "%s", out);
    char *good = NULL;
    cr_assert(asprintf(&good, "ABI %d.%d  %s/good.so\n", PERP_ABI_MAJOR,
                       PERP_ABI_MINOR, dir) > 0);
    cr_assert(strstr(out, good), "want %s in:\n%s", good, out);
    cr_assert(
        strncmp(strstr(out, "good "), "good         sink       1.2.3", 29) == 0,
        "%s", out);
    for (size_t i = 0; i < sizeof REFUSED / sizeof REFUSED[0]; i++) {
        char *want = expected(REFUSED[i]);
        char *line = NULL;
        cr_assert(asprintf(&line, "refused    %s\n", want) > 0);
        cr_assert(strstr(out, line), "want %s in:\n%s", line, out);
        free(line);
        free(want);
    }
    free(good);
    free(out);
    free(bin);
}
