/*
 * plugin_loader.c — finds, opens and vets plugin shared objects. Every check
 * reads only what the plugin's own struct_size says exists, so a plugin
 * built against another SDK is refused with a reason instead of being
 * misread.
 */
#include "plugin_loader.h"

#include "data_dir.h"
#include "plugin_config_map.h"
#include "plugin_elf.h"

#include <perp/file.h>
#include <perp/quote.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes up to and including `field`: what the host needs to read it. */
#define END_OF(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* What the host reads of each struct at ABI 1.0. A plugin built against a
 * later 1.x has larger structs; an older or foreign one, smaller. */
#define DESC_MIN_SIZE END_OF(perp_plugin_descriptor, vtable)

static size_t vtable_min_size(perp_kind k)
{
    switch (k) {
    case PERP_KIND_FEED:
        return END_OF(perp_feed_vtable, status);
    case PERP_KIND_INDICATOR:
        return END_OF(perp_indicator_vtable, summary);
    case PERP_KIND_PLANNER:
        return END_OF(perp_planner_vtable, plan);
    case PERP_KIND_BACKEND:
        return END_OF(perp_backend_vtable, import_state);
    case PERP_KIND_SINK:
        return END_OF(perp_sink_vtable, flush);
    case PERP_KIND_SERVICE:
        return END_OF(perp_service_vtable, stop);
    }
    return 0;
}

const char *host_kind_name(perp_kind k)
{
    switch (k) {
    case PERP_KIND_FEED:
        return "feed";
    case PERP_KIND_INDICATOR:
        return "indicator";
    case PERP_KIND_PLANNER:
        return "planner";
    case PERP_KIND_BACKEND:
        return "backend";
    case PERP_KIND_SINK:
        return "sink";
    case PERP_KIND_SERVICE:
        return "service";
    }
    return "?";
}

/* ------------------------------------------------------- search path */

static void path_add(host_plugin_path *p, const char *dir)
{
    if (!dir || !*dir)
        return;
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->dirs[i], dir) == 0)
            return;
    }
    char **grown = realloc(p->dirs, (p->n + 1) * sizeof *grown);
    if (!grown)
        return;
    p->dirs = grown;
    char *copy = strdup(dir);
    if (copy)
        p->dirs[p->n++] = copy;
}

static void path_add_env(host_plugin_path *p, const char *env)
{
    char *copy = env ? strdup(env) : NULL;
    if (!copy)
        return;
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d;
         d = strtok_r(NULL, ":", &save))
        path_add(p, d);
    free(copy);
}

/* <dir of the running executable>/../lib/perp, so a build tree or an
 * install tree (wherever it was moved) works without configuration. */
static void path_add_exe_relative(host_plugin_path *p)
{
    char exe[PATH_MAX];
    if (host_exe_dir(exe, sizeof exe) != 0)
        return;
    char dir[PATH_MAX + 16];
    char real[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/../lib/perp", exe);
    path_add(p, realpath(dir, real) ? real : dir);
}

void host_plugin_path_init(host_plugin_path *p, const char *const *yaml_dirs,
                           size_t n_yaml)
{
    p->dirs = NULL;
    p->n = 0;
    for (size_t i = 0; i < n_yaml; i++)
        path_add(p, yaml_dirs[i]);
    path_add_env(p, getenv("PERP_PLUGIN_PATH"));
    /* The binary's own plugins before the compiled-in folder: a build
     * tree's perpd must not pick up an older installed plugin. */
    path_add_exe_relative(p);
    path_add(p, host_install_libdir());
}

void host_plugin_path_free(host_plugin_path *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->dirs[i]);
    free(p->dirs);
    p->dirs = NULL;
    p->n = 0;
}

/* ------------------------------------------------------------ checks */

static int refuse(char *err, size_t err_len, const char *path, const char *fmt,
                  ...) PERP_PRINTF(4, 5);

