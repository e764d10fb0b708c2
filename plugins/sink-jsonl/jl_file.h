/*
 * jl_file.h — the JSONL sink's file: whole lines appended, and held in
 * memory while the file cannot take them.
 *
 * A disk fills and frees again; a sink that dropped what it could not
 * write would leave a hole in the record for good. So on a regular file
 * a failed write keeps its lines, in order, in memory (up to hold_max
 * bytes) and the file is cut back to its last whole line, so a reader
 * never meets a torn one; later writes try again and, once the disk has
 * room, the held lines go out first. Only past hold_max, or when the
 * sink closes with the disk still full, are records lost (counted).
 * Anything but a regular file (/dev/full, a FIFO) does not heal by
 * freeing space: there a failure loses the lines at once, as before.
 *
 * Ownership: a jl_file owns its descriptor and its buffer; the caller
 * serialises calls (the sink's mutex).
 */
#ifndef JL_FILE_H
#define JL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct jl_file {
    int fd;
    int regular;    /* 1: failures are held and retried */
    off_t good_end; /* the file's size after its last whole line */
    char *pend;     /* lines not written yet: pend[off, len) */
    size_t off, len, cap;
    size_t torn;         /* pend[off - torn, off): a line's start, written */
    int64_t pend_n;      /* records in pend */
    size_t hold_max;     /* bytes pend may grow to while the file fails */
    int64_t next_try_ms; /* while failing, no write before this */
    int err;             /* errno of the failure under way, 0 when writing */
    uint64_t lost;       /* records dropped for good */
} jl_file;

/* What a put or a drain did, for the sink's log lines. */
typedef enum {
    JL_WRITTEN, /* the file has every line so far */
    JL_PENDING, /* buffered below flush_every, nothing tried */
    JL_HELD,    /* the file failed (err says why); the lines wait */
    JL_LOST,    /* the file failed and lines were dropped */
} jl_outcome;

/* Opens path for appending (perp_file_open_append's rules). 0, or -1
 * with err filled. */
int jl_file_open(jl_file *f, const char *path, size_t hold_max, char *err,
                 size_t err_len);
/* Appends one record's line (text, plus '\n' unless it ends with one);
 * writes the buffer when drain is set. */
jl_outcome jl_file_put(jl_file *f, const char *text, size_t len, int drain);
/* Writes every buffered line now, whatever the retry pacing. */
jl_outcome jl_file_drain(jl_file *f);
/* Closes the file after a last drain; the records still held are then
 * lost (added to f->lost). 0, or -1 when close failed (errno). */
int jl_file_close(jl_file *f);

#endif
