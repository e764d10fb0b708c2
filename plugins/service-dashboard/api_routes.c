/*
 * api_routes.c — the JSON API: which paths exist, the parameters each
 * takes, the statement that answers it, and the common path of every
 * answer (parameters, version, cache, database, ETag). openapi.json
 * documents the same table; test_dashboard_api checks they agree.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_equity.h"
#include "api_params.h"
#include "api_sql.h"
#include "dash.h"
#include "http_reply.h"

typedef enum route_kind {
    R_VERSION,  /* one version: $1 = its id */
    R_LIST,     /* one version, newest first: id, from, to, limit, offset */
    R_EQUITY,   /* api_equity.c */
    R_DECISION, /* id, the decision's id */
    R_PRICES,   /* id, symbol, from, to */
    R_ALL,      /* every version, no parameter */
    R_LEADERBOARD,
    R_HEALTH,
    R_OPENAPI
} route_kind;

typedef struct route {
    const char *path;
    route_kind kind;
    int stmt;
    unsigned params;
    int64_t def_limit;
} route;

#define LISTED (P_VERSION | P_RANGE | P_PAGE)

static const route routes[] = {
    {"/api/health", R_HEALTH, SQL_HEALTH, P_VERSION, 0},
    {"/api/versions", R_ALL, SQL_VERSIONS, 0, 0},
    {"/api/current-version", R_VERSION, SQL_CURRENT, P_VERSION, 0},
    {"/api/config", R_VERSION, SQL_CONFIG, P_VERSION, 0},
    {"/api/leaderboard", R_LEADERBOARD, SQL_LEADERBOARD, P_MIN_HOURS, 0},
    {"/api/equity-curve", R_EQUITY, SQL_EQUITY_ROWS,
     P_VERSION | P_RANGE | P_POINTS, 0},
    {"/api/pl", R_VERSION, SQL_PL, P_VERSION, 0},
    {"/api/positions", R_VERSION, SQL_POSITIONS, P_VERSION, 0},
    {"/api/trades", R_LIST, SQL_TRADES, LISTED, 100},
    {"/api/completed-trades", R_LIST, SQL_ROUND_TRIPS, LISTED, 50},
    {"/api/chat", R_LIST, SQL_CHAT, LISTED, 50},
    {"/api/decision", R_DECISION, SQL_DECISION, P_VERSION | P_ID, 0},
    {"/api/metrics", R_VERSION, SQL_METRICS, P_VERSION, 0},
    {"/api/performance-stats", R_VERSION, SQL_PERF_STATS, P_VERSION, 0},
    {"/api/llm-calls", R_LIST, SQL_LLM_CALLS, LISTED, 50},
    {"/api/rejections", R_LIST, SQL_REJECTIONS, LISTED, 50},
    {"/api/market-prices", R_VERSION, SQL_MARKET, P_VERSION, 0},
    {"/api/prices", R_PRICES, SQL_PRICES, P_VERSION | P_RANGE | P_SYMBOL, 0},
    {"/api/openapi.json", R_OPENAPI, -1, 0, 0},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

static const route *find_route(const char *url)
{
    for (size_t i = 0; i < N_ROUTES; i++)
        if (strcmp(routes[i].path, url) == 0)
            return &routes[i];
    return NULL;
}

static int wants_version(const route *r)
{
    return r->kind != R_ALL && r->kind != R_LEADERBOARD && r->kind != R_OPENAPI;
}

/* The statement's parameters as text, in the order api_sql.c numbers
 * them. bufs holds the numbers' text. */
static int bind_params(const route *r, const api_query *q, int version_id,
                       char bufs[5][32], const char *vals[5])
{
    snprintf(bufs[0], 32, "%d", version_id);
    vals[0] = bufs[0];
    switch (r->kind) {
    case R_LIST:
        snprintf(bufs[1], 32, "%" PRId64, q->from);
        snprintf(bufs[2], 32, "%" PRId64, q->to);
        snprintf(bufs[3], 32, "%" PRId64, q->limit);
        snprintf(bufs[4], 32, "%" PRId64, q->offset);
        for (int i = 1; i < 5; i++)
            vals[i] = bufs[i];
        return 5;
    case R_DECISION:
        snprintf(bufs[1], 32, "%" PRId64, q->id);
        vals[1] = bufs[1];
        return 2;
    case R_PRICES:
        vals[1] = q->symbol;
        snprintf(bufs[2], 32, "%" PRId64, q->from);
        snprintf(bufs[3], 32, "%" PRId64, q->to);
        vals[2] = bufs[2];
        vals[3] = bufs[3];
        return 4;
    case R_LEADERBOARD:
        snprintf(bufs[0], 32, "%.17g", q->min_hours);
        return 1;
    case R_ALL:
        return 0;
    default:
        return 1;
    }
}

/* What identifies an answer in the cache: the path, the version and
 * every parameter's value as parsed. */
static void cache_key(const route *r, const api_query *q, int version_id,
                      char *out, size_t len)
{
    snprintf(out, len,
             "%s|%d|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64
             "|%.17g|%" PRId64 "|%s",
             r->path, version_id, q->from, q->to, q->limit, q->offset,
             q->points, q->min_hours, q->id, q->symbol ? q->symbol : "");
}

static enum MHD_Result db_error(dash *d, struct MHD_Connection *c, db_status st)
{
    (void)d;
    if (st == DB_FAILED)
        return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "the query failed (see the dashboard's log)");
    return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable");
}

