/*
 * pg_cluster.c — see pg_cluster.h.
 */
#include "pg_cluster.h"

#include <ctype.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child_proc.h"
#include "run_process.h"

#define SCRIPT  "scripts/pg-cluster.sh"
#define ENV_URL "PERP_TEST_PG_SHARED"
#define ENV_PW  "PERP_TEST_PG_PASSWORD"
#define ENV_DIR "PERP_TEST_PG_DIR"

int pg_server_installed(void)
{
    glob_t g;
    int found = glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0 &&
                g.gl_pathc > 0;
    globfree(&g);
    return found;
}

static int script(const char *cmd, const char *dir, const char *pwfile,
                  char **out)
{
    char *argv[] = {SCRIPT,
                    (char *)cmd,
                    (char *)dir,
                    "--test",
                    pwfile ? "--password-file" : NULL,
                    (char *)pwfile,
                    NULL};
    if (strcmp(cmd, "start") != 0)
        argv[3] = NULL;
    char *text = NULL;
    int rc = run_process(argv, &text);
    if (rc != 0)
        fprintf(stderr, "%s %s %s failed (exit %d):\n%s\n", SCRIPT, cmd, dir,
                rc, text);
    if (out)
        *out = text;
    else
        free(text);
    return rc == 0 ? 0 : -1;
}

char *pg_url_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(3 * strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

char *pg_cluster_url(const pg_cluster *c, const char *dbname)
{
    char *url = NULL, *pw = pg_url_escape(c->password);
    if (!pw || asprintf(&url, "postgresql://perp:%s@/%s?host=%s", pw, dbname,
                        c->dir) < 0)
        url = NULL;
    free(pw);
    return url;
}

/* A process that outlives the test binary on purpose: it reads a pipe
 * whose write end only this process and its forks hold (close-on-exec,
 * so no perpd child keeps it), so end of file means they are gone, by
 * any death, kill -9 included. Then it stops the server and removes the
 * folder: a killed test leaks no postgres. After pg_cluster_remove both
 * are no-ops. Its own session, so a Ctrl-C to the tests spares it. The
 * write end, or -1. */
static int start_reaper(const pg_cluster *c)
{
    char *script_path = realpath(SCRIPT, NULL);
    int p[2];
    if (!script_path || pipe2(p, O_CLOEXEC) != 0) {
        free(script_path);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int null = open("/dev/null", O_RDWR);
        if (dup2(p[0], 0) < 0 || null < 0 || dup2(null, 1) < 0 ||
            dup2(null, 2) < 0)
            _exit(127);
        /* Nothing else of the test's: a pipe the runner waits on would
         * never see its end while the reaper lives. */
        close_range(3, ~0U, 0);
        /* A frozen server (pg_cluster_freeze) is thawed first, or the
         * stop would wait for it in vain. */
        execl("/bin/sh", "sh", "-c",
              "cat >/dev/null; p=$(head -n 1 \"$1/data/postmaster.pid\" "
              "2>/dev/null) && kill -CONT \"$p\" $(awk -v p=\"$p\" "
              "'$4 == p {print $1}' /proc/[0-9]*/stat 2>/dev/null); "
              "\"$0\" stop \"$1\"; rm -rf \"$2\"",
              script_path, c->dir, c->root, (char *)NULL);
        _exit(127);
    }
    free(script_path);
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        return -1;
    }
    return p[1];
}

int pg_cluster_start(pg_cluster *c)
{
    return pg_cluster_start_password(c, NULL);
}

int pg_cluster_start_password(pg_cluster *c, const char *password)
{
    memset(c, 0, sizeof *c);
    const char *base = getenv("PERP_PG_TEST_ROOT");
    if (asprintf(&c->root, "%s/perp-pg-XXXXXX", base && *base ? base : "/tmp") <
            0 ||
        !mkdtemp(c->root))
        return -1;
    /* The server runs as `postgres` when the tests run as root: it must
     * be able to reach the folder. */
    chmod(c->root, 0755);
    if (asprintf(&c->dir, "%s/c", c->root) < 0)
        return -1;
    if (password ? !(c->password = strdup(password))
                 : asprintf(&c->password, "pw-%d-%ld", (int)getpid(),
                            (long)random()) < 0)
        return -1;
    char pwfile[1024];
    snprintf(pwfile, sizeof pwfile, "%s/password", c->root);
    FILE *f = fopen(pwfile, "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n", c->password);
    fclose(f);
    chmod(pwfile, 0644);
    /* Before the server starts: no moment where it could leak. */
    c->reaper_fd = start_reaper(c);
    if (c->reaper_fd < 0)
        return -1;
    int rc = script("start", c->dir, pwfile, NULL);
    if (rc == 0)
        c->url = pg_cluster_url(c, "perpd");
    return rc;
}

int pg_cluster_stop(pg_cluster *c)
{
    return script("stop", c->dir, NULL, NULL);
}

int pg_cluster_resume(pg_cluster *c)
{
    char pwfile[1024];
    snprintf(pwfile, sizeof pwfile, "%s/password", c->root);
    return script("start", c->dir, pwfile, NULL);
}

/* The postmaster's pid (the first line of its postmaster.pid), or -1. */
static pid_t postmaster_pid(const pg_cluster *c)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/data/postmaster.pid", c->dir);
    FILE *f = fopen(path, "r");
    long pid = -1;
    if (f && fscanf(f, "%ld", &pid) != 1)
        pid = -1;
    if (f)
        fclose(f);
    return pid > 0 ? (pid_t)pid : -1;
}

