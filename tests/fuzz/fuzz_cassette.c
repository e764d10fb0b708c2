/*
 * fuzz_cassette.c — libFuzzer target for planner-openrouter's cassette,
 * the record file a backtest replays LLM answers from (or_store.c): one
 * JSON line {"request_hash": sha256 hex, "response": raw body} per
 * answered request. The input is the file's bytes, read through its path
 * (a memfd) as the planner reads it.
 *
 * Oracles: a refused file says which line; a file that loads answers a
 * recorded hash with a string, and what or_store_append writes for that
 * answer loads back to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "or_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd_with(const uint8_t *data, size_t size, char *path,
                      size_t path_len)
{
    int fd = memfd_create("cassette.jsonl", 0);
    if (fd < 0)
        return -1;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return -1;
    }
    snprintf(path, path_len, "/proc/self/fd/%d", fd);
    return fd;
}

/* The first 64-hex-digit run of the input, as a hash to look up. */
static int first_hash(const uint8_t *data, size_t size, char out[OR_HASH_HEX])
{
    size_t run = 0;
    for (size_t i = 0; i < size; i++) {
        int hex = (data[i] >= '0' && data[i] <= '9') ||
                  (data[i] >= 'a' && data[i] <= 'f');
        run = hex ? run + 1 : 0;
        if (run == OR_HASH_HEX - 1) {
            memcpy(out, data + i + 1 - run, run);
            out[run] = '\0';
            return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 20)
        return 0;
    char path[64];
    int fd = memfd_with(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    char err[512] = "";
    or_store *s = or_store_load(path, err, sizeof err);
    close(fd);
    if (!s) {
        if (!err[0])
            abort(); /* refused without a reason */
        return 0;
    }
    char hash[OR_HASH_HEX];
    const char *answer = NULL;
    if (first_hash(data, size, hash)) {
        answer = or_store_find(s, hash);
        or_store_find(s, hash); /* again: the next, or the last repeated */
    }
    or_hash("", hash);
    or_store_find(s, hash);

    if (answer) {
        /* Recorded again and read back: the same text. */
        char back[64];
        int wfd = memfd_with(NULL, 0, back, sizeof back);
        if (wfd >= 0) {
            if (or_store_append(back,
                                "0123456789abcdef0123456789abcdef0123456"
                                "789abcdef0123456789abcdef",
                                answer, err, sizeof err) == 0) {
                or_store *again = or_store_load(back, err, sizeof err);
                const char *got =
                    again ? or_store_find(again, "0123456789abcdef01234"
                                                 "56789abcdef0123456789"
                                                 "abcdef0123456789abcde"
                                                 "f")
                          : NULL;
                if (!got || strcmp(got, answer) != 0)
                    abort();
                or_store_free(again);
            }
            close(wfd);
        }
    }
    or_store_free(s);
    return 0;
}
