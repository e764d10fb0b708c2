/*
 * jsonl.c — sink plugin "jsonl": appends every record as one JSON object
 * per line, {"type":..., "ts":..., "version":..., ...fields}. Lines are
 * flushed every `flush_every` records (jsonl_config), by default each, so
 * a crash of perpd loses no record already written.
 *
 * A file that cannot be written is said once, with its name and errno's
 * reason. A regular file's records then wait in memory, up to `hold_mb`,
 * and go out once the disk has room again (jl_file.h), which is said
 * too; records are lost only past that bound, or on a file that cannot
 * heal (/dev/full): each such write returns PERP_ERR, which the host
 * counts to end the run with a non-zero status, and so does a flush
 * that leaves records held. The count of lost records is said when the
 * sink closes.
 */
#include <perp/file.h>
#include <perp/quote.h>
#include <perp/sdk.h>
#include <perp/utf8.h>

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jl_file.h"
#include "jl_text.h"

typedef struct jsonl_sink {
    const perp_host *host; /* borrowed */
    jl_file file;          /* owned (guarded by mu) */
    char *path;            /* owned, for messages */
    int64_t flush_every;
    int said_lost; /* the first loss was said (guarded by mu) */
    /* The planner may emit llm_call records from its own thread while
     * the loop emits trades: one writer at a time keeps lines whole. */
    pthread_mutex_t mu;
    jl_buf line; /* the fast path's line, reused (under mu) */
} jsonl_sink;

/* ----------------------------------------------------- JSON helpers */

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* A string of at most max bytes (fixed arrays may lack their NUL);
 * invalid UTF-8 bytes, which an LLM or a truncation can produce, become
 * '?' instead of dropping the field. NULL stays null. */
static json_t *str_n(const char *s, size_t max)
{
    if (!s)
        return json_null();
    size_t len = strnlen(s, max);
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    for (size_t i = 0; i < len;) {
        size_t n = perp_utf8_len((const unsigned char *)copy + i, len - i);
        if (n == 0) {
            copy[i++] = '?';
            continue;
        }
        i += n;
    }
    json_t *j = json_stringn(copy, len);
    free(copy);
    return j;
}

static json_t *str(const char *s)
{
    return str_n(s, (size_t)-1);
}

#define STR_FIELD(arr) str_n((arr), sizeof(arr))

/* An embedded JSON document as a value, or as its text if it does not
 * parse, so nothing the host handed over is lost. */
static json_t *embedded(const char *text)
{
    if (!text)
        return json_null();
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    return j ? j : str(text);
}

static const char *cause_name(perp_fill_cause c)
{
    /* as the PostgreSQL sink writes a plugin's stray value */
    const char *name = perp_fill_cause_name(c);
    return name ? name : "exit";
}

static const char *type_name(perp_record_type t)
{
    switch (t) {
    case PERP_REC_TRADE:
        return "trade";
    case PERP_REC_EQUITY:
        return "equity";
    case PERP_REC_OBSERVATION:
        return "observation";
    case PERP_REC_DECISION:
        return "decision";
    case PERP_REC_REJECTION:
        return "rejection";
    case PERP_REC_FUNDING:
        return "funding";
    case PERP_REC_LIQUIDATION:
        return "liquidation";
    case PERP_REC_LLM_CALL:
        return "llm_call";
    case PERP_REC_POSITION:
        return "position";
    case PERP_REC_VERSION:
        return "version";
    case PERP_REC_ROUND_TRIP:
        return "round_trip";
    case PERP_REC_METRICS:
        return "metrics";
    }
    return NULL;
}

/* ------------------------------------------------ record -> fields */

static json_t *trade_fields(const perp_fill *f)
{
    return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o}", "symbol",
                     STR_FIELD(f->symbol), "side", f->qty < 0 ? "sell" : "buy",
                     "qty", num(fabs(f->qty)), "price", num(f->price), "fee",
                     num(f->fee), "realized_pnl", num(f->realized_pnl),
                     "position_after", num(f->position_after), "cause",
                     cause_name(f->cause), "reason", STR_FIELD(f->reason));
}

static json_t *equity_fields(const perp_equity_record *e)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "equity",
                     num(e->equity), "cash", num(e->cash), "available",
                     num(e->available), "unrealized_pnl",
                     num(e->unrealized_pnl), "margin_used", num(e->margin_used),
                     "realized_pnl", num(e->realized_pnl), "fees_paid",
                     num(e->fees_paid), "funding_net", num(e->funding_net));
}

