/*
 * test_dashboard_http.c — the dashboard's HTTP surface with no database
 * behind it (the API against a real one: tests/integration/
 * test_dashboard_api.c): the configuration's refusals (a remote address
 * without allow_remote, a missing web folder), the web UI's files with
 * their content types, every traversal form answered 404, methods other
 * than GET/HEAD answered 405, each endpoint's bad parameters answered 400
 * with a JSON reason, and an unreachable database answered 503 without
 * the URL's password anywhere (body, headers, log).
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dash.h"
#include "http_client.h"
#include "plugin_instance.h"
#include "plugin_services.h"
#include "stderr_capture.h"
#include "temp_dir.h"

const perp_plugin_descriptor *perp_plugin_entry(void);

#define SECRET "s3cret-pw-7Qx"

typedef struct fixture {
    char *dir, *web;
    host_config *cfg;
    host_context ctx;
    perp_host *host;
    const perp_service_vtable *vt;
    dash *d;
    char base[64];
} fixture;

static int open_dash(fixture *f, const char *extra)
{
    memset(f, 0, sizeof *f);
    f->dir = temp_dir_new();
    cr_assert(asprintf(&f->web, "%s/webui", f->dir) > 0);
    mkdir(f->web, 0755);
    free(temp_dir_write(f->web, "index.html",
                        "<!doctype html><title>t</title>"));
    free(temp_dir_write(f->web, "app.js", "export const x = 1;\n"));
    free(temp_dir_write(f->web, "style.css", "body{}\n"));
    free(temp_dir_write(f->web, "notes.md", "# no type\n"));
    free(temp_dir_write(f->web, ".env", "SECRET=1\n"));
    free(temp_dir_write(f->web, "package.json", "{}\n"));
    mkdir(f->dir, 0755);
    free(temp_dir_write(f->dir, "outside.txt", "outside the web folder\n"));
    char *link = NULL;
    cr_assert(asprintf(&link, "%s/escape.txt", f->web) > 0);
    char *target = NULL;
    cr_assert(asprintf(&target, "%s/outside.txt", f->dir) > 0);
    cr_assert_eq(symlink(target, link), 0);
    free(link);
    free(target);
    /* nothing listens on this socket folder: the database is down */
    setenv("DASH_TEST_URL",
           "postgresql://perp:" SECRET "@/perpd?host=/nonexistent-perpd-xyz",
           1);
    char *yaml = NULL;
    cr_assert(asprintf(&yaml,
                       "plugin: dashboard\nport: 0\nwebui: %s\nurl: "
                       "\"${DASH_TEST_URL}\"\nrefresh: 100ms\n%s",
                       f->web, extra ? extra : "") > 0);
    char err[256];
    f->cfg = host_config_parse(yaml, "dash.yaml", err, sizeof err);
    free(yaml);
    cr_assert_not_null(f->cfg, "%s", err);
    f->host = host_services_new(&f->ctx, "dashboard");
    const perp_plugin_descriptor *desc = perp_plugin_entry();
    cr_assert_eq(desc->kind, PERP_KIND_SERVICE);
    f->vt = desc->vtable;
    void *self = NULL;
    int rc = host_plugin_create(desc, f->host, host_config_root(f->cfg), &self);
    f->d = self;
    return rc;
}

static void start(fixture *f)
{
    cr_assert_eq(f->vt->start(f->d), PERP_OK);
    cr_assert_gt(f->d->port, 0);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", f->d->port);
}

static void close_dash(fixture *f)
{
    if (f->d) {
        f->vt->stop(f->d);
        f->vt->destroy(f->d);
    }
    host_services_free(f->host);
    host_config_free(f->cfg);
    temp_dir_remove(f->dir);
    free(f->dir);
    free(f->web);
}

static http_result get(fixture *f, const char *method, const char *path)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", f->base, path);
    http_result r;
    cr_assert_eq(http_request(method, url, NULL, &r), 0, "%s %s: no answer",
                 method ? method : "GET", path);
    return r;
}

static void assert_header(const http_result *r, const char *name,
                          const char *want)
{
    char *v = http_header(r, name);
    cr_assert_not_null(v, "no %s header in:\n%s", name, r->headers);
    cr_assert_str_eq(v, want, "%s", name);
    free(v);
}

