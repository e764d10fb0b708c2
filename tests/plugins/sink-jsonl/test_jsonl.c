/*
 * test_jsonl.c — the jsonl sink through its vtable: config validation,
 * one parsable JSON object per record with the documented fields, null
 * for non-finite numbers, flushing policy, hostile strings.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "plugin_instance.h"
#include "plugin_services.h"
#include "stderr_capture.h"
#include "temp_dir.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

typedef struct fixture {
    char *dir;
    char *path;
    host_config *cfg;
    host_context ctx;
    perp_host *host;
    const perp_sink_vtable *vt;
    void *self;
} fixture;

/* yaml_fmt has one %s for the output path. */
static int open_sink(fixture *f, const char *yaml_fmt)
{
    memset(f, 0, sizeof *f);
    f->dir = temp_dir_new();
    cr_assert(asprintf(&f->path, "%s/sub/dir/records.jsonl", f->dir) > 0);
    char *yaml = NULL;
    cr_assert(asprintf(&yaml, yaml_fmt, f->path) > 0);
    char err[256];
    f->cfg = host_config_parse(yaml, "sink.yaml", err, sizeof err);
    free(yaml);
    cr_assert_not_null(f->cfg, "%s", err);
    f->host = host_services_new(&f->ctx, "sink.jsonl");
    const perp_plugin_descriptor *d = perp_plugin_entry();
    cr_assert_eq(d->kind, PERP_KIND_SINK);
    f->vt = d->vtable;
    return host_plugin_create(d, f->host, host_config_root(f->cfg), &f->self);
}

static void close_sink(fixture *f)
{
    f->vt->destroy(f->self);
    host_services_free(f->host);
    host_config_free(f->cfg);
    temp_dir_remove(f->dir);
    free(f->dir);
    free(f->path);
}

/* Every line of the file, parsed; count in *n. */
static json_t **read_lines(const char *path, size_t *n)
{
    FILE *in = fopen(path, "r");
    cr_assert_not_null(in, "%s", path);
    json_t **out = calloc(64, sizeof *out);
    char line[65536];
    *n = 0;
    while (fgets(line, sizeof line, in)) {
        cr_assert(strchr(line, '\n'), "line is terminated");
        json_error_t je;
        out[*n] = json_loads(line, 0, &je);
        cr_assert(json_is_object(out[*n]), "%s: %s", je.text, line);
        (*n)++;
        cr_assert_lt(*n, 64);
    }
    fclose(in);
    return out;
}

static void free_lines(json_t **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(lines[i]);
    free(lines);
}

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    cr_assert(json_is_number(v), "%s is not a number", k);
    return json_number_value(v);
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    cr_assert(json_is_string(v), "%s is not a string", k);
    return json_string_value(v);
}

static perp_record rec_of(perp_record_type t, int64_t ts)
{
    perp_record r;
    memset(&r, 0, sizeof r);
    r.type = t;
    r.ts = ts;
    r.version = "v1.0.0";
    return r;
}

