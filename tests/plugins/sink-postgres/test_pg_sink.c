/*
 * test_pg_sink.c — sink-postgres through its vtable against a real
 * PostgreSQL (a temporary cluster): migrations applied once (also by two
 * processes starting together) and a newer schema refused; every record
 * type in its table with its columns; sequence numbers; the current
 * positions; the checkpoint in the same transaction; restore handing back
 * the checkpoint, trades and equity and cutting what followed it; a
 * retried batch not duplicated; hostile text kept; the password nowhere.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "pg_cluster.h"
#include "pg_commit.h"
#include "pg_migrate.h"
#include "pg_open.h"
#include "pg_rows.h"
#include "plugin_services.h"
#include "stderr_capture.h"
#include "temp_dir.h"

PG_CLUSTER_START_HOOK()
PG_CLUSTER_STOP_HOOK()

const perp_plugin_descriptor *perp_plugin_entry(void);

typedef struct fixture {
    char *dir, *url;
    host_config *cfg;
    host_context ctx;
    perp_host *host;
    const perp_sink_vtable *vt;
    void *self;
} fixture;

static void open_sink(fixture *f, const char *url, const char *version)
{
    memset(f, 0, sizeof *f);
    f->dir = temp_dir_new();
    f->url = strdup(url);
    char *yaml = NULL;
    cr_assert(asprintf(&yaml, "plugin: postgres\nurl: \"%s\"\nspool_dir: %s\n",
                       url, f->dir) > 0);
    char err[256];
    f->cfg = host_config_parse(yaml, "sink.yaml", err, sizeof err);
    free(yaml);
    cr_assert_not_null(f->cfg, "%s", err);
    f->ctx.version = version;
    f->host = host_services_new(&f->ctx, "sink.postgres");
    const perp_plugin_descriptor *d = perp_plugin_entry();
    cr_assert_eq(d->kind, PERP_KIND_SINK);
    f->vt = d->vtable;
    cr_assert_eq(f->vt->create(f->host, host_config_root(f->cfg), &f->self),
                 PERP_OK);
}

static void close_sink(fixture *f)
{
    f->vt->destroy(f->self);
    host_services_free(f->host);
    host_config_free(f->cfg);
    temp_dir_remove(f->dir);
    free(f->dir);
    free(f->url);
}

/* ------------------------------------------------------- the visitor */

typedef struct seen {
    int checkpoints;
    perp_checkpoint cp;
    char backend[256], planner[256], agent[256];
    int trades, equities;
    double trade_qty[16], trade_price[16], equity[16];
    char reasons[16][64];
} seen;

static perp_status on_cp(void *ud, const perp_checkpoint *cp)
{
    seen *s = ud;
    s->checkpoints++;
    s->cp = *cp;
    snprintf(s->backend, sizeof s->backend, "%s",
             cp->backend_state ? cp->backend_state : "(null)");
    snprintf(s->planner, sizeof s->planner, "%s",
             cp->planner_state ? cp->planner_state : "(null)");
    snprintf(s->agent, sizeof s->agent, "%s",
             cp->agent_state ? cp->agent_state : "(null)");
    return PERP_OK;
}

static perp_status on_rec(void *ud, const perp_record *r)
{
    seen *s = ud;
    if (r->type == PERP_REC_TRADE && s->trades < 16) {
        s->trade_qty[s->trades] = r->u.trade.fill.qty;
        s->trade_price[s->trades] = r->u.trade.fill.price;
        snprintf(s->reasons[s->trades], 64, "%.63s", r->u.trade.fill.reason);
        s->trades++;
    } else if (r->type == PERP_REC_EQUITY && s->equities < 16) {
        cr_assert_eq(s->trades >= 0, 1);
        s->equity[s->equities++] = r->u.equity.equity;
    } else {
        cr_assert_fail("restore handed back a record of type %d", r->type);
    }
    return PERP_OK;
}

static int restore(fixture *f, seen *s)
{
    memset(s, 0, sizeof *s);
    perp_restore_visitor v = {.struct_size = sizeof v,
                              .ud = s,
                              .checkpoint = on_cp,
                              .record = on_rec};
    return f->vt->restore(f->self, &v);
}

/* ----------------------------------------------------- record makers */

static void write_rec(fixture *f, perp_record *r, int64_t ts)
{
    r->ts = ts;
    r->version = f->ctx.version;
    cr_assert_eq(f->vt->write(f->self, r), PERP_OK, "record type %d", r->type);
}

