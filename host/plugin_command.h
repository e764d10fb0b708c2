/*
 * plugin_command.h — `perpd <plugin> ARGS...`: runs a plugin's own tool
 * (the descriptor's `command`, ABI 1.2), so venue-specific commands live
 * in their plugin and the host stays free of them. Also lists the plugin
 * commands found, for `perpd --help`.
 */
#ifndef HOST_PLUGIN_COMMAND_H
#define HOST_PLUGIN_COMMAND_H

#include <stdio.h>

#include "plugin_loader.h"

/* What host_plugin_command_run did. */
typedef enum host_command_result {
    HOST_COMMAND_RAN = 0,      /* *exit_code holds the command's status */
    HOST_COMMAND_NOT_FOUND = 1 /* no plugin of that name on the path */
} host_command_result;

/* Finds plugin `name` on `path` and runs its command with argv[0] = name.
 * `perpd NAME --help` (or -h) prints the plugin's command_usage to stdout
 * when it has one, without calling it. A plugin that exists but has no
 * command, or is refused by the loader, is said on stderr with exit code
 * 2 or 1. The plugin gets a host table without an agent: no symbols,
 * records dropped, the wall clock. */
host_command_result host_plugin_command_run(const host_plugin_path *path,
                                            const char *name, int argc,
                                            char **argv, int *exit_code);

/* Writes one line per subcommand of every plugin on `path` that has a
 * command ("  perpd NAME LINE"), first directory winning for a name.
 * Returns how many plugins had one. */
size_t host_plugin_command_list(const host_plugin_path *path, FILE *out);

#endif