Test(jsonl, every_record_type_has_its_fields)
{
    fixture f;
    cr_assert_eq(open_sink(&f, "plugin: jsonl\npath: %s\n"), PERP_OK);

    perp_record r = rec_of(PERP_REC_TRADE, 1000);
    perp_fill *fill = &r.u.trade.fill;
    strcpy(fill->symbol, "BTC-USD");
    fill->qty = -0.5;
    fill->price = 67000.5;
    fill->fee = 6.7;
    fill->realized_pnl = -120.25;
    fill->position_after = 0;
    fill->cause = PERP_CAUSE_STOP_LOSS;
    strcpy(fill->reason, "stop hit \"hard\"");
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_EQUITY, 2000);
    r.u.equity =
        (perp_equity_record){10000, 9990, 9000, NAN, 1000, -5, 5, INFINITY};
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_OBSERVATION, 3000);
    r.u.json.json = "{\"cycle\": 1, \"markets\": []}";
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_DECISION, 3001);
    r.u.json.json = "not json {";
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_REJECTION, 3002);
    strcpy(r.u.rejection.symbol, "SOL-USD");
    strcpy(r.u.rejection.reason, "leverage 50 above max 5");
    r.u.rejection.decision_json = "{\"coin\": \"SOL\", \"leverage\": 50}";
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_FUNDING, 4000);
    strcpy(r.u.funding.symbol, "ETH-USD");
    r.u.funding = (perp_funding_record){"ETH-USD", 0.0001, 2, 3000, -0.6};
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_LIQUIDATION, 5000);
    r.u.liquidation =
        (perp_liquidation_record){"DOGE-USD", 1000, 0.1, 1.5, 20, 25};
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_LLM_CALL, 6000);
    r.u.llm_call = (perp_llm_call_record){.model = "m/x",
                                          .status = "http_429",
                                          .request_hash = "ab12",
                                          .raw_response = NULL,
                                          .error = "rate limited",
                                          .latency_ms = 812.5,
                                          .prompt_tokens = 1200,
                                          .completion_tokens = 300,
                                          .cost_usd = 0.0042,
                                          .attempt = 2};
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_POSITION, 7000);
    perp_position *p = &r.u.position;
    strcpy(p->symbol, "BTC-USD");
    p->qty = 0.05;
    p->entry_price = 66000;
    p->mark_price = 67000;
    p->leverage = 5;
    p->unrealized_pnl = 50;
    p->liquidation_price = 53000;
    p->entry_ts = 1732449600000;
    p->exit_plan.profit_target = 72000;
    p->exit_plan.stop_loss = 64000;
    strcpy(p->exit_plan.invalidation, "4h close below EMA20");
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    r = rec_of(PERP_REC_VERSION, 8000);
    r.u.json.json = "{\"agent\": {\"version\": \"v1.0.0\"}}";
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);

    size_t n;
    json_t **l = read_lines(f.path, &n);
    cr_assert_eq(n, 10);

    cr_assert_str_eq(str(l[0], "type"), "trade");
    cr_assert_eq(num(l[0], "ts"), 1000);
    cr_assert_str_eq(str(l[0], "version"), "v1.0.0");
    cr_assert_str_eq(str(l[0], "symbol"), "BTC-USD");
    cr_assert_str_eq(str(l[0], "side"), "sell");
    cr_assert_eq(num(l[0], "qty"), 0.5, "absolute quantity");
    cr_assert_eq(num(l[0], "price"), 67000.5);
    cr_assert_eq(num(l[0], "fee"), 6.7);
    cr_assert_eq(num(l[0], "realized_pnl"), -120.25);
    cr_assert_eq(num(l[0], "position_after"), 0);
    cr_assert_str_eq(str(l[0], "cause"), "stop_loss");
    cr_assert_str_eq(str(l[0], "reason"), "stop hit \"hard\"");

    cr_assert_str_eq(str(l[1], "type"), "equity");
    cr_assert_eq(num(l[1], "equity"), 10000);
    cr_assert_eq(num(l[1], "cash"), 9990);
    cr_assert_eq(num(l[1], "available"), 9000);
    cr_assert(json_is_null(json_object_get(l[1], "unrealized_pnl")));
    cr_assert_eq(num(l[1], "margin_used"), 1000);
    cr_assert_eq(num(l[1], "realized_pnl"), -5);
    cr_assert_eq(num(l[1], "fees_paid"), 5);
    cr_assert(json_is_null(json_object_get(l[1], "funding_net")));

    json_t *data = json_object_get(l[2], "data");
    cr_assert_str_eq(str(l[2], "type"), "observation");
    cr_assert_eq(num(data, "cycle"), 1, "embedded as an object");
    cr_assert_str_eq(str(l[3], "data"), "not json {", "kept as a string");

    cr_assert_str_eq(str(l[4], "type"), "rejection");
    cr_assert_str_eq(str(l[4], "symbol"), "SOL-USD");
    cr_assert_str_eq(str(l[4], "reason"), "leverage 50 above max 5");
    cr_assert_eq(num(json_object_get(l[4], "decision"), "leverage"), 50);

    cr_assert_str_eq(str(l[5], "type"), "funding");
    cr_assert_eq(num(l[5], "rate"), 0.0001);
    cr_assert_eq(num(l[5], "position"), 2);
    cr_assert_eq(num(l[5], "mark"), 3000);
    cr_assert_eq(num(l[5], "payment"), -0.6);

    cr_assert_str_eq(str(l[6], "type"), "liquidation");
    cr_assert_str_eq(str(l[6], "symbol"), "DOGE-USD");
    cr_assert_eq(num(l[6], "qty"), 1000);
    cr_assert_eq(num(l[6], "price"), 0.1);
    cr_assert_eq(num(l[6], "penalty"), 1.5);
    cr_assert_eq(num(l[6], "equity_before"), 20);
    cr_assert_eq(num(l[6], "maintenance_before"), 25);

    cr_assert_str_eq(str(l[7], "type"), "llm_call");
    cr_assert_str_eq(str(l[7], "model"), "m/x");
    cr_assert_str_eq(str(l[7], "status"), "http_429");
    cr_assert_str_eq(str(l[7], "request_hash"), "ab12");
    cr_assert_eq(num(l[7], "latency_ms"), 812.5);
    cr_assert_eq(num(l[7], "prompt_tokens"), 1200);
    cr_assert_eq(num(l[7], "completion_tokens"), 300);
    cr_assert_eq(num(l[7], "cost_usd"), 0.0042);
    cr_assert_eq(num(l[7], "attempt"), 2);
    cr_assert_str_eq(str(l[7], "error"), "rate limited");
    cr_assert(json_is_null(json_object_get(l[7], "raw_response")));

    cr_assert_str_eq(str(l[8], "type"), "position");
    cr_assert_eq(num(l[8], "qty"), 0.05);
    cr_assert_eq(num(l[8], "entry_price"), 66000);
    cr_assert_eq(num(l[8], "mark_price"), 67000);
    cr_assert_eq(num(l[8], "leverage"), 5);
    cr_assert_eq(num(l[8], "unrealized_pnl"), 50);
    cr_assert_eq(num(l[8], "liquidation_price"), 53000);
    cr_assert_eq(num(l[8], "entry_ts"), 1732449600000.0);
    json_t *plan = json_object_get(l[8], "exit_plan");
    cr_assert_eq(num(plan, "profit_target"), 72000);
    cr_assert_eq(num(plan, "stop_loss"), 64000);
    cr_assert_str_eq(str(plan, "invalidation"), "4h close below EMA20");

    cr_assert_str_eq(str(l[9], "type"), "version");
    cr_assert_str_eq(
        str(json_object_get(json_object_get(l[9], "data"), "agent"), "version"),
        "v1.0.0");
    free_lines(l, n);
    close_sink(&f);
}

