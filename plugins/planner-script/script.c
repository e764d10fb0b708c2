/*
 * script.c — planner-script: replays decisions written in a JSONL file,
 * one {"ts": <ms>, "positions": {...}, "notes_for_audience": "..."} per
 * line. At each cycle it returns the first unused line, in file order,
 * whose ts <= the observation's time; otherwise it holds everything.
 * The whole file is checked at create, so a typo fails `perpd check`
 * rather than a run half-way.
 *
 * The format is strict, unlike an LLM's answer: a line is exactly one JSON
 * object with the keys ts, positions (required) and notes_for_audience;
 * the decision is read from the top-level "positions" only (the host's
 * strict parser, never the scanner that looks for a decision inside
 * prose); a key given twice, a line over SCRIPT_LINE_MAX bytes, a read
 * error and a path that is not a regular file are errors with
 * file:line.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/file.h>
#include <perp/quote.h>
#include <perp/sdk.h>

/* A decision for 32 coins with every text field full is about 50 KB;
 * a line 20 times that is not a decision. */
#define SCRIPT_LINE_MAX (1024u * 1024u)

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

/* The line's own keys: ts an integer, nothing unknown. */
static int check_keys(json_t *root, int64_t *ts, char *why, size_t why_len)
{
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "ts") != 0 && strcmp(key, "positions") != 0 &&
            strcmp(key, "notes_for_audience") != 0) {
            char q[64];
            snprintf(why, why_len,
                     "unknown key %s (a line holds ts, positions and "
                     "notes_for_audience)",
                     perp_quote(key, q, sizeof q));
            return PERP_EINVAL;
        }
    }
    json_t *t = json_object_get(root, "ts");
    if (!json_is_integer(t)) {
        snprintf(why, why_len,
                 "expected an integer \"ts\" (ms since the epoch)");
        return PERP_EINVAL;
    }
    *ts = (int64_t)json_integer_value(t);
    return PERP_OK;
}

