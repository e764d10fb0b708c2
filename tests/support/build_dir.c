/*
 * build_dir.c — see build_dir.h.
 */
#include "build_dir.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *test_build_dir(void)
{
    /* Absolute, and fixed at the first call (a test may chdir later):
     * tests write it into pipeline files, whose relative paths follow
     * the file's own folder. */
    static char real[PATH_MAX];
    if (real[0])
        return real;
    const char *b = getenv("PERP_BUILD_DIR");
    if (!b || !*b)
        b = "build";
    return realpath(b, real) ? real : b;
}