static int refuse(char *err, size_t err_len, const char *path, const char *fmt,
                  ...)
{
    if (err && err_len) {
        char shown[PERP_QUOTE_LEN];
        int n = snprintf(err, err_len,
                         "%s: ", perp_shorten(path, shown, sizeof shown));
        if (n >= 0 && (size_t)n < err_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, err_len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return PERP_ERR;
}

static int kind_known(int k)
{
    return k >= PERP_KIND_FEED && k <= PERP_KIND_SERVICE;
}

/* Non-NULL entries the host calls without checking, per kind. */
static const char *missing_required(perp_kind k, const void *vt)
{
    const perp_common_vtable *c = vt;
    if (!c->create)
        return "create";
    if (!c->destroy)
        return "destroy";
    switch (k) {
    case PERP_KIND_FEED:
        return ((const perp_feed_vtable *)vt)->next ? NULL : "next";
    case PERP_KIND_INDICATOR: {
        const perp_indicator_vtable *v = vt;
        if (!v->output_count || !v->output_name)
            return "output_count/output_name";
        if (!v->update)
            return "update";
        return v->reset ? NULL : "reset";
    }
    case PERP_KIND_PLANNER:
        return ((const perp_planner_vtable *)vt)->plan ? NULL : "plan";
    case PERP_KIND_BACKEND: {
        const perp_backend_vtable *v = vt;
        if (!v->submit)
            return "submit";
        if (!v->on_price)
            return "on_price";
        if (!v->account)
            return "account";
        if (!v->rules)
            return "rules";
        return v->set_exit_plan ? NULL : "set_exit_plan";
    }
    case PERP_KIND_SINK: {
        const perp_sink_vtable *v = vt;
        if (!v->write)
            return "write";
        return v->flush ? NULL : "flush";
    }
    case PERP_KIND_SERVICE: {
        const perp_service_vtable *v = vt;
        if (!v->start)
            return "start";
        return v->stop ? NULL : "stop";
    }
    }
    return NULL;
}

/* "rsi" from ".../rsi.so". */
static void file_stem(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".so") == 0)
        n -= 3;
    if (n >= len)
        n = len - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

static int check_descriptor(const char *path, const perp_plugin_descriptor *d,
                            perp_kind expected, char *err, size_t err_len)
{
    if (!d)
        return refuse(err, err_len, path, "perp_plugin_entry returned NULL");
    if (d->abi_major != PERP_ABI_MAJOR)
        return refuse(err, err_len, path,
                      "plugin ABI %u.%u, host ABI %d.%d: rebuild it against "
                      "this SDK",
                      d->abi_major, d->abi_minor, PERP_ABI_MAJOR,
                      PERP_ABI_MINOR);
    /* A newer minor may rely on host calls this host lacks (it should
     * check PERP_HOST_HAS, but nothing proves it does): refused, with
     * the two ways out. */
    if (d->abi_minor > PERP_ABI_MINOR)
        return refuse(err, err_len, path,
                      "plugin ABI %u.%u is newer than host ABI %d.%d: "
                      "upgrade perpd, or rebuild the plugin against SDK "
                      "%d.%d",
                      d->abi_major, d->abi_minor, PERP_ABI_MAJOR,
                      PERP_ABI_MINOR, PERP_ABI_MAJOR, PERP_ABI_MINOR);
    if (d->struct_size < DESC_MIN_SIZE)
        return refuse(err, err_len, path,
                      "descriptor is %u bytes, host needs %zu (plugin ABI "
                      "%u.%u, host ABI %d.%d): rebuild it against this SDK",
                      d->struct_size, (size_t)DESC_MIN_SIZE, d->abi_major,
                      d->abi_minor, PERP_ABI_MAJOR, PERP_ABI_MINOR);
    if (!kind_known((int)d->kind))
        return refuse(err, err_len, path,
                      "unknown plugin kind %d (plugin ABI %u.%u, host ABI "
                      "%d.%d)",
                      (int)d->kind, d->abi_major, d->abi_minor, PERP_ABI_MAJOR,
                      PERP_ABI_MINOR);
    if (!d->name || !d->version || !d->vtable)
        return refuse(err, err_len, path,
                      "descriptor lacks its name, version or vtable");
    char stem[256];
    file_stem(path, stem, sizeof stem);
    if (strcmp(stem, d->name) != 0)
        return refuse(err, err_len, path,
                      "plugin names itself '%.64s' but its file is %s.so",
                      d->name, stem);
    if (expected && d->kind != expected)
        return refuse(err, err_len, path, "is a %s plugin, expected a %s",
                      host_kind_name(d->kind), host_kind_name(expected));
    const perp_common_vtable *vt = d->vtable;
    size_t need = vtable_min_size(d->kind);
    if (vt->struct_size < need)
        return refuse(err, err_len, path,
                      "%s vtable is %u bytes, host needs %zu (plugin ABI "
                      "%u.%u, host ABI %d.%d): rebuild it against this SDK",
                      host_kind_name(d->kind), vt->struct_size, need,
                      d->abi_major, d->abi_minor, PERP_ABI_MAJOR,
                      PERP_ABI_MINOR);
    const char *missing = missing_required(d->kind, vt);
    if (missing)
        return refuse(err, err_len, path,
                      "%s vtable has no %s function (required)",
                      host_kind_name(d->kind), missing);
    char why[400];
    if (HOST_DESC_HAS(d, config_map) &&
        host_config_map_lint(d->config_map, why, sizeof why) != 0)
        return refuse(err, err_len, path, "%s", why);
    return PERP_OK;
}

int host_plugin_open_file(const char *path, perp_kind expected_kind,
                          host_plugin *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    /* Nothing of the file runs, and dlopen never sees it, until it is
     * known to be a loadable plugin for this host (plugin_elf.h). */
    char why[256];
    int fd = perp_file_open_why(path, why, sizeof why);
    if (fd < 0)
        return refuse(err, err_len, path, "cannot open: %s", why);
    int bad = host_elf_check_fd(fd, why, sizeof why);
    close(fd);
    if (bad)
        return refuse(err, err_len, path, "%s", why);
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        return refuse(err, err_len, path, "cannot load: %s",
                      why ? why : "unknown dlopen error");
    }
    perp_plugin_entry_fn entry;
    /* POSIX's sanctioned way to turn dlsym's void * into a function
     * pointer without a cast ISO C forbids. */
    void *sym = dlsym(dl, PERP_ENTRY_SYMBOL);
    if (!sym) {
        dlclose(dl);
        return refuse(err, err_len, path, "no %s symbol (not a perpd plugin?)",
                      PERP_ENTRY_SYMBOL);
    }
    memcpy(&entry, &sym, sizeof entry);
    const perp_plugin_descriptor *d = entry();
    if (check_descriptor(path, d, expected_kind, err, err_len) != PERP_OK) {
        dlclose(dl);
        return PERP_ERR;
    }
    out->path = strdup(path);
    if (!out->path) {
        dlclose(dl);
        return refuse(err, err_len, path, "out of memory");
    }
    out->dl = dl;
    out->desc = d;
    return PERP_OK;
}

