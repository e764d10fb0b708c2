/*
 * build_dir.h — where the build under test is: $PERP_BUILD_DIR (set by
 * tests/run.sh to build or build/san), else "build".
 */
#ifndef TESTS_BUILD_DIR_H
#define TESTS_BUILD_DIR_H

/* Absolute when the folder exists, as resolved at the first call (a
 * static buffer; else the environment's or a literal text); never NULL. */
const char *test_build_dir(void);

#endif
