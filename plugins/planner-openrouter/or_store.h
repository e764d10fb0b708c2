/*
 * or_store.h — request hashes, and the record/replay file: one JSON line
 * {"request_hash": hex, "response": raw body} per answered request.
 */
#ifndef OR_STORE_H
#define OR_STORE_H

#include <stddef.h>

#define OR_HASH_HEX 65 /* sha256 in hex, NUL included */

/* hex sha256 of body into out[OR_HASH_HEX]. */
void or_hash(const char *body, char out[OR_HASH_HEX]);

typedef struct or_store or_store;

/* Loads a replay file. NULL with err set if it cannot be read or a line
 * is malformed ("FILE:LINE: ..."). */
or_store *or_store_load(const char *path, char *err, size_t err_len);
void or_store_free(or_store *s);

/* The next response recorded for hash (in recorded order; the last one
 * again once all were used), or NULL. Borrowed until or_store_free. */
const char *or_store_find(or_store *s, const char *hash);

/* Appends one line; 0 or -1 with err set. */
int or_store_append(const char *path, const char *hash, const char *response,
                    char *err, size_t err_len);

#endif
