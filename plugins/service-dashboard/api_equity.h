/*
 * api_equity.h — /api/equity-curve: a version's equity snapshots in
 * [from, to), down-sampled in C from one index scan. Over a range of more
 * than `points` snapshots, (points - 2) / 2 buckets of equal time each keep
 * their lowest and their highest snapshot, and the range's first and last
 * snapshots are always kept, so no spike is lost and the last point is the
 * account's last equity. Each point carries the drawdown from the
 * version's running peak (from its first snapshot, not the range's).
 */
#ifndef DASH_API_EQUITY_H
#define DASH_API_EQUITY_H

#include <stdint.h>

#include "db_pool.h"

/* {"version", "count", "points": [[ts, equity, drawdown_pct], ...]} into
 * *out (malloc'd). */
db_status api_equity_json(db_pool *pool, int version_id, const char *tag,
                          int64_t from, int64_t to, int64_t points, char **out);

#endif
