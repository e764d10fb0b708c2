/*
 * test_plugin_docs.c — docs/plugins.md is what `make docs` writes now:
 * `perpd plugins --path <build>/lib/perp --describe-all --markdown`. A
 * plugin whose descriptor or config map changed without `make docs`
 * fails here, naming the first line that differs.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "file_read.h"
#include "run_process.h"

/* 1-based number of the first line where a and b differ (0: equal). */
static size_t first_difference(const char *a, const char *b, size_t *col)
{
    size_t line = 1;
    const char *line_start = a;
    for (; *a && *a == *b; a++, b++) {
        if (*a == '\n') {
            line++;
            line_start = a + 1;
        }
    }
    *col = (size_t)(a - line_start) + 1;
    return *a == *b ? 0 : line;
}

Test(plugin_docs, docs_plugins_md_matches_make_docs)
{
    char *bin = perpd_path();
    char *plugdir = NULL;
    cr_assert(asprintf(&plugdir, "%s/lib/perp", test_build_dir()) > 0);
    char *argv[] = {bin,     "plugins",        "--path",
                    plugdir, "--describe-all", "--markdown",
                    NULL};
    char *out = NULL, *err = NULL;
    int rc = run_process_split(argv, &out, &err);
    cr_assert_eq(rc, 0, "%s", err);
    char *committed = file_read("docs/plugins.md", NULL);
    cr_assert_not_null(committed, "docs/plugins.md missing: run `make docs`");
    size_t col = 0;
    size_t line = first_difference(committed, out, &col);
    cr_assert_eq(line, 0,
                 "docs/plugins.md is stale (first difference at line %zu, "
                 "column %zu): run `make docs` and commit it",
                 line, col);
    free(committed);
    free(out);
    free(err);
    free(plugdir);
    free(bin);
}
