/*
 * main.c — the perpd command line. Each subcommand is a thin shell over a
 * host module: plugins -> loader, check/run -> agent, history -> history;
 * any other name is looked up as a plugin with its own command
 * (`perpd hyperliquid sign ...`), so venue tools live in their plugin.
 * Every command answers --help on stdout with exit 0; a wrong command line
 * exits 2 with that command's usage on stderr; a failed command exits 1.
 */
#include "agent.h"
#include "backtest.h"
#include "crash_report.h"
#include "history.h"
#include "live_arena.h"
#include "plugin_command.h"
#include "plugin_describe.h"
#include "plugin_loader.h"
#include "plugin_probe.h"
#include "log.h"
#include "user_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PERP_VERSION
#define PERP_VERSION "0.0.0"
#endif

#define EXIT_USAGE 2
/* parse_args: --help was answered; the command exits 0. */
#define HELP_SHOWN (-1)

static const char usage_text[] =
    "usage: perpd <command> [options]\n"
    "\n"
    "commands:\n"
    "  plugins [--path DIR]...          list plugins found (name, kind,\n"
    "                                   version, ABI, file) and refused ones\n"
    "  plugins --describe NAME          a plugin's kind, version, YAML keys\n"
    "                                   (type, default, range), outputs\n"
    "  check CONFIG [--path DIR]...     validate CONFIG: load, create and\n"
    "                                   destroy every plugin; exit 0 or 1\n"
    "  run CONFIG... [--max-cycles N] [--path DIR]...\n"
    "                                   run the pipeline (a replay ends by\n"
    "                                   itself; SIGINT/SIGTERM stop cleanly);\n"
    "                                   several: live side by side on one\n"
    "                                   feed connection\n"
    "  backtest CONFIG... [--from ISO] [--to ISO] [--data DIR] [--hash]\n"
    "           [--report FILE.html] [--summary FILE.json] [-j N] "
    "[--allow-llm]\n"
    "                                   CONFIG's pipeline over history, as\n"
    "                                   fast as it goes; several: an arena\n"
    "  serve CONFIG [--path DIR]...     run only the services of CONFIG (the\n"
    "                                   dashboard) until SIGINT/SIGTERM\n"
    "  history download --symbols A,B --granularity G --from ISO --to ISO\n"
    "                   --out DIR [--feed NAME] [--url BASE] [--path DIR]\n"
    "                                   candles to CSV through a feed's\n"
    "                                   backfill (default feed coinbase)\n"
    "  migrate [--database-url URL]     bring the PostgreSQL schema up to\n"
    "                                   date (default URL: $DATABASE_URL)\n"
    "  metrics [--version TAG] [--database-url URL]\n"
    "                                   a version's stored metrics, or the\n"
    "                                   leaderboard of every version\n"
    "  init DIR                         a folder to start from: live and\n"
    "                                   replay pipelines, prompts, data/\n"
    "  PLUGIN ARGS...                   a plugin's own command (below)\n"
    "\n"
    "`perpd COMMAND --help` prints that command's usage.\n"
    "\n"
    "options:\n"
    "  --help        this text\n"
    "  --version     perpd and plugin ABI versions\n"
    "\n"
    "environment: PERP_PLUGIN_PATH (colon-separated plugin dirs),\n"
    "             PERP_DATA_HOME (the data folder: prompts, example\n"
    "             pipelines; default share/perp beside perpd's bin/),\n"
    "             PERP_LOG_LEVEL (debug|info|warn|error),\n"
    "             PERP_PLUGIN_TRIAL=0 (do not try plugins from other\n"
    "             folders in a child process before loading them)\n"
    "\n"
    "Relative paths in a pipeline file follow the file's folder, not the\n"
    "working directory.\n";

static const char plugins_usage[] =
    "usage: perpd plugins [--path DIR]...\n"
    "       perpd plugins [--path DIR]... --describe NAME [--markdown]\n"
    "       perpd plugins [--path DIR]... --describe-all [--markdown]\n"
    "\n"
    "Lists every plugin found (name, kind, version, ABI, file) and every\n"
    "file refused, with the reason. --describe NAME (repeatable) prints\n"
    "what a plugin is: kind, version, description, its YAML keys (type,\n"
    "default, allowed values, description), its command, and for an\n"
    "indicator its outputs and lookback with the defaults. --describe-all\n"
    "prints every plugin found, feeds first. --markdown prints Markdown\n"
    "(`make docs` writes docs/plugins.md so). --path DIR (repeatable)\n"
    "searches exactly those folders instead of the plugin path.\n";