static json_t *rejection_fields(const perp_rejection_record *r)
{
    json_t *decision = NULL;
    if (r->decision_json)
        decision = json_loads(r->decision_json, 0, NULL);
    return json_pack("{s:o, s:o, s:o}", "symbol", STR_FIELD(r->symbol),
                     "reason", STR_FIELD(r->reason), "decision",
                     decision ? decision : json_null());
}

static json_t *funding_fields(const perp_funding_record *r)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "symbol",
                     STR_FIELD(r->symbol), "rate", num(r->rate), "position",
                     num(r->position), "mark", num(r->mark), "payment",
                     num(r->payment));
}

static json_t *liquidation_fields(const perp_liquidation_record *r)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "symbol",
                     STR_FIELD(r->symbol), "qty", num(r->qty), "price",
                     num(r->price), "penalty", num(r->penalty), "equity_before",
                     num(r->equity_before), "maintenance_before",
                     num(r->maintenance_before));
}

/* cached_tokens: null when the server did not report it (-1). */
static json_t *llm_call_fields(const perp_llm_call_record *r)
{
    json_t *cached = r->cached_tokens >= 0
                         ? json_integer((json_int_t)r->cached_tokens)
                         : json_null();
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:i, s:o, s:o}", "model",
        str(r->model), "status", str(r->status), "request_hash",
        str(r->request_hash), "latency_ms", num(r->latency_ms), "prompt_tokens",
        (json_int_t)r->prompt_tokens, "completion_tokens",
        (json_int_t)r->completion_tokens, "cached_tokens", cached, "cost_usd",
        num(r->cost_usd), "attempt", r->attempt, "error", str(r->error),
        "raw_response", str(r->raw_response));
}

static json_t *position_fields(const perp_position *p)
{
    json_t *plan = json_pack("{s:o, s:o, s:o}", "profit_target",
                             num(p->exit_plan.profit_target), "stop_loss",
                             num(p->exit_plan.stop_loss), "invalidation",
                             STR_FIELD(p->exit_plan.invalidation));
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o}", "symbol",
        STR_FIELD(p->symbol), "qty", num(p->qty), "entry_price",
        num(p->entry_price), "mark_price", num(p->mark_price), "leverage",
        num(p->leverage), "unrealized_pnl", num(p->unrealized_pnl),
        "liquidation_price", num(p->liquidation_price), "entry_ts",
        (json_int_t)p->entry_ts, "exit_plan", plan ? plan : json_null());
}

static json_t *round_trip_fields(const perp_round_trip *t)
{
    return json_pack("{s:o, s:s, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:o}",
                     "symbol", STR_FIELD(t->symbol), "side",
                     t->side < 0 ? "short" : "long", "qty", num(t->qty),
                     "entry_price", num(t->entry_price), "exit_price",
                     num(t->exit_price), "entry_ts", (json_int_t)t->entry_ts,
                     "exit_ts", (json_int_t)t->exit_ts, "fees", num(t->fees),
                     "net_pnl", num(t->net_pnl), "entry_reason",
                     str_n(t->entry_reason, PERP_REASON_MAX), "exit_reason",
                     str_n(t->exit_reason, PERP_REASON_MAX));
}

