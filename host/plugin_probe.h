/*
 * plugin_probe.h — a plugin from outside perpd's own folders is created
 * once in a child process before perpd creates it for real, so one that
 * crashes in create() takes down the child, not perpd: perpd names it,
 * refuses to load it and ends as any refused configuration does (exit
 * 1, nothing written), instead of dying with it.
 *
 * perpd's own plugins (the folders next to the binary and the install
 * folder) are not tried: they are built and tested with it, and a second
 * create() costs a fork and, for some, a connection. Trying is off until
 * the program turns it on (perpd's main does; unit tests do not).
 */
#ifndef HOST_PLUGIN_PROBE_H
#define HOST_PLUGIN_PROBE_H

#include <stddef.h>

#include <perp/sdk.h>

/* Turns trying on (1) or off (0) for the process. */
void host_plugin_probe_enable(int on);
/* 1 when trying is on and so_path is not in perpd's own folders. */
int host_plugin_probe_wanted(const char *so_path);
/* Creates d in a child with node (filled as for the real call; stdout
 * and stderr of the child go nowhere: the real call says the same).
 * PERP_OK when the child's create() returned, whatever it returned (the
 * real call then says why), and when the trial could not be made or
 * did not end within 10 s (a warning said; the plugin is then created in
 * perpd untried); PERP_ERR with why ("crashed in create(): Segmentation
 * fault (signal 11)") when the child died. */
int host_plugin_probe(const perp_plugin_descriptor *d, const perp_host *h,
                      const perp_config_node *node, char *why, size_t len);

#endif
