/*
 * file_read.h — a whole file into memory, for tests that read fixtures.
 */
#ifndef TESTS_FILE_READ_H
#define TESTS_FILE_READ_H

#include <stddef.h>

/* The bytes of path plus a terminating NUL (malloc'd, caller frees), their
 * count into *len when len is not NULL. NULL when the file cannot be
 * opened or read whole. */
char *file_read(const char *path, size_t *len);

#endif