static json_t *metrics_fields(const perp_metrics_record *m)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I}", "cycles", (json_int_t)m->cycles,
        "first_ts", (json_int_t)m->first_ts, "last_ts", (json_int_t)m->last_ts,
        "round_trips", (json_int_t)m->round_trips, "wins", (json_int_t)m->wins,
        "losses", (json_int_t)m->losses);
    const struct {
        const char *k;
        double v;
    } nums[] = {{"starting_equity", m->starting_equity},
                {"equity", m->equity},
                {"total_return_pct", m->total_return_pct},
                {"annual_return_pct", m->annual_return_pct},
                {"sharpe", m->sharpe},
                {"sortino", m->sortino},
                {"max_drawdown_pct", m->max_drawdown_pct},
                {"calmar", m->calmar},
                {"win_rate", m->win_rate},
                {"profit_factor", m->profit_factor},
                {"avg_win", m->avg_win},
                {"avg_loss", m->avg_loss},
                {"largest_win", m->largest_win},
                {"largest_loss", m->largest_loss},
                {"avg_hold_ms", m->avg_hold_ms},
                {"realized_pnl", m->realized_pnl},
                {"total_fees", m->total_fees},
                {"total_funding", m->total_funding},
                {"llm_cost_usd", m->llm_cost_usd},
                {"cost_per_decision", m->cost_per_decision},
                {"snapshot_interval_s", m->snapshot_interval_s},
                /* issue 16 (docs/benchmark.md); null where undefined */
                {"bench_return_pct", m->bench_return_pct},
                {"excess_return_pct", m->excess_return_pct},
                {"beta", m->beta},
                {"alpha_pct", m->alpha_pct},
                {"tracking_error_pct", m->tracking_error_pct},
                {"info_ratio", m->info_ratio},
                {"gross_pnl", m->gross_pnl},
                {"net_pnl", m->net_pnl},
                {"decisions_per_day", m->decisions_per_day}};
    const struct {
        const char *k;
        int64_t v;
    } ints[] = {{"llm_calls", m->llm_calls},
                {"prompt_tokens", m->prompt_tokens},
                {"completion_tokens", m->completion_tokens},
                {"cached_tokens", m->cached_tokens},
                {"decisions", m->decisions},
                {"bench_periods", m->bench_periods}};
    for (size_t i = 0; o && i < sizeof nums / sizeof nums[0]; i++)
        json_object_set_new(o, nums[i].k, num(nums[i].v));
    for (size_t i = 0; o && i < sizeof ints / sizeof ints[0]; i++)
        json_object_set_new(o, ints[i].k, json_integer((json_int_t)ints[i].v));
    return o;
}

static json_t *record_fields(const perp_record *rec)
{
    switch (rec->type) {
    case PERP_REC_TRADE:
        return trade_fields(&rec->u.trade.fill);
    case PERP_REC_EQUITY:
        return equity_fields(&rec->u.equity);
    case PERP_REC_OBSERVATION:
    case PERP_REC_DECISION:
    case PERP_REC_VERSION:
        return json_pack("{s:o}", "data", embedded(rec->u.json.json));
    case PERP_REC_REJECTION:
        return rejection_fields(&rec->u.rejection);
    case PERP_REC_FUNDING:
        return funding_fields(&rec->u.funding);
    case PERP_REC_LIQUIDATION:
        return liquidation_fields(&rec->u.liquidation);
    case PERP_REC_LLM_CALL:
        return llm_call_fields(&rec->u.llm_call);
    case PERP_REC_POSITION:
        return position_fields(&rec->u.position);
    case PERP_REC_ROUND_TRIP:
        return round_trip_fields(&rec->u.round_trip);
    case PERP_REC_METRICS:
        return metrics_fields(&rec->u.metrics);
    }
    return NULL;
}

/* The whole line's object; type, ts and version lead. */
static json_t *record_json(const perp_record *rec)
{
    const char *type = type_name(rec->type);
    if (!type)
        return NULL;
    json_t *fields = record_fields(rec);
    if (!fields)
        return NULL;
    json_t *line = json_pack("{s:s, s:I, s:o}", "type", type, "ts",
                             (json_int_t)rec->ts, "version", str(rec->version));
    if (!line || json_object_update(line, fields) != 0) {
        json_decref(line);
        line = NULL;
    }
    json_decref(fields);
    return line;
}

/* ---------------------------------------------------------- plugin */

/* mkdir -p of path's parent directories. */
static int make_parents(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int rc = 0;
    for (char *p = copy + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            rc = -1;
        *p = '/';
    }
    free(copy);
    return rc;
}

static const perp_config_key jsonl_config[] = {
    {.name = "path",
     .type = PERP_CFG_PATH,
     .flags = PERP_CFG_REQUIRED | PERP_CFG_OUTPUT,
     .description = "the .jsonl file to append records to"},
    {.name = "flush_every",
     .type = PERP_CFG_INTEGER,
     .default_value = "1",
     .min = 1,
     .flags = PERP_CFG_HAS_MIN,
     .description = "records between flushes to the file"},
    {.name = "hold_mb",
     .type = PERP_CFG_INTEGER,
     .default_value = "64",
     .min = 1,
     .max = 65536,
     .flags = PERP_CFG_HAS_MIN | PERP_CFG_HAS_MAX,
     .description = "memory for records while the file cannot be written "
                    "(a full disk); past it they are lost"},
    PERP_CFG_LAST};

