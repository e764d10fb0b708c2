/*
 * temp_dir.c — see temp_dir.h.
 */
#include "temp_dir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *temp_dir_new(void)
{
    const char *base = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/perptest.XXXXXX", base && *base ? base : "/tmp") <
            0 ||
        !mkdtemp(path)) {
        perror("temp_dir_new");
        abort();
    }
    return path;
}

char *temp_dir_write(const char *dir, const char *name, const char *text)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        abort();
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        abort();
    }
    fputs(text, f);
    fclose(f);
    return path;
}

static void remove_tree(const char *path, int depth)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = NULL;
        if (asprintf(&child, "%s/%s", path, e->d_name) < 0)
            continue;
        if (depth < 8)
            remove_tree(child, depth + 1);
        free(child);
    }
    closedir(d);
    rmdir(path);
}

void temp_dir_remove(const char *dir)
{
    if (dir)
        remove_tree(dir, 0);
}