static void trade(fixture *f, int64_t ts, const char *sym, double qty,
                  double price, perp_fill_cause cause, const char *reason)
{
    perp_record r = {.type = PERP_REC_TRADE};
    perp_fill *x = &r.u.trade.fill;
    x->ts = ts;
    snprintf(x->symbol, sizeof x->symbol, "%s", sym);
    x->qty = qty;
    x->price = price;
    x->fee = fabs(qty) * price * 0.0002;
    x->realized_pnl = cause == PERP_CAUSE_ENTRY ? 0 : 12.5;
    x->position_after = cause == PERP_CAUSE_ENTRY ? qty : 0;
    x->cause = cause;
    snprintf(x->reason, sizeof x->reason, "%s", reason);
    write_rec(f, &r, ts);
}

static void equity(fixture *f, int64_t ts, double eq)
{
    perp_record r = {.type = PERP_REC_EQUITY};
    r.u.equity = (perp_equity_record){.equity = eq,
                                      .cash = eq - 1,
                                      .available = eq - 2,
                                      .unrealized_pnl = 1,
                                      .margin_used = 2,
                                      .realized_pnl = 3,
                                      .fees_paid = 0.25,
                                      .funding_net = -0.125};
    write_rec(f, &r, ts);
}

static void position(fixture *f, int64_t ts, const char *sym, double qty)
{
    perp_record r = {.type = PERP_REC_POSITION};
    perp_position *p = &r.u.position;
    snprintf(p->symbol, sizeof p->symbol, "%s", sym);
    p->qty = qty;
    p->entry_price = 100;
    p->mark_price = 101;
    p->leverage = 2;
    p->notional = fabs(qty) * 101;
    p->initial_margin = p->notional / 2;
    p->entry_ts = ts - 60000;
    p->exit_plan.stop_loss = 95;
    snprintf(p->exit_plan.invalidation, sizeof p->exit_plan.invalidation,
             "close below 90");
    write_rec(f, &r, ts);
}

static void json_rec(fixture *f, perp_record_type t, int64_t ts,
                     const char *json)
{
    perp_record r = {.type = t};
    r.u.json.json = json;
    write_rec(f, &r, ts);
}

static void checkpoint(fixture *f, int64_t cycle, int64_t ts,
                       const char *backend)
{
    perp_checkpoint cp = {.struct_size = sizeof cp,
                          .cycle = cycle,
                          .cycle_ts = ts,
                          .ts = ts,
                          .backend_state = backend,
                          .planner_state = "BTC-USD 1 0\n",
                          .agent_state = "{\"cycles\": 1}"};
    cr_assert_eq(f->vt->checkpoint(f->self, &cp), PERP_OK);
}

/* ------------------------------------------------------------- tests */

Test(pg_sink, migrations_apply_once_and_record_themselves, .timeout = 60)
{
    char *url = pg_test_db("migr");
    pg_opened o;
    char err[1024];
    cr_assert_eq(pg_open(url, 5, NULL, "m1", &o, err, sizeof err), 0, "%s", err);
    cr_assert_eq(o.migrations_applied, (int)pg_migration_count());
    PGconn *c = pg_test_connect(url);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM schema_migrations"),
                 (long long)pg_migration_count());
    cr_assert_eq(pg_test_int(c, "SELECT max(version) FROM schema_migrations"),
                 pg_schema_latest());
    PQfinish(o.conn);
    cr_assert_eq(pg_open(url, 5, NULL, "m1", &o, err, sizeof err), 0, "%s", err);
    cr_assert_eq(o.migrations_applied, 0, "a second start applied again");
    PQfinish(o.conn);
    PQfinish(c);
    free(url);
}

Test(pg_sink, two_processes_migrating_together_apply_each_file_once,
     .timeout = 60)
{
    char *url = pg_test_db("race");
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            char err[1024], tag[16];
            pg_opened o;
            snprintf(tag, sizeof tag, "race%d", i);
            int rc = pg_open(url, 5, NULL, tag, &o, err, sizeof err);
            if (rc != 0)
                fprintf(stderr, "child %d: %s\n", i, err);
            else
                PQfinish(o.conn);
            _exit(rc == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 4; i++) {
        int st = 0;
        waitpid(kids[i], &st, 0);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d failed", i);
    }
    PGconn *c = pg_test_connect(url);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM schema_migrations"),
                 (long long)pg_migration_count());
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM agent_versions"), 4);
    PQfinish(c);
    free(url);
}

