/*
 * backtest_summary.c — results to and from JSON.
 */
#include "backtest_summary.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static double get_num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *metrics_json(const host_bt_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(s->version));
    json_object_set_new(o, "config", json_string(s->config_path));
    json_object_set_new(o, "starting_equity", num(s->starting_equity));
    json_object_set_new(o, "final_equity", num(s->final_equity));
    json_object_set_new(o, "total_return_pct", num(s->m.total_return_pct));
    json_object_set_new(o, "annual_return_pct", num(s->annual_return_pct));
    json_object_set_new(o, "sharpe", num(s->m.sharpe));
    json_object_set_new(o, "sortino", num(s->m.sortino));
    json_object_set_new(o, "max_drawdown_pct", num(s->m.max_drawdown_pct));
    json_object_set_new(o, "calmar", num(s->calmar));
    json_object_set_new(o, "round_trips",
                        json_integer((json_int_t)s->m.trades));
    json_object_set_new(o, "win_rate", num(s->m.win_rate));
    json_object_set_new(o, "profit_factor", num(s->m.profit_factor));
    json_object_set_new(o, "avg_win", num(s->m.avg_win));
    json_object_set_new(o, "avg_loss", num(s->m.avg_loss));
    json_object_set_new(o, "largest_win", num(s->largest_win));
    json_object_set_new(o, "largest_loss", num(s->largest_loss));
    json_object_set_new(o, "avg_hold_min", num(s->avg_hold_min));
    json_object_set_new(o, "fees", num(s->fees));
    json_object_set_new(o, "funding_net", num(s->funding_net));
    json_object_set_new(o, "fills", json_integer((json_int_t)s->fills));
    json_object_set_new(o, "liquidations",
                        json_integer((json_int_t)s->liquidations));
    json_object_set_new(o, "rejections",
                        json_integer((json_int_t)s->rejections));
    json_object_set_new(o, "decisions", json_integer((json_int_t)s->decisions));
    json_object_set_new(o, "llm_calls", json_integer(s->llm_calls));
    json_object_set_new(o, "llm_tokens", json_integer(s->llm_tokens));
    json_object_set_new(o, "llm_cost_usd", num(s->llm_cost_usd));
    json_object_set_new(o, "cost_per_decision", num(s->cost_per_decision));
    json_object_set_new(o, "hash", json_string(s->hash));
    json_object_set_new(o, "cycle_ms", json_integer(s->cycle_ms));
    json_object_set_new(o, "benchmark_return_pct", num(s->bench.return_pct));
    json_object_set_new(o, "excess_return_pct", num(s->bench.excess_return_pct));
    json_object_set_new(o, "beta", num(s->bench.beta));
    json_object_set_new(o, "alpha_pct", num(s->bench.alpha_pct));
    json_object_set_new(o, "tracking_error_pct",
                        num(s->bench.tracking_error_pct));
    json_object_set_new(o, "information_ratio", num(s->bench.info_ratio));
    json_object_set_new(o, "benchmark_periods",
                        json_integer((json_int_t)s->bench.periods));
    json_object_set_new(o, "periods_per_year", num(s->bench.periods_per_year));
    json_object_set_new(
        o, "verdict",
        json_pack("{s:o, s:o, s:o, s:I, s:I, s:I, s:s}", "alpha_pct",
                  num(s->verdict.alpha_pct), "lo", num(s->verdict.lo), "hi",
                  num(s->verdict.hi), "periods", (json_int_t)s->verdict.periods,
                  "block", (json_int_t)s->verdict.block, "resamples",
                  (json_int_t)s->verdict.resamples, "beats",
                  !isfinite(s->verdict.lo) ? "unknown"
                  : s->verdict.beats > 0   ? "yes"
                  : s->verdict.beats < 0   ? "no"
                                           : "cannot tell"));
    json_object_set_new(o, "gross_pnl", num(s->gross_pnl));
    json_object_set_new(o, "net_pnl", num(s->net_pnl));
    json_object_set_new(o, "decisions_per_day", num(s->decisions_per_day));
    return o;
}

static json_t *curve_json(const host_bt_curve *c)
{
    json_t *ts = json_array(), *eq = json_array(), *b = json_array();
    for (size_t i = 0; i < c->n; i++) {
        json_array_append_new(ts, json_integer(c->ts[i]));
        json_array_append_new(eq, json_real(c->equity[i]));
        json_array_append_new(b, num(c->bench ? c->bench[i] : NAN));
    }
    return json_pack("{s:o, s:o, s:o}", "ts", ts, "equity", eq, "benchmark", b);
}

int host_bt_summary_write(const char *path, const host_bt_summary *s,
                          const host_bt_curve *curves, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = metrics_json(&s[i]);
        json_object_set_new(o, "equity_curve", curve_json(&curves[i]));
        json_array_append_new(arr, o);
    }
    json_t *root = json_pack("{s:o}", "versions", arr);
    int rc = json_dump_file(root, path, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (rc != 0) {
        host_log(PERP_LOG_ERROR, "backtest", "cannot write %s", path);
        return PERP_ERR;
    }
    return PERP_OK;
}

static void *keep(host_bt_summary_store *st, void *p)
{
    if (p && st->n_blocks < sizeof st->blocks / sizeof st->blocks[0])
        st->blocks[st->n_blocks++] = p;
    else if (p) {
        free(p);
        return NULL;
    }
    return p;
}

