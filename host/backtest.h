/*
 * backtest.h — `perpd backtest CONFIG... [--from ISO] [--to ISO]
 * [--data DIR] [--report FILE.html] [--summary FILE.json] [--hash]
 * [-j N] [--allow-llm] [--path DIR]`: each CONFIG's pipeline over a
 * replay of the history folder, as fast as its planner allows; several
 * CONFIGs are an arena on one tape (backtest_run.h). Prints the metrics
 * table, and for several versions the leaderboard and whether the tape
 * can tell each pair apart.
 */
#ifndef HOST_BACKTEST_H
#define HOST_BACKTEST_H

/* argv[0] is "backtest". Returns the process exit code: 0, 1 (the run
 * failed or was refused), 2 (the command line was wrong). */
int host_backtest_main(int argc, char **argv);

#endif
