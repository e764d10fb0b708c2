/*
 * perp/file.h — opening and reading the files a pipeline names (a CSV, a
 * script, a cassette, a prompt, the YAML itself), for the host and for
 * plugins alike. Header only: plugins cannot call host code, and every
 * reader should refuse the same things the same way.
 *
 * What goes wrong with a plain fopen/getline, and what these do instead:
 *   - a FIFO blocks open() until a writer comes; /dev/zero is an endless
 *     line that getline grows until memory runs out; /dev/urandom and a
 *     /proc file report size 0 and read as "empty"; a directory opens and
 *     reads as nothing. Here anything but a regular file is refused, by
 *     name, before it is read: stat() first (so a device is never even
 *     opened), then open with O_NONBLOCK and fstat() the descriptor (so a
 *     file swapped for a FIFO in between cannot block either).
 *   - a read error looks like end of file to fgets/getline loops. Here it
 *     is an error with errno's text.
 *   - a line has no length limit. Here the caller gives one, and a longer
 *     line is an error naming the limit.
 * Every message starts with the path, quoted and shortened in the middle
 * when long (perp/quote.h), so the reason always stays on the line.
 *
 * Reading: perp_file_open (a descriptor), perp_file_fopen (a stream),
 * perp_file_read_all / perp_file_read_fd (the whole file, with a size
 * limit), perp_file_getline (one line, with a length limit). Writing:
 * perp_file_open_append (records, cassettes: a device or a FIFO with a
 * reader is allowed, a FIFO without one refused, never blocking).
 *
 * POSIX.1-2008 (compile with _GNU_SOURCE or _POSIX_C_SOURCE >= 200809L).
 * On Linux, files of the /proc and /sys pseudo-filesystems are refused
 * too: they claim to be regular files of size 0.
 */
#ifndef PERP_FILE_H
#define PERP_FILE_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error                                                                         \
    "perp/file.h needs POSIX.1-2008: compile with -D_POSIX_C_SOURCE=200809L or -D_GNU_SOURCE"
#endif

#include "quote.h"

/* Status of perp_file_getline. */
enum {
    PERP_LINE_EOF = 0,       /* no more lines */
    PERP_LINE_OK = 1,        /* *buf holds one line */
    PERP_LINE_ERROR = -1,    /* read error; errno says which */
    PERP_LINE_TOO_LONG = -2, /* longer than the caller's limit */
};

/* What a non-regular file is, for the message; NULL for a regular one. */
static inline const char *perp_file_kind_(const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        return NULL;
    if (S_ISDIR(st->st_mode))
        return "a directory";
    if (S_ISFIFO(st->st_mode))
        return "a FIFO";
    if (S_ISCHR(st->st_mode))
        return "a character device";
    if (S_ISBLK(st->st_mode))
        return "a block device";
    if (S_ISSOCK(st->st_mode))
        return "a socket";
    return "not a file";
}

/* 1 if fd lives on /proc or /sys, whose files lie about their size. */
static inline int perp_file_pseudo_(int fd)
{
#ifdef __linux__
    struct statfs fs;
    if (fstatfs(fd, &fs) == 0 &&
        ((unsigned long)fs.f_type == 0x9fa0ul ||    /* PROC_SUPER_MAGIC */
         (unsigned long)fs.f_type == 0x62656572ul)) /* SYSFS_MAGIC */
        return 1;
#else
    (void)fd;
#endif
    return 0;
}

/* "what (detail)" into buf. */
static inline void perp_file_why_(char *buf, size_t len, const char *what,
                                  const char *detail)
{
    if (buf && len)
        snprintf(buf, len, "%s%s%s%s", what, detail ? " (" : "",
                 detail ? detail : "", detail ? ")" : "");
}

/* "'path': what (detail)" into err. */
static inline void perp_file_err_(char *err, size_t err_len, const char *path,
                                  const char *what, const char *detail)
{
    char q[PERP_QUOTE_LEN], why[160];
    perp_file_why_(why, sizeof why, what, detail);
    if (err && err_len)
        snprintf(err, err_len, "%s: %s", perp_quote(path, q, sizeof q), why);
}

/* perp_file_open with only the reason in why ("No such file or
 * directory", "not a regular file (a FIFO)"), for a caller that names the
 * file itself. */
