/*
 * Issue 15, item 3: a gap in replay data ran one full cycle per empty
 * minute (one stray 1970 row before 2023 data: 28 million cycles, 250 MB
 * of JSONL in 20 s and hours to go). Now a stretch without any event
 * longer than agent.max_gap (4h) is skipped: the clock jumps to the gap's
 * end, every market is stale until its next price, and one line says so
 * with the gap's start and end. Shorter pauses (exchange halts) are
 * cycled through as before. Hand-made CSVs; the cycle counts are worked
 * out in comments.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "jsonl_records.h"
#include "run_process.h"
#include "temp_dir.h"

/* 2023-03-28T10:40:00Z */
#define T0_S 1680000000LL

/* Rows of flat bars opening at T0 + minute m for each m in [from, to). */
static size_t add_rows(char *text, size_t len, size_t cap, int from, int to)
{
    for (int m = from; m < to; m++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%lld,100,100,100,100,1\n", T0_S + 60LL * m);
    return len;
}

static void write_csv(const char *dir, const char *symbol, const char *first,
                      const int *spans, size_t n_spans)
{
    size_t cap = 1 << 16, len;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    len =
        (size_t)snprintf(text, cap, "ts,open,high,low,close,volume\n%s", first);
    for (size_t i = 0; i + 1 < n_spans; i += 2)
        len = add_rows(text, len, cap, spans[i], spans[i + 1]);
    char name[64];
    snprintf(name, sizeof name, "%s_1m.csv", symbol);
    free(temp_dir_write(dir, name, text));
    free(text);
}

static char *write_yaml(const char *dir, const char *symbols,
                        const char *agent_extra)
{
    free(temp_dir_write(dir, "script.jsonl",
                        "{\"ts\": 0, \"positions\": {}}\n"));
    char text[4096];
    snprintf(text, sizeof text,
             "agent:\n"
             "  version: gap\n"
             "  symbols: [%s]\n"
             "%s"
             "plugin_path: [%s/lib/perp]\n"
             "feeds:\n"
             "  - {plugin: replay, dir: %s, cache: false}\n"
             "planner: {plugin: script, path: %s/script.jsonl}\n"
             "backend: {plugin: perpsim, funding: {model: none}}\n"
             "sinks:\n"
             "  - {plugin: jsonl, path: %s/records.jsonl}\n",
             symbols, agent_extra, test_build_dir(), dir, dir, dir);
    return temp_dir_write(dir, "agent.yaml", text);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static json_t *market_in(json_t *obs_rec, const char *symbol)
{
    json_t *markets =
        json_object_get(json_object_get(obs_rec, "data"), "markets");
    size_t i;
    json_t *m;
    json_array_foreach(markets, i, m)
    {
        if (strcmp(jsonl_str(m, "symbol"), symbol) == 0)
            return m;
    }
    cr_assert_fail("no market %s", symbol);
    return NULL;
}

/* The reproduction: "0,1,1,1,1,1" before 30 real rows. */
Test(replay_gap, a_stray_1970_row_is_skipped_not_cycled, .timeout = 120)
{
    char *dir = temp_dir_new();
    const int spans[] = {0, 30};
    write_csv(dir, "BTC-USD", "0,1,1,1,1,1\n", spans, 2);
    char *yaml = write_yaml(dir, "BTC-USD", "");
    char *err = NULL;
    int rc = perpd_run("run", yaml, PERPD_STDERR, &err);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, err);
    /* The stray row closes at 60 s (the gap's start); the first real row
     * (open T0) closes at T0 + 60 s (its end). The cycle at 60 s runs;
     * the next would be at 120 s; resuming at T0 + 60 s skips
     * (T0 + 60 - 120) / 60 = T0 / 60 - 1 = 27,999,999 cycles. */
    cr_expect_eq(count_of(err, "replay: no data from"), 1, "%s", err);
    cr_expect(strstr(err, "replay: no data from 1970-01-01T00:01:00Z to "
                          "2023-03-28T10:41:00Z (53.2 years, over "
                          "agent.max_gap of 4.0 hours): the clock jumps to "
                          "2023-03-28T10:41:00Z, 27999999 empty cycles "
                          "skipped, every market stale until its next "
                          "price"),
              "%s", err);
    json_t *all = jsonl_records_read(dir);
    /* One cycle at 60 s, then one at each real close T0+1 .. T0+30 min. */
    cr_expect_eq(jsonl_records_count(all, "observation"), 31);
    json_decref(all);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

/* BTC: minutes 0-9, an 81-minute halt, 90-99, then five hours of
 * nothing, then 400-404. ETH: minutes 0-9 only. stale_after 0, so only
 * the gap makes a market stale. */
static char *halt_and_gap(const char *dir, const char *agent_extra)
{
    const int aaa[] = {0, 10, 90, 100, 400, 405};
    const int bbb[] = {0, 10};
    write_csv(dir, "BTC-USD", "", aaa, 6);
    write_csv(dir, "ETH-USD", "", bbb, 2);
    return write_yaml(dir, "BTC-USD, ETH-USD", agent_extra);
}

Test(replay_gap, a_halt_is_cycled_through_a_long_gap_is_not, .timeout = 120)
{
    char *dir = temp_dir_new();
    char *yaml = halt_and_gap(dir, "  stale_after: 0s\n");
    char *err = NULL;
    int rc = perpd_run("run", yaml, PERPD_STDERR, &err);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, err);
    /* Cycles at T0 + 1 .. 100 min (the halt from the close at +10 to
     * the one at +91 is 81 minutes: cycled), then at +401 .. +405: 105.
     * After the cycle at +100 the next is +101; resuming at +401 skips
     * 300. The gap: closes at +100 (10:40 + 1:40 = 12:20) and +401 (10:40
     * + 6:41 = 17:21), 5.0 hours. */
    cr_expect_eq(count_of(err, "replay: no data from"), 1, "%s", err);
    cr_expect(strstr(err, "replay: no data from 2023-03-28T12:20:00Z to "
                          "2023-03-28T17:21:00Z (5.0 hours, over "
                          "agent.max_gap of 4.0 hours): the clock jumps to "
                          "2023-03-28T17:21:00Z, 300 empty cycles skipped"),
              "%s", err);
    cr_expect(strstr(err, "replay skipped 1 gap over agent.max_gap (300 "
                          "empty cycles)"),
              "%s", err);
    json_t *all = jsonl_records_read(dir);
    cr_assert_eq(jsonl_records_count(all, "observation"), 105);
    /* During the halt (cycle at +50 min, the 50th) nothing is stale:
     * stale_after is off. */
    json_t *halt = jsonl_records_nth(all, "observation", 49);
    cr_expect_eq(jsonl_ts(halt), (T0_S + 50 * 60) * 1000);
    cr_expect(
        json_is_false(json_object_get(market_in(halt, "ETH-USD"), "stale")));
    /* The first cycle after the gap: BTC has a price from +401, ETH's
     * is from before the gap. */
    json_t *after = jsonl_records_nth(all, "observation", 100);
    cr_expect_eq(jsonl_ts(after), (T0_S + 401 * 60) * 1000);
    cr_expect(
        json_is_false(json_object_get(market_in(after, "BTC-USD"), "stale")));
    cr_expect(
        json_is_true(json_object_get(market_in(after, "ETH-USD"), "stale")),
        "a market priced before the gap must be stale");
    json_decref(all);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}

Test(replay_gap, max_gap_is_configurable, .timeout = 120)
{
    char *dir = temp_dir_new();
    char *yaml = halt_and_gap(dir, "  max_gap: 6h\n");
    char *err = NULL;
    int rc = perpd_run("run", yaml, PERPD_STDERR, &err);
    cr_assert_eq(rc, 0, "perpd run exited %d:\n%s", rc, err);
    cr_expect_null(strstr(err, "no data from"), "%s", err);
    json_t *all = jsonl_records_read(dir);
    /* Every minute from +1 to +405 is cycled. */
    cr_expect_eq(jsonl_records_count(all, "observation"), 405);
    json_decref(all);
    free(err);
    free(yaml);
    /* Below one cycle it is refused. */
    yaml = halt_and_gap(dir, "  max_gap: 30s\n");
    rc = perpd_run("check", yaml, PERPD_STDERR, &err);
    cr_expect_eq(rc, 1);
    cr_expect(strstr(err, "agent.yaml:4:12: max_gap: expected a duration of "
                          "at least one cycle"),
              "%s", err);
    free(err);
    free(yaml);
    temp_dir_remove(dir);
    free(dir);
}