void host_plugin_close(host_plugin *pl)
{
    if (!pl)
        return;
    if (pl->dl)
        dlclose(pl->dl);
    free(pl->path);
    memset(pl, 0, sizeof *pl);
}

/* Short names only: a name with '/' or ".." could escape the path. */
static int name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 64)
        return 0;
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return 0;
    }
    return 1;
}

static void join_dirs(const host_plugin_path *p, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n && used < len; i++) {
        int w =
            snprintf(buf + used, len - used, "%s%s", i ? ", " : "", p->dirs[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int host_plugin_locate(const host_plugin_path *p, const char *name, char *out,
                       size_t out_len)
{
    if (!name_ok(name))
        return 0;
    for (size_t i = 0; i < p->n; i++) {
        int w = snprintf(out, out_len, "%s/%s.so", p->dirs[i], name);
        if (w < 0 || (size_t)w >= out_len)
            continue;
        /* lstat, not access: a symlink loop or a dangling link is
         * there but unopenable, and opening it says why. */
        struct stat st;
        if (lstat(out, &st) == 0)
            return 1;
    }
    return 0;
}

int host_plugin_open(const host_plugin_path *p, const char *name,
                     perp_kind expected_kind, host_plugin *out, char *err,
                     size_t err_len)
{
    memset(out, 0, sizeof *out);
    if (!name_ok(name)) {
        snprintf(err, err_len,
                 "bad plugin name '%.64s': expected letters, digits, '_' or "
                 "'-'",
                 name ? name : "");
        return PERP_ERR;
    }
    char path[PATH_MAX];
    if (host_plugin_locate(p, name, path, sizeof path))
        return host_plugin_open_file(path, expected_kind, out, err, err_len);
    char dirs[2048];
    join_dirs(p, dirs, sizeof dirs);
    snprintf(err, err_len, "no plugin '%s' in: %s", name,
             dirs[0] ? dirs : "(empty search path)");
    return PERP_ERR;
}

/* ------------------------------------------------------------- scan */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_so(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

/* Sorted names of dir's *.so files; caller frees each and the array. */
static size_t list_so(const char *dir, char ***out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_so(e->d_name))
            continue;
        char **grown = realloc(names, (n + 1) * sizeof *grown);
        if (!grown)
            break;
        names = grown;
        if ((names[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    return n;
}

int host_plugin_dir_check(const char *dir, char *err, size_t err_len)
{
    char q[PERP_QUOTE_LEN];
    struct stat st;
    const char *why = NULL;
    if (!dir || !*dir)
        why = "empty path";
    else if (stat(dir, &st) != 0)
        why = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "not a directory";
    if (!why) {
        DIR *d = opendir(dir);
        if (d)
            closedir(d);
        else
            why = strerror(errno);
    }
    if (why && err && err_len)
        snprintf(err, err_len, "%s: %s", perp_quote(dir, q, sizeof q), why);
    return why ? -1 : 0;
}

size_t host_plugin_scan(const char *dir, host_plugin_visit_fn visit, void *ud)
{
    char **names;
    size_t n = list_so(dir, &names);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        char why[512];
        host_plugin pl;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (host_plugin_open_file(path, 0, &pl, why, sizeof why) == PERP_OK) {
            visit(ud, path, &pl, NULL);
            host_plugin_close(&pl);
        } else {
            visit(ud, path, NULL, why);
        }
        free(names[i]);
    }
    free(names);
    return n;
}
