/*
 * test_valgrind.c — perpd under valgrind's memcheck: `perpd check` on the
 * shipped live and replay pipelines, and the replay integration run (the
 * shipped replay pipeline: every indicator of config/replay.yaml, the
 * rules planner, perpsim with funding, the JSONL sink) over two days of
 * the real history, then the same run with the openrouter planner asking
 * the local chat server, whose answers include its faults (429, 500, an
 * HTML body, prose, a cut envelope, an empty body, rejected decisions).
 * Each must report no error (no invalid read or write, no use of
 * uninitialised memory, no bad free) and no leak (definitely, indirectly
 * or possibly lost: 0 bytes), and exit as it does without valgrind.
 *
 * Valgrind cannot run the ASan build, so this test is built in the plain
 * build only (the Makefile leaves it out of SAN=1); the ASan build's own
 * leak and address checks cover the other run.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_server.h"
#include "file_read.h"
#include "run_process.h"
#include "temp_dir.h"

static const char *shared(void)
{
    const char *s = getenv("PERP_SHARED");
    return s && *s ? s : "../shared";
}

static int have_valgrind(void)
{
    return system("command -v valgrind >/dev/null 2>&1") == 0;
}

/* Runs perpd under memcheck with args; asserts a clean report and the
 * exit status want. Returns perpd's output (caller frees). */
static char *memcheck(const char *what, char *const args[], int want)
{
    cr_assert(have_valgrind(), "valgrind is not installed (scripts/deps.sh)");
    char *perpd = perpd_path();
    char *argv[32] = {"valgrind",
                      "--tool=memcheck",
                      "--leak-check=full",
                      "--show-leak-kinds=definite,indirect,possible",
                      "--errors-for-leak-kinds=definite,indirect,possible",
                      "--error-exitcode=99",
                      "--child-silent-after-fork=yes",
                      "--num-callers=30",
                      perpd};
    size_t n = 9;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *out = NULL;
    int rc = run_process(argv, &out);
    const char *tail = strlen(out) > 12000 ? out + strlen(out) - 12000 : out;
    cr_expect_eq(rc, want, "%s: exit %d under valgrind (want %d):\n%s", what,
                 rc, want, tail);
    cr_expect_not_null(strstr(out, "ERROR SUMMARY: 0 errors"),
                       "%s: memcheck errors:\n%s", what, tail);
    int clean = strstr(out, "All heap blocks were freed") ||
                (strstr(out, "definitely lost: 0 bytes") &&
                 strstr(out, "indirectly lost: 0 bytes") &&
                 strstr(out, "possibly lost: 0 bytes"));
    cr_expect(clean, "%s: leaks:\n%s", what, tail);
    free(perpd);
    return out;
}

Test(valgrind, perpd_check_on_the_shipped_pipelines, .timeout = 600)
{
    char hist[1024];
    snprintf(hist, sizeof hist, "%s/history", shared());
    setenv("PERP_DATA_DIR", hist, 1);
    char *a[] = {"check", "config/replay.yaml", NULL};
    free(memcheck("perpd check config/replay.yaml", a, 0));
    setenv("OPENROUTER_API_KEY", "sk-valgrind-check", 1);
    char *b[] = {"check", "config/default.yaml", NULL};
    free(memcheck("perpd check config/default.yaml", b, 0));
}

/* config/replay.yaml with the feed bounded to [from, to), the planner
 * replaced when planner is given, records into dir. */
static char *bounded_pipeline(const char *dir, const char *planner)
{
    char *text = file_read("config/replay.yaml", NULL);
    cr_assert_not_null(text);
    char out[16384];
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        const char *add = line;
        char buf[2048];
        if (strstr(line, "speed: max"))
            add = "    speed: max\n"
                  "    from: 2023-04-10T00:00:00Z\n"
                  "    to: 2023-04-12T00:00:00Z";
        else if (strstr(line, "plugin: jsonl")) {
            snprintf(buf, sizeof buf,
                     "  - {plugin: jsonl, path: %s/records.jsonl}", dir);
            add = buf;
        } else if (planner && strstr(line, "plugin: ${PERP_PLANNER"))
            add = planner;
        n += (size_t)snprintf(out + n, sizeof out - n, "%s\n", add);
        cr_assert_lt(n, sizeof out);
    }
    free(text);
    char hist[1024];
    snprintf(hist, sizeof hist, "%s/history", shared());
    setenv("PERP_DATA_DIR", hist, 1);
    return temp_dir_write(dir, "replay.yaml", out);
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

