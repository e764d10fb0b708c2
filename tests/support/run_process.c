/*
 * run_process.c — see run_process.h. Output goes through an unlinked
 * temporary file rather than a pipe, so a chatty child can never block.
 */
#include "build_dir.h"
#include "run_process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp(FILE *f)
{
    long len = ftell(f);
    char *text = calloc(1, len > 0 ? (size_t)len + 1 : 1);
    if (!text)
        return NULL;
    rewind(f);
    if (len > 0 && fread(text, 1, (size_t)len, f) != (size_t)len)
        text[0] = '\0';
    return text;
}

/* argv to completion; its stderr, and its stdout when with_stdout, into
 * *output. */
static int run_captured(char *const argv[], int with_stdout, char **output)
{
    *output = NULL;
    FILE *out = tmpfile();
    if (!out) {
        *output = calloc(1, 1);
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        if (with_stdout)
            dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(out), STDERR_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    int rc = -1;
    if (pid > 0 && waitpid(pid, &status, 0) == pid) {
        if (WIFEXITED(status))
            rc = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            rc = 128 + WTERMSIG(status);
    }
    fseek(out, 0, SEEK_END);
    *output = slurp(out);
    fclose(out);
    if (!*output)
        *output = calloc(1, 1);
    return rc;
}

int run_process(char *const argv[], char **output)
{
    return run_captured(argv, 1, output);
}

int perpd_run(const char *cmd, const char *config, perpd_output what,
              char **output)
{
    char *perpd = perpd_path();
    if (!perpd) {
        *output = calloc(1, 1);
        return -1;
    }
    char *argv[] = {perpd, (char *)cmd, (char *)config, NULL};
    int rc = run_captured(argv, what == PERPD_STDOUT_STDERR, output);
    free(perpd);
    return rc;
}

char *perpd_path(void)
{
    char *p = NULL;
    if (asprintf(&p, "%s/bin/perpd", test_build_dir()) < 0)
        return NULL;
    return p;
}
