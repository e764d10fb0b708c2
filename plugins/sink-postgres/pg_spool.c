/*
 * pg_spool.c — spool file frames.
 */
#include "pg_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC     0x31534750u /* "PGS1" little-endian */
#define FRAME_MAX (1u << 30)

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

/* CRC-32 (IEEE 802.3, zlib's), to tell a whole frame from a torn one. */
uint32_t pg_crc32(const void *p, size_t n)
{
    pthread_once(&crc_once, crc_init);
    const unsigned char *b = p;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ b[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

int pg_spool_init(pg_spool *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->path = strdup(path);
    return s->path ? 0 : -1;
}

void pg_spool_close(pg_spool *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->path);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

static int fail(char *err, size_t len, const char *what, const char *path)
{
    snprintf(err, len, "spool %s: %s: %s", path, what, strerror(errno));
    return -1;
}

/* mkdir -p of the file's folder, and fsync of that folder once the file
 * is created, so the new entry itself survives a crash. */
static int make_parents(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int rc = 0;
    for (char *p = copy + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST)
            rc = -1;
        *p = '/';
    }
    free(copy);
    return rc;
}

static void sync_folder(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

static int open_append(pg_spool *s, char *err, size_t len)
{
    if (s->fd >= 0)
        return 0;
    if (make_parents(s->path) != 0)
        return fail(err, len, "cannot create its folder", s->path);
    s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (s->fd < 0)
        return fail(err, len, "cannot open", s->path);
    sync_folder(s->path);
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int pg_spool_append(pg_spool *s, pg_unit *const *units, size_t n, char *err,
                    size_t len)
{
    if (open_append(s, err, len) != 0)
        return -1;
    pg_buf frames = {0};
    uint64_t records = 0;
    for (size_t i = 0; i < n; i++) {
        pg_buf payload = {0};
        pg_unit_serialize(units[i], &payload);
        pg_buf_put_u32(&frames, MAGIC);
        pg_buf_put_u32(&frames, (uint32_t)payload.len);
        pg_buf_put_u32(&frames, pg_crc32(payload.p, payload.len));
        pg_buf_put(&frames, payload.p, payload.len);
        frames.failed |= payload.failed;
        pg_buf_free(&payload);
        records += (uint64_t)units[i]->n_records;
    }
    int rc = 0;
    /* A write cut short (a full disk, a file size limit) is taken back,
     * so the file stays whole frames and later appends stay readable. */
    off_t end = lseek(s->fd, 0, SEEK_END);
    if (frames.failed) {
        errno = ENOMEM;
        rc = fail(err, len, "cannot encode", s->path);
    } else if (write_all(s->fd, frames.p, frames.len) != 0) {
        rc = fail(err, len, "write failed", s->path);
        if (end >= 0 && ftruncate(s->fd, end) != 0)
            snprintf(err + strlen(err), len - strlen(err),
                     "; and it cannot be cut back to its last whole frame");
    } else if (fsync(s->fd) != 0) {
        rc = fail(err, len, "fsync failed", s->path);
    } else {
        s->units += n;
        s->records += records;
    }
    pg_buf_free(&frames);
    return rc;
}

int pg_spool_read_begin(const pg_spool *s, pg_spool_reader *r, char *err,
                        size_t len)
{
    memset(r, 0, sizeof *r);
    r->f = fopen(s->path, "rb");
    if (!r->f && errno != ENOENT)
        return fail(err, len, "cannot read", s->path);
    return 0;
}

static int read_u32(FILE *f, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4)
        return -1;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
    return 0;
}

/* The file's size minus the offset reached: what a torn tail holds. */
static void note_tail(pg_spool_reader *r)
{
    if (fseek(r->f, 0, SEEK_END) == 0) {
        long end = ftell(r->f);
        if (end > 0 && (uint64_t)end > r->offset)
            r->torn = (uint64_t)end - r->offset;
    }
}

pg_unit *pg_spool_read_next(pg_spool_reader *r)
{
    if (!r->f)
        return NULL;
    uint32_t magic, n, crc;
    if (read_u32(r->f, &magic) != 0 || read_u32(r->f, &n) != 0 ||
        read_u32(r->f, &crc) != 0 || magic != MAGIC || n > FRAME_MAX) {
        note_tail(r);
        return NULL;
    }
    unsigned char *p = malloc(n ? n : 1);
    pg_unit *u = NULL;
    if (p && fread(p, 1, n, r->f) == n && pg_crc32(p, n) == crc)
        u = pg_unit_deserialize(p, n);
    free(p);
    if (!u) {
        note_tail(r);
        return NULL;
    }
    r->offset += 12 + (uint64_t)n;
    return u;
}

void pg_spool_read_end(pg_spool_reader *r)
{
    if (r->f)
        fclose(r->f);
    r->f = NULL;
}

int pg_spool_count(pg_spool *s, char *err, size_t len)
{
    pg_spool_reader r;
    if (pg_spool_read_begin(s, &r, err, len) != 0)
        return -1;
    s->units = s->records = 0;
    pg_unit *u;
    while ((u = pg_spool_read_next(&r)) != NULL) {
        s->units++;
        s->records += (uint64_t)u->n_records;
        pg_unit_free(u);
    }
    pg_spool_read_end(&r);
    return 0;
}

int pg_spool_clear(pg_spool *s, char *err, size_t len)
{
    int fd = s->fd >= 0 ? s->fd : open(s->path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            s->units = s->records = 0;
            return 0;
        }
        return fail(err, len, "cannot open", s->path);
    }
    int rc = 0;
    if (ftruncate(fd, 0) != 0 || fsync(fd) != 0)
        rc = fail(err, len, "cannot empty", s->path);
    if (fd != s->fd)
        close(fd);
    if (rc == 0)
        s->units = s->records = 0;
    return rc;
}