static const char check_usage[] =
    "usage: perpd check CONFIG [--path DIR]...\n"
    "\n"
    "Validates the pipeline file CONFIG: loads it, opens, creates and\n"
    "destroys every plugin, and prints each error as file:line:col. Exit 0\n"
    "when valid, 1 when not. --path DIR (repeatable) is searched for\n"
    "plugins before the plugin path.\n";

static const char run_usage[] =
    "usage: perpd run CONFIG... [--max-cycles N] [--path DIR]...\n"
    "\n"
    "Runs the pipeline of CONFIG. A replay ends by itself; SIGINT or\n"
    "SIGTERM stop a live run cleanly. --max-cycles N stops after N cycles;\n"
    "--path DIR (repeatable) is searched for plugins before the plugin "
    "path.\n"
    "\n"
    "Several CONFIGs (agent versions, each with its own agent.version) run\n"
    "live side by side: the first one's feeds are opened once for the\n"
    "symbols of all, and every version sees the same prices at the same\n"
    "moments, with its own planner, backend account, sinks and records\n"
    "(services defined identically start once). Over history, the same is\n"
    "`perpd backtest CONFIG...`.\n";

static const char serve_usage[] =
    "usage: perpd serve CONFIG [--path DIR]...\n"
    "\n"
    "Runs only the services of the pipeline file CONFIG (the `services:`\n"
    "section and `plugin_path`; config/dashboard.yaml has nothing else)\n"
    "until SIGINT or SIGTERM: the dashboard alone, reading the database an\n"
    "agent writes. No feed, planner or backend is created. --path DIR\n"
    "(repeatable) is searched for plugins before the plugin path.\n";

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    if (fmt) {
        fprintf(stderr, "perpd: ");
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\n\n");
    }
    fputs(usage, stderr);
    return EXIT_USAGE;
}

/* What the subcommands accept; argv strings are borrowed. */
typedef struct cli_args {
    const char *usage;    /* the command's usage text */
    const char *config;   /* the first of configs */
    const char **configs; /* owned array; want_config 2: one or more */
    size_t n_configs;
    const char **paths; /* --path values, owned array */
    size_t n_paths;
    int64_t max_cycles;
} cli_args;

static int parse_count(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno == ERANGE || v <= 0)
        return 0;
    *out = (int64_t)v;
    return 1;
}

/* Parses argv[1..] of a subcommand. want_config: a CONFIG positional is
 * required (2: one or more); want_cycles: --max-cycles is allowed. Returns 0,
 * HELP_SHOWN after printing the usage on stdout, or the usage exit code after
 * printing why. */
static int parse_args(int argc, char **argv, const char *usage, int want_config,
                      int want_cycles, cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->usage = usage;
    a->paths = calloc((size_t)argc + 1, sizeof *a->paths);
    a->configs = calloc((size_t)argc + 1, sizeof *a->configs);
    if (!a->paths || !a->configs) {
        fprintf(stderr, "perpd: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (is_help(arg)) {
            fputs(usage, stdout);
            return HELP_SHOWN;
        }
        if (strcmp(arg, "--path") == 0 || strcmp(arg, "--max-cycles") == 0) {
            if (i + 1 >= argc)
                return usage_error(usage, "%s needs a value", arg);
            const char *val = argv[++i];
            if (arg[2] == 'p') {
                a->paths[a->n_paths++] = val;
            } else if (!want_cycles) {
                return usage_error(usage, "unknown option '%s'", arg);
            } else if (!parse_count(val, &a->max_cycles)) {
                return usage_error(
                    usage, "--max-cycles expects a positive integer, got '%s'",
                    val);
            }
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error(usage, "unknown option '%s'", arg);
        } else if (want_config && (!a->config || want_config == 2)) {
            if (!a->config)
                a->config = arg;
            a->configs[a->n_configs++] = arg;
        } else {
            return usage_error(usage, "unexpected argument '%s'", arg);
        }
    }
    if (want_config && !a->config)
        return usage_error(usage, "%s: missing CONFIG", argv[0]);
    return 0;
}

/* The exit code of a parse_args result that is not 0. */
static int parse_exit(int rc)
{
    return rc == HELP_SHOWN ? 0 : rc;
}

/* ----------------------------------------------------------- plugins */

typedef struct scan_totals {
    size_t ok, refused;
} scan_totals;

static void print_plugin(void *ud, const char *path, const host_plugin *pl,
                         const char *why)
{
    scan_totals *t = ud;
    if (!pl) {
        t->refused++;
        printf("refused    %s\n", why ? why : path);
        return;
    }
    t->ok++;
    const perp_plugin_descriptor *d = pl->desc;
    printf("%-12s %-10s %-8s ABI %u.%u  %s\n", d->name, host_kind_name(d->kind),
           d->version, d->abi_major, d->abi_minor, path);
}

/* --describe NAME (repeatable), --describe-all and --markdown, taken out
 * of argv (which is compacted) before the common options are parsed. */
