/*
 * chat_server.c — see chat_server.h. Thread per connection, so a delayed
 * (hanging) reply does not block the next request; delays sleep in short
 * slices and end when the server stops.
 */
#include "chat_server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct request {
    char *body, *auth;
    int64_t ms;
} request;

struct chat_server {
    struct MHD_Daemon *d;
    int port;
    atomic_int stopping;
    pthread_mutex_t mu;
    chat_reply *script; /* bodies owned */
    size_t n_script, next;
    int cycle; /* chat_server_cycle */
    request *req;
    size_t n_req, cap_req;
};

typedef struct upload {
    char *buf;
    size_t len;
} upload;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void free_script(chat_server *s)
{
    for (size_t i = 0; i < s->n_script; i++) {
        free((char *)s->script[i].body);
        free((char *)s->script[i].retry_after);
    }
    free(s->script);
    s->script = NULL;
    s->n_script = s->next = 0;
}

static void free_requests(chat_server *s)
{
    for (size_t i = 0; i < s->n_req && !s->cycle; i++) {
        free(s->req[i].body);
        free(s->req[i].auth);
    }
    free(s->req);
    s->req = NULL;
    s->n_req = s->cap_req = 0;
}

/* Records the request and picks its reply (copied out under the lock). */
static chat_reply take_reply(chat_server *s, const upload *u, const char *auth)
{
    chat_reply r = {500, NULL, NULL, 0};
    pthread_mutex_lock(&s->mu);
    if (s->cycle ? s->cap_req == 0 : s->n_req == s->cap_req) {
        s->cap_req = s->cap_req ? s->cap_req * 2 : 8;
        s->req = realloc(s->req, s->cap_req * sizeof *s->req);
    }
    request *q = &s->req[s->cycle ? 0 : s->n_req];
    s->n_req++;
    if (!s->cycle) {
        q->body = strndup(u->buf ? u->buf : "", u->len);
        q->auth = strdup(auth ? auth : "");
    }
    q->ms = mono_ms();
    if (s->n_script) {
        const chat_reply *c = &s->script[s->next];
        if (s->next + 1 < s->n_script)
            s->next++;
        else if (s->cycle)
            s->next = 0;
        r.status = c->status;
        r.body = strdup(c->body);
        r.retry_after = c->retry_after ? strdup(c->retry_after) : NULL;
        r.delay_ms = c->delay_ms;
    } else {
        r.body = strdup("{\"error\":{\"code\":500,\"message\":\"no script\"}}");
    }
    pthread_mutex_unlock(&s->mu);
    return r;
}

/* body with every "{{auth}}" replaced by auth; malloc'd. */
static char *expand(const char *body, const char *auth)
{
    static const char mark[] = "{{auth}}";
    size_t al = strlen(auth ? auth : ""), n = 0;
    for (const char *p = body; (p = strstr(p, mark)); p += sizeof mark - 1)
        n++;
    char *out = malloc(strlen(body) + n * al + 1), *o = out;
    for (const char *p = body;;) {
        const char *h = strstr(p, mark);
        size_t k = h ? (size_t)(h - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!h)
            break;
        memcpy(o, auth ? auth : "", al);
        o += al;
        p = h + sizeof mark - 1;
    }
    *o = '\0';
    return out;
}

