/*
 * SIGINT in live mode stops perpd within seconds, wherever it is waiting:
 * in the start-up warm-up (the coinbase feed's backfill) against a REST
 * endpoint that never answers,
 * and with the planner's LLM request in flight against a chat server that
 * hangs. Before stopping, the sinks are flushed (the version record is in
 * the file). The feed is feed-coinbase against the local WebSocket server
 * of tests/support; no network leaves 127.0.0.1.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build_dir.h"
#include "chat_server.h"
#include "file_read.h"
#include "run_process.h"
#include "temp_dir.h"
#include "ws_server.h"

#define KEY_ENV "PERP_IT_STOP_KEY"
/* Generous for a loaded machine, far below the waits the stop must cut
 * short (curl's 30 s bootstrap timeout, a 120 s LLM timeout). */
#define STOP_WITHIN_MS 5000

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* perpd run yaml, output into log_path. */
static pid_t spawn_perpd(const char *yaml, const char *log_path)
{
    char *bin = perpd_path();
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        FILE *f = freopen(log_path, "w", stdout);
        if (!f || dup2(fileno(stdout), 2) < 0)
            _exit(127);
        execl(bin, bin, "run", yaml, (char *)NULL);
        _exit(127);
    }
    free(bin);
    return pid;
}

/* Exit status, or -1 (after killing it) if it outlived timeout_ms. */
static int wait_exit(pid_t pid, int timeout_ms)
{
    int64_t end = mono_ms() + timeout_ms;
    int st;
    while (mono_ms() < end) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static void assert_stops_on_sigint(pid_t pid, const char *dir)
{
    int64_t t0 = mono_ms();
    kill(pid, SIGINT);
    int rc = wait_exit(pid, STOP_WITHIN_MS);
    char *log_path = NULL;
    cr_assert(asprintf(&log_path, "%s/perpd.log", dir) > 0);
    char *log = file_read(log_path, NULL);
    cr_assert_neq(rc, -1, "perpd still running %d ms after SIGINT; log:\n%s",
                  STOP_WITHIN_MS, log ? log : "");
    cr_assert_eq(rc, 0, "exit %d after %lld ms; log:\n%s", rc,
                 (long long)(mono_ms() - t0), log ? log : "");
    free(log);
    free(log_path);
    char *rec_path = NULL;
    cr_assert(asprintf(&rec_path, "%s/records.jsonl", dir) > 0);
    char *records = file_read(rec_path, NULL);
    cr_assert_not_null(records, "no records file");
    cr_assert_not_null(strstr(records, "\"type\":\"version\""),
                       "sinks not flushed: %s", records);
    free(records);
    free(rec_path);
}

/* rest_url: the coinbase feed's candles endpoint (its warm-up), or NULL
 * for the default (never reached: bootstrap is off then). */
static char *write_yaml(const char *dir, int ws_port, const char *planner,
                        int bootstrap, const char *rest_url)
{
    char text[4096];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: it-stop-1.0\n"
             "  cycle: 1s\n"
             "  bootstrap: %s\n"
             "  symbols: [BTC-USD]\n"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - plugin: coinbase\n"
             "    url: ws://127.0.0.1:%d/\n"
             "    products: [BTC-USD]\n"
             "%s%s%s"
             "planner:\n%s"
             "backend:\n"
             "  plugin: perpsim\n"
             "sinks:\n"
             "  - plugin: jsonl\n"
             "    path: %s/records.jsonl\n",
             bootstrap ? "true" : "false", test_build_dir(), ws_port,
             rest_url ? "    rest_url: " : "", rest_url ? rest_url : "",
             rest_url ? "\n" : "", planner, dir);
    return temp_dir_write(dir, "live.yaml", text);
}

static ws_server *start_feed_server(void)
{
    static const char *const products[] = {"BTC-USD"};
    ws_server_opts o = {
        .products = products, .n_products = 1, .heartbeat_ms = 200};
    ws_server *s = ws_server_start(&o);
    cr_assert_not_null(s);
    return s;
}

/* A TCP listener that never accepts: a client's connect completes in the
 * backlog and its request is never answered. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 8), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

Test(live_stop, sigint_during_bootstrap)
{
    char *dir = temp_dir_new();
    ws_server *ws = start_feed_server();
    int rest_port;
    int lfd = silent_listener(&rest_port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", rest_port);
    char *yaml =
        write_yaml(dir, ws_server_port(ws), "  plugin: rules\n", 1, url);
    char *log_path = NULL;
    cr_assert(asprintf(&log_path, "%s/perpd.log", dir) > 0);
    pid_t pid = spawn_perpd(yaml, log_path);
    /* The bootstrap's first request is waiting in the listener's backlog. */
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    cr_assert_eq(poll(&p, 1, 10000), 1, "perpd never asked for candles");
    usleep(200000);
    assert_stops_on_sigint(pid, dir);
    close(lfd);
    ws_server_stop(ws);
    free(log_path);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(live_stop, sigint_with_llm_call_in_flight)
{
    char *dir = temp_dir_new();
    ws_server *ws = start_feed_server();
    chat_server *chat = chat_server_start();
    cr_assert_not_null(chat);
    char *body = chat_completion_body("{\"positions\": {}}", 10, 10, -1);
    chat_reply hang = {200, body, NULL, 60000};
    chat_server_script(chat, &hang, 1);
    free(body);
    char base[128], planner[512];
    chat_server_base_url(chat, base, sizeof base);
    snprintf(planner, sizeof planner,
             "  plugin: openrouter\n"
             "  base_url: %s\n"
             "  model: test/stop-model\n"
             "  api_key_env: " KEY_ENV "\n"
             "  timeout: 120s\n",
             base);
    setenv(KEY_ENV, "sk-test-stop-key", 1);
    char *yaml = write_yaml(dir, ws_server_port(ws), planner, 0, NULL);
    char *log_path = NULL;
    cr_assert(asprintf(&log_path, "%s/perpd.log", dir) > 0);
    pid_t pid = spawn_perpd(yaml, log_path);
    int64_t end = mono_ms() + 10000;
    while (chat_server_request_count(chat) == 0 && mono_ms() < end)
        usleep(20000);
    cr_assert_gt(chat_server_request_count(chat), 0,
                 "the planner never called the chat server");
    usleep(200000);
    assert_stops_on_sigint(pid, dir);
    unsetenv(KEY_ENV);
    chat_server_stop(chat);
    ws_server_stop(ws);
    free(log_path);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}