static void read_one(json_t *o, host_bt_summary *s, host_bt_curve *c,
                     host_bt_summary_store *st)
{
    memset(s, 0, sizeof *s);
    s->version = json_string_value(json_object_get(o, "version"));
    s->config_path = json_string_value(json_object_get(o, "config"));
    s->starting_equity = get_num(o, "starting_equity");
    s->final_equity = get_num(o, "final_equity");
    s->m.total_return_pct = get_num(o, "total_return_pct");
    s->annual_return_pct = get_num(o, "annual_return_pct");
    s->m.sharpe = get_num(o, "sharpe");
    s->m.sortino = get_num(o, "sortino");
    s->m.max_drawdown_pct = get_num(o, "max_drawdown_pct");
    s->calmar = get_num(o, "calmar");
    s->m.trades = (size_t)get_num(o, "round_trips");
    s->m.win_rate = get_num(o, "win_rate");
    s->m.profit_factor = get_num(o, "profit_factor");
    s->m.avg_win = get_num(o, "avg_win");
    s->m.avg_loss = get_num(o, "avg_loss");
    s->largest_win = get_num(o, "largest_win");
    s->largest_loss = get_num(o, "largest_loss");
    s->avg_hold_min = get_num(o, "avg_hold_min");
    s->fees = get_num(o, "fees");
    s->funding_net = get_num(o, "funding_net");
    s->fills = (size_t)get_num(o, "fills");
    s->liquidations = (size_t)get_num(o, "liquidations");
    s->rejections = (size_t)get_num(o, "rejections");
    s->decisions = (size_t)get_num(o, "decisions");
    s->llm_calls = (int64_t)get_num(o, "llm_calls");
    s->llm_tokens = (int64_t)get_num(o, "llm_tokens");
    s->llm_cost_usd = get_num(o, "llm_cost_usd");
    s->cost_per_decision = get_num(o, "cost_per_decision");
    s->cycle_ms = (int64_t)get_num(o, "cycle_ms");
    s->bench.return_pct = get_num(o, "benchmark_return_pct");
    s->bench.excess_return_pct = get_num(o, "excess_return_pct");
    s->bench.beta = get_num(o, "beta");
    s->bench.alpha_pct = get_num(o, "alpha_pct");
    s->bench.tracking_error_pct = get_num(o, "tracking_error_pct");
    s->bench.info_ratio = get_num(o, "information_ratio");
    s->bench.periods = (size_t)get_num(o, "benchmark_periods");
    s->bench.periods_per_year = get_num(o, "periods_per_year");
    json_t *v = json_object_get(o, "verdict");
    const char *beats = json_string_value(json_object_get(v, "beats"));
    s->verdict.alpha_pct = get_num(v, "alpha_pct");
    s->verdict.lo = get_num(v, "lo");
    s->verdict.hi = get_num(v, "hi");
    s->verdict.periods = (size_t)get_num(v, "periods");
    s->verdict.block = (size_t)get_num(v, "block");
    s->verdict.resamples = (size_t)get_num(v, "resamples");
    s->verdict.beats = beats && !strcmp(beats, "yes")  ? 1
                       : beats && !strcmp(beats, "no") ? -1
                                                       : 0;
    s->gross_pnl = get_num(o, "gross_pnl");
    s->net_pnl = get_num(o, "net_pnl");
    s->decisions_per_day = get_num(o, "decisions_per_day");
    const char *h = json_string_value(json_object_get(o, "hash"));
    snprintf(s->hash, sizeof s->hash, "%s", h ? h : "");
    json_t *curve = json_object_get(o, "equity_curve");
    json_t *ts = json_object_get(curve, "ts"),
           *eq = json_object_get(curve, "equity"),
           *bh = json_object_get(curve, "benchmark");
    size_t n = json_array_size(ts);
    int64_t *t = keep(st, malloc((n ? n : 1) * sizeof *t));
    double *e = keep(st, malloc((n ? n : 1) * sizeof *e));
    double *b = keep(st, malloc((n ? n : 1) * sizeof *b));
    memset(c, 0, sizeof *c);
    if (!t || !e || !b)
        return;
    for (size_t i = 0; i < n; i++) {
        json_t *bi = json_array_get(bh, i);
        t[i] = json_integer_value(json_array_get(ts, i));
        e[i] = json_number_value(json_array_get(eq, i));
        b[i] = json_is_number(bi) ? json_number_value(bi) : NAN;
    }
    *c = (host_bt_curve){t, e, n, b};
}

int host_bt_summary_read(const char *path, host_bt_summary *s,
                         host_bt_curve *curves, size_t cap, size_t *n_out,
                         host_bt_summary_store *st)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    if (!root || st->n_json == sizeof st->json / sizeof st->json[0]) {
        host_log(PERP_LOG_ERROR, "backtest", "%s: %s", path,
                 root ? "too many files" : e.text);
        json_decref(root);
        return PERP_ERR;
    }
    st->json[st->n_json++] = root;
    json_t *arr = json_object_get(root, "versions");
    for (size_t i = 0; i < json_array_size(arr) && *n_out < cap; i++) {
        read_one(json_array_get(arr, i), &s[*n_out], &curves[*n_out], st);
        (*n_out)++;
    }
    return PERP_OK;
}

void host_bt_summary_store_free(host_bt_summary_store *st)
{
    for (size_t i = 0; i < st->n_json; i++)
        json_decref(st->json[i]);
    for (size_t i = 0; i < st->n_blocks; i++)
        free(st->blocks[i]);
    memset(st, 0, sizeof *st);
}
