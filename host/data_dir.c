/*
 * data_dir.c — finds the data folder and the install folders (see
 * data_dir.h for the order). The only file that sees the PREFIX the
 * Makefile compiled in, so changing PREFIX rebuilds one object.
 */
#include "data_dir.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PERP_INSTALL_LIBDIR
#define PERP_INSTALL_LIBDIR "/usr/local/lib/perp"
#endif
#ifndef PERP_INSTALL_DATADIR
#define PERP_INSTALL_DATADIR "/usr/local/share/perp"
#endif

/* How far above the binary's folder a source tree is looked for:
 * build/bin (2), build/san/bin (3), and the test binaries down to
 * build/san/tests/plugins/<plugin> (5). */
#define SOURCE_TREE_DEPTH 6

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int put(char *out, size_t len, const char *s)
{
    return snprintf(out, len, "%s", s) < (int)len ? 0 : -1;
}

/* A folder as given, made absolute (realpath when it exists, else joined
 * to the working directory) so that no later chdir changes it. */
static int put_absolute(char *out, size_t len, const char *dir)
{
    char real[PATH_MAX], cwd[PATH_MAX];
    if (realpath(dir, real))
        return put(out, len, real);
    if (dir[0] == '/' || !getcwd(cwd, sizeof cwd))
        return put(out, len, dir);
    return snprintf(out, len, "%s/%s", cwd, dir) < (int)len ? 0 : -1;
}

/* 1 if dir is the top of a perpd source tree. */
static int is_source_tree(const char *dir)
{
    char a[PATH_MAX + 64], b[PATH_MAX + 64];
    snprintf(a, sizeof a, "%s/config/prompts", dir);
    snprintf(b, sizeof b, "%s/sdk/include/perp/sdk.h", dir);
    return is_dir(a) && is_file(b);
}

/* The source tree above the binary's folder bin_dir, into out: 1, or 0. */
static int find_source_tree(const char *bin_dir, char *out, size_t len)
{
    char dir[PATH_MAX];
    if (put(dir, sizeof dir, bin_dir) != 0)
        return 0;
    for (int up = 1; up <= SOURCE_TREE_DEPTH; up++) {
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return 0;
        *slash = '\0';
        if (is_source_tree(dir))
            return put(out, len, dir) == 0;
    }
    return 0;
}

int host_data_dir_find(const char *env, const char *exe, const char *compiled,
                       char *out, size_t len)
{
    if (env && *env)
        return put_absolute(out, len, env) == 0 ? HOST_DATA_ENV : -1;
    char real[PATH_MAX];
    if (exe && realpath(exe, real)) {
        char *slash = strrchr(real, '/');
        if (slash)
            *slash = '\0';
        if (find_source_tree(real, out, len))
            return HOST_DATA_SOURCE;
        char share[PATH_MAX + 32], shared[PATH_MAX];
        snprintf(share, sizeof share, "%s/../share/perp", real);
        if (realpath(share, shared) && is_dir(shared))
            return put(out, len, shared) == 0 ? HOST_DATA_EXE : -1;
    }
    return put(out, len, compiled) == 0 ? HOST_DATA_COMPILED : -1;
}

static char data_dir[PATH_MAX];
static host_data_origin data_origin = HOST_DATA_COMPILED;
static pthread_once_t data_once = PTHREAD_ONCE_INIT;

static void data_dir_init(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    int o = host_data_dir_find(getenv("PERP_DATA_HOME"), n > 0 ? exe : NULL,
                               PERP_INSTALL_DATADIR, data_dir, sizeof data_dir);
    if (o < 0) {
        put(data_dir, sizeof data_dir, PERP_INSTALL_DATADIR);
        o = HOST_DATA_COMPILED;
    }
    data_origin = (host_data_origin)o;
}

const char *host_data_dir(void)
{
    pthread_once(&data_once, data_dir_init);
    return data_dir;
}

host_data_origin host_data_dir_origin(void)
{
    pthread_once(&data_once, data_dir_init);
    return data_origin;
}

const char *host_data_origin_name(host_data_origin o)
{
    switch (o) {
    case HOST_DATA_ENV:
        return "PERP_DATA_HOME";
    case HOST_DATA_SOURCE:
        return "the source tree";
    case HOST_DATA_EXE:
        return "next to perpd";
    case HOST_DATA_COMPILED:
        return "compiled in";
    }
    return "?";
}

const char *host_install_libdir(void)
{
    return PERP_INSTALL_LIBDIR;
}

int host_exe_dir(char *out, size_t len)
{
    char exe[PATH_MAX], real[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    if (!realpath(exe, real))
        return -1;
    char *slash = strrchr(real, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return put(out, len, real);
}