Test(pg_sink, a_newer_schema_is_refused_and_left_alone, .timeout = 60)
{
    char *url = pg_test_db("newer");
    pg_opened o;
    char err[1024];
    cr_assert_eq(pg_open(url, 5, NULL, "n1", &o, err, sizeof err), 0, "%s", err);
    PQfinish(o.conn);
    PGconn *c = pg_test_connect(url);
    pg_test_exec(c, "INSERT INTO schema_migrations (version, name) VALUES "
                    "(9999, '9999_future.sql')");
    long long versions = pg_test_int(c, "SELECT count(*) FROM agent_versions");
    cr_assert_eq(pg_open(url, 5, NULL, "n2", &o, err, sizeof err), -1);
    cr_assert(strstr(err, "newer than this perpd"), "%s", err);
    cr_assert(strstr(err, "9999"), "%s", err);
    cr_assert_null(strchr(err, '\n'), "not one line: %s", err);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM agent_versions"),
                 versions, "a refused start wrote a version");
    PQfinish(c);
    free(url);
}

Test(pg_sink, every_record_lands_in_its_table_in_one_transaction, .timeout = 60)
{
    char *url = pg_test_db("rec");
    fixture f;
    open_sink(&f, url, "v-rec");
    seen s;
    cr_assert_eq(restore(&f, &s), PERP_OK);
    cr_assert_eq(s.checkpoints, 0, "a new version has no checkpoint");
    json_rec(&f, PERP_REC_VERSION, 1000,
             "{\"version\":\"v-rec\",\"description\":\"test desc\","
             "\"config\":{\"agent\":{\"version\":\"v-rec\"},\"sinks\":[{"
             "\"url\":\"***\"}]},\"starting_equity\":10000}");
    json_rec(&f, PERP_REC_OBSERVATION, 60000, "{\"cycle\":1,\"ts\":60000}");
    perp_record llm = {.type = PERP_REC_LLM_CALL};
    llm.u.llm_call = (perp_llm_call_record){.model = "m/x",
                                            .status = "ok",
                                            .request_hash = "abc",
                                            .raw_response = "{\"raw\":1}",
                                            .latency_ms = 812.5,
                                            .prompt_tokens = 1000,
                                            .completion_tokens = 50,
                                            .cost_usd = 0.0012,
                                            .attempt = 1,
                                            .cached_tokens = 600};
    write_rec(&f, &llm, 60000);
    json_rec(&f, PERP_REC_DECISION, 60000,
             "{\"positions\":{},\"notes_for_audience\":\"long BTC\"}");
    perp_record rej = {.type = PERP_REC_REJECTION};
    snprintf(rej.u.rejection.symbol, PERP_SYMBOL_MAX, "ETH-USD");
    snprintf(rej.u.rejection.reason, PERP_ERROR_MAX, "min notional");
    rej.u.rejection.decision_json = "{\"coin\":\"ETH\"}";
    write_rec(&f, &rej, 60000);
    trade(&f, 60000, "BTC-USD", 0.5, 100, PERP_CAUSE_ENTRY, "trend up");
    perp_record fund = {.type = PERP_REC_FUNDING};
    fund.u.funding = (perp_funding_record){
        .rate = 0.0001, .position = 0.5, .mark = 101, .payment = -0.00505};
    snprintf(fund.u.funding.symbol, PERP_SYMBOL_MAX, "BTC-USD");
    write_rec(&f, &fund, 60000);
    perp_record liq = {.type = PERP_REC_LIQUIDATION};
    liq.u.liquidation = (perp_liquidation_record){.qty = -2,
                                                  .price = 3000,
                                                  .penalty = 3,
                                                  .equity_before = 100,
                                                  .maintenance_before = 120};
    snprintf(liq.u.liquidation.symbol, PERP_SYMBOL_MAX, "ETH-USD");
    write_rec(&f, &liq, 60000);
    perp_record rt = {.type = PERP_REC_ROUND_TRIP};
    rt.u.round_trip = (perp_round_trip){.side = -1,
                                        .qty = 2,
                                        .entry_price = 3100,
                                        .exit_price = 3000,
                                        .entry_ts = 30000,
                                        .exit_ts = 60000,
                                        .fees = 1.5,
                                        .net_pnl = 198.5,
                                        .entry_reason = "fade",
                                        .exit_reason = "liquidated"};
    snprintf(rt.u.round_trip.symbol, PERP_SYMBOL_MAX, "ETH-USD");
    write_rec(&f, &rt, 60000);
    equity(&f, 60000, 10010);
    position(&f, 60000, "BTC-USD", 0.5);
    position(&f, 60000, "SOL-USD", -3);
    perp_record m = {.type = PERP_REC_METRICS};
    m.u.metrics = (perp_metrics_record){.cycles = 1,
                                        .starting_equity = 10000,
                                        .equity = 10010,
                                        .total_return_pct = 0.1,
                                        .sharpe = 1.5,
                                        .profit_factor = INFINITY,
                                        .round_trips = 1,
                                        .wins = 1,
                                        .cached_tokens = 600};
    write_rec(&f, &m, 60000);
    PGconn *c = pg_test_connect(url);
    checkpoint(&f, 1, 60000, "{\"cash\":10010}");
    cr_assert_eq(f.vt->flush(f.self), PERP_OK);

    const char *tables[] = {"trades",           "round_trips",
                            "equity_snapshots", "position_snapshots",
                            "funding_payments", "liquidations",
                            "observations",     "decisions",
                            "llm_calls",        "rejections",
                            "version_metrics"};
    const long long want[] = {1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        cr_assert_eq(pg_test_int(c, sql), want[i], "%s", tables[i]);
    }
    /* seq numbers the records in write order, 1..12; VERSION takes none */
    cr_assert_eq(pg_test_int(c, "SELECT last_seq FROM agent_versions"), 12);
    cr_assert_eq(pg_test_int(c, "SELECT seq FROM observations"), 1);
    cr_assert_eq(pg_test_int(c, "SELECT seq FROM trades"), 5);
    cr_assert_eq(pg_test_int(c, "SELECT max(seq) FROM position_snapshots"), 11);
    pg_test_str_eq(c, "SELECT description FROM agent_versions", "test desc");
    cr_assert_eq(pg_test_num(c, "SELECT starting_equity FROM agent_versions"),
                 10000.0);
    cr_assert_eq(pg_test_int(c, "SELECT first_ts FROM agent_versions"), 60000);
    pg_test_str_eq(c, "SELECT config->'sinks'->0->>'url' FROM agent_versions",
                   "***");
    /* columns */
    pg_test_str_eq(c,
                   "SELECT side || ' ' || qty || ' ' || price || ' ' || "
                   "cause || ' ' || reason FROM trades",
                   "buy 0.5 100 entry trend up");
    pg_test_str_eq(c,
                   "SELECT notes || '|' || cycle || '|' || "
                   "observation_seq || '|' || llm_call_seq "
                   "|| '|' || raw_output FROM decisions",
                   "long BTC|1|1|2|{\"raw\":1}");
    pg_test_str_eq(c, "SELECT error FROM decisions", NULL);
    pg_test_str_eq(c,
                   "SELECT decision->>'notes_for_audience' "
                   "FROM decisions",
                   "long BTC");
    cr_assert_eq(pg_test_int(c, "SELECT cached_tokens FROM llm_calls"), 600);
    cr_assert_eq(pg_test_num(c, "SELECT latency_ms FROM llm_calls"), 812.5);
    pg_test_str_eq(c, "SELECT decision->>'coin' FROM rejections", "ETH");
    cr_assert_eq(pg_test_int(c, "SELECT hold_ms FROM round_trips"), 30000);
    pg_test_str_eq(c, "SELECT side FROM round_trips", "short");
    pg_test_str_eq(c,
                   "SELECT profit_factor::text FROM "
                   "version_metrics",
                   "Infinity");
    cr_assert_eq(pg_test_num(c, "SELECT funding_net FROM equity_snapshots"),
                 -0.125);
    /* current positions: the set written with the newest equity snapshot */
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM positions"), 2);
    pg_test_str_eq(c,
                   "SELECT profit_target FROM positions "
                   "WHERE symbol = 'BTC-USD'",
                   NULL);
    cr_assert_eq(pg_test_num(c, "SELECT stop_loss FROM positions WHERE "
                                "symbol = 'BTC-USD'"),
                 95.0);
    /* the checkpoint, in the same transaction */
    cr_assert_eq(pg_test_int(c, "SELECT seq FROM checkpoints"), 12);
    pg_test_str_eq(c, "SELECT backend_state FROM checkpoints",
                   "{\"cash\":10010}");
    cr_assert_eq(pg_test_int(c, "SELECT (agent_state->>'cycles')::int FROM "
                                "checkpoints"),
                 1);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM leaderboard"), 1);

    /* A second cycle: one position closed, so one position remains. */
    trade(&f, 120000, "SOL-USD", 3, 101, PERP_CAUSE_EXIT, "stop");
    equity(&f, 120000, 10020);
    position(&f, 120000, "BTC-USD", 0.5);
    checkpoint(&f, 2, 120000, "{\"cash\":10020}");
    f.vt->flush(f.self);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM positions"), 1);
    cr_assert_eq(pg_test_int(c, "SELECT seq FROM positions"), 15);
    PQfinish(c);
    close_sink(&f);
    free(url);
}