static inline int perp_file_open_why(const char *path, char *why,
                                     size_t why_len)
{
    struct stat st;
    if (!path || !*path) {
        perp_file_why_(why, why_len, "empty path", NULL);
        return -1;
    }
    if (stat(path, &st) != 0) {
        perp_file_why_(why, why_len, strerror(errno), NULL);
        return -1;
    }
    if (perp_file_kind_(&st)) {
        perp_file_why_(why, why_len, "not a regular file",
                       perp_file_kind_(&st));
        return -1;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        perp_file_why_(why, why_len, strerror(errno), NULL);
        return -1;
    }
    const char *kind = NULL;
    if (fstat(fd, &st) != 0)
        kind = "cannot stat it";
    else if ((kind = perp_file_kind_(&st)) == NULL && perp_file_pseudo_(fd))
        kind = "a /proc or /sys pseudo-file";
    int flags = kind ? -1 : fcntl(fd, F_GETFL);
    if (kind || flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        perp_file_why_(why, why_len, "not a regular file",
                       kind ? kind : strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Opens path read-only (close-on-exec, blocking reads). Returns the
 * descriptor, or -1 with err set, e.g.
 *   'd/x.csv': No such file or directory
 *   '/tmp': not a regular file (a directory)
 *   'cycle': Too many levels of symbolic links
 * Never blocks and never opens a device. The caller closes the fd. */
static inline int perp_file_open(const char *path, char *err, size_t err_len)
{
    char why[160];
    int fd = perp_file_open_why(path, why, sizeof why);
    if (fd < 0 && err && err_len) {
        char q[PERP_QUOTE_LEN];
        snprintf(err, err_len, "%s: %s", perp_quote(path, q, sizeof q), why);
    }
    return fd;
}

/* Opens path for appending (created 0644 if missing; close-on-exec),
 * for record and cassette files. A device or a FIFO is allowed (records
 * piped to /dev/stdout or a reader), but open never blocks: a FIFO with
 * no reader is refused ("a FIFO with no reader") instead of waiting for
 * one. A directory is refused. Returns the fd (blocking writes), or -1
 * with err "'path': why". */
static inline int perp_file_open_append(const char *path, char *err,
                                        size_t err_len)
{
    if (!path || !*path) {
        perp_file_err_(err, err_len, path, "empty path", NULL);
        return -1;
    }
    int fd = open(
        path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
        0644);
    if (fd < 0) {
        perp_file_err_(
            err, err_len, path,
            errno == ENXIO ? "a FIFO with no reader" : strerror(errno), NULL);
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        perp_file_err_(err, err_len, path, strerror(errno), NULL);
        close(fd);
        return -1;
    }
    return fd;
}

/* perp_file_open as a stdio stream for reading ("r"); NULL with err. */
static inline FILE *perp_file_fopen(const char *path, char *err, size_t err_len)
{
    int fd = perp_file_open(path, err, err_len);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        perp_file_err_(err, err_len, path, strerror(errno), NULL);
        close(fd);
    }
    return f;
}

/* Reads what is left of fd (from perp_file_open) into *out (malloc'd,
 * NUL-terminated; the caller frees) and its length into *len; path names
 * it in errors. Reads to the end of the file, whatever its size said. A
 * file over max_bytes is refused rather than cut. 0, or -1 with err set
 * (nothing allocated). The caller still closes fd. */
static inline int perp_file_read_fd(int fd, const char *path, size_t max_bytes,
                                    char **out, size_t *len, char *err,
                                    size_t err_len)
{
    *out = NULL;
    *len = 0;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap + 1);
    int rc = buf ? 0 : -1;
    if (!buf)
        perp_file_err_(err, err_len, path, "out of memory", NULL);
    while (rc == 0) {
        if (n == cap) {
            size_t grown = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            char *nb = grown > cap ? (char *)realloc(buf, grown + 1) : NULL;
            if (!nb) {
                perp_file_err_(err, err_len, path, "out of memory", NULL);
                rc = -1;
                break;
            }
            buf = nb;
            cap = grown;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            perp_file_err_(err, err_len, path, "read error", strerror(errno));
            rc = -1;
        } else if (r == 0) {
            break;
        } else if ((n += (size_t)r) > max_bytes) {
            char lim[48];
            snprintf(lim, sizeof lim, "over the %zu-byte limit", max_bytes);
            perp_file_err_(err, err_len, path, "too large", lim);
            rc = -1;
        }
    }
    if (rc != 0) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* perp_file_open and perp_file_read_fd in one: the whole file at path. */
static inline int perp_file_read_all(const char *path, size_t max_bytes,
                                     char **out, size_t *len, char *err,
                                     size_t err_len)
{
    *out = NULL;
    *len = 0;
    int fd = perp_file_open(path, err, err_len);
    if (fd < 0)
        return -1;
    int rc = perp_file_read_fd(fd, path, max_bytes, out, len, err, err_len);
    close(fd);
    return rc;
}

/* Reads one line of at most max bytes (its '\n' and a '\r' before it are
 * dropped) into *buf, grown with realloc (start with *buf = NULL and
 * *cap = 0; the caller frees *buf). *len: the line's length. Returns a
 * PERP_LINE_* status; a last line without '\n' is still a line. */
static inline int perp_file_getline(FILE *f, size_t max, char **buf,
                                    size_t *cap, size_t *len)
{
    size_t n = 0;
    int c = EOF;
    *len = 0;
    errno = 0;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (n == max)
            return PERP_LINE_TOO_LONG;
        if (n + 2 > *cap) {
            size_t grown = *cap ? *cap * 2 : 256;
            char *nb = realloc(*buf, grown);
            if (!nb) {
                errno = ENOMEM;
                return PERP_LINE_ERROR;
            }
            *buf = nb;
            *cap = grown;
        }
        (*buf)[n++] = (char)c;
    }
    if (c == EOF && ferror(f))
        return PERP_LINE_ERROR;
    if (c == EOF && n == 0)
        return PERP_LINE_EOF;
    if (n > 0 && (*buf)[n - 1] == '\r')
        n--;
    if (!*buf) { /* an empty first line: still hand back a string */
        *buf = malloc(1);
        if (!*buf) {
            errno = ENOMEM;
            return PERP_LINE_ERROR;
        }
        *cap = 1;
    }
    (*buf)[n] = '\0';
    *len = n;
    return PERP_LINE_OK;
}

#endif /* PERP_FILE_H */