/* A JSON {"error": "..."} whose message holds `has`. */
static void assert_json_error(const http_result *r, long status,
                              const char *has)
{
    cr_assert_eq(r->status, status, "status %ld, expected %ld: %s", r->status,
                 status, r->body);
    assert_header(r, "Content-Type", "application/json; charset=utf-8");
    assert_header(r, "X-Content-Type-Options", "nosniff");
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    cr_assert_not_null(j, "not JSON: %s", r->body);
    const char *msg = json_string_value(json_object_get(j, "error"));
    cr_assert_not_null(msg, "no error message: %s", r->body);
    if (has)
        cr_assert(strstr(msg, has), "'%s' lacks '%s'", msg, has);
    cr_assert_null(strstr(r->body, "SELECT"), "SQL in an error: %s", r->body);
    cr_assert_null(strstr(r->body, SECRET), "password in: %s", r->body);
    json_decref(j);
}

Test(dashboard_config, remote_address_needs_allow_remote)
{
    fixture f;
    stderr_capture_begin();
    int rc = open_dash(&f, "bind: 0.0.0.0\n");
    char *log = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL);
    cr_assert(strstr(log, "dash.yaml:") && strstr(log, "allow_remote"), "%s",
              log);
    cr_assert_null(strstr(log, SECRET), "%s", log);
    free(log);
    close_dash(&f);

    cr_assert_eq(open_dash(&f, "bind: 0.0.0.0\nallow_remote: true\n"), PERP_OK);
    close_dash(&f);
    cr_assert_eq(open_dash(&f, "bind: ::1\n"), PERP_OK);
    close_dash(&f);
    stderr_capture_begin();
    rc = open_dash(&f, "bind: example.org\n");
    log = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL);
    cr_assert(strstr(log, "expected an IP address"), "%s", log);
    free(log);
    close_dash(&f);
}

Test(dashboard_config, missing_web_folder)
{
    fixture f;
    stderr_capture_begin();
    int rc = open_dash(&f, "");
    cr_assert_eq(rc, PERP_OK);
    close_dash(&f);
    /* webui: pointing nowhere */
    memset(&f, 0, sizeof f);
    setenv("DASH_TEST_URL", "postgresql://x@/y?host=/nonexistent", 1);
    char err[256];
    f.cfg = host_config_parse("plugin: dashboard\nwebui: /nonexistent-webui\n"
                              "url: \"${DASH_TEST_URL}\"\n",
                              "dash.yaml", err, sizeof err);
    cr_assert_not_null(f.cfg, "%s", err);
    f.host = host_services_new(&f.ctx, "dashboard");
    void *self = NULL;
    rc = host_plugin_create(perp_plugin_entry(), f.host,
                            host_config_root(f.cfg), &self);
    char *log = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL);
    cr_assert(strstr(log, "dash.yaml:2:") && strstr(log, "webui"), "%s", log);
    free(log);
    host_services_free(f.host);
    host_config_free(f.cfg);
}

Test(dashboard_http, static_files_with_their_types)
{
    fixture f;
    cr_assert_eq(open_dash(&f, NULL), PERP_OK);
    start(&f);
    http_result r = get(&f, NULL, "/");
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "<title>t</title>"));
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    assert_header(&r, "X-Content-Type-Options", "nosniff");
    char *etag = http_header(&r, "ETag");
    cr_assert_not_null(etag);
    http_result_free(&r);
    r = get(&f, NULL, "/app.js");
    cr_assert_eq(r.status, 200);
    assert_header(&r, "Content-Type", "text/javascript; charset=utf-8");
    http_result_free(&r);
    r = get(&f, NULL, "/style.css");
    assert_header(&r, "Content-Type", "text/css; charset=utf-8");
    http_result_free(&r);
    /* revalidation */
    char url[256], inm[200];
    snprintf(url, sizeof url, "%s/index.html", f.base);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    cr_assert_eq(http_request(NULL, url, inm, &r), 0);
    cr_assert_eq(r.status, 304);
    http_result_free(&r);
    free(etag);
    /* HEAD: the headers, no body */
    r = get(&f, "HEAD", "/app.js");
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.len, 0);
    http_result_free(&r);
    close_dash(&f);
}

Test(dashboard_http, traversal_and_unknown_files_are_404)
{
    fixture f;
    cr_assert_eq(open_dash(&f, NULL), PERP_OK);
    start(&f);
    const char *paths[] = {
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E%2Foutside.txt",
        "/..%2foutside.txt",
        "/webui/../../outside.txt",
        "//etc/passwd",
        "/etc/passwd",
        "/%2fetc%2fpasswd",
        "/escape.txt", /* a symlink out of the folder */
        "/.env",
        "/notes.md", /* no known type */
        "/missing.js",
        "/app.js/",
        "/a\\b.js",
        "/api/../index.html",
        "/api/%2e%2e/index.html",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_result r = get(&f, NULL, paths[i]);
        cr_assert_eq(r.status, 404, "%s: %ld %s", paths[i], r.status, r.body);
        cr_assert_null(strstr(r.body, "outside the web folder"), "%s",
                       paths[i]);
        cr_assert_null(strstr(r.body, "root:"), "%s", paths[i]);
        http_result_free(&r);
    }
    close_dash(&f);
}

