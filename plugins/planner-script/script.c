/*
 * script.c — planner-script: replays decisions written in a JSONL file,
 * one {"ts": <ms>, "positions": {...}, "notes_for_audience": "..."} per
 * line. At each cycle it returns the first unused line, in file order,
 * whose ts <= the observation's time; otherwise it holds everything.
 * The whole file is checked at create, so a typo fails `perpd check`
 * rather than a run half-way.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/sdk.h>

typedef struct script_line {
    int64_t ts;
    char *text; /* owned: the line as written */
    int used;
} script_line;

typedef struct script_planner {
    const perp_host *host; /* borrowed */
    script_line *lines;    /* owned */
    size_t n, cap;
} script_planner;

static void script_destroy(void *self)
{
    script_planner *p = self;
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->lines[i].text);
    free(p->lines);
    free(p);
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/* Checks one line; PERP_OK and *ts, or PERP_EINVAL with why filled. */
static int check_line(const script_planner *p, const char *text, int64_t *ts,
                      char *why, size_t why_len)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root) {
        snprintf(why, why_len, "not JSON: %s", jerr.text);
        return PERP_EINVAL;
    }
    json_t *t = json_object_get(root, "ts");
    int ok = json_is_object(root) && json_is_integer(t);
    if (ok)
        *ts = (int64_t)json_integer_value(t);
    json_decref(root);
    if (!ok) {
        snprintf(why, why_len,
                 "expected an object with an integer \"ts\" "
                 "(ms since the epoch)");
        return PERP_EINVAL;
    }
    perp_decision *d = malloc(sizeof *d);
    if (!d)
        return PERP_ENOMEM;
    memset(d, 0, sizeof *d);
    char err[PERP_ERROR_MAX] = "";
    int rc = p->host->decision_from_json(p->host, text, d, err, sizeof err);
    free(d);
    if (rc != PERP_OK) {
        snprintf(why, why_len, "not a decision: %s", err);
        return PERP_EINVAL;
    }
    return PERP_OK;
}

static int add_line(script_planner *p, int64_t ts, const char *text)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        script_line *l = realloc(p->lines, cap * sizeof *l);
        if (!l)
            return PERP_ENOMEM;
        p->lines = l;
        p->cap = cap;
    }
    p->lines[p->n].text = strdup(text);
    if (!p->lines[p->n].text)
        return PERP_ENOMEM;
    p->lines[p->n].ts = ts;
    p->lines[p->n].used = 0;
    p->n++;
    return PERP_OK;
}

static perp_status load_file(script_planner *p, const perp_config_node *cfg,
                             const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return p->host->cfg_error(p->host, p->host->cfg_child(cfg, "path"),
                                  "path: cannot open %s: %s", path,
                                  strerror(errno));
    char *line = NULL;
    size_t len = 0;
    long lineno = 0;
    int rc = PERP_OK;
    while (rc == PERP_OK && getline(&line, &len, f) >= 0) {
        lineno++;
        if (blank(line))
            continue;
        int64_t ts = 0;
        char why[300];
        rc = check_line(p, line, &ts, why, sizeof why);
        if (rc == PERP_EINVAL)
            p->host->log(p->host, PERP_LOG_ERROR, "%s:%ld: %s", path, lineno,
                         why);
        else if (rc == PERP_OK)
            rc = add_line(p, ts, line);
    }
    free(line);
    fclose(f);
    return rc;
}

static const perp_config_key script_config[] = {
    PERP_CFG_REQ_FILE("path", "JSONL file of decisions, one per line"),
    PERP_CFG_LAST};

static perp_status script_create(const perp_host *host,
                                 const perp_config_node *cfg, void **self)
{
    *self = NULL;
    const char *path = NULL;
    if (host->cfg_str(host, cfg, "path", NULL, &path) != PERP_OK)
        return PERP_EINVAL;
    if (!path || !*path)
        return host->cfg_error(host, cfg,
                               "path: missing (a JSONL file of decisions)");
    script_planner *p = calloc(1, sizeof *p);
    if (!p)
        return PERP_ENOMEM;
    p->host = host;
    int rc = load_file(p, cfg, path);
    if (rc != PERP_OK) {
        script_destroy(p);
        return rc;
    }
    host->log(host, PERP_LOG_INFO, "%zu decisions from %s", p->n, path);
    *self = p;
    return PERP_OK;
}

static perp_status script_plan(void *self, const perp_observation *obs,
                               perp_decision *out)
{
    script_planner *p = self;
    for (size_t i = 0; i < p->n; i++) {
        script_line *l = &p->lines[i];
        if (l->used || l->ts > obs->ts)
            continue;
        l->used = 1;
        char err[PERP_ERROR_MAX - 16] = "";
        if (p->host->decision_from_json(p->host, l->text, out, err,
                                        sizeof err) != PERP_OK) {
            /* Checked at create; kept for a host whose parser changed. */
            memset(out, 0, sizeof *out);
            snprintf(out->error, sizeof out->error, "script line: %s", err);
        }
        return PERP_OK;
    }
    return PERP_OK; /* nothing due: hold everything */
}

static const perp_planner_vtable script_vtable = {
    .struct_size = sizeof script_vtable,
    .create = script_create,
    .destroy = script_destroy,
    .plan = script_plan,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_PLANNER, "script", "1.0.0",
                        "decisions replayed from a JSONL file", script_vtable,
                        script_config)
