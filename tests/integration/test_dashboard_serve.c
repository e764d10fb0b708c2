/*
 * test_dashboard_serve.c — `perpd serve CONFIG` through the binary: it
 * opens only the services of a pipeline file (an agent's file serves too:
 * no feed, backend or planner is created), serves until SIGTERM and exits
 * 0; a remote address without allow_remote is refused with file:line:col
 * and exit 1; a file without services says so.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_dir.h"
#include "dash_serve.h"
#include "file_read.h"
#include "http_client.h"
#include "run_process.h"
#include "temp_dir.h"

static char *write_yaml(const char *dir, const char *services)
{
    char *web = NULL, *yaml = NULL;
    cr_assert(asprintf(&web, "%s/webui", dir) > 0);
    cr_assert(asprintf(&yaml,
                       "agent: {version: serve-test}\n"
                       "plugin_path: [%s/lib/perp]\n"
                       "feeds:\n  - {plugin: coinbase}\n"
                       "planner: {plugin: rules}\n"
                       "backend: {plugin: perpsim}\n"
                       "services:\n%s",
                       test_build_dir(), services) > 0);
    char *path = temp_dir_write(dir, "pipeline.yaml", yaml);
    free(yaml);
    free(web);
    return path;
}

Test(dashboard_serve, serves_until_sigterm)
{
    char *dir = temp_dir_new();
    char *web = NULL, *svc = NULL, *log = NULL;
    cr_assert(asprintf(&web, "%s/webui", dir) > 0);
    cr_assert(asprintf(&log, "%s/serve.log", dir) > 0);
    cr_assert(asprintf(&svc,
                       "  - plugin: dashboard\n    port: 0\n    webui: %s\n"
                       "    url: \"${DASH_SERVE_URL}\"\n",
                       web) > 0);
    char *cmd = NULL;
    cr_assert(asprintf(&cmd,
                       "mkdir -p %s && echo '<p>hi</p>' > "
                       "%s/index.html",
                       web, web) > 0);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    setenv("DASH_SERVE_URL", "postgresql://x@/y?host=/nonexistent-dir", 1);
    char *yaml = write_yaml(dir, svc);
    dash_proc p;
    int rc = dash_serve_start(yaml, log, &p);
    char *text = file_read(log, NULL);
    cr_assert_eq(rc, 0, "no port announced:\n%s", text);
    free(text);
    char url[128];
    snprintf(url, sizeof url, "%s/", p.base);
    http_result r;
    cr_assert_eq(http_request(NULL, url, NULL, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "<p>hi</p>"));
    http_result_free(&r);
    cr_assert_eq(dash_serve_stop(&p), 0);
    text = file_read(log, NULL);
    cr_assert(strstr(text, "stopping on signal"), "%s", text);
    /* the coinbase feed was never created: no connection attempt */
    cr_assert_null(strstr(text, "coinbase"), "%s", text);
    free(text);
    free(yaml);
    free(svc);
    free(web);
    free(log);
    temp_dir_remove(dir);
    free(dir);
}

Test(dashboard_serve, refusals)
{
    char *dir = temp_dir_new();
    setenv("DASH_SERVE_URL", "postgresql://x@/y?host=/nonexistent-dir", 1);
    char *yaml = write_yaml(dir, "  - plugin: dashboard\n    bind: 0.0.0.0\n"
                                 "    url: \"${DASH_SERVE_URL}\"\n");
    char *perpd = perpd_path();
    char *argv[] = {perpd, "serve", yaml, NULL};
    char *out = NULL;
    int rc = run_process(argv, &out);
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert(strstr(out, "pipeline.yaml:9:11:") && strstr(out, "allow_remote"),
              "%s", out);
    free(out);
    free(yaml);

    yaml = temp_dir_write(dir, "empty.yaml", "agent: {version: empty}\n");
    char *argv2[] = {perpd, "serve", yaml, NULL};
    rc = run_process(argv2, &out);
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert(strstr(out, "missing section: services"), "%s", out);
    free(out);
    free(yaml);

    char *argv3[] = {perpd, "serve", "--help", NULL};
    rc = run_process(argv3, &out);
    cr_assert_eq(rc, 0);
    cr_assert(strstr(out, "usage: perpd serve CONFIG"), "%s", out);
    free(out);
    free(perpd);
    temp_dir_remove(dir);
    free(dir);
}