static perp_status jsonl_create(const perp_host *h, const perp_config_node *cfg,
                                void **self)
{
    const char *path = NULL;
    int64_t flush_every = 1, hold_mb = 64;
    if (h->cfg_str(h, cfg, "path", NULL, &path) != PERP_OK ||
        h->cfg_int(h, cfg, "flush_every", 1, &flush_every) != PERP_OK ||
        h->cfg_int(h, cfg, "hold_mb", 64, &hold_mb) != PERP_OK)
        return PERP_EINVAL;
    if (!path || !*path)
        return h->cfg_error(h, cfg,
                            "key 'path' is required: the .jsonl file to "
                            "append records to");
    jsonl_sink *s = calloc(1, sizeof *s);
    if (!s)
        return PERP_ENOMEM;
    char err[512], q[PERP_QUOTE_LEN];
    int rc = -1;
    if (make_parents(path) != 0)
        snprintf(err, sizeof err, "%s: cannot create its folder: %s",
                 perp_quote(path, q, sizeof q), strerror(errno));
    else
        rc = jl_file_open(&s->file, path, (size_t)hold_mb << 20, err,
                          sizeof err);
    if (rc != 0) {
        free(s);
        return h->cfg_error(h, h->cfg_child(cfg, "path"),
                            "cannot open for appending: %s", err);
    }
    s->host = h;
    s->path = strdup(path);
    s->flush_every = flush_every;
    pthread_mutex_init(&s->mu, NULL);
    *self = s;
    return PERP_OK;
}

/* ------------------------------------------------ the fast path */

/* The records written every cycle, straight to text: the same bytes the
 * jansson path writes (jl_text.h), at a fraction of the cost. */
static void fast_head(jl_buf *b, const char *type, const perp_record *rec)
{
    jl_lit(b, "{\"type\":\"");
    jl_raw(b, type, strlen(type));
    jl_lit(b, "\",\"ts\":");
    jl_int(b, rec->ts);
    jl_lit(b, ",\"version\":");
    jl_str(b, rec->version, (size_t)-1);
}

#define FAST_NUM(b, key, x)                                                    \
    do {                                                                       \
        jl_lit(b, ",\"" key "\":");                                            \
        jl_real(b, x);                                                         \
    } while (0)
#define FAST_STR(b, key, s, max)                                               \
    do {                                                                       \
        jl_lit(b, ",\"" key "\":");                                            \
        jl_str(b, s, max);                                                     \
    } while (0)

static void fast_trade(jl_buf *b, const perp_fill *f)
{
    FAST_STR(b, "symbol", f->symbol, sizeof f->symbol);
    FAST_STR(b, "side", f->qty < 0 ? "sell" : "buy", 8);
    FAST_NUM(b, "qty", fabs(f->qty));
    FAST_NUM(b, "price", f->price);
    FAST_NUM(b, "fee", f->fee);
    FAST_NUM(b, "realized_pnl", f->realized_pnl);
    FAST_NUM(b, "position_after", f->position_after);
    FAST_STR(b, "cause", cause_name(f->cause), 32);
    FAST_STR(b, "reason", f->reason, sizeof f->reason);
}

static void fast_equity(jl_buf *b, const perp_equity_record *e)
{
    FAST_NUM(b, "equity", e->equity);
    FAST_NUM(b, "cash", e->cash);
    FAST_NUM(b, "available", e->available);
    FAST_NUM(b, "unrealized_pnl", e->unrealized_pnl);
    FAST_NUM(b, "margin_used", e->margin_used);
    FAST_NUM(b, "realized_pnl", e->realized_pnl);
    FAST_NUM(b, "fees_paid", e->fees_paid);
    FAST_NUM(b, "funding_net", e->funding_net);
}

static void fast_position(jl_buf *b, const perp_position *p)
{
    FAST_STR(b, "symbol", p->symbol, sizeof p->symbol);
    FAST_NUM(b, "qty", p->qty);
    FAST_NUM(b, "entry_price", p->entry_price);
    FAST_NUM(b, "mark_price", p->mark_price);
    FAST_NUM(b, "leverage", p->leverage);
    FAST_NUM(b, "unrealized_pnl", p->unrealized_pnl);
    FAST_NUM(b, "liquidation_price", p->liquidation_price);
    jl_lit(b, ",\"entry_ts\":");
    jl_int(b, p->entry_ts);
    jl_lit(b, ",\"exit_plan\":{\"profit_target\":");
    jl_real(b, p->exit_plan.profit_target);
    FAST_NUM(b, "stop_loss", p->exit_plan.stop_loss);
    FAST_STR(b, "invalidation", p->exit_plan.invalidation,
             sizeof p->exit_plan.invalidation);
    jl_lit(b, "}");
}

