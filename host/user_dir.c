/*
 * user_dir.c — `perpd init DIR` (user_dir.h). Every target is checked
 * before anything is written, and each file is then created with O_EXCL,
 * so an existing file is never replaced, not even one that appears while
 * init runs.
 */
#include "user_dir.h"

#include "data_dir.h"

#include <perp/file.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A template or prompt this large is not one. */
#define INIT_FILE_MAX_BYTES (4u << 20)
/* Prompt files copied at most (a data folder is not a dumping ground). */
#define INIT_MAX_PROMPTS 32

static const char init_usage[] =
    "usage: perpd init DIR\n"
    "\n"
    "Creates DIR (and its parents) as a folder to run perpd from: a\n"
    "commented pipeline for live paper trading (live.yaml) and one for\n"
    "replaying history (replay.yaml), copies of the LLM planner's prompts\n"
    "(prompts/), an empty data/ for `perpd history download`, and a\n"
    "README.md of the next steps. The files come from the data folder\n"
    "($PERP_DATA_HOME, else the installed share/perp). An existing file\n"
    "is never overwritten: init then names it and writes nothing.\n";

typedef struct init_file {
    char *from; /* relative to the data folder, owned */
    char *to;   /* relative to DIR, owned */
    const char *what;
} init_file;

typedef struct init_plan {
    init_file files[3 + INIT_MAX_PROMPTS];
    size_t n;
} init_plan;

static const init_file fixed[] = {
    {"config/init/live.yaml", "live.yaml",
     "live paper trading: Coinbase prices, the LLM planner, perpsim"},
    {"config/init/replay.yaml", "replay.yaml",
     "the same over the history in data/"},
    {"config/init/README.md", "README.md", "what to do next"},
};

static void plan_free(init_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->files[i].from);
        free(p->files[i].to);
    }
    p->n = 0;
}

static int plan_add(init_plan *p, const char *from, const char *to,
                    const char *what)
{
    init_file *f = &p->files[p->n];
    f->from = strdup(from);
    f->to = strdup(to);
    f->what = what;
    if (!f->from || !f->to) {
        free(f->from);
        free(f->to);
        return -1;
    }
    p->n++;
    return 0;
}