Test(jsonl, buy_side_causes_and_null_rejection_decision)
{
    fixture f;
    cr_assert_eq(open_sink(&f, "plugin: jsonl\npath: %s\n"), PERP_OK);
    static const char *const causes[] = {
        "entry", "exit", "flip", "stop_loss", "take_profit", "liquidation"};
    for (int c = 0; c < 6; c++) {
        perp_record r = rec_of(PERP_REC_TRADE, c);
        strcpy(r.u.trade.fill.symbol, "ETH-USD");
        r.u.trade.fill.qty = 2;
        r.u.trade.fill.cause = (perp_fill_cause)c;
        cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    }
    perp_record r = rec_of(PERP_REC_REJECTION, 9);
    strcpy(r.u.rejection.symbol, "XRP-USD");
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    size_t n;
    json_t **l = read_lines(f.path, &n);
    cr_assert_eq(n, 7);
    for (int c = 0; c < 6; c++) {
        cr_assert_str_eq(str(l[c], "side"), "buy");
        cr_assert_str_eq(str(l[c], "cause"), causes[c]);
    }
    cr_assert(json_is_null(json_object_get(l[6], "decision")));
    free_lines(l, n);
    close_sink(&f);
}

Test(jsonl, invalid_utf8_and_unterminated_arrays_stay_valid_json)
{
    fixture f;
    cr_assert_eq(open_sink(&f, "plugin: jsonl\npath: %s\n"), PERP_OK);
    perp_record r = rec_of(PERP_REC_TRADE, 1);
    memset(r.u.trade.fill.symbol, 'A', sizeof r.u.trade.fill.symbol);
    strcpy(r.u.trade.fill.reason, "bad \xff\xfe byte, cut \xe2\x82");
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    size_t n;
    json_t **l = read_lines(f.path, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(strlen(str(l[0], "symbol")), PERP_SYMBOL_MAX);
    cr_assert_str_eq(str(l[0], "reason"), "bad ?? byte, cut ??");
    free_lines(l, n);
    close_sink(&f);
}

static size_t lines_on_disk(const char *path)
{
    FILE *in = fopen(path, "r");
    cr_assert_not_null(in);
    size_t n = 0;
    int ch;
    while ((ch = fgetc(in)) != EOF)
        n += ch == '\n';
    fclose(in);
    return n;
}

Test(jsonl, default_flushes_every_record)
{
    fixture f;
    cr_assert_eq(open_sink(&f, "plugin: jsonl\npath: %s\n"), PERP_OK);
    perp_record r = rec_of(PERP_REC_EQUITY, 1);
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    cr_assert_eq(lines_on_disk(f.path), 1, "on disk before any flush call");
    close_sink(&f);
}

Test(jsonl, flush_every_batches_until_n_or_flush)
{
    fixture f;
    cr_assert_eq(open_sink(&f, "plugin: jsonl\npath: %s\nflush_every: 3\n"),
                 PERP_OK);
    perp_record r = rec_of(PERP_REC_EQUITY, 1);
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    cr_assert_eq(lines_on_disk(f.path), 0);
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    cr_assert_eq(lines_on_disk(f.path), 3);
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    cr_assert_eq(f.vt->flush(f.self), PERP_OK);
    cr_assert_eq(lines_on_disk(f.path), 4);
    close_sink(&f);
}

static char *create_fails(const char *yaml)
{
    fixture f;
    stderr_capture_begin();
    int rc = open_sink(&f, yaml);
    char *out = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL, "%s", out);
    host_services_free(f.host);
    host_config_free(f.cfg);
    temp_dir_remove(f.dir);
    free(f.dir);
    free(f.path);
    return out;
}

