/*
 * abi_fixture.c — see abi_fixture.h.
 */
#include "abi_fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "run_process.h"

void abi11_build(const char *dir, const char *name)
{
    char *src = NULL, *so = NULL, *out = NULL;
    cr_assert(asprintf(&src, "tests/fixtures/abi-1.1/%s.c", name) > 0);
    cr_assert(asprintf(&so, "%s/%s.so", dir, name) > 0);
    char *argv[] = {"cc",
                    "-std=c11",
                    "-D_GNU_SOURCE",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-shared",
                    "-fPIC",
                    "-fvisibility=hidden",
                    "-Itests/fixtures/sdk-1.1",
                    "-o",
                    so,
                    src,
                    "-lm",
                    NULL};
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 0, "cc %s against the 1.1 header:\n%s", name, out);
    free(out);
    free(so);
    free(src);
}