typedef struct describe_args {
    const char **names; /* owned array; strings borrowed from argv */
    size_t n;
    int all, markdown;
} describe_args;

static int take_describe_args(int *argc, char **argv, describe_args *d)
{
    memset(d, 0, sizeof *d);
    d->names = calloc((size_t)*argc + 1, sizeof *d->names);
    if (!d->names)
        return 1;
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--describe") == 0) {
            if (i + 1 >= *argc)
                return usage_error(plugins_usage, "%s needs a value", argv[i]);
            d->names[d->n++] = argv[++i];
        } else if (strcmp(argv[i], "--describe-all") == 0) {
            d->all = 1;
        } else if (strcmp(argv[i], "--markdown") == 0) {
            d->markdown = 1;
        } else {
            argv[kept++] = argv[i];
        }
    }
    *argc = kept;
    if (d->markdown && !d->n && !d->all)
        return usage_error(plugins_usage, "%s goes with --describe",
                           "--markdown");
    return 0;
}

/* The plugins of --describe/--describe-all, from the first n_dirs
 * folders of search. */
static int describe(const host_plugin_path *search, size_t n_dirs,
                    const describe_args *d)
{
    host_plugin_path dirs = {search->dirs, n_dirs};
    host_describe_format fmt =
        d->markdown ? HOST_DESCRIBE_MARKDOWN : HOST_DESCRIBE_TEXT;
    if (d->markdown)
        host_plugin_describe_heading(stdout);
    if (d->all)
        return host_plugin_describe_every(&dirs, fmt, stdout);
    int rc = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (i > 0 && !d->markdown)
            putchar('\n');
        rc |= host_plugin_describe_name(&dirs, d->names[i], fmt, stdout);
    }
    return rc;
}

static int cmd_plugins(int argc, char **argv)
{
    describe_args d;
    int rc = take_describe_args(&argc, argv, &d);
    cli_args a = {0};
    if (rc == 0)
        rc = parse_args(argc, argv, plugins_usage, 0, 0, &a);
    if (rc != 0) {
        free(a.paths);
        free(a.configs);
        free(d.names);
        return parse_exit(rc);
    }
    host_plugin_path search;
    if (a.n_paths)
        host_plugin_path_init(&search, a.paths, a.n_paths);
    else
        host_plugin_path_init(&search, NULL, 0);
    /* --path means "exactly these dirs", not "these first". */
    size_t n_dirs = a.n_paths ? a.n_paths : search.n;
    if (d.n || d.all) {
        rc = describe(&search, n_dirs, &d);
        host_plugin_path_free(&search);
        free(a.paths);
        free(a.configs);
        free(d.names);
        return rc;
    }
    free(d.names);
    scan_totals t = {0, 0};
    size_t seen = 0, bad = 0;
    for (size_t i = 0; i < n_dirs; i++) {
        char why[512];
        /* A missing default dir is normal; a --path given is checked. */
        if (a.n_paths &&
            host_plugin_dir_check(search.dirs[i], why, sizeof why) != 0) {
            fprintf(stderr, "perpd: --path %s\n", why);
            bad++;
            continue;
        }
        seen += host_plugin_scan(search.dirs[i], print_plugin, &t);
    }
    if (seen == 0 && bad < n_dirs) {
        printf("no plugins found in:");
        for (size_t i = 0; i < n_dirs; i++)
            printf(" %s", search.dirs[i]);
        printf("\n");
    }
    host_plugin_path_free(&search);
    free(a.paths);
    free(a.configs);
    return a.n_paths && bad == n_dirs ? 1 : 0;
}

/* ------------------------------------------------------- check / run */

static host_agent *open_agent(const cli_args *a)
{
    host_run_options opt = {
        .max_cycles = a->max_cycles,
        .extra_plugin_dirs = a->paths,
        .n_extra_plugin_dirs = a->n_paths,
    };
    return host_agent_open(a->config, &opt);
}

static int cmd_check(int argc, char **argv)
{
    cli_args a;
    int rc = parse_args(argc, argv, check_usage, 1, 0, &a);
    if (rc == 0) {
        host_agent *agent = open_agent(&a);
        if (agent) {
            host_agent_close(agent);
            printf("%s: ok\n", a.config);
        } else {
            fprintf(stderr, "%s: invalid (see the errors above)\n", a.config);
            rc = 1;
        }
    }
    free(a.paths);
    free(a.configs);
    return parse_exit(rc);
}