Test(jsonl, config_errors)
{
    char *out = create_fails("plugin: jsonl\nfile: %s\n");
    cr_assert(strstr(out, "sink.yaml:2:1: unknown key 'file'"), "%s", out);
    free(out);
    out = create_fails("plugin: jsonl\n# %s\n");
    cr_assert(strstr(out, "sink.yaml:1:1: key 'path' is required"), "%s", out);
    free(out);
    out = create_fails("plugin: jsonl\npath: %s\nflush_every: 0\n");
    cr_assert(strstr(out, "sink.yaml:3:14: key 'flush_every': expected an "
                          "integer >= 1, found 0"),
              "%s", out);
    free(out);
    out = create_fails("plugin: jsonl\npath: /proc/nope/%s\n");
    cr_assert(strstr(out, "sink.yaml:2:7: cannot open"), "%s", out);
    free(out);
}

/* Issue 15, item 14: on /dev/full the sink logged "jsonl write failed: No
 * space left on device" once per record, without the file's name. Now:
 * one line naming the file, every failed write returns PERP_ERR (the host
 * counts them and ends the run with status 1), and the count of lost
 * records is said when the sink closes. */
Test(jsonl, a_full_disk_is_said_once_with_the_file_and_a_count)
{
    fixture f;
    cr_assert_eq(open_sink(&f, "plugin: jsonl\npath: /dev/full\n# %s\n"),
                 PERP_OK);
    perp_record r = {.type = PERP_REC_EQUITY, .ts = 1, .version = "v"};
    stderr_capture_begin();
    int failed = 0;
    for (int i = 0; i < 150; i++)
        failed += f.vt->write(f.self, &r) == PERP_ERR;
    char *during = stderr_capture_end();
    cr_expect_eq(failed, 150, "every lost record is a failed write");
    const char *line = "cannot write '/dev/full': No space left on device";
    const char *first = strstr(during, line);
    cr_expect_not_null(first, "%s", during);
    cr_expect_null(first ? strstr(first + 1, line) : NULL,
                   "said more than once:\n%s", during);
    stderr_capture_begin();
    f.vt->destroy(f.self);
    char *at_close = stderr_capture_end();
    cr_expect(strstr(at_close, "150 records were not written to '/dev/full'"),
              "%s", at_close);
    f.self = NULL;
    f.vt->destroy(NULL);
    host_services_free(f.host);
    host_config_free(f.cfg);
    temp_dir_remove(f.dir);
    free(f.dir);
    free(f.path);
    free(during);
    free(at_close);
}

