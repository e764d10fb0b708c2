/*
 * jl_file.c — the JSONL sink's file: lines written whole, held while the
 * disk is full (jl_file.h says why).
 */
#include "jl_file.h"

#include <perp/file.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* While the file fails, a write is tried at most this often: each try
 * may write megabytes of held lines only to cut them off again. */
#define RETRY_MS 1000

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int jl_file_open(jl_file *f, const char *path, size_t hold_max, char *err,
                 size_t err_len)
{
    memset(f, 0, sizeof *f);
    f->fd = perp_file_open_append(path, err, err_len);
    if (f->fd < 0)
        return -1;
    struct stat st;
    if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        f->regular = 1;
        f->good_end = st.st_size;
    }
    f->hold_max = hold_max;
    return 0;
}

static void forget_pending(jl_file *f)
{
    f->off = f->len = f->torn = 0;
    f->pend_n = 0;
}

/* Room for n more bytes; what is written for good is reclaimed first
 * (a torn line's start is kept: it may have to be written again). */
static int reserve(jl_file *f, size_t n)
{
    size_t start = f->off - f->torn;
    if (f->len + n <= f->cap)
        return 1;
    if (start > 0) {
        memmove(f->pend, f->pend + start, f->len - start);
        f->len -= start;
        f->off -= start;
        if (f->len + n <= f->cap)
            return 1;
    }
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < f->len + n)
        cap *= 2;
    char *p = realloc(f->pend, cap);
    if (!p)
        return 0;
    f->pend = p;
    f->cap = cap;
    return 1;
}

/* n more bytes reached the file: the lines they end are written for
 * good, what follows the last newline is a line's start (torn). */
static void advance(jl_file *f, size_t n)
{
    const char *p = f->pend + f->off;
    size_t whole = n;
    while (whole > 0 && p[whole - 1] != '\n')
        whole--;
    for (const char *q = p, *e = p + whole;
         (q = memchr(q, '\n', (size_t)(e - q))); q++)
        f->pend_n--;
    if (whole > 0) {
        f->good_end += (off_t)(f->torn + whole);
        f->torn = 0;
    }
    f->torn += n - whole;
    f->off += n;
}

/* The file took no more, for reason e: a torn line is cut off the file
 * (so it is written whole later), and the lines wait (a regular file)
 * or are dropped. If the cut fails the torn start stays, and so does
 * off: the rest of that line, written later, completes it. */
static jl_outcome failed(jl_file *f, int e)
{
    if (f->torn && f->regular && ftruncate(f->fd, f->good_end) == 0) {
        f->off -= f->torn;
        f->torn = 0;
    }
    f->err = e ? e : EIO;
    if (!f->regular) {
        f->lost += (uint64_t)f->pend_n;
        forget_pending(f);
        return JL_LOST;
    }
    f->next_try_ms = now_ms() + RETRY_MS;
    return JL_HELD;
}

jl_outcome jl_file_drain(jl_file *f)
{
    while (f->off < f->len) {
        ssize_t w = write(f->fd, f->pend + f->off, f->len - f->off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return failed(f, w < 0 ? errno : 0);
        advance(f, (size_t)w);
    }
    forget_pending(f);
    f->err = 0;
    return JL_WRITTEN;
}

jl_outcome jl_file_put(jl_file *f, const char *text, size_t len, int drain)
{
    size_t nl = len == 0 || text[len - 1] != '\n';
    int over = f->err && f->len - f->off + len + nl > f->hold_max;
    if (over || !reserve(f, len + nl)) {
        f->lost++;
        return JL_LOST;
    }
    memcpy(f->pend + f->len, text, len);
    f->len += len;
    if (nl)
        f->pend[f->len++] = '\n';
    f->pend_n++;
    if (f->err && now_ms() < f->next_try_ms)
        return JL_HELD;
    if (!f->err && !drain) {
        return JL_PENDING;
    }
    return jl_file_drain(f);
}

int jl_file_close(jl_file *f)
{
    if (f->off < f->len)
        jl_file_drain(f);
    f->lost += (uint64_t)f->pend_n;
    free(f->pend);
    f->pend = NULL;
    f->cap = 0;
    forget_pending(f);
    int rc = close(f->fd);
    f->fd = -1;
    return rc;
}
