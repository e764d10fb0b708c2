/*
 * test_pg_bad_input.c — `perpd run` with the PostgreSQL sink refuses to
 * start, with one clear line and exit code 1 and nothing written (no row,
 * no spool file, no record in the JSONL file), when: the password is
 * wrong, the database is missing, the host is unreachable, the schema is
 * newer than the binary (and test_pg_second_process.c: another live
 * process runs the same version). The password appears in no output.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_cluster.h"
#include "pg_replay.h"
#include "run_process.h"
#include "temp_dir.h"

PG_CLUSTER_START_HOOK()
PG_CLUSTER_STOP_HOOK()

#define FROM "2021-04-03T00:00:00Z"
#define TO   "2021-04-03T12:00:00Z"

typedef struct refused {
    char *dir, *yaml;
} refused;

static void setup(refused *r, const char *version)
{
    r->dir = temp_dir_new();
    pg_run_cfg cfg = {.dir = r->dir,
                      .version = version,
                      .from = FROM,
                      .to = TO,
                      .planner = "script",
                      .with_jsonl = 1};
    r->yaml = pg_run_yaml(&cfg);
}

/* The refusal: exit 1, one error line saying why, nothing written. */
static void expect_refusal(refused *r, const char *url, const char *why,
                           const char *secret)
{
    pg_expect_refusal(r->dir, "v-bad", r->yaml, url, why, secret);
    free(r->yaml);
    free(r->dir);
}

static char *with_password(const char *url, const char *pw)
{
    /* postgresql://perp:PW@/db?host=... */
    const char *at = strchr(url, '@');
    char *out = NULL;
    cr_assert(asprintf(&out, "postgresql://perp:%s%s", pw, at) > 0);
    return out;
}

Test(pg_bad_input, a_wrong_password, .timeout = 120)
{
    char *url = pg_test_db("pw");
    char *bad = with_password(url, "not-the-password");
    refused r;
    setup(&r, "v-bad");
    expect_refusal(&r, bad, "password authentication failed",
                   "not-the-password");
    PGconn *c = pg_test_connect(url);
    pg_test_str_eq(c, "SELECT to_regclass('agent_versions')::text", NULL);
    PQfinish(c);
    free(bad);
    free(url);
}

Test(pg_bad_input, a_missing_database, .timeout = 120)
{
    char *url = pg_test_db("nodb");
    /* the same server and password, another database name */
    char *q = strchr(url, '?');
    char *at = strchr(url, '@');
    char *bad = NULL;
    cr_assert(asprintf(&bad, "%.*s/no_such_db%s", (int)(at - url + 1), url, q) >
              0);
    refused r;
    setup(&r, "v-bad");
    expect_refusal(&r, bad, "database \"no_such_db\" does not exist",
                   pg_test_password());
    free(bad);
    free(url);
}

Test(pg_bad_input, an_unreachable_host, .timeout = 120)
{
    /* A port nobody listens on: bound, then closed. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    char *bad = NULL;
    cr_assert(asprintf(&bad, "postgresql://perp:hunter22@127.0.0.1:%d/perpd",
                       ntohs(a.sin_port)) > 0);
    refused r;
    setup(&r, "v-bad");
    expect_refusal(&r, bad, "Connection refused", "hunter22");
    free(bad);
}

Test(pg_bad_input, a_schema_newer_than_the_binary, .timeout = 120)
{
    char *url = pg_test_db("newer");
    setenv("DATABASE_URL", url, 1);
    char *perpd = perpd_path(), *out = NULL;
    char *argv[] = {perpd, "migrate", NULL};
    cr_assert_eq(run_process(argv, &out), 0, "%s", out);
    free(out);
    PGconn *c = pg_test_connect(url);
    pg_test_exec(c, "INSERT INTO schema_migrations (version, name) VALUES "
                    "(9999, '9999_from_the_future.sql')");
    refused r;
    setup(&r, "v-bad");
    expect_refusal(&r, url, "newer than this perpd", pg_test_password());
    cr_assert_eq(pg_test_int(c, "SELECT count(*) FROM agent_versions"), 0);
    PQfinish(c);
    free(perpd);
    free(url);
}
