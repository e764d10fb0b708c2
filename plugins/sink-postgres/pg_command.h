/*
 * pg_command.h — `perpd postgres ...` (the descriptor's command; `perpd
 * migrate` and `perpd metrics` run it too):
 *   migrate [--database-url URL]        apply pending migrations
 *   metrics [--version TAG] [--database-url URL]
 *                                        a version's newest metrics, or
 *                                        one line per version
 * The URL defaults to $DATABASE_URL; prefer the variable, since a command
 * line is visible to every user of the machine.
 */
#ifndef PG_COMMAND_H
#define PG_COMMAND_H

#include <perp/sdk.h>

#define PG_COMMAND_USAGE                                                       \
    "migrate [--database-url URL]   apply pending schema migrations\n"         \
    "metrics [--version TAG] [--database-url URL]   stored metrics "           \
    "(default URL: $DATABASE_URL)"

int pg_command(const perp_host *host, int argc, char **argv);

#endif
