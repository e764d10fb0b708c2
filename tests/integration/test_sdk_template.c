/*
 * test_sdk_template.c — the third-party path end to end: install the SDK
 * (the headers and perp-sdk.pc laid out as `make install` does, into a
 * temporary DESTDIR), copy
 * sdk/examples/indicator-template out of the tree, build it with only
 * `pkg-config --cflags perp-sdk` pointed into that DESTDIR, and check that
 * `perpd plugins --path DIR` lists it as a loadable indicator.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_process.h"
#include "temp_dir.h"

static int sh(const char *cmd, char **out)
{
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    return run_process(argv, out);
}

Test(sdk_template, builds_out_of_tree_and_is_listed, .timeout = 300)
{
    char *tmp = temp_dir_new();
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

    char *perpd = perpd_path();
    snprintf(cmd, sizeof cmd, "%s plugins --path %s/tpl", perpd, tmp);
    rc = sh(cmd, &out);
    cr_assert_eq(rc, 0, "perpd plugins failed: %s", out);
    cr_assert(strstr(out, "mysma") != NULL, "not listed: %s", out);
    cr_assert(strstr(out, "indicator") != NULL, "kind not shown: %s", out);
    free(out);
    free(perpd);
    temp_dir_remove(tmp);
    free(tmp);
}
