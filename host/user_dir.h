/*
 * user_dir.h — `perpd init DIR`: a user folder to start from, as
 * freqtrade's create-userdir and new-config make one. From the data
 * folder (data_dir.h) it writes DIR/live.yaml (live paper trading) and
 * DIR/replay.yaml (the same over history), both commented, DIR/README.md
 * (what to do next), DIR/prompts/ (copies of the planner's prompts, which
 * the pipelines name) and an empty DIR/data/. It never overwrites: when
 * any of those files exists it names each and writes nothing.
 */
#ifndef HOST_USER_DIR_H
#define HOST_USER_DIR_H

/* argv[0] is "init". Returns the exit code: 0, 1 (nothing or not all
 * written, said on stderr), 2 (usage). */
int host_user_dir_main(int argc, char **argv);

#endif
