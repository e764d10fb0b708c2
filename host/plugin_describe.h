/*
 * plugin_describe.h — `perpd plugins --describe NAME`: what a plugin is
 * (kind, version, ABI, description), the keys of its config map (type,
 * default, range or choices, description), its command, and for an
 * indicator its outputs and lookback with the default configuration. As
 * text for a terminal, or as the Markdown of docs/plugins.md.
 */
#ifndef HOST_PLUGIN_DESCRIBE_H
#define HOST_PLUGIN_DESCRIBE_H

#include <stdio.h>

#include "plugin_loader.h"

typedef enum host_describe_format {
    HOST_DESCRIBE_TEXT = 0,
    HOST_DESCRIBE_MARKDOWN = 1
} host_describe_format;

/* Writes pl's description to out. An indicator is created once with its
 * defaults (through the host's config map path) to ask its outputs and
 * lookback; a failure there is said in the description. */
void host_plugin_describe(const host_plugin *pl, host_describe_format fmt,
                          FILE *out);

/* The heading of docs/plugins.md (Markdown), before the plugins. */
void host_plugin_describe_heading(FILE *out);

/* Describes plugin `name` from the first folder of p holding it: 0, or 1
 * after saying on stderr why not (none, or refused by the loader). */
int host_plugin_describe_name(const host_plugin_path *p, const char *name,
                              host_describe_format fmt, FILE *out);

/* Describes every plugin in p's folders (the first of each name), feeds
 * first (the kinds' order), then by name: 0, or 1 when there is none. */
int host_plugin_describe_every(const host_plugin_path *p,
                               host_describe_format fmt, FILE *out);

#endif
