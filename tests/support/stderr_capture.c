/*
 * stderr_capture.c — see stderr_capture.h. The capture goes to an
 * unlinked temporary file, so nothing is left behind when a test dies.
 */
#include "stderr_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int saved_fd = -1;
static FILE *sink;

void stderr_capture_begin(void)
{
    fflush(stderr);
    sink = tmpfile();
    if (!sink)
        return;
    saved_fd = dup(STDERR_FILENO);
    dup2(fileno(sink), STDERR_FILENO);
}

char *stderr_capture_end(void)
{
    fflush(stderr);
    char *text = NULL;
    if (sink && saved_fd >= 0) {
        dup2(saved_fd, STDERR_FILENO);
        close(saved_fd);
        saved_fd = -1;
        long len = ftell(sink);
        text = calloc(1, len > 0 ? (size_t)len + 1 : 1);
        rewind(sink);
        if (text && len > 0 && fread(text, 1, (size_t)len, sink) != (size_t)len)
            text[0] = '\0';
        fclose(sink);
        sink = NULL;
    }
    return text ? text : calloc(1, 1);
}