Test(pg_sink, restore_hands_back_the_checkpoint_and_cuts_what_followed,
     .timeout = 60)
{
    char *url = pg_test_db("restore");
    fixture f;
    seen s;
    open_sink(&f, url, "v-restore");
    cr_assert_eq(restore(&f, &s), PERP_OK);
    trade(&f, 60000, "BTC-USD", 0.5, 100, PERP_CAUSE_ENTRY, "in");
    equity(&f, 60000, 10000);
    position(&f, 60000, "BTC-USD", 0.5);
    checkpoint(&f, 1, 60000, "{\"cash\":1}");
    trade(&f, 120000, "BTC-USD", -0.5, 110, PERP_CAUSE_EXIT, "out");
    equity(&f, 120000, 10005);
    checkpoint(&f, 2, 120000, "{\"cash\":2}");
    /* Records after the last checkpoint, committed by a flush alone (a
     * crash would have lost them; a flush without checkpoint keeps them
     * until the next start cuts them). */
    trade(&f, 150000, "ETH-USD", 1, 2000, PERP_CAUSE_ENTRY, "orphan");
    equity(&f, 150000, 9999);
    position(&f, 150000, "ETH-USD", 1);
    f.vt->flush(f.self);
    close_sink(&f);
    PGconn *c = pg_test_connect(url);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM trades"), 3);

    open_sink(&f, url, "v-restore");
    cr_assert_eq(restore(&f, &s), PERP_OK);
    cr_assert_eq(s.checkpoints, 1);
    cr_assert_eq(s.cp.cycle, 2);
    cr_assert_eq(s.cp.cycle_ts, 120000);
    cr_assert_str_eq(s.backend, "{\"cash\":2}");
    cr_assert_str_eq(s.planner, "BTC-USD 1 0\n");
    cr_assert_eq(s.trades, 2);
    cr_assert_eq(s.trade_qty[0], 0.5);
    cr_assert_eq(s.trade_qty[1], -0.5, "a sell comes back negative");
    cr_assert_eq(s.trade_price[1], 110.0);
    cr_assert_str_eq(s.reasons[1], "out");
    cr_assert_eq(s.equities, 2);
    cr_assert_eq(s.equity[1], 10005.0);
    /* the orphans are gone, the positions are those of the checkpoint */
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM trades"), 2);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM positions"), 0);
    cr_assert_eq(pg_test_int(c, "SELECT last_seq FROM agent_versions"), 5);
    /* and numbering carries on after the checkpoint */
    trade(&f, 180000, "ETH-USD", 1, 2000, PERP_CAUSE_ENTRY, "again");
    checkpoint(&f, 3, 180000, "{\"cash\":3}");
    f.vt->flush(f.self);
    cr_assert_eq(pg_test_int(c, "SELECT seq FROM trades WHERE reason = "
                                "'again'"),
                 6);
    close_sink(&f);
    PQfinish(c);
    free(url);
}