/* metrics_fields' keys in its order: json_pack's six integers, then the
 * reals (null when not finite), then the other integers. */
static void fast_metrics(jl_buf *b, const perp_metrics_record *m)
{
    const struct {
        const char *k;
        int64_t v;
    } head[] = {{"cycles", m->cycles},   {"first_ts", m->first_ts},
                {"last_ts", m->last_ts}, {"round_trips", m->round_trips},
                {"wins", m->wins},       {"losses", m->losses}},
      tail[] = {{"llm_calls", m->llm_calls},
                {"prompt_tokens", m->prompt_tokens},
                {"completion_tokens", m->completion_tokens},
                {"cached_tokens", m->cached_tokens},
                {"decisions", m->decisions},
                {"bench_periods", m->bench_periods}};
    const double nums[] = {m->starting_equity,
                           m->equity,
                           m->total_return_pct,
                           m->annual_return_pct,
                           m->sharpe,
                           m->sortino,
                           m->max_drawdown_pct,
                           m->calmar,
                           m->win_rate,
                           m->profit_factor,
                           m->avg_win,
                           m->avg_loss,
                           m->largest_win,
                           m->largest_loss,
                           m->avg_hold_ms,
                           m->realized_pnl,
                           m->total_fees,
                           m->total_funding,
                           m->llm_cost_usd,
                           m->cost_per_decision,
                           m->snapshot_interval_s,
                           m->bench_return_pct,
                           m->excess_return_pct,
                           m->beta,
                           m->alpha_pct,
                           m->tracking_error_pct,
                           m->info_ratio,
                           m->gross_pnl,
                           m->net_pnl,
                           m->decisions_per_day};
    static const char *const keys[] = {"starting_equity",
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
                                       "decisions_per_day"};
    _Static_assert(sizeof nums / sizeof nums[0] == sizeof keys / sizeof keys[0],
                   "a key for each metric");
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        jl_lit(b, ",\"");
        jl_raw(b, head[i].k, strlen(head[i].k));
        jl_lit(b, "\":");
        jl_int(b, head[i].v);
    }
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        jl_lit(b, ",\"");
        jl_raw(b, keys[i], strlen(keys[i]));
        jl_lit(b, "\":");
        jl_real(b, nums[i]);
    }
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
        jl_lit(b, ",\"");
        jl_raw(b, tail[i].k, strlen(tail[i].k));
        jl_lit(b, "\":");
        jl_int(b, tail[i].v);
    }
}

/* 1 when rec was rendered into b; 0 leaves it to the jansson path (rare
 * types, and a document that is not valid JSON, kept as a string). */
static int fast_line(jl_buf *b, const perp_record *rec)
{
    const char *type = type_name(rec->type);
    jl_reset(b);
    switch (rec->type) {
    case PERP_REC_TRADE:
        fast_head(b, type, rec);
        fast_trade(b, &rec->u.trade.fill);
        break;
    case PERP_REC_EQUITY:
        fast_head(b, type, rec);
        fast_equity(b, &rec->u.equity);
        break;
    case PERP_REC_POSITION:
        fast_head(b, type, rec);
        fast_position(b, &rec->u.position);
        break;
    case PERP_REC_METRICS: /* every agent.metrics_every cycles */
        fast_head(b, type, rec);
        fast_metrics(b, &rec->u.metrics);
        break;
    case PERP_REC_OBSERVATION:
    case PERP_REC_DECISION:
    case PERP_REC_VERSION:
        if (!rec->u.json.json || !jl_json_valid(rec->u.json.json))
            return 0;
        fast_head(b, type, rec);
        jl_lit(b, ",\"data\":");
        jl_raw(b, rec->u.json.json, strlen(rec->u.json.json));
        break;
    default:
        return 0;
    }
    jl_lit(b, "}\n");
    return jl_ok(b);
}

/* Says what a put or a drain did, when it changes the file's state:
 * the first failure (held, or lost on a file that cannot heal), the
 * held records written once the disk has room, the first record lost
 * past hold_mb. 1 unless records were lost. Caller holds mu. */