static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every regular, not hidden file of data/config/prompts. */
static int plan_prompts(init_plan *p, const char *data)
{
    char dir[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/config/prompts", data);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "perpd init: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char from[PATH_MAX], to[PATH_MAX], full[2 * PATH_MAX];
        snprintf(full, sizeof full, "%s/%s", dir, name);
        if (rc == 0 && name[0] != '.' && is_regular(full)) {
            if (p->n == sizeof p->files / sizeof p->files[0]) {
                fprintf(stderr, "perpd init: more than %d files in %s\n",
                        INIT_MAX_PROMPTS, dir);
                rc = -1;
            } else {
                snprintf(from, sizeof from, "config/prompts/%s", name);
                snprintf(to, sizeof to, "prompts/%s", name);
                rc = plan_add(p, from, to, "a prompt of the LLM planner");
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* What init copies, checked to be in the data folder. */
static int make_plan(init_plan *p, const char *data)
{
    p->n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        char src[PATH_MAX + 64];
        snprintf(src, sizeof src, "%s/%s", data, fixed[i].from);
        if (!is_regular(src)) {
            fprintf(stderr,
                    "perpd init: the data folder %s (%s) has no %s: is perpd "
                    "installed (make install)? PERP_DATA_HOME names another "
                    "data folder\n",
                    data, host_data_origin_name(host_data_dir_origin()),
                    fixed[i].from);
            return -1;
        }
        if (plan_add(p, fixed[i].from, fixed[i].to, fixed[i].what) != 0)
            return -1;
    }
    return plan_prompts(p, data);
}

/* Targets that exist already, each said; returns how many. */
static size_t say_existing(const init_plan *p, const char *dir)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++) {
        char path[2 * PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, p->files[i].to);
        if (lstat(path, &st) == 0) {
            fprintf(stderr, "perpd init: %s exists: not overwritten\n", path);
            n++;
        }
    }
    char data[PATH_MAX + 8];
    struct stat st;
    snprintf(data, sizeof data, "%s/data", dir);
    if (lstat(data, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "perpd init: %s exists and is not a folder\n", data);
        n++;
    }
    return n;
}

/* mkdir -p path. 0, or -1 with errno. */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *s = buf + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        struct stat st;
        if (mkdir(buf, 0755) != 0 &&
            !(errno == EEXIST && stat(buf, &st) == 0 && S_ISDIR(st.st_mode))) {
            if (errno == EEXIST)
                errno = ENOTDIR;
            return -1;
        }
        *s = c;
        if (!c)
            return 0;
    }
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Copies data/f->from to dir/f->to, refusing an existing target. */
static int copy_one(const init_file *f, const char *data, const char *dir)
{
    char src[PATH_MAX + 64], dst[2 * PATH_MAX], err[512];
    snprintf(src, sizeof src, "%s/%s", data, f->from);
    snprintf(dst, sizeof dst, "%s/%s", dir, f->to);
    char *text = NULL;
    size_t len = 0;
    if (perp_file_read_all(src, INIT_FILE_MAX_BYTES, &text, &len, err,
                           sizeof err) != 0) {
        fprintf(stderr, "perpd init: %s\n", err);
        return -1;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int rc = fd >= 0 && write_all(fd, text, len) == 0 ? 0 : -1;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    free(text);
    if (rc != 0)
        fprintf(stderr, "perpd init: cannot write %s: %s\n", dst, strerror(e));
    return rc;
}

static int make_folders(const char *dir)
{
    static const char *const subs[] = {"", "/prompts", "/data"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s%s", dir, subs[i]);
        if (make_dirs(path) != 0) {
            fprintf(stderr, "perpd init: cannot create the folder %s: %s\n",
                    path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int init_dir(const char *dir)
{
    const char *data = host_data_dir();
    init_plan plan;
    if (make_plan(&plan, data) != 0) {
        plan_free(&plan);
        return 1;
    }
    size_t existing = say_existing(&plan, dir);
    if (existing) {
        fprintf(stderr,
                "perpd init: nothing written (%zu file%s in the way: move "
                "%s, or choose another folder)\n",
                existing, existing == 1 ? "" : "s",
                existing == 1 ? "it" : "them");
        plan_free(&plan);
        return 1;
    }
    int rc = make_folders(dir);
    size_t written = 0;
    while (rc == 0 && written < plan.n) {
        rc = copy_one(&plan.files[written], data, dir);
        written += rc == 0;
    }
    if (rc != 0) {
        fprintf(stderr, "perpd init: %zu of %zu files written in %s\n", written,
                plan.n, dir);
        plan_free(&plan);
        return 1;
    }
    printf("perpd init: %s, from the data folder %s (%s):\n", dir, data,
           host_data_origin_name(host_data_dir_origin()));
    for (size_t i = 0; i < plan.n; i++)
        printf("  %-22s %s\n", plan.files[i].to, plan.files[i].what);
    printf("  %-22s %s\n", "data/",
           "empty: `perpd history download ... --out data` fills it");
    printf("next: read %s/README.md, then `perpd check %s/live.yaml`\n", dir,
           dir);
    plan_free(&plan);
    return 0;
}

int host_user_dir_main(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(init_usage, stdout);
            return 0;
        }
        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "perpd init: unknown option '%s'\n\n%s", a,
                    init_usage);
            return 2;
        }
        if (dir) {
            fprintf(stderr, "perpd init: unexpected argument '%s'\n\n%s", a,
                    init_usage);
            return 2;
        }
        dir = a;
    }
    if (!dir || !*dir) {
        fprintf(stderr, "perpd init: missing DIR\n\n%s", init_usage);
        return 2;
    }
    return init_dir(dir);
}
