/*
 * history.h — `perpd history download`: candles through a feed's backfill
 * (ABI 1.2; default feed coinbase) into the replay feed's CSV format.
 * The venue's protocol lives in the feed; this command only asks it,
 * drops what the replay feed would refuse (perp/candle_check.h) and
 * writes each file atomically.
 */
#ifndef HOST_HISTORY_H
#define HOST_HISTORY_H

/* `perpd history download --symbols A,B --granularity G --from ISO --to
 * ISO --out DIR [--feed NAME] [--url BASE] [--path DIR]...`; argv[0] is
 * "history". Returns the exit code: 0, 1 (failed), 2 (usage), 130
 * (stopped by SIGINT/SIGTERM). */
int host_history_main(int argc, char **argv);

#endif