static int said(jsonl_sink *s, jl_outcome o, int was_failing, int64_t held)
{
    char q[PERP_QUOTE_LEN];
    const char *name = perp_quote(s->path, q, sizeof q);
    if (o == JL_HELD && !was_failing)
        s->host->log(s->host, PERP_LOG_ERROR,
                     "cannot write %s: %s; holding its records in memory "
                     "(up to %zu MB) and trying again every second",
                     name, strerror(s->file.err), s->file.hold_max >> 20);
    if (o == JL_WRITTEN && was_failing)
        s->host->log(s->host, PERP_LOG_WARN,
                     "%s can be written again: the %lld records held "
                     "are in it",
                     name, (long long)held);
    if (o != JL_LOST)
        return 1;
    if (!s->said_lost && s->file.regular)
        s->host->log(s->host, PERP_LOG_ERROR,
                     "%s: %zu MB of records held and it still cannot be "
                     "written (%s): records are being lost (counted, and "
                     "said when the sink closes)",
                     name, s->file.hold_max >> 20, strerror(s->file.err));
    else if (!s->said_lost)
        s->host->log(s->host, PERP_LOG_ERROR,
                     "cannot write %s: %s; records are being lost (counted, "
                     "and said when the sink closes)",
                     name, strerror(s->file.err));
    s->said_lost = 1;
    return 0;
}

/* One record's line. Caller holds mu. */
static int put_line(jsonl_sink *s, const char *text, size_t len)
{
    int was_failing = s->file.err != 0;
    int64_t held = s->file.pend_n + 1;
    int drain = s->file.pend_n + 1 >= s->flush_every;
    return said(s, jl_file_put(&s->file, text, len, drain), was_failing, held);
}

static perp_status jsonl_write(void *self, const perp_record *rec)
{
    jsonl_sink *s = self;
    if (!rec)
        return PERP_EINVAL;
    pthread_mutex_lock(&s->mu);
    if (fast_line(&s->line, rec)) {
        int ok = put_line(s, s->line.p, s->line.len);
        pthread_mutex_unlock(&s->mu);
        return ok ? PERP_OK : PERP_ERR;
    }
    pthread_mutex_unlock(&s->mu);
    json_t *line = record_json(rec);
    char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    if (!text) {
        s->host->log(s->host, PERP_LOG_ERROR, "cannot render record of type %d",
                     (int)rec->type);
        return PERP_EINVAL;
    }
    pthread_mutex_lock(&s->mu);
    int ok = put_line(s, text, strlen(text));
    pthread_mutex_unlock(&s->mu);
    free(text);
    return ok ? PERP_OK : PERP_ERR;
}

/* Everything buffered or held is written now; PERP_ERR while the file
 * still cannot take it (at the end of a run: records about to be lost). */
static perp_status jsonl_flush(void *self)
{
    jsonl_sink *s = self;
    pthread_mutex_lock(&s->mu);
    int was_failing = s->file.err != 0;
    int64_t held = s->file.pend_n;
    jl_outcome o = jl_file_drain(&s->file);
    said(s, o, was_failing, held);
    pthread_mutex_unlock(&s->mu);
    return o == JL_WRITTEN ? PERP_OK : PERP_ERR;
}

static void jsonl_destroy(void *self)
{
    jsonl_sink *s = self;
    if (!s)
        return;
    char q[PERP_QUOTE_LEN];
    if (jl_file_close(&s->file) != 0)
        s->host->log(s->host, PERP_LOG_ERROR, "cannot close %s: %s",
                     perp_quote(s->path, q, sizeof q), strerror(errno));
    if (s->file.lost)
        s->host->log(
            s->host, PERP_LOG_ERROR, "%llu records were not written to %s",
            (unsigned long long)s->file.lost, perp_quote(s->path, q, sizeof q));
    pthread_mutex_destroy(&s->mu);
    jl_free(&s->line);
    free(s->path);
    free(s);
}

static const perp_sink_vtable jsonl_vtable = {
    .struct_size = sizeof(perp_sink_vtable),
    .create = jsonl_create,
    .destroy = jsonl_destroy,
    .write = jsonl_write,
    .flush = jsonl_flush,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_SINK, "jsonl", "1.1.0",
                        "appends every record as one JSON object per line",
                        jsonl_vtable, jsonl_config)
