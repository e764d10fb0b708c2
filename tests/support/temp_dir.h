/*
 * temp_dir.h — scratch directories and files for tests.
 */
#ifndef TESTS_TEMP_DIR_H
#define TESTS_TEMP_DIR_H

/* A fresh directory under $TMPDIR (or /tmp); malloc'd path, never NULL
 * (aborts the test process if the filesystem refuses). */
char *temp_dir_new(void);
/* Writes text to dir/name; returns the malloc'd full path. */
char *temp_dir_write(const char *dir, const char *name, const char *text);
/* rm -r dir (depth-limited: only what a test created). */
void temp_dir_remove(const char *dir);

#endif