static int cmd_run(int argc, char **argv)
{
    cli_args a;
    int rc = parse_args(argc, argv, run_usage, 2, 1, &a);
    if (rc == 0 && a.n_configs > 1) {
        host_run_options opt = {
            .max_cycles = a.max_cycles,
            .extra_plugin_dirs = a.paths,
            .n_extra_plugin_dirs = a.n_paths,
        };
        rc = host_live_arena_run(a.configs, a.n_configs, &opt);
    } else if (rc == 0) {
        host_agent_signals(1);
        host_agent *agent = open_agent(&a);
        if (agent) {
            rc = host_agent_run(agent);
            host_agent_close(agent);
        } else {
            rc = 1;
        }
        host_agent_signals(0);
    }
    free(a.paths);
    free(a.configs);
    return parse_exit(rc);
}

static int cmd_serve(int argc, char **argv)
{
    cli_args a;
    int rc = parse_args(argc, argv, serve_usage, 1, 0, &a);
    if (rc == 0) {
        host_run_options opt = {
            .extra_plugin_dirs = a.paths,
            .n_extra_plugin_dirs = a.n_paths,
        };
        host_agent_signals(1);
        host_agent *agent = host_agent_open_services(a.config, &opt);
        if (agent) {
            rc = host_agent_serve(agent);
            host_agent_close(agent);
        } else {
            rc = 1;
        }
        host_agent_signals(0);
    }
    free(a.paths);
    free(a.configs);
    return parse_exit(rc);
}

/* ------------------------------------------------------------ help */

/* The general usage, then the plugin commands found on the plugin path. */
static int cmd_help(void)
{
    fputs(usage_text, stdout);
    host_plugin_path search;
    host_plugin_path_init(&search, NULL, 0);
    printf("\nplugin commands found on the plugin path:\n");
    if (host_plugin_command_list(&search, stdout) == 0)
        printf("  (none)\n");
    host_plugin_path_free(&search);
    return 0;
}

/* `perpd NAME ARGS...` for a plugin NAME with a command. */
static int cmd_plugin(int argc, char **argv)
{
    host_plugin_path search;
    host_plugin_path_init(&search, NULL, 0);
    int rc = 0;
    host_command_result r =
        host_plugin_command_run(&search, argv[0], argc, argv, &rc);
    host_plugin_path_free(&search);
    if (r == HOST_COMMAND_NOT_FOUND)
        return usage_error(usage_text,
                           "unknown command '%s' (neither a perpd command "
                           "nor a plugin on the plugin path)",
                           argv[0]);
    return rc;
}

/* ------------------------------------------------- migrate / metrics */

/* `perpd migrate ...` and `perpd metrics ...` are `perpd postgres migrate
 * ...` and `perpd postgres metrics ...`: the postgres sink's own tools,
 * named at the top level since every database user needs them; the host
 * stays free of libpq. argv[0] is "migrate" or "metrics". */
static int cmd_postgres_tool(int argc, char **argv)
{
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        fprintf(stderr, "perpd: out of memory\n");
        return 1;
    }
    args[0] = "postgres";
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    host_plugin_path search;
    host_plugin_path_init(&search, NULL, 0);
    int rc = 1;
    if (host_plugin_command_run(&search, "postgres", argc + 1, args, &rc) ==
        HOST_COMMAND_NOT_FOUND) {
        fprintf(stderr,
                "perpd %s: the postgres sink plugin (postgres.so) is not on "
                "the plugin path\n",
                argv[0]);
        rc = 1;
    }
    host_plugin_path_free(&search);
    free(args);
    return rc;
}

int main(int argc, char **argv)
{
    host_crash_report_install();
    /* A foreign plugin that crashes in create() must not take perpd;
     * PERP_PLUGIN_TRIAL=0 for one whose create() must not run twice. */
    const char *trial = getenv("PERP_PLUGIN_TRIAL");
    host_plugin_probe_enable(!trial || strcmp(trial, "0") != 0);
    if (argc < 2)
        return usage_error(usage_text, NULL, NULL);
    const char *cmd = argv[1];
    if (is_help(cmd) || strcmp(cmd, "help") == 0)
        return cmd_help();
    if (strcmp(cmd, "--version") == 0) {
        printf("perpd %s (plugin ABI %d.%d)\n", PERP_VERSION, PERP_ABI_MAJOR,
               PERP_ABI_MINOR);
        return 0;
    }
    if (strcmp(cmd, "plugins") == 0)
        return cmd_plugins(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "backtest") == 0)
        return host_backtest_main(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "history") == 0)
        return host_history_main(argc - 1, argv + 1);
    if (strcmp(cmd, "migrate") == 0 || strcmp(cmd, "metrics") == 0)
        return cmd_postgres_tool(argc - 1, argv + 1);
    if (strcmp(cmd, "init") == 0)
        return host_user_dir_main(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return usage_error(usage_text, "unknown option '%s'", cmd);
    return cmd_plugin(argc - 1, argv + 1);
}
