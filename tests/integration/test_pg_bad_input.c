/*
 * test_pg_bad_input.c — `perpd run` with the PostgreSQL sink refuses to
 * start, with one clear line and exit code 1 and nothing written (no row,
 * no spool file, no record in the JSONL file), when: the password is
 * wrong, the database is missing, the host is unreachable, the schema is
 * newer than the binary, or another live process runs the same version.
 * The password appears in no output.
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

#include "file_read.h"
#include "jsonl_records.h"
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

static size_t count_lines(const char *text, const char *mark)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, mark)) != NULL; p++)
        n++;
    return n;
}

/* Runs perpd with url and checks the refusal: exit 1, one ERROR line
 * holding `why`, no secret, no spool, no record. */
static void expect_refusal(refused *r, const char *url, const char *why,
                           const char *secret)
{
    char *out = NULL;
    int rc = pg_run_perpd(r->yaml, url, &out);
    cr_assert_eq(rc, 1, "exit %d, expected 1:\n%s", rc, out);
    cr_assert_eq(count_lines(out, "ERROR "), 1, "not one error line:\n%s", out);
    const char *line = strstr(out, "ERROR ");
    const char *end = strchr(line, '\n');
    cr_assert(strstr(line, why) && strstr(line, why) < end,
              "the error line does not say '%s':\n%s", why, out);
    cr_assert_null(strstr(out, secret), "the password is in the output:\n%s",
                   out);
    char path[1100];
    snprintf(path, sizeof path, "%s/spool", r->dir);
    struct stat sb;
    cr_assert_neq(stat(path, &sb), 0, "a spool folder was made");
    snprintf(path, sizeof path, "%s/%s/records.jsonl", r->dir, "v-bad");
    char *jsonl = file_read(path, NULL);
    cr_assert(!jsonl || !*jsonl, "records were written:\n%s", jsonl);
    free(jsonl);
    fprintf(stderr, "refused as expected: %.*s\n", (int)(end - line), line);
    free(out);
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

Test(pg_bad_input, a_second_live_process_on_the_same_version, .timeout = 180)
{
    char *url = pg_test_db("twice");
    char *dir = temp_dir_new();
    /* The first process: 12 h of data paced over about 20 s. */
    pg_run_cfg first = {.dir = dir,
                        .version = "v-bad",
                        .from = FROM,
                        .to = TO,
                        .planner = "script",
                        .speed = "2160",
                        .with_jsonl = 1};
    char *y1 = pg_run_yaml(&first);
    char log[1100];
    snprintf(log, sizeof log, "%s/first.log", dir);
    int pid = pg_spawn_perpd(y1, url, log);
    PGconn *c = pg_test_connect(url);
    long long cp = 0;
    for (int i = 0; i < 200 && cp == 0; i++) {
        usleep(50000);
        PGresult *res = PQexec(c, "SELECT count(*) FROM checkpoints");
        cp = PQresultStatus(res) == PGRES_TUPLES_OK
                 ? atoll(PQgetvalue(res, 0, 0))
                 : 0;
        PQclear(res);
    }
    cr_assert_gt(cp, 0, "the first process did not start");

    refused second;
    setup(&second, "v-bad");
    expect_refusal(&second, url, "is in use by another live process",
                   pg_test_password());
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The database holds the first process's records alone. */
    char path[1100];
    snprintf(path, sizeof path, "%s/v-bad", dir);
    json_t *all = jsonl_records_read(path);
    size_t records = json_array_size(all) - 1; /* less the version record */
    cr_assert_eq((size_t)pg_test_int(c, "SELECT last_seq FROM agent_versions"),
                 records);
    json_decref(all);
    PQfinish(c);
    free(y1);
    free(url);
}