static enum MHD_Result reply(chat_server *s, struct MHD_Connection *c,
                             upload *u)
{
    const char *auth =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    chat_reply r = take_reply(s, u, auth);
    for (int waited = 0; waited < r.delay_ms && !atomic_load(&s->stopping);
         waited += 10) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    char *body = expand(r.body, auth);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (r.retry_after)
        MHD_add_response_header(resp, "Retry-After", r.retry_after);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r.status, resp);
    MHD_destroy_response(resp);
    free((char *)r.body);
    free((char *)r.retry_after);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    chat_server *s = cls;
    upload *u = *con_cls;
    if (!u) {
        *con_cls = calloc(1, sizeof(upload));
        return MHD_YES;
    }
    if (*data_size) {
        u->buf = realloc(u->buf, u->len + *data_size + 1);
        memcpy(u->buf + u->len, data, *data_size);
        u->len += *data_size;
        *data_size = 0;
        return MHD_YES;
    }
    size_t ul = strlen(url), sl = strlen("/chat/completions");
    if (strcmp(method, "POST") != 0 || ul < sl ||
        strcmp(url + ul - sl, "/chat/completions") != 0) {
        static char nf[] =
            "{\"error\":{\"code\":404,\"message\":\"not found\"}}";
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            strlen(nf), nf, MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret = MHD_queue_response(c, 404, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    return reply(s, c, u);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    upload *u = *con_cls;
    if (u)
        free(u->buf);
    free(u);
    *con_cls = NULL;
}

chat_server *chat_server_start(void)
{
    chat_server *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
        NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &a,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_END);
    if (!s->d) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return s;
}

void chat_server_stop(chat_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    MHD_stop_daemon(s->d);
    free_script(s);
    free_requests(s);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int chat_server_port(const chat_server *s)
{
    return s->port;
}

void chat_server_base_url(const chat_server *s, char *buf, size_t len)
{
    snprintf(buf, len, "http://127.0.0.1:%d/v1", s->port);
}

void chat_server_script(chat_server *s, const chat_reply *r, size_t n)
{
    pthread_mutex_lock(&s->mu);
    free_script(s);
    free_requests(s);
    s->script = calloc(n ? n : 1, sizeof *s->script);
    for (size_t i = 0; i < n; i++) {
        s->script[i] = r[i];
        s->script[i].body = strdup(r[i].body ? r[i].body : "");
        s->script[i].retry_after =
            r[i].retry_after ? strdup(r[i].retry_after) : NULL;
    }
    s->n_script = n;
    pthread_mutex_unlock(&s->mu);
}

void chat_server_cycle(chat_server *s)
{
    pthread_mutex_lock(&s->mu);
    free_requests(s);
    s->cycle = 1;
    pthread_mutex_unlock(&s->mu);
}

size_t chat_server_request_count(chat_server *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_req;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static char *copy_field(chat_server *s, size_t i, int auth)
{
    char *out = NULL;
    pthread_mutex_lock(&s->mu);
    if (i < s->n_req && !s->cycle)
        out = strdup(auth ? s->req[i].auth : s->req[i].body);
    pthread_mutex_unlock(&s->mu);
    return out;
}

char *chat_server_request_body(chat_server *s, size_t i)
{
    return copy_field(s, i, 0);
}

char *chat_server_request_auth(chat_server *s, size_t i)
{
    return copy_field(s, i, 1);
}

int64_t chat_server_request_ms(chat_server *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    int64_t ms = i < s->n_req && !s->cycle ? s->req[i].ms : -1;
    pthread_mutex_unlock(&s->mu);
    return ms;
}

char *chat_completion_body(const char *content, int prompt_tokens,
                           int completion_tokens, double cost)
{
    return chat_completion_body_cached(content, prompt_tokens,
                                       completion_tokens, cost, -1);
}

char *chat_completion_body_cached(const char *content, int prompt_tokens,
                                  int completion_tokens, double cost,
                                  int cached_tokens)
{
    json_t *usage = json_pack(
        "{s:i, s:i, s:i}", "prompt_tokens", prompt_tokens, "completion_tokens",
        completion_tokens, "total_tokens", prompt_tokens + completion_tokens);
    if (cost >= 0)
        json_object_set_new(usage, "cost", json_real(cost));
    if (cached_tokens >= 0)
        json_object_set_new(usage, "prompt_tokens_details",
                            json_pack("{s:i}", "cached_tokens", cached_tokens));
    json_t *root =
        json_pack("{s:s, s:s, s:s, s:i, s:[{s:i, s:s, s:{s:s, s:s}}], s:o}",
                  "id", "gen-test", "model", "deepseek/deepseek-v3.2", "object",
                  "chat.completion", "created", 1767225600, "choices", "index",
                  0, "finish_reason", "stop", "message", "role", "assistant",
                  "content", content, "usage", usage);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}
