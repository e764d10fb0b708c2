/*
 * stderr_capture.h — redirects fd 2 into a temporary file so a test can
 * assert on what the host logged. Not reentrant: one capture at a time.
 */
#ifndef TESTS_STDERR_CAPTURE_H
#define TESTS_STDERR_CAPTURE_H

void stderr_capture_begin(void);
/* Restores stderr; returns everything written meanwhile (malloc'd, caller
 * frees; never NULL). */
char *stderr_capture_end(void);

#endif