/* sig to the postmaster's children (every backend and helper process:
 * each is in a session of its own, so no process group reaches them). */
static void signal_children(pid_t parent, int sig)
{
    pid_t kids[256];
    size_t n = child_children(parent, kids, sizeof kids / sizeof kids[0]);
    for (size_t i = 0; i < n; i++)
        kill(kids[i], sig);
}

int pg_cluster_freeze(const pg_cluster *c)
{
    pid_t pm = postmaster_pid(c);
    /* The postmaster first: frozen, it forks no new child meanwhile. */
    if (pm < 0 || kill(pm, SIGSTOP) != 0)
        return -1;
    signal_children(pm, SIGSTOP);
    return 0;
}

void pg_cluster_thaw(const pg_cluster *c)
{
    pid_t pm = postmaster_pid(c);
    if (pm < 0)
        return;
    signal_children(pm, SIGCONT);
    kill(pm, SIGCONT);
}

void pg_cluster_remove(pg_cluster *c)
{
    if (c->dir)
        script("stop", c->dir, NULL, NULL);
    if (c->root) {
        char *argv[] = {"rm", "-rf", c->root, NULL};
        char *text = NULL;
        run_process(argv, &text);
        free(text);
    }
    if (c->reaper_fd > 0)
        close(c->reaper_fd); /* the reaper finds nothing left and ends */
    free(c->root);
    free(c->dir);
    free(c->password);
    free(c->url);
    memset(c, 0, sizeof *c);
}

char *pg_cluster_new_db(const pg_cluster *c, const char *name)
{
    PGconn *conn = PQconnectdb(c->url);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "pg_cluster_new_db: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
    PGresult *r = PQexec(conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "pg_cluster_new_db: %s", PQerrorMessage(conn));
    PQclear(r);
    PQfinish(conn);
    return ok ? pg_cluster_url(c, name) : NULL;
}

/* ------------------------------------------------------------ shared */

static pg_cluster shared;

void pg_shared_start(void)
{
    if (!pg_server_installed()) {
        fprintf(stderr,
                "\n*** PostgreSQL server not installed "
                "(/usr/lib/postgresql/*/bin/initdb): the PostgreSQL tests "
                "are SKIPPED. `make test` installs it (scripts/deps.sh). "
                "***\n\n");
        return;
    }
    if (pg_cluster_start(&shared) != 0) {
        fprintf(stderr, "*** the test PostgreSQL cluster did not start ***\n");
        return;
    }
    setenv(ENV_URL, shared.url, 1);
    setenv(ENV_PW, shared.password, 1);
    setenv(ENV_DIR, shared.dir, 1);
}

void pg_shared_stop(void)
{
    pg_cluster_remove(&shared);
}

const char *pg_test_password(void)
{
    const char *p = getenv(ENV_PW);
    return p ? p : "";
}

char *pg_test_db(const char *hint)
{
    if (!pg_server_installed())
        cr_skip_test("*** PostgreSQL server not installed: SKIPPED (install "
                     "the 'postgresql' package) ***");
    const char *url = getenv(ENV_URL);
    cr_assert_not_null(url, "the shared test cluster did not start (see the "
                            "runner's output)");
    pg_cluster c = {
        .dir = getenv(ENV_DIR), .password = getenv(ENV_PW), .url = (char *)url};
    static int n;
    char name[64];
    snprintf(name, sizeof name, "t_%s_%d_%d", hint, (int)getpid(), n++);
    char *db = pg_cluster_new_db(&c, name);
    cr_assert_not_null(db, "cannot create database %s", name);
    return db;
}

/* ------------------------------------------------------------ queries */

PGconn *pg_test_connect(const char *url)
{
    PGconn *c = PQconnectdb(url);
    cr_assert(PQstatus(c) == CONNECTION_OK, "cannot connect: %s",
              PQerrorMessage(c));
    return c;
}

PGresult *pg_test_query(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    cr_assert(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s\n-> %s", sql,
              PQerrorMessage(c));
    return r;
}

void pg_test_exec(PGconn *c, const char *sql)
{
    PQclear(pg_test_query(c, sql));
}

static PGresult *one_value(PGconn *c, const char *sql)
{
    PGresult *r = pg_test_query(c, sql);
    cr_assert(PQntuples(r) >= 1 && PQnfields(r) >= 1, "%s: no row", sql);
    return r;
}

long long pg_test_int(PGconn *c, const char *sql)
{
    PGresult *r = one_value(c, sql);
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

double pg_test_num(PGconn *c, const char *sql)
{
    PGresult *r = one_value(c, sql);
    double v = strtod(PQgetvalue(r, 0, 0), NULL);
    PQclear(r);
    return v;
}

char *pg_test_str(PGconn *c, const char *sql)
{
    PGresult *r = one_value(c, sql);
    char *v = PQgetisnull(r, 0, 0) ? NULL : strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

void pg_test_str_eq(PGconn *c, const char *sql, const char *want)
{
    char *got = pg_test_str(c, sql);
    int same = (!got && !want) || (got && want && strcmp(got, want) == 0);
    char shown[512];
    snprintf(shown, sizeof shown, "%s", got ? got : "(NULL)");
    free(got);
    cr_assert(same, "%s\n  got:  %s\n  want: %s", sql, shown,
              want ? want : "(NULL)");
}
