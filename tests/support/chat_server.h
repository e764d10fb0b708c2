/*
 * chat_server.h — a local OpenAI-compatible chat-completions server for
 * tests (libmicrohttpd, 127.0.0.1, ephemeral port). It answers POST
 * .../chat/completions with scripted replies, in order, repeating the
 * last, and remembers every request (body, Authorization header, arrival
 * time). A reply body may contain "{{auth}}", replaced by the request's
 * Authorization header, to play a server that echoes secrets.
 */
#ifndef TESTS_CHAT_SERVER_H
#define TESTS_CHAT_SERVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct chat_reply {
    int status;              /* HTTP status */
    const char *body;        /* copied */
    const char *retry_after; /* Retry-After header value, or NULL */
    int delay_ms;            /* wait before answering (a hang) */
} chat_reply;

typedef struct chat_server chat_server;

/* NULL if the daemon cannot start. */
chat_server *chat_server_start(void);
/* Stops at once, cutting short any delayed reply. */
void chat_server_stop(chat_server *s);
int chat_server_port(const chat_server *s);
/* "http://127.0.0.1:PORT/v1" into buf. */
void chat_server_base_url(const chat_server *s, char *buf, size_t len);

/* Replaces the script (copied) and forgets past requests. */
void chat_server_script(chat_server *s, const chat_reply *r, size_t n);

/* For long runs (the soak): from now on the script starts over after
 * its last reply instead of repeating it, and requests are counted but
 * not kept (their bodies and headers read as NULL). */
void chat_server_cycle(chat_server *s);

size_t chat_server_request_count(chat_server *s);
/* malloc'd copies (caller frees), NULL if i is out of range. */
char *chat_server_request_body(chat_server *s, size_t i);
char *chat_server_request_auth(chat_server *s, size_t i);
/* Arrival, ms on the monotonic clock. */
int64_t chat_server_request_ms(chat_server *s, size_t i);

/* A chat.completion body whose message content is `content`; cost < 0
 * leaves usage.cost out (as non-OpenRouter servers do). malloc'd. */
char *chat_completion_body(const char *content, int prompt_tokens,
                           int completion_tokens, double cost);
/* The same with usage.prompt_tokens_details.cached_tokens (OpenRouter's
 * shape, shared/protocols/NOTES.md); cached_tokens < 0 leaves it out. */
char *chat_completion_body_cached(const char *content, int prompt_tokens,
                                  int completion_tokens, double cost,
                                  int cached_tokens);

#endif
