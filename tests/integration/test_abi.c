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
#include <unistd.h>

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

/* A library that is no plugin but has a constructor with a visible
 * effect: it creates the file named by $PERP_TEST_CTOR_MARK. */
static const char CTOR_SRC[] =
    "#include <fcntl.h>\n"
    "#include <stdlib.h>\n"
    "#include <unistd.h>\n"
    "__attribute__((constructor)) static void at_load(void)\n"
    "{ const char *p = getenv(\"PERP_TEST_CTOR_MARK\");\n"
    "  int fd = p ? open(p, O_WRONLY | O_CREAT, 0600) : -1;\n"
    "  if (fd >= 0) close(fd); }\n"
    "int not_a_plugin(void);\n"
    "int not_a_plugin(void) { return 1; }\n";

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

/* dlopen runs constructors before any symbol can be looked up: the
 * loader must refuse a non-plugin before dlopen, so its code never runs
 * (`perpd plugins --path /lib/x86_64-linux-gnu` ran libmemusage's). */
Test(abi, a_non_plugin_is_refused_before_its_constructor_runs)
{
    build_so("ctor", CTOR_SRC);
    char *mark = NULL, *path = NULL;
    cr_assert(asprintf(&mark, "%s/constructor-ran", dir) > 0);
    cr_assert(asprintf(&path, "%s/ctor.so", dir) > 0);
    setenv("PERP_TEST_CTOR_MARK", mark, 1);
    host_plugin pl;
    char err[512] = "";
    cr_assert_eq(host_plugin_open_file(path, 0, &pl, err, sizeof err),
                 PERP_ERR);
    char *want = NULL;
    cr_assert(asprintf(&want,
                       "%s: no perp_plugin_entry symbol (not a perpd "
                       "plugin?)",
                       path) > 0);
    cr_expect_str_eq(err, want);
    cr_expect_neq(access(mark, F_OK), 0, "the library's constructor ran");
    /* The same through the binary, which scans the whole folder. */
    char *bin = perpd_path();
    char *argv[] = {bin, "plugins", "--path", dir, NULL};
    char *out = NULL;
    cr_assert_eq(run_process(argv, &out), 0, "%s", out);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect_neq(access(mark, F_OK), 0, "perpd plugins ran a constructor");
    unsetenv("PERP_TEST_CTOR_MARK");
    free(out);
    free(bin);
    free(want);
    free(path);
    free(mark);
}

/* `perpd plugins --path` with a folder that is missing or a file: said on
 * stderr; exit 1 when no given folder could be read. */
Test(abi, plugins_path_missing_or_not_a_folder)
{
    char *bin = perpd_path();
    char *file = temp_dir_write(dir, "hostname", "x\n");
    char *a1[] = {bin,      "plugins", "--path", "/nonexistent/perpd",
                  "--path", file,      NULL};
    char *out = NULL;
    cr_assert_eq(run_process(a1, &out), 1, "%s", out);
    cr_expect(strstr(out, "perpd: --path '/nonexistent/perpd': No such file "
                          "or directory\n"),
              "%s", out);
    char *want = NULL;
    cr_assert(asprintf(&want, "perpd: --path '%s': not a directory\n", file) >
              0);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect_null(strstr(out, "no plugins found"), "%s", out);
    free(out);
    /* One good folder among bad ones: its plugins are listed, exit 0. */
    char *a2[] = {bin,      "plugins", "--path", "/nonexistent/perpd",
                  "--path", dir,       NULL};
    cr_assert_eq(run_process(a2, &out), 0, "%s", out);
    cr_expect(strstr(out, "good "), "%s", out);
    cr_expect(strstr(out, "'/nonexistent/perpd': No such file"), "%s", out);
    free(out);
    free(want);
    free(file);
    free(bin);
}

/* The reproduction: `head -c 2000 rules.so > d/rules.so; perpd
 * plugins --path d` died of SIGBUS (exit 135); `check` too. */
Test(abi, a_truncated_plugin_is_refused_by_the_binary)
{
    char *src = NULL, *d = temp_dir_new(), *so = NULL, *yaml = NULL;
    cr_assert(asprintf(&src, "%s/lib/perp/rules.so",
                       getenv("PERP_BUILD_DIR") ? getenv("PERP_BUILD_DIR")
                                                : "build") > 0);
    cr_assert(asprintf(&so, "%s/rules.so", d) > 0);
    FILE *in = fopen(src, "rb"), *out_f = fopen(so, "wb");
    cr_assert(in && out_f, "%s", src);
    char buf[2000];
    cr_assert_eq(fread(buf, 1, sizeof buf, in), sizeof buf);
    cr_assert_eq(fwrite(buf, 1, sizeof buf, out_f), sizeof buf);
    fclose(in);
    fclose(out_f);
    char *bin = perpd_path();
    char *argv[] = {bin, "plugins", "--path", d, NULL};
    char *out = NULL;
    cr_assert_eq(run_process(argv, &out), 0, "%s", out);
    char *want = NULL;
    cr_assert(asprintf(&want, "refused    %s: truncated: segment ", so) > 0);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect(strstr(out, "the file has 2000 bytes\n"), "%s", out);
    free(out);
    char *cfg = NULL;
    cr_assert(asprintf(&cfg,
                       "agent: {version: v1, symbols: [BTC-USD]}\n"
                       "plugin_path: [%s]\n"
                       "feeds: [{plugin: rules}]\n"
                       "planner: {plugin: rules}\n"
                       "backend: {plugin: perpsim}\n",
                       d) > 0);
    yaml = temp_dir_write(d, "c.yaml", cfg);
    char *check[] = {bin, "check", yaml, NULL};
    cr_assert_eq(run_process(check, &out), 1, "%s", out);
    cr_expect(strstr(out, want + strlen("refused    ")), "%s", out);
    free(out);
    free(cfg);
    free(want);
    free(bin);
    temp_dir_remove(d);
    free(d);
    free(so);
    free(yaml);
    free(src);
}