Test(dashboard_http, only_get_and_head)
{
    fixture f;
    cr_assert_eq(open_dash(&f, NULL), PERP_OK);
    start(&f);
    const char *methods[] = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    const char *paths[] = {"/", "/api/pl", "/api/trades", "/metrics"};
    for (size_t m = 0; m < 5; m++) {
        for (size_t p = 0; p < 4; p++) {
            http_result r = get(&f, methods[m], paths[p]);
            assert_json_error(&r, 405, "read-only");
            assert_header(&r, "Allow", "GET, HEAD");
            http_result_free(&r);
        }
    }
    close_dash(&f);
}

Test(dashboard_http, bad_parameters_are_400)
{
    fixture f;
    cr_assert_eq(open_dash(&f, NULL), PERP_OK);
    start(&f);
    static const struct {
        const char *path, *says;
    } cases[] = {
        {"/api/trades?limit=0", "limit"},
        {"/api/trades?limit=1001", "limit"},
        {"/api/trades?limit=abc", "limit"},
        {"/api/trades?limit=-5", "limit"},
        {"/api/completed-trades?offset=-1", "offset"},
        {"/api/chat?offset=99999999", "offset"},
        {"/api/trades?from=yesterday", "from"},
        {"/api/trades?from=2021-04-02T00:00:00Z&to=2021-04-01", "before"},
        {"/api/llm-calls?to=99999999999999999999", "to"},
        {"/api/rejections?colour=red", "unknown parameter 'colour'"},
        {"/api/pl?limit=5", "unknown parameter 'limit'"},
        {"/api/trades?limit=5&limit=6", "twice"},
        {"/api/equity-curve?points=5", "points"},
        {"/api/equity-curve?points=5001", "points"},
        {"/api/leaderboard?min_hours=-1", "min_hours"},
        {"/api/leaderboard?min_hours=nan", "min_hours"},
        {"/api/decision", "id: required"},
        {"/api/decision?id=0", "id"},
        {"/api/prices", "symbol: required"},
        {"/api/prices?symbol=btc;drop", "symbol"},
        {"/api/versions?version=x", "unknown parameter"},
        {"/api/positions?version=%01", "version"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_result r = get(&f, NULL, cases[i].path);
        assert_json_error(&r, 400, cases[i].says);
        http_result_free(&r);
    }
    http_result r = get(&f, NULL, "/api/nope");
    assert_json_error(&r, 404, "no such endpoint");
    http_result_free(&r);
    close_dash(&f);
}

Test(dashboard_http, database_down_is_503_without_the_password)
{
    fixture f;
    stderr_capture_begin();
    cr_assert_eq(open_dash(&f, NULL), PERP_OK);
    start(&f);
    http_result r = get(&f, NULL, "/api/health");
    cr_assert_eq(r.status, 503, "%s", r.body);
    cr_assert(strstr(r.body, "\"status\":\"unavailable\""), "%s", r.body);
    cr_assert_null(strstr(r.body, SECRET));
    http_result_free(&r);
    const char *paths[] = {"/api/pl", "/api/versions", "/api/leaderboard",
                           "/api/equity-curve", "/api/trades"};
    for (size_t i = 0; i < 5; i++) {
        r = get(&f, NULL, paths[i]);
        assert_json_error(&r, 503, "database unavailable");
        cr_assert_null(strstr(r.headers, SECRET));
        http_result_free(&r);
    }
    r = get(&f, NULL, "/metrics");
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "perpd_dashboard_database_up 0"), "%s", r.body);
    http_result_free(&r);
    close_dash(&f);
    char *log = stderr_capture_end();
    cr_assert(strstr(log, "database unavailable"), "%s", log);
    cr_assert_null(strstr(log, SECRET), "the password in the log:\n%s", log);
    free(log);
}

Test(dashboard_http, openapi_document_is_served)
{
    fixture f;
    cr_assert_eq(open_dash(&f, NULL), PERP_OK);
    start(&f);
    http_result r = get(&f, NULL, "/api/openapi.json");
    cr_assert_eq(r.status, 200);
    assert_header(&r, "Content-Type", "application/json; charset=utf-8");
    json_error_t e;
    json_t *doc = json_loads(r.body, 0, &e);
    cr_assert_not_null(doc, "openapi.json: %s at %d", e.text, e.line);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "openapi")),
                     "3.1.0");
    json_decref(doc);
    http_result_free(&r);
    close_dash(&f);
}