/* Checks one line; PERP_OK and *ts, or PERP_EINVAL with why filled. */
static int check_line(const script_planner *p, const char *text, size_t len,
                      int64_t *ts, char *why, size_t why_len)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        /* The host's parser words a duplicate key best. */
        if (!root && json_error_code(&jerr) != json_error_duplicate_key) {
            snprintf(why, why_len, "not JSON: %s", jerr.text);
            return PERP_EINVAL;
        }
        if (root) {
            json_decref(root);
            snprintf(why, why_len, "expected one JSON object per line");
            return PERP_EINVAL;
        }
    } else {
        int rc = check_keys(root, ts, why, why_len);
        json_decref(root);
        if (rc != PERP_OK)
            return rc;
    }
    perp_decision *d = malloc(sizeof *d);
    if (!d)
        return PERP_ENOMEM;
    memset(d, 0, sizeof *d);
    char err[PERP_ERROR_MAX] = "";
    int rc =
        p->host->decision_from_json_strict(p->host, text, d, err, sizeof err);
    free(d);
    if (rc != PERP_OK) {
        const char *e = strncmp(err, "decision: ", 10) == 0 ? err + 10 : err;
        snprintf(why, why_len, "not a decision: %s", e);
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

/* Logs "path:line: why" (the path shortened when long); PERP_EINVAL. */
static int line_error(const script_planner *p, const char *path, long lineno,
                      const char *why)
{
    char shown[PERP_QUOTE_LEN];
    p->host->log(p->host, PERP_LOG_ERROR, "%s:%ld: %s",
                 perp_shorten(path, shown, sizeof shown), lineno, why);
    return PERP_EINVAL;
}

static int load_lines(script_planner *p, FILE *f, const char *path)
{
    char *line = NULL;
    size_t cap = 0, len;
    long lineno = 0;
    int rc = PERP_OK;
    while (rc == PERP_OK) {
        int st = perp_file_getline(f, SCRIPT_LINE_MAX, &line, &cap, &len);
        if (st == PERP_LINE_EOF)
            break;
        lineno++;
        if (st == PERP_LINE_TOO_LONG) {
            char why[96];
            snprintf(why, sizeof why, "line longer than %u bytes",
                     SCRIPT_LINE_MAX);
            rc = line_error(p, path, lineno, why);
        } else if (st == PERP_LINE_ERROR) {
            char why[160];
            snprintf(why, sizeof why, "read error: %s", strerror(errno));
            rc = line_error(p, path, lineno, why);
        } else if (!blank(line)) {
            int64_t ts = 0;
            char why[320];
            rc = check_line(p, line, len, &ts, why, sizeof why);
            if (rc == PERP_EINVAL)
                line_error(p, path, lineno, why);
            else if (rc == PERP_OK)
                rc = add_line(p, ts, line);
        }
    }
    free(line);
    return rc;
}

static perp_status load_file(script_planner *p, const perp_config_node *cfg,
                             const char *path)
{
    char err[512];
    FILE *f = perp_file_fopen(path, err, sizeof err);
    if (!f)
        return p->host->cfg_error(p->host, p->host->cfg_child(cfg, "path"),
                                  "path: cannot read %s", err);
    int rc = load_lines(p, f, path);
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
    if (!PERP_HOST_HAS(host, decision_from_json_strict)) {
        host->log(host, PERP_LOG_ERROR,
                  "needs a perpd host of ABI 1.2 or later (strict decision "
                  "parser); this host is %u.%u",
                  host->abi_major, host->abi_minor);
        return PERP_EINVAL;
    }
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
    char shown[PERP_QUOTE_LEN];
    host->log(host, p->n ? PERP_LOG_INFO : PERP_LOG_WARN,
              "%zu decisions from %s%s", p->n,
              perp_shorten(path, shown, sizeof shown),
              p->n ? "" : ": the planner will hold everything");
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
        if (p->host->decision_from_json_strict(p->host, l->text, out, err,
                                               sizeof err) != PERP_OK) {
            /* Checked at create; kept for a host whose parser changed. */
            memset(out, 0, sizeof *out);
            snprintf(out->error, sizeof out->error, "script line: %s", err);
        }
        return PERP_OK;
    }
    return PERP_OK; /* nothing due: hold everything */
}

/* The lines already used, {"used": [0, 3, ...]} (indexes among the
 * non-blank lines), so a restarted agent does not replay them. */
static perp_status script_export(void *self, char **out)
{
    script_planner *p = self;
    json_t *used = json_array();
    for (size_t i = 0; used && i < p->n; i++)
        if (p->lines[i].used)
            json_array_append_new(used, json_integer((json_int_t)i));
    json_t *root = used ? json_pack("{s:o}", "used", used) : NULL;
    *out = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return *out ? PERP_OK : PERP_ENOMEM;
}

static perp_status script_import(void *self, const char *state)
{
    script_planner *p = self;
    json_t *root = json_loads(state, 0, NULL);
    json_t *used = json_object_get(root, "used");
    size_t i;
    json_t *v;
    int ok = json_is_array(used);
    json_array_foreach(used, i, v)
    {
        json_int_t k = json_integer_value(v);
        ok = ok && json_is_integer(v) && k >= 0 && (size_t)k < p->n;
    }
    if (ok) {
        for (i = 0; i < p->n; i++)
            p->lines[i].used = 0;
        json_array_foreach(used, i, v) p->lines[json_integer_value(v)].used = 1;
    } else {
        p->host->log(p->host, PERP_LOG_ERROR,
                     "import_state: expected {\"used\": [line indexes below "
                     "%zu]}",
                     p->n);
    }
    json_decref(root);
    return ok ? PERP_OK : PERP_EINVAL;
}

static const perp_planner_vtable script_vtable = {
    .struct_size = sizeof script_vtable,
    .create = script_create,
    .destroy = script_destroy,
    .plan = script_plan,
    .export_state = script_export,
    .import_state = script_import,
};

PERP_PLUGIN_WITH_CONFIG(PERP_KIND_PLANNER, "script", "1.0.0",
                        "decisions replayed from a JSONL file", script_vtable,
                        script_config)
