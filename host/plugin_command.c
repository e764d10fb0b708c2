/*
 * plugin_command.c — runs a plugin's `command` (ABI 1.2) and lists the
 * plugins that have one. The plugin gets a perp_host table like any
 * instance, but from a context without an agent: it is a tool run from
 * the shell, not part of a pipeline.
 */
#include "plugin_command.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_services.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* Each line of the plugin's usage text, prefixed "<lead>perpd NAME ". */
static void print_usage_lines(FILE *out, const char *lead, const char *name,
                              const char *usage)
{
    const char *line = usage;
    while (*line) {
        size_t len = strcspn(line, "\n");
        if (len > 0)
            fprintf(out, "%sperpd %s %.*s\n", lead, name, (int)len, line);
        line += len;
        if (*line == '\n')
            line++;
    }
}

static int print_plugin_help(const perp_plugin_descriptor *d)
{
    printf("usage:\n");
    print_usage_lines(stdout, "  ", d->name, d->command_usage);
    if (d->description)
        printf("\n%s plugin %s %s: %s\n", host_kind_name(d->kind), d->name,
               d->version, d->description);
    return 0;
}

static int call_command(const perp_plugin_descriptor *d, int argc, char **argv)
{
    /* No agent: no symbols, records dropped, wall clock. */
    host_context ctx = {0};
    perp_host *host = host_services_new(&ctx, d->name);
    if (!host) {
        fprintf(stderr, "perpd %s: out of memory\n", d->name);
        return EXIT_FAILED;
    }
    int rc = d->command(host, argc, argv);
    host_services_free(host);
    return rc;
}

host_command_result host_plugin_command_run(const host_plugin_path *path,
                                            const char *name, int argc,
                                            char **argv, int *exit_code)
{
    char file[PATH_MAX];
    if (!host_plugin_locate(path, name, file, sizeof file))
        return HOST_COMMAND_NOT_FOUND;
    host_plugin pl;
    char err[512];
    if (host_plugin_open_file(file, 0, &pl, err, sizeof err) != PERP_OK) {
        fprintf(stderr, "perpd: %s\n", err);
        *exit_code = EXIT_FAILED;
        return HOST_COMMAND_RAN;
    }
    const perp_plugin_descriptor *d = pl.desc;
    if (!HOST_DESC_HAS(d, command)) {
        fprintf(stderr, "perpd: plugin '%s' (%s) has no command of its own\n",
                name, host_kind_name(d->kind));
        *exit_code = EXIT_USAGE;
    } else if (argc >= 2 && is_help(argv[1]) &&
               HOST_DESC_HAS(d, command_usage)) {
        *exit_code = print_plugin_help(d);
    } else {
        argv[0] = (char *)d->name;
        *exit_code = call_command(d, argc, argv);
    }
    host_plugin_close(&pl);
    return HOST_COMMAND_RAN;
}

/* --------------------------------------------------------------- list */

typedef struct list_state {
    FILE *out;
    size_t found;
    char **seen; /* names already listed: an earlier dir wins */
    size_t n_seen;
} list_state;

static int already_seen(list_state *st, const char *name)
{
    for (size_t i = 0; i < st->n_seen; i++) {
        if (strcmp(st->seen[i], name) == 0)
            return 1;
    }
    char **grown = realloc(st->seen, (st->n_seen + 1) * sizeof *grown);
    if (!grown)
        return 1;
    st->seen = grown;
    char *copy = strdup(name);
    if (copy)
        st->seen[st->n_seen++] = copy;
    return 0;
}

static void list_one(void *ud, const char *path, const host_plugin *pl,
                     const char *why)
{
    (void)path;
    (void)why;
    list_state *st = ud;
    if (!pl || already_seen(st, pl->desc->name))
        return;
    const perp_plugin_descriptor *d = pl->desc;
    if (!HOST_DESC_HAS(d, command))
        return;
    st->found++;
    if (HOST_DESC_HAS(d, command_usage))
        print_usage_lines(st->out, "  ", d->name, d->command_usage);
    else
        fprintf(st->out, "  perpd %s ...\n", d->name);
}

size_t host_plugin_command_list(const host_plugin_path *path, FILE *out)
{
    list_state st = {.out = out};
    for (size_t i = 0; i < path->n; i++)
        host_plugin_scan(path->dirs[i], list_one, &st);
    for (size_t i = 0; i < st.n_seen; i++)
        free(st.seen[i]);
    free(st.seen);
    return st.found;
}
