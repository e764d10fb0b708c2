/*
 * data_dir.h — where perpd's own files are: the data folder (prompts,
 * example pipelines, the web UI, SQL migrations: share/perp once
 * installed, laid out as the source tree is: config/, config/prompts/,
 * webui/, migrations/) and the installed plugin folder.
 *
 * The data folder is the first of:
 *   1. $PERP_DATA_HOME, when set and not empty;
 *   2. the source tree, when the running perpd was built in one (its
 *      binary sits at most six folders below a folder holding
 *      config/prompts/ and sdk/include/perp/sdk.h: build/bin/perpd,
 *      build/san/bin/perpd, a test binary), so a build works without
 *      installing;
 *   3. ../share/perp next to the binary (an installed tree, wherever it
 *      was copied or moved to);
 *   4. PERP_INSTALL_DATADIR, compiled in from the Makefile's PREFIX.
 */
#ifndef HOST_DATA_DIR_H
#define HOST_DATA_DIR_H

#include <stddef.h>

typedef enum host_data_origin {
    HOST_DATA_ENV = 0,    /* $PERP_DATA_HOME */
    HOST_DATA_SOURCE = 1, /* the source tree the binary was built in */
    HOST_DATA_EXE = 2,    /* ../share/perp next to the binary */
    HOST_DATA_COMPILED = 3
} host_data_origin;

/* The data folder, absolute where it exists; computed once, never NULL,
 * borrowed for the life of the process. */
const char *host_data_dir(void);
host_data_origin host_data_dir_origin(void);
/* "PERP_DATA_HOME", "the source tree", "next to perpd", "compiled in". */
const char *host_data_origin_name(host_data_origin o);

/* The lookup itself, for tests: env is $PERP_DATA_HOME's value (NULL or
 * "" if unset), exe the running binary's path, compiled the built-in
 * folder. Writes the folder into out; returns its origin, or -1 if out
 * is too small. */
int host_data_dir_find(const char *env, const char *exe, const char *compiled,
                       char *out, size_t len);

/* The plugin folder compiled in from PREFIX (PERP_INSTALL_LIBDIR). */
const char *host_install_libdir(void);

/* The folder of the running binary (realpath of /proc/self/exe's folder)
 * into out: 0, or -1 when it cannot be read. */
int host_exe_dir(char *out, size_t len);

#endif