Test(pg_sink, a_retried_batch_is_not_written_twice, .timeout = 60)
{
    char *url = pg_test_db("retry");
    pg_opened o;
    char err[1024];
    cr_assert_eq(pg_open(url, 5, NULL, "v-retry", &o, err, sizeof err), 0, "%s", err);
    pg_unit *u = pg_unit_new();
    pg_rows_state st = {.version_id = o.version_id, .next_seq = 1, .cycle = 1};
    perp_record r = {.type = PERP_REC_EQUITY, .ts = 5};
    r.u.equity.equity = 1;
    cr_assert_eq(pg_rows_add(&st, u, &r), PERP_OK);
    cr_assert_eq(pg_rows_add(&st, u, &r), PERP_OK);
    int64_t last = 0;
    cr_assert_eq(pg_commit(o.conn, o.version_id, &u, 1, &last, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(last, 2);
    /* The same unit again, as after a commit whose answer was lost: the
     * version's last_seq says it is in. */
    last = pg_commit_last_seq(o.conn, o.version_id, err, sizeof err);
    cr_assert_eq(pg_commit(o.conn, o.version_id, &u, 1, &last, err, sizeof err),
                 0, "%s", err);
    PGconn *c = pg_test_connect(url);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM equity_snapshots"), 2);
    /* Without that knowledge the key itself refuses a duplicate. */
    last = 0;
    cr_assert_eq(pg_commit(o.conn, o.version_id, &u, 1, &last, err, sizeof err),
                 -1);
    cr_assert(strstr(err, "23505"), "expected a unique violation: %s", err);
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM equity_snapshots"), 2);
    pg_unit_free(u);
    pg_rows_state_free(&st);
    PQfinish(o.conn);
    PQfinish(c);
    free(url);
}

Test(pg_sink, hostile_text_is_stored_as_given_or_made_valid, .timeout = 60)
{
    char *url = pg_test_db("text");
    fixture f;
    seen s;
    open_sink(&f, url, "v-text");
    cr_assert_eq(restore(&f, &s), PERP_OK);
    trade(&f, 1, "BTC-USD", 1, 1, PERP_CAUSE_ENTRY,
          "tab\there\\back\nline\r\"quote\" 'single' \xc3\xa9 bad\xff end");
    json_rec(&f, PERP_REC_DECISION, 1, "not json {");
    checkpoint(&f, 1, 1, NULL);
    f.vt->flush(f.self);
    PGconn *c = pg_test_connect(url);
    pg_test_str_eq(c, "SELECT reason FROM trades",
                   "tab\there\\back\nline\r\"quote\" 'single' \xc3\xa9 "
                   "bad? end");
    pg_test_str_eq(c, "SELECT decision #>> '{}' FROM decisions", "not json {");
    pg_test_str_eq(c, "SELECT backend_state FROM checkpoints", NULL);
    PQfinish(c);
    close_sink(&f);
    free(url);
}

Test(pg_sink, the_password_appears_in_no_row_and_no_log_line, .timeout = 60)
{
    char *url = pg_test_db("secret");
    const char *pw = pg_test_password();
    cr_assert(strlen(pw) > 4);
    cr_assert(strstr(url, pw), "the test URL carries the password");
    stderr_capture_begin();
    fixture f;
    seen s;
    open_sink(&f, url, "v-secret");
    restore(&f, &s);
    json_rec(&f, PERP_REC_VERSION, 1,
             "{\"description\":\"d\",\"config\":{\"url\":\"***\"}}");
    equity(&f, 1, 1);
    checkpoint(&f, 1, 1, NULL);
    close_sink(&f);
    char *log = stderr_capture_end();
    cr_assert_null(strstr(log, pw), "the password reached the log:\n%s", log);
    PGconn *c = pg_test_connect(url);
    char sql[512];
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM agent_versions v WHERE v::text LIKE '%%%s%%'",
        pw);
    cr_assert_eq(pg_test_int(c, sql), 0);
    free(log);
    PQfinish(c);
    free(url);
}

/* The shipped pipelines name url "${DATABASE_URL:-}": unset, the sink
 * is off. It says so once, stores nothing (no spool file either), and
 * lets the run go on with its other sinks. */
Test(pg_sink, an_empty_url_leaves_the_sink_off_and_says_so, .timeout = 60)
{
    fixture f;
    stderr_capture_begin();
    open_sink(&f, "", "v-off");
    seen s;
    cr_assert_eq(restore(&f, &s), PERP_OK);
    cr_assert_eq(s.checkpoints, 0);
    perp_record r = {.type = PERP_REC_EQUITY, .version = "v-off"};
    r.u.equity.equity = 10000;
    write_rec(&f, &r, 60000);
    perp_checkpoint cp = {.struct_size = sizeof cp, .cycle = 1,
                          .cycle_ts = 60000, .ts = 60000};
    cr_assert_eq(f.vt->checkpoint(f.self, &cp), PERP_OK);
    cr_assert_eq(f.vt->flush(f.self), PERP_OK);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", f.dir);
    cr_assert_eq(system(cmd), 0, "the sink wrote into %s", f.dir);
    close_sink(&f);
    char *log = stderr_capture_end();
    cr_assert(strstr(log, "no database: url is empty (DATABASE_URL is not "
                          "set), so this sink writes nothing"),
              "%s", log);
    free(log);
}
