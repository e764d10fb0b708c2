/*
 * build_dir.c — see build_dir.h.
 */
#include "build_dir.h"

#include <stdlib.h>

const char *test_build_dir(void)
{
    const char *b = getenv("PERP_BUILD_DIR");
    return b && *b ? b : "build";
}
