/*
 * iso_time.h — ISO 8601 dates for the replay's from/to bounds.
 */
#ifndef RP_ISO_TIME_H
#define RP_ISO_TIME_H

#include <stdint.h>

/* "2023-04-01", "2023-04-01T21:03[:00[.000]]" with "Z" or "+HH:MM" (no
 * zone: UTC). Unix seconds into *out; 0, or -1 if malformed. Integer
 * arithmetic only: no dependence on the process's time zone. */
int rp_parse_iso8601(const char *s, int64_t *out);

#endif
