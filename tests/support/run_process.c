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

static char *slurp_and_close(FILE *f)
{
    char *text = NULL;
    if (f) {
        fseek(f, 0, SEEK_END);
        text = slurp(f);
        fclose(f);
    }
    return text ? text : calloc(1, 1);
}

/* argv to completion with its stdin from in_f (NULL: the test's own),
 * its stdout into out_f (NULL: the test's own) and its stderr into err_f.
 * Returns as run_process. */
static int run_io(char *const argv[], FILE *in_f, FILE *out_f, FILE *err_f)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        if (in_f)
            dup2(fileno(in_f), STDIN_FILENO);
        if (out_f)
            dup2(fileno(out_f), STDOUT_FILENO);
        dup2(fileno(err_f), STDERR_FILENO);
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
    return rc;
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
    int rc = run_io(argv, NULL, with_stdout ? out : NULL, out);
    *output = slurp_and_close(out);
    return rc;
}

int run_process_split(char *const argv[], char **out, char **err)
{
    FILE *o = tmpfile();
    FILE *e = tmpfile();
    int rc = o && e ? run_io(argv, NULL, o, e) : -1;
    *out = slurp_and_close(o);
    *err = slurp_and_close(e);
    return rc;
}

int run_process_input(char *const argv[], const char *input, size_t len,
                      char **out, char **err)
{
    FILE *i = tmpfile();
    FILE *o = tmpfile();
    FILE *e = tmpfile();
    int rc = -1;
    if (i && o && e && fwrite(input, 1, len, i) == len && fflush(i) == 0 &&
        fseek(i, 0, SEEK_SET) == 0)
        rc = run_io(argv, i, o, e);
    if (i)
        fclose(i);
    *out = slurp_and_close(o);
    *err = slurp_and_close(e);
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
