/*
 * plugin_loader.h — finds plugin .so files, dlopens them, checks the descriptor
 * (ABI major equal, struct sizes large enough, kind as expected) and
 * refuses others with a message naming the file and both ABIs.
 */
#ifndef HOST_PLUGIN_LOADER_H
#define HOST_PLUGIN_LOADER_H

#include <stddef.h>
#include <perp/sdk.h>

/* 1 if vtable vt (a plugin's, of struct type `type`) is recent enough to
 * carry optional member m and sets it: read m only after this. */
#define HOST_VT_HAS(vt, type, m)                                               \
    ((vt)->struct_size >= offsetof(type, m) + sizeof(((type *)0)->m) &&        \
     (vt)->m != NULL)

typedef struct host_plugin {
    char *path;                         /* owned */
    void *dl;                           /* dlopen handle, owned */
    const perp_plugin_descriptor *desc; /* borrowed from the .so */
} host_plugin;

/* The search path: the YAML's plugin_path entries (in order, resolved
 * against the YAML's folder by the caller), then each dir of
 * $PERP_PLUGIN_PATH (colon-separated), then <dir of the running
 * perpd>/../lib/perp, then the install dir (PERP_INSTALL_LIBDIR).
 * Owned by the caller; free with host_plugin_path_free. */
typedef struct host_plugin_path {
    char **dirs;
    size_t n;
} host_plugin_path;

void host_plugin_path_init(host_plugin_path *p, const char *const *yaml_dirs,
                           size_t n_yaml);
void host_plugin_path_free(host_plugin_path *p);

/* Opens "<dir>/<name>.so" from the first dir that has it. expected_kind 0
 * accepts any kind. PERP_OK, or PERP_ERR with one line in err, e.g.
 * "build/lib/perp/rsi.so: plugin ABI 2.0, host ABI 1.0: rebuild it against
 * this SDK" or "no plugin 'foo' in: a, b, c". */
int host_plugin_open(const host_plugin_path *p, const char *name,
                     perp_kind expected_kind, host_plugin *out, char *err,
                     size_t err_len);
int host_plugin_open_file(const char *path, perp_kind expected_kind,
                          host_plugin *out, char *err, size_t err_len);
void host_plugin_close(host_plugin *pl);

/* Writes "<dir>/<name>.so" of the first dir holding it into out; 1 if
 * found, 0 if not (or name is not a plain short name). */
int host_plugin_locate(const host_plugin_path *p, const char *name, char *out,
                       size_t out_len);

/* 1 if descriptor d is recent enough to carry member m and sets it (the
 * descriptor's counterpart of PERP_HOST_HAS, for ABI 1.2 members). */
#define HOST_DESC_HAS(d, m)                                                    \
    ((d)->struct_size >=                                                       \
         offsetof(perp_plugin_descriptor, m) + sizeof((d)->m) &&               \
     (d)->m)

const char *host_kind_name(perp_kind k); /* "feed", ..., "?" */

/* 0 if dir is a directory the scan can read, else -1 with err naming it
 * and why ("'/nonexistent': No such file or directory", "'/etc/hostname':
 * not a directory"). */
int host_plugin_dir_check(const char *dir, char *err, size_t err_len);

/* Calls visit for every *.so in dir (sorted by name): pl is NULL and why
 * set when the file was refused. Returns the number of files seen. */
typedef void (*host_plugin_visit_fn)(void *ud, const char *path,
                                     const host_plugin *pl, const char *why);
size_t host_plugin_scan(const char *dir, host_plugin_visit_fn visit, void *ud);

#endif
