/*
 * arena.c — chained blocks, freed at once.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 65536

struct host_arena_block {
    host_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

void host_arena_init(host_arena *a)
{
    a->head = NULL;
    a->failed = 0;
}

void host_arena_free(host_arena *a)
{
    host_arena_block *b = a->head;
    while (b) {
        host_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

void *host_arena_alloc(host_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    /* Rounding up, then adding the block header, must not wrap. */
    if (size > SIZE_MAX - sizeof(host_arena_block) - align) {
        a->failed = 1;
        return NULL;
    }
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    host_arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b) {
            a->failed = 1;
            return NULL;
        }
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *host_arena_strdup(host_arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = host_arena_alloc(a, n);
    if (d)
        memcpy(d, s, n);
    return d;
}