/* Opening for append never blocks: a FIFO without a reader is refused, a
 * directory too. */
Test(jsonl, a_fifo_without_reader_or_a_directory_is_refused, .timeout = 20)
{
    char *dir = temp_dir_new();
    char *fifo = NULL, *yaml = NULL;
    cr_assert(asprintf(&fifo, "%s/fifo", dir) > 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert(asprintf(&yaml, "plugin: jsonl\npath: %s\n# %%s\n", fifo) > 0);
    char *out = create_fails(yaml);
    char *want = NULL;
    cr_assert(asprintf(&want,
                       "sink.yaml:2:7: cannot open for appending: '%s': a "
                       "FIFO with no reader",
                       fifo) > 0);
    cr_expect(strstr(out, want), "%s", out);
    free(out);
    free(want);
    free(yaml);
    cr_assert(asprintf(&yaml, "plugin: jsonl\npath: %s\n# %%s\n", dir) > 0);
    out = create_fails(yaml);
    cr_assert(asprintf(&want,
                       "sink.yaml:2:7: cannot open for appending: '%s': Is a "
                       "directory",
                       dir) > 0);
    cr_expect(strstr(out, want), "%s", out);
    free(out);
    free(want);
    free(yaml);
    free(fifo);
    temp_dir_remove(dir);
    free(dir);
}

/* A METRICS line (written by the sink's own text writer since it became a
 * per-cycle record) is the jansson path's: every figure read back bit for
 * bit, null where not finite, the keys in the order json_pack and
 * json_object_set gave them, and the bytes json_dumps(JSON_COMPACT)
 * prints for the same document. */
Test(jsonl, a_metrics_line_is_the_jansson_line)
{
    fixture f;
    cr_assert_eq(open_sink(&f, "plugin: jsonl\npath: %s\n"), PERP_OK);
    perp_record r = rec_of(PERP_REC_METRICS, 1679004960000);
    perp_metrics_record *m = &r.u.metrics;
    static const char *const order[] = {"type",
                                        "ts",
                                        "version",
                                        "cycles",
                                        "first_ts",
                                        "last_ts",
                                        "round_trips",
                                        "wins",
                                        "losses",
                                        "starting_equity",
                                        "equity",
                                        "total_return_pct",
                                        "annual_return_pct",
                                        "sharpe",
                                        "sortino",
                                        "max_drawdown_pct",
                                        "calmar",
                                        "win_rate",
                                        "profit_factor",
                                        "avg_win",
                                        "avg_loss",
                                        "largest_win",
                                        "largest_loss",
                                        "avg_hold_ms",
                                        "realized_pnl",
                                        "total_fees",
                                        "total_funding",
                                        "llm_cost_usd",
                                        "cost_per_decision",
                                        "snapshot_interval_s",
                                        "bench_return_pct",
                                        "excess_return_pct",
                                        "beta",
                                        "alpha_pct",
                                        "tracking_error_pct",
                                        "info_ratio",
                                        "gross_pnl",
                                        "net_pnl",
                                        "decisions_per_day",
                                        "llm_calls",
                                        "prompt_tokens",
                                        "completion_tokens",
                                        "cached_tokens",
                                        "decisions",
                                        "bench_periods"};
    double *reals[] = {&m->starting_equity,
                       &m->equity,
                       &m->total_return_pct,
                       &m->annual_return_pct,
                       &m->sharpe,
                       &m->sortino,
                       &m->max_drawdown_pct,
                       &m->calmar,
                       &m->win_rate,
                       &m->profit_factor,
                       &m->avg_win,
                       &m->avg_loss,
                       &m->largest_win,
                       &m->largest_loss,
                       &m->avg_hold_ms,
                       &m->realized_pnl,
                       &m->total_fees,
                       &m->total_funding,
                       &m->llm_cost_usd,
                       &m->cost_per_decision,
                       &m->snapshot_interval_s,
                       &m->bench_return_pct,
                       &m->excess_return_pct,
                       &m->beta,
                       &m->alpha_pct,
                       &m->tracking_error_pct,
                       &m->info_ratio,
                       &m->gross_pnl,
                       &m->net_pnl,
                       &m->decisions_per_day};
    /* integral, tiny, huge, negative zero, 17 digits, a third, and the
     * non-finite values that must become null */
    const double vals[] = {10000, 1e-7,     123456789.125, -0.0,
                           0.1,   1.0 / 3,  -2.5e-300,     6.02e23,
                           NAN,   INFINITY, -INFINITY,     10079.244488352962};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        *reals[i] = vals[i % (sizeof vals / sizeof vals[0])];
    m->cycles = 66167;
    m->first_ts = 1679004960000;
    m->last_ts = -1;
    m->round_trips = 84;
    m->wins = 40;
    m->losses = 44;
    m->llm_calls = 0;
    m->prompt_tokens = INT64_MAX;
    m->completion_tokens = INT64_MIN;
    m->cached_tokens = -1;
    m->decisions = 66167;
    m->bench_periods = 43198;
    cr_assert_eq(f.vt->write(f.self, &r), PERP_OK);
    f.vt->flush(f.self);

    FILE *in = fopen(f.path, "r");
    cr_assert_not_null(in);
    char line[8192];
    cr_assert_not_null(fgets(line, sizeof line, in));
    fclose(in);
    json_error_t je;
    json_t *o = json_loads(line, 0, &je);
    cr_assert_not_null(o, "%s: %s", je.text, line);
    char *again = json_dumps(o, JSON_COMPACT);
    size_t n = strlen(line);
    cr_assert_eq(line[n - 1], '\n');
    line[n - 1] = '\0';
    cr_assert_str_eq(line, again, "not jansson's bytes");
    free(again);
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        cr_assert_lt(k, sizeof order / sizeof order[0], "extra key %s", key);
        cr_assert_str_eq(key, order[k], "key %zu", k);
        k++;
    }
    cr_assert_eq(k, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        json_t *x = json_object_get(o, order[9 + i]);
        if (!isfinite(*reals[i])) {
            cr_assert(json_is_null(x), "%s", order[9 + i]);
            continue;
        }
        double got = json_number_value(x);
        cr_assert(memcmp(&got, reals[i], sizeof got) == 0 ||
                      (got == 0 && *reals[i] == 0),
                  "%s: %.17g read back as %.17g", order[9 + i], *reals[i], got);
    }
    cr_assert_eq(json_integer_value(json_object_get(o, "prompt_tokens")),
                 INT64_MAX);
    cr_assert_eq(json_integer_value(json_object_get(o, "completion_tokens")),
                 INT64_MIN);
    cr_assert_eq(json_integer_value(json_object_get(o, "cached_tokens")), -1);
    cr_assert_eq(json_integer_value(json_object_get(o, "last_ts")), -1);
    json_decref(o);
    close_sink(&f);
}