static enum MHD_Result answer_openapi(struct MHD_Connection *c)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        dash_openapi_json_len, (void *)dash_openapi_json,
        MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    reply_headers(r, CT_JSON);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* /api/health: never cached; 503 when the database cannot be read. */
static enum MHD_Result answer_health(dash *d, struct MHD_Connection *c,
                                     const api_query *q)
{
    dash_version v;
    dv_status vs = db_versions_find(&d->versions, q->version, &v);
    if (vs == DV_UNKNOWN && q->version)
        return reply_error(c, MHD_HTTP_NOT_FOUND, "no version '%.60s'",
                           q->version);
    char *agent = NULL;
    db_status st = DB_UNAVAILABLE;
    if (vs == DV_FOUND) {
        char id[32];
        snprintf(id, sizeof id, "%d", v.id);
        const char *vals[1] = {id};
        st = db_pool_query(d->pool, SQL_HEALTH, 1, vals, &agent);
    } else if (vs == DV_UNKNOWN) {
        st = DB_NULL; /* reachable, nothing recorded yet */
    }
    int up = st == DB_OK || st == DB_NULL;
    char *body = NULL;
    double lat = db_pool_last_latency_ms(d->pool);
    if (asprintf(&body,
                 "{\"status\":\"%s\",\"database\":{\"ok\":%s,\"latency_ms\":"
                 "%.3f},\"agent\":%s}",
                 up ? "ok" : "unavailable", up ? "true" : "false",
                 lat < 0 ? 0.0 : lat, agent ? agent : "null") < 0)
        body = NULL;
    free(agent);
    if (!body)
        return MHD_NO;
    struct MHD_Response *r = reply_make(body, strlen(body), CT_JSON, 0, NULL);
    if (!r)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(
        c, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, r);
    MHD_destroy_response(r);
    return ret;
}

/* The version the request is about, or an error queued (*ret set). */
static int resolve_version(dash *d, struct MHD_Connection *c,
                           const api_query *q, dash_version *v,
                           enum MHD_Result *ret)
{
    dv_status st = db_versions_find(&d->versions, q->version, v);
    if (st == DV_FOUND)
        return 0;
    if (st == DV_DOWN)
        *ret = reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                           "database unavailable");
    else if (q->version)
        *ret = reply_error(c, MHD_HTTP_NOT_FOUND, "no version '%.60s'",
                           q->version);
    else
        *ret =
            reply_error(c, MHD_HTTP_NOT_FOUND, "no agent version recorded yet");
    return -1;
}

static enum MHD_Result answer_route(dash *d, struct MHD_Connection *c,
                                    const route *r)
{
    api_query q;
    char why[300];
    if (api_params_read(c, r->params, r->def_limit, &q, why, sizeof why) != 0)
        return reply_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
    if (r->kind == R_OPENAPI)
        return answer_openapi(c);
    if (r->kind == R_HEALTH)
        return answer_health(d, c, &q);

    dash_version v = {0};
    uint64_t gen;
    int64_t modified;
    enum MHD_Result ret;
    if (wants_version(r)) {
        if (resolve_version(d, c, &q, &v, &ret) != 0)
            return ret;
        gen = (uint64_t)v.last_seq;
        modified = v.last_seen_ms;
    } else if (db_versions_all(&d->versions, &gen, &modified) != DV_FOUND) {
        return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                           "database unavailable");
    }
    char key[512];
    cache_key(r, &q, v.id, key, sizeof key);
    const char *inm = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (resp_cache_queue(d->cache, key, gen, c, inm, &ret))
        return ret;

    char bufs[5][32];
    const char *vals[5];
    int n = bind_params(r, &q, v.id, bufs, vals);
    char *body = NULL;
    db_status st = r->kind == R_EQUITY
                       ? api_equity_json(d->pool, v.id, v.tag, q.from, q.to,
                                         q.points, &body)
                       : db_pool_query(d->pool, r->stmt, n, vals, &body);
    if (st == DB_NULL && r->kind == R_DECISION)
        return reply_error(c, MHD_HTTP_NOT_FOUND, "no decision %" PRId64, q.id);
    if (st == DB_NULL)
        return reply_error(c, MHD_HTTP_NOT_FOUND, "nothing recorded yet");
    if (st != DB_OK)
        return db_error(d, c, st);
    char etag[48];
    struct MHD_Response *resp =
        reply_make(body, strlen(body), CT_JSON, modified, etag);
    if (!resp)
        return MHD_NO;
    if (etag_matches(inm, etag))
        ret = reply_not_modified(c, etag);
    else
        ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
    resp_cache_put(d->cache, key, gen, resp, etag);
    return ret;
}

enum MHD_Result api_answer(dash *d, struct MHD_Connection *c, const char *url)
{
    if (strcmp(url, "/metrics") == 0)
        return prom_answer(d, c);
    const route *r = find_route(url);
    if (!r)
        return reply_error(c, MHD_HTTP_NOT_FOUND,
                           "no such endpoint (GET /api/openapi.json lists "
                           "them)");
    return answer_route(d, c, r);
}
