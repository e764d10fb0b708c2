/*
 * arena.h — a bump allocator for data that lives and dies together (one
 * observation snapshot and everything it points to).
 */
#ifndef HOST_ARENA_H
#define HOST_ARENA_H

#include <stddef.h>

typedef struct host_arena_block host_arena_block;
typedef struct host_arena {
    host_arena_block *head; /* owned chain of blocks */
    int failed;             /* an allocation failed */
} host_arena;

void host_arena_init(host_arena *a);
void host_arena_free(host_arena *a);
/* Zeroed, aligned for any type; NULL (and a->failed set) on failure. */
void *host_arena_alloc(host_arena *a, size_t size);
/* NULL in gives NULL out. */
char *host_arena_strdup(host_arena *a, const char *s);

#endif