Test(valgrind, replay_with_the_rules_planner, .timeout = 900)
{
    char *dir = temp_dir_new();
    char *yaml = bounded_pipeline(dir, NULL);
    char *args[] = {"run", yaml, NULL};
    char *out = memcheck("replay (rules)", args, 0);
    cr_expect_not_null(strstr(out, "replay ended: events="), "%s", out);
    char path[1100];
    snprintf(path, sizeof path, "%s/records.jsonl", dir);
    char *rec = file_read(path, NULL);
    cr_assert_not_null(rec);
    cr_expect_gt(count(rec, "\"type\":\"equity\""), 2000,
                 "two days of one-minute cycles");
    free(rec);
    free(out);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(valgrind, replay_with_the_llm_planner_and_its_faults, .timeout = 900)
{
    chat_server *chat = chat_server_start();
    cr_assert_not_null(chat);
    char *good = chat_completion_body(
        "{\"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": \"buy\", "
        "\"quantity\": 0.01, \"leverage\": 2, \"justification\": \"vg\"}}}",
        900, 40, 0.0001);
    char *close = chat_completion_body(
        "{\"positions\": {\"BTC\": {\"coin\": \"BTC\", \"signal\": \"close\", "
        "\"quantity\": 0, \"leverage\": 1, \"justification\": \"vg\"}}}",
        900, 40, 0.0001);
    char *over = chat_completion_body(
        "{\"positions\": {\"ETH\": {\"coin\": \"ETH\", \"signal\": \"sell\", "
        "\"quantity\": 1e12, \"leverage\": 50, \"justification\": \"vg\"}}}",
        900, 40, 0.0001);
    char *prose = chat_completion_body("Buy everything.", 900, 4, 0.0001);
    chat_reply script[] = {
        {200, good, NULL, 0},
        {429, "{\"error\":{\"code\":429}}", "0", 0},
        {500, "{\"error\":{\"code\":500}}", NULL, 0},
        {200, "<html>502</html>", NULL, 0},
        {200, prose, NULL, 0},
        {200, over, NULL, 0},
        {200, "{\"choices\":[{\"message\":{\"content\":\"{", NULL, 0},
        {200, "", NULL, 0},
        {200, close, NULL, 0},
    };
    chat_server_script(chat, script, sizeof script / sizeof *script);
    chat_server_cycle(chat);
    free(good);
    free(close);
    free(over);
    free(prose);
    char base[128], planner[1024];
    chat_server_base_url(chat, base, sizeof base);
    snprintf(planner, sizeof planner,
             "  plugin: openrouter\n"
             "  base_url: %s\n"
             "  model: test/valgrind\n"
             "  api_key_env: PERP_VG_KEY\n"
             "  timeout: 30s\n"
             "  max_retries: 1\n"
             "  backoff: 0s\n"
             "  max_retry_after: 0s",
             base);
    setenv("PERP_VG_KEY", "sk-valgrind-not-real", 1);
    char *dir = temp_dir_new();
    char *yaml = bounded_pipeline(dir, planner);
    /* Two days are 2,880 LLM cycles; the cycle is made 1h to keep the
     * run short under valgrind (48 calls, every fault several times). */
    char *text = file_read(yaml, NULL);
    char *at = strstr(text, "cycle: 60s");
    cr_assert_not_null(at);
    memcpy(at, "cycle: 1h ", 10);
    free(temp_dir_write(dir, "replay.yaml", text));
    free(text);
    char *args[] = {"run", yaml, NULL};
    char *out = memcheck("replay (openrouter)", args, 0);
    cr_expect_not_null(strstr(out, "replay ended: events="), "%s", out);
    cr_expect_geq(chat_server_request_count(chat), 40);
    chat_server_stop(chat);
    free(out);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}
