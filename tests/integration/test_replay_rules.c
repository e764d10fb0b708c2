/*
 * `perpd run` on config/replay.yaml itself, with the rule planner and no
 * API key, over three and a half days of the real April 2021 one-minute
 * history: the agent must trade, give every trade a cause and a reason,
 * and write equity records. The YAML is the repository's file with only
 * the data folder, the time bounds and the record file changed, so the
 * test follows the shipped pipeline (its plugins are found next to the
 * perpd under test).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "run_process.h"
#include "temp_dir.h"

/* The regime on 6-hour candles is defined after 13 of them (3.25 days);
 * the rule's first trades in this window come on 2021-04-05. */
#define FROM "2021-04-02T00:00:00Z"
#define TO   "2021-04-05T12:00:00Z"

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

/* text with the one occurrence of `from` replaced by `to` (freed: text). */
static char *replace_once(char *text, const char *from, const char *to)
{
    char *at = strstr(text, from);
    cr_assert_not_null(at, "config/replay.yaml no longer has '%s'", from);
    size_t head = (size_t)(at - text), n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)head, text, to, at + strlen(from));
    free(text);
    return out;
}

static char *write_yaml(const char *dir)
{
    char data[1024], feed[2048], sink[1024];
    snprintf(data, sizeof data, "%s/history/1m_2021-04",
             env_or("PERP_SHARED", "../shared"));
    snprintf(feed, sizeof feed,
             "dir: %s\n    from: %s\n    to: %s\n    cache: false", data, FROM,
             TO);
    snprintf(sink, sizeof sink, "path: %s/records.jsonl", dir);
    char *y = file_read("config/replay.yaml", NULL);
    cr_assert_not_null(y, "cannot open config/replay.yaml");
    y = replace_once(y, "dir: ${PERP_DATA_DIR:-../../shared/history}", feed);
    y = replace_once(y, "path: ../var/replay-records.jsonl", sink);
    char *file = temp_dir_write(dir, "replay.yaml", y);
    free(y);
    return file;
}

typedef struct tally {
    size_t trades, equity, entries, exits;
} tally;

static void check_trade(json_t *rec, tally *t)
{
    const char *cause = json_string_value(json_object_get(rec, "cause"));
    const char *reason = json_string_value(json_object_get(rec, "reason"));
    cr_assert(cause && *cause, "trade without a cause");
    cr_assert(reason && *reason, "trade without a reason (%s)", cause);
    t->entries += strcmp(cause, "entry") == 0;
    t->exits += strcmp(cause, "entry") != 0;
    t->trades++;
}

static tally read_records(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/records.jsonl", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no records written at %s", path);
    tally t = {0, 0, 0, 0};
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *rec = json_loads(line, 0, &e);
        cr_assert_not_null(rec, "bad JSONL line: %s", e.text);
        const char *type = json_string_value(json_object_get(rec, "type"));
        cr_assert_not_null(type);
        if (strcmp(type, "trade") == 0)
            check_trade(rec, &t);
        t.equity += strcmp(type, "equity") == 0;
        json_decref(rec);
    }
    free(line);
    fclose(f);
    return t;
}

Test(replay_rules, trades_on_real_history_without_a_key, .timeout = 120)
{
    char *dir = temp_dir_new();
    char *yaml = write_yaml(dir);
    /* The child inherits this environment: no key, no planner override. */
    unsetenv("OPENROUTER_API_KEY");
    unsetenv("PERP_PLANNER");
    char *perpd = perpd_path();
    char *argv[] = {perpd, "run", yaml, NULL};
    char *output = NULL;
    int rc = run_process(argv, &output);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, output);
    tally t = read_records(dir);
    cr_assert_geq(t.trades, 1, "no trade in %s..%s", FROM, TO);
    cr_assert_geq(t.entries, 1);
    cr_assert_geq(t.exits, 1, "no position was closed");
    cr_assert_geq(t.equity, 1, "no equity records");
    free(output);
    free(perpd);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}
