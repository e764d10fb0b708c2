/*
 * config.c — loads the YAML pipeline file through libyaml's event API
 * into a read-only tree. Everything a later error could need (file, line,
 * column, whether a value came from a secret variable) is kept per node,
 * so validation anywhere in the host or a plugin can point at the source.
 */
#include "config.h"

#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <perp/file.h>
#include <perp/quote.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

/* Deeper nesting than this is hostile input, not a pipeline. */
#define CFG_MAX_DEPTH      64
#define CFG_MAX_FILE_BYTES (16u * 1024u * 1024u)
/* Room for a bad value quoted in an error (perp/quote.h shortens a long
 * one in the middle, so the reason after it always stays on the line). */
#define CFG_QUOTE_MAX PERP_QUOTE_LEN

struct perp_config_node {
    host_node_kind kind;
    const char *file; /* borrowed from host_config */
    const char *dir;  /* the file's folder, absolute; from host_config */
    int line, col;    /* 1-based */
    char *text;       /* scalar text after ${} expansion, owned */
    int secret;       /* text came (partly) from a secret variable */
    int null_like;    /* plain "", "~" or "null": treated as absent */
    int plain;        /* unquoted scalar (typed in the JSON snapshot) */
    int from_env;     /* text came (partly) from a ${VAR} */
    int defaulted;    /* DEFAULT_ADDED / DEFAULT_FOR_NULL: a config-map
                         default the host filled in (not in the file) */
    int dup_said;     /* key node: its duplicate error was logged */
    char *written;    /* a PATH value the host resolved: the text before
                         (after ${VAR} expansion), owned; else NULL */
    int path_base;    /* host_path_base: what `written` was relative to */
    const struct perp_config_node *dup_of; /* key node: the earlier key of
                                              the same name, or NULL */
    size_t n, cap;
    struct perp_config_node **keys;  /* map keys (scalar nodes), owned */
    struct perp_config_node **items; /* map values or seq items, owned */
};

struct host_config {
    char *file;
    char *dir; /* absolute folder of file when loaded: relative paths in
                  the file follow it, whatever the working directory later */
    perp_config_node *root;
};

/* perp_config_node.defaulted */
#define DEFAULT_ADDED    1 /* key and value added by the host */
#define DEFAULT_FOR_NULL 2 /* the file's null value given the default */

typedef struct parse_state {
    yaml_parser_t parser;
    const char *file;
    const char *dir;
    int keep_duplicates; /* flag a repeated key instead of failing */
    char *err;
    size_t err_len;
} parse_state;

/* ------------------------------------------------------------ nodes */

static void node_free(perp_config_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            node_free(n->keys[i]);
        node_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n->text);
    free(n->written);
    free(n);
}

static perp_config_node *node_new(host_node_kind kind, const parse_state *st,
                                  yaml_mark_t mark)
{
    perp_config_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->file = st->file;
    n->dir = st->dir;
    n->line = (int)mark.line + 1;
    n->col = (int)mark.column + 1;
    return n;
}

static int node_append(perp_config_node *n, perp_config_node *key,
                       perp_config_node *val)
{
    if (n->n == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 8;
        perp_config_node **items = realloc(n->items, cap * sizeof *items);
        if (!items)
            return -1;
        n->items = items;
        if (n->kind == HOST_NODE_MAP) {
            perp_config_node **keys = realloc(n->keys, cap * sizeof *keys);
            if (!keys)
                return -1;
            n->keys = keys;
        }
        n->cap = cap;
    }
    if (n->kind == HOST_NODE_MAP)
        n->keys[n->n] = key;
    n->items[n->n++] = val;
    return 0;
}

/* ----------------------------------------------------------- errors */

static void set_err(parse_state *st, int line, int col, const char *fmt, ...)
    PERP_PRINTF(4, 5);

static void set_err(parse_state *st, int line, int col, const char *fmt, ...)
{
    if (!st->err || st->err_len == 0)
        return;
    char file[PERP_QUOTE_LEN];
    int n = snprintf(st->err, st->err_len,
                     "%s:%d:%d: ", perp_shorten(st->file, file, sizeof file),
                     line, col);
    if (n < 0 || (size_t)n >= st->err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err + n, st->err_len - (size_t)n, fmt, ap);
    va_end(ap);
}

static void set_syntax_err(parse_state *st)
{
    const yaml_parser_t *p = &st->parser;
    if (p->error == YAML_MEMORY_ERROR) {
        set_err(st, 1, 1, "out of memory while parsing YAML");
        return;
    }
    const char *problem = p->problem ? p->problem : "unknown error";
    int line = (int)p->problem_mark.line + 1;
    int col = (int)p->problem_mark.column + 1;
    int ctx_line = (int)p->context_mark.line + 1;
    int ctx_col = (int)p->context_mark.column + 1;
    if (p->context && (ctx_line != line || ctx_col != col))
        set_err(st, line, col,
                "YAML syntax error: %s (%s started at line %d, column %d)",
                problem, p->context, ctx_line, ctx_col);
    else if (p->context)
        set_err(st, line, col, "YAML syntax error: %s (%s)", problem,
                p->context);
    else
        set_err(st, line, col, "YAML syntax error: %s", problem);
}

static int next_event(parse_state *st, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&st->parser, ev)) {
        set_syntax_err(st);
        return -1;
    }
    return 0;
}

/* -------------------------------------------------------- expansion */

static int name_looks_secret(const char *name)
{
    static const char *const marks[] = {"KEY",      "SECRET",    "TOKEN",
                                        "PASSWORD", "PRIVATE",   "DATABASE_URL",
                                        "PASSWD",   "CREDENTIAL"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        if (strcasestr(name, marks[i]))
            return 1;
    }
    return 0;
}

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

static int sb_add(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

static int valid_var_name(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    }
    return 1;
}

/* Expands one "${NAME}" or "${NAME:-default}" starting at *pp (which
 * points at '$'); advances *pp past the closing brace. */
static int expand_one(parse_state *st, perp_config_node *n, const char **pp,
                      strbuf *out)
{
    const char *start = *pp + 2;
    const char *close = strchr(start, '}');
    if (!close) {
        set_err(st, n->line, n->col,
                "unterminated '${' in value (expected '${NAME}' or "
                "'${NAME:-default}')");
        return -1;
    }
    const char *sep = strstr(start, ":-");
    size_t name_len =
        (sep && sep < close) ? (size_t)(sep - start) : (size_t)(close - start);
    if (!valid_var_name(start, name_len)) {
        set_err(st, n->line, n->col,
                "bad variable reference '${%.*s}': expected a name of "
                "letters, digits and '_'",
                (int)(close - start > 40 ? 40 : close - start), start);
        return -1;
    }
    char name[128];
    if (name_len >= sizeof name) {
        set_err(st, n->line, n->col, "variable name too long");
        return -1;
    }
    memcpy(name, start, name_len);
    name[name_len] = '\0';
    const char *val = getenv(name);
    int has_default = sep && sep < close;
    int secret = name_looks_secret(name);
    int rc;
    if (has_default && (!val || !*val)) {
        rc = sb_add(out, sep + 2, (size_t)(close - (sep + 2)));
    } else if (!val) {
        set_err(st, n->line, n->col,
                "environment variable %s is not set (and no default given "
                "with ${%s:-default})",
                name, name);
        return -1;
    } else {
        if (secret)
            host_secret_add(val);
        rc = sb_add(out, val, strlen(val));
    }
    if (secret)
        n->secret = 1;
    n->from_env = 1;
    *pp = close + 1;
    return rc;
}

static int expand_vars(parse_state *st, perp_config_node *n, const char *raw,
                       size_t raw_len)
{
    strbuf out = {0};
    const char *p = raw;
    const char *end = raw + raw_len;
    if (sb_add(&out, "", 0) != 0)
        return -1;
    while (p < end) {
        const char *d = memchr(p, '$', (size_t)(end - p));
        if (!d || d + 1 >= end || d[1] != '{') {
            const char *stop = d ? d + 1 : end;
            if (sb_add(&out, p, (size_t)(stop - p)) != 0)
                goto fail;
            p = stop;
            continue;
        }
        if (sb_add(&out, p, (size_t)(d - p)) != 0)
            goto fail;
        p = d;
        if (expand_one(st, n, &p, &out) != 0)
            goto fail;
    }
    n->text = out.s;
    return 0;
fail:
    free(out.s);
    return -1;
}

/* ------------------------------------------------------------ parse */

static int parse_node(parse_state *st, yaml_event_t *ev, int depth,
                      perp_config_node **out);

static int is_null_text(const char *s)
{
    return !*s || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0;
}

static int parse_scalar(parse_state *st, yaml_event_t *ev,
                        perp_config_node **out)
{
    perp_config_node *n = node_new(HOST_NODE_SCALAR, st, ev->start_mark);
    if (!n) {
        set_err(st, 1, 1, "out of memory");
        return -1;
    }
    const char *raw = (const char *)ev->data.scalar.value;
    size_t raw_len = ev->data.scalar.length;
    if (memchr(raw, '\0', raw_len)) {
        set_err(st, n->line, n->col, "value contains a NUL character");
        node_free(n);
        return -1;
    }
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (expand_vars(st, n, raw, raw_len) != 0) {
        node_free(n);
        return -1;
    }
    n->null_like = n->plain && is_null_text(raw);
    *out = n;
    return 0;
}

static const perp_config_node *map_find(const perp_config_node *m,
                                        const char *key)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->keys[i]->text, key) == 0)
            return m->keys[i];
    }
    return NULL;
}

static int parse_map_entry(parse_state *st, perp_config_node *map,
                           yaml_event_t *kev, int depth)
{
    if (kev->type != YAML_SCALAR_EVENT) {
        set_err(st, (int)kev->start_mark.line + 1,
                (int)kev->start_mark.column + 1,
                "mapping keys must be plain text, found a %s",
                kev->type == YAML_ALIAS_EVENT ? "YAML alias" : "collection");
        yaml_event_delete(kev);
        return -1;
    }
    perp_config_node *key = node_new(HOST_NODE_SCALAR, st, kev->start_mark);
    if (key)
        key->text = strndup((const char *)kev->data.scalar.value,
                            kev->data.scalar.length);
    yaml_event_delete(kev);
    if (!key || !key->text) {
        node_free(key);
        set_err(st, 1, 1, "out of memory");
        return -1;
    }
    const perp_config_node *prev = map_find(map, key->text);
    if (prev && st->keep_duplicates) {
        key->dup_of = prev; /* said by whoever checks this mapping */
    } else if (prev) {
        char q[CFG_QUOTE_MAX];
        set_err(st, key->line, key->col,
                "duplicate key %s (first at line %d, column %d)",
                perp_quote(key->text, q, sizeof q), prev->line, prev->col);
        node_free(key);
        return -1;
    }
    yaml_event_t vev;
    perp_config_node *val = NULL;
    if (next_event(st, &vev) != 0 || parse_node(st, &vev, depth + 1, &val)) {
        node_free(key);
        return -1;
    }
    if (node_append(map, key, val) != 0) {
        node_free(key);
        node_free(val);
        set_err(st, 1, 1, "out of memory");
        return -1;
    }
    return 0;
}

static int parse_collection(parse_state *st, yaml_event_t *ev, int depth,
                            perp_config_node **out)
{
    int is_map = ev->type == YAML_MAPPING_START_EVENT;
    yaml_event_type_t end_type =
        is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    perp_config_node *n =
        node_new(is_map ? HOST_NODE_MAP : HOST_NODE_SEQ, st, ev->start_mark);
    yaml_event_delete(ev);
    if (!n) {
        set_err(st, 1, 1, "out of memory");
        return -1;
    }
    for (;;) {
        yaml_event_t child;
        if (next_event(st, &child) != 0)
            goto fail;
        if (child.type == end_type) {
            yaml_event_delete(&child);
            break;
        }
        if (is_map) {
            if (parse_map_entry(st, n, &child, depth) != 0)
                goto fail;
            continue;
        }
        perp_config_node *item = NULL;
        if (parse_node(st, &child, depth + 1, &item) != 0)
            goto fail;
        if (node_append(n, NULL, item) != 0) {
            node_free(item);
            set_err(st, 1, 1, "out of memory");
            goto fail;
        }
    }
    *out = n;
    return 0;
fail:
    node_free(n);
    return -1;
}

/* Consumes ev. */
static int parse_node(parse_state *st, yaml_event_t *ev, int depth,
                      perp_config_node **out)
{
    int line = (int)ev->start_mark.line + 1;
    int col = (int)ev->start_mark.column + 1;
    int rc = -1;
    if (depth > CFG_MAX_DEPTH) {
        set_err(st, line, col, "nesting deeper than %d levels", CFG_MAX_DEPTH);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        set_err(st, line, col,
                "YAML aliases (*%s) are not supported: write the value out",
                (const char *)ev->data.alias.anchor);
    } else if (ev->type == YAML_SCALAR_EVENT) {
        rc = parse_scalar(st, ev, out);
    } else if (ev->type == YAML_MAPPING_START_EVENT ||
               ev->type == YAML_SEQUENCE_START_EVENT) {
        return parse_collection(st, ev, depth, out); /* consumed ev */
    } else {
        set_err(st, line, col, "unexpected YAML event");
    }
    yaml_event_delete(ev);
    return rc;
}

/* Reads events until `type`; anything else is a structural error. */
static int expect_event(parse_state *st, yaml_event_type_t type,
                        yaml_event_t *ev)
{
    if (next_event(st, ev) != 0)
        return -1;
    if (ev->type != type) {
        int line = (int)ev->start_mark.line + 1;
        int col = (int)ev->start_mark.column + 1;
        if (ev->type == YAML_DOCUMENT_START_EVENT)
            set_err(st, line, col,
                    "more than one YAML document: a pipeline file holds one");
        else
            set_err(st, line, col, "unexpected YAML structure");
        yaml_event_delete(ev);
        return -1;
    }
    return 0;
}

static perp_config_node *parse_stream(parse_state *st)
{
    yaml_event_t ev;
    if (expect_event(st, YAML_STREAM_START_EVENT, &ev) != 0)
        return NULL;
    yaml_event_delete(&ev);
    if (next_event(st, &ev) != 0)
        return NULL;
    if (ev.type == YAML_STREAM_END_EVENT) {
        /* An empty file is an empty mapping: validation names what's
         * missing. */
        yaml_mark_t start = {0, 0, 0};
        yaml_event_delete(&ev);
        return node_new(HOST_NODE_MAP, st, start);
    }
    yaml_event_delete(&ev); /* DOCUMENT_START */
    perp_config_node *root = NULL;
    if (next_event(st, &ev) != 0 || parse_node(st, &ev, 0, &root) != 0)
        return NULL;
    if (expect_event(st, YAML_DOCUMENT_END_EVENT, &ev) != 0)
        goto fail;
    yaml_event_delete(&ev);
    if (expect_event(st, YAML_STREAM_END_EVENT, &ev) != 0)
        goto fail;
    yaml_event_delete(&ev);
    return root;
fail:
    node_free(root);
    return NULL;
}

/* The absolute folder of file `name`: its real path when it exists,
 * else (a made-up name for text) joined to the working directory.
 * malloc'd, or NULL when out of memory. */
static char *folder_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    char *dir = !slash          ? strdup(".")
                : slash == name ? strdup("/")
                                : strndup(name, (size_t)(slash - name));
    if (!dir)
        return NULL;
    char real[PATH_MAX], cwd[PATH_MAX];
    char *out = NULL;
    if (realpath(dir, real))
        out = strdup(real);
    else if (dir[0] == '/' || !getcwd(cwd, sizeof cwd))
        return dir;
    else if (asprintf(&out, "%s/%s", cwd, dir) < 0)
        out = NULL;
    free(dir);
    return out;
}

static host_config *parse_text(const char *text, const char *name,
                               int keep_duplicates, char *err, size_t err_len)
{
    char local[8];
    if (!err || err_len == 0) {
        err = local;
        err_len = sizeof local;
    }
    err[0] = '\0';
    host_config *c = calloc(1, sizeof *c);
    if (!c || !(c->file = strdup(name ? name : "<config>"))) {
        free(c);
        snprintf(err, err_len, "%s: out of memory", name ? name : "<config>");
        return NULL;
    }
    c->dir = folder_of(c->file);
    if (!c->dir) {
        snprintf(err, err_len, "%s: out of memory", c->file);
        host_config_free(c);
        return NULL;
    }
    parse_state st = {.file = c->file,
                      .dir = c->dir,
                      .err = err,
                      .err_len = err_len,
                      .keep_duplicates = keep_duplicates};
    if (!yaml_parser_initialize(&st.parser)) {
        snprintf(err, err_len, "%s: cannot initialise libyaml", c->file);
        host_config_free(c);
        return NULL;
    }
    yaml_parser_set_input_string(&st.parser, (const unsigned char *)text,
                                 strlen(text));
    c->root = parse_stream(&st);
    yaml_parser_delete(&st.parser);
    if (!c->root) {
        host_config_free(c);
        return NULL;
    }
    return c;
}

/* The pipeline file: a regular file (a FIFO would block, /dev/zero never
 * end), read whole up to CFG_MAX_FILE_BYTES, read errors reported. */
static char *read_file(const char *path, char *err, size_t err_len)
{
    char why[200], shown[PERP_QUOTE_LEN];
    int fd = perp_file_open_why(path, why, sizeof why);
    if (fd < 0) {
        snprintf(err, err_len, "%s: cannot open: %s",
                 perp_shorten(path, shown, sizeof shown), why);
        return NULL;
    }
    char *text;
    size_t len;
    int rc = perp_file_read_fd(fd, path, CFG_MAX_FILE_BYTES, &text, &len, err,
                               err_len);
    close(fd);
    if (rc != 0)
        return NULL;
    if (memchr(text, '\0', len)) {
        snprintf(err, err_len, "%s: not a text file (contains NUL bytes)",
                 perp_shorten(path, shown, sizeof shown));
        free(text);
        return NULL;
    }
    return text;
}

host_config *host_config_parse(const char *text, const char *name, char *err,
                               size_t err_len)
{
    return parse_text(text, name, 0, err, err_len);
}

host_config *host_config_parse_keep_duplicates(const char *text,
                                               const char *name, char *err,
                                               size_t err_len)
{
    return parse_text(text, name, 1, err, err_len);
}

static host_config *load_file(const char *path, int keep_duplicates, char *err,
                              size_t err_len)
{
    char local[8];
    if (!err || err_len == 0) {
        err = local;
        err_len = sizeof local;
    }
    err[0] = '\0';
    char *text = read_file(path, err, err_len);
    if (!text)
        return NULL;
    host_config *c = parse_text(text, path, keep_duplicates, err, err_len);
    free(text);
    return c;
}

host_config *host_config_load(const char *path, char *err, size_t err_len)
{
    return load_file(path, 0, err, err_len);
}

host_config *host_config_load_keep_duplicates(const char *path, char *err,
                                              size_t err_len)
{
    return load_file(path, 1, err, err_len);
}

void host_config_free(host_config *c)
{
    if (!c)
        return;
    node_free(c->root);
    free(c->file);
    free(c->dir);
    free(c);
}

const perp_config_node *host_config_root(const host_config *c)
{
    return c ? c->root : NULL;
}

/* ------------------------------------------------------------ access */

host_node_kind host_cfg_kind(const perp_config_node *n)
{
    return n ? n->kind : HOST_NODE_SCALAR;
}

const char *host_cfg_file(const perp_config_node *n)
{
    return n ? n->file : "?";
}

const char *host_cfg_dir(const perp_config_node *n)
{
    return n && n->dir ? n->dir : "/";
}

int host_cfg_line(const perp_config_node *n)
{
    return n ? n->line : 0;
}

int host_cfg_col(const perp_config_node *n)
{
    return n ? n->col : 0;
}

void host_cfg_where(const perp_config_node *n, char *buf, size_t len)
{
    char file[PERP_QUOTE_LEN];
    if (!n)
        snprintf(buf, len, "?:0:0");
    else /* a long file name must not push line:col off the buffer */
        snprintf(buf, len, "%s:%d:%d", perp_shorten(n->file, file, sizeof file),
                 n->line, n->col);
}

const perp_config_node *host_cfg_child(const perp_config_node *n,
                                       const char *key)
{
    if (!n || n->kind != HOST_NODE_MAP || !key)
        return NULL;
    for (size_t i = 0; i < n->n; i++) {
        if (strcmp(n->keys[i]->text, key) == 0)
            return n->items[i];
    }
    return NULL;
}

const char *host_cfg_key_at(const perp_config_node *n, size_t i)
{
    if (!n || n->kind != HOST_NODE_MAP || i >= n->n)
        return NULL;
    return n->keys[i]->text;
}

size_t host_cfg_len(const perp_config_node *n)
{
    return n && n->kind != HOST_NODE_SCALAR ? n->n : 0;
}

const perp_config_node *host_cfg_at(const perp_config_node *n, size_t i)
{
    if (!n || n->kind == HOST_NODE_SCALAR || i >= n->n)
        return NULL;
    return n->items[i];
}

const char *host_cfg_scalar(const perp_config_node *n)
{
    return n && n->kind == HOST_NODE_SCALAR ? n->text : NULL;
}

int host_cfg_is_secret(const perp_config_node *n)
{
    return n ? n->secret : 0;
}

/* ------------------------------------------------------ typed getters */

static const char *kind_noun(host_node_kind k)
{
    return k == HOST_NODE_MAP ? "a mapping" : "a list";
}

/* "'abc'" (shortened, control characters shown as '?'), or a neutral
 * phrase for secrets and collections: the error must not leak a value. */
void host_cfg_describe(const perp_config_node *v, char *buf, size_t len)
{
    if (v->kind != HOST_NODE_SCALAR) {
        snprintf(buf, len, "%s", kind_noun(v->kind));
        return;
    }
    if (v->secret) {
        snprintf(buf, len, "a secret value (not shown)");
        return;
    }
    perp_quote(v->text, buf, len < CFG_QUOTE_MAX ? len : CFG_QUOTE_MAX);
}

static int type_error(const char *component, const perp_config_node *v,
                      const char *key, const char *expected)
{
    char where[512];
    char found[CFG_QUOTE_MAX + 32], k[CFG_QUOTE_MAX];
    host_cfg_where(v, where, sizeof where);
    host_cfg_describe(v, found, sizeof found);
    host_log(PERP_LOG_ERROR, component, "%s: key %s: expected %s, found %s",
             where, perp_quote(key, k, sizeof k), expected, found);
    return PERP_EINVAL;
}

/* The value node for key, or NULL when absent or written as null. */
static const perp_config_node *value_of(const perp_config_node *n,
                                        const char *key)
{
    const perp_config_node *v = host_cfg_child(n, key);
    if (v && v->kind == HOST_NODE_SCALAR && v->null_like)
        return NULL;
    return v;
}

int host_cfg_get_str(const char *component, const perp_config_node *n,
                     const char *key, const char *def, const char **out)
{
    const perp_config_node *v = value_of(n, key);
    if (!v) {
        *out = def;
        return PERP_OK;
    }
    if (v->kind != HOST_NODE_SCALAR)
        return type_error(component, v, key, "a string");
    *out = v->text;
    return PERP_OK;
}

int host_parse_number(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s))
        return 0;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(d))
        return 0;
    *out = d;
    return 1;
}

int host_parse_int64(const char *s, int64_t *out)
{
    if (!*s || isspace((unsigned char)*s))
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno == ERANGE)
        return 0;
    *out = (int64_t)v;
    return 1;
}

int host_cfg_get_num(const char *component, const perp_config_node *n,
                     const char *key, double def, double *out)
{
    const perp_config_node *v = value_of(n, key);
    if (!v) {
        *out = def;
        return PERP_OK;
    }
    if (v->kind != HOST_NODE_SCALAR || !host_parse_number(v->text, out))
        return type_error(component, v, key, "a number");
    return PERP_OK;
}

int host_cfg_get_int(const char *component, const perp_config_node *n,
                     const char *key, int64_t def, int64_t *out)
{
    const perp_config_node *v = value_of(n, key);
    if (!v) {
        *out = def;
        return PERP_OK;
    }
    if (v->kind != HOST_NODE_SCALAR || !host_parse_int64(v->text, out))
        return type_error(component, v, key, "an integer");
    return PERP_OK;
}

int host_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 1;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

int host_cfg_get_bool(const char *component, const perp_config_node *n,
                      const char *key, int def, int *out)
{
    const perp_config_node *v = value_of(n, key);
    if (!v) {
        *out = def;
        return PERP_OK;
    }
    if (v->kind != HOST_NODE_SCALAR || !host_parse_bool(v->text, out))
        return type_error(component, v, key, "true or false");
    return PERP_OK;
}

int64_t host_parse_duration_ms(const char *text)
{
    static const struct {
        const char *suffix;
        double ms;
    } units[] = {{"", 1000.0},   {"ms", 1.0},      {"s", 1000.0},
                 {"m", 60000.0}, {"h", 3600000.0}, {"d", 86400000.0}};
    if (!text || !isdigit((unsigned char)*text))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno == ERANGE || !isfinite(v) || v < 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].suffix) != 0)
            continue;
        double ms = v * units[i].ms;
        /* ~31,000 years: anything beyond is a typo, not a duration. */
        if (ms > 1e15)
            return -1;
        return (int64_t)llround(ms);
    }
    return -1;
}

int host_cfg_get_duration_ms(const char *component, const perp_config_node *n,
                             const char *key, int64_t def, int64_t *out)
{
    const perp_config_node *v = value_of(n, key);
    if (!v) {
        *out = def;
        return PERP_OK;
    }
    int64_t ms =
        v->kind == HOST_NODE_SCALAR ? host_parse_duration_ms(v->text) : -1;
    if (ms < 0)
        return type_error(component, v, key,
                          "a duration such as 250ms, 15s, 5m, 6h or 1d");
    *out = ms;
    return PERP_OK;
}

static int key_allowed(const char *key, const char *const *allowed)
{
    if (strcmp(key, "plugin") == 0 || strcmp(key, "name") == 0)
        return 1;
    for (size_t i = 0; allowed && allowed[i]; i++) {
        if (strcmp(key, allowed[i]) == 0)
            return 1;
    }
    return 0;
}

static void list_allowed(const char *const *allowed, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; allowed && allowed[i] && used < len; i++) {
        int w =
            snprintf(buf + used, len - used, "%s%s", i ? ", " : "", allowed[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int host_cfg_check_keys(const char *component, const perp_config_node *n,
                        const char *const *allowed)
{
    if (!n)
        return PERP_OK;
    char where[512];
    if (n->kind != HOST_NODE_MAP) {
        char found[CFG_QUOTE_MAX + 32];
        host_cfg_where(n, where, sizeof where);
        host_cfg_describe(n, found, sizeof found);
        host_log(PERP_LOG_ERROR, component, "%s: expected a mapping, found %s",
                 where, found);
        return PERP_EINVAL;
    }
    int rc = host_cfg_say_duplicates(component, n, 0) ? PERP_EINVAL : PERP_OK;
    for (size_t i = 0; i < n->n; i++) {
        const perp_config_node *k = n->keys[i];
        if (k->dup_of || key_allowed(k->text, allowed))
            continue;
        char names[1024], q[CFG_QUOTE_MAX];
        list_allowed(allowed, names, sizeof names);
        host_cfg_where(k, where, sizeof where);
        host_log(PERP_LOG_ERROR, component,
                 "%s: unknown key %s (allowed: plugin, name%s%s)", where,
                 perp_quote(k->text, q, sizeof q), names[0] ? ", " : "", names);
        rc = PERP_EINVAL;
    }
    return rc;
}

/* ------------------------------------------------------------- JSON */

/* Plain scalars keep their YAML type in the snapshot; quoted ones are
 * strings, as the author wrote them. */
static json_t *scalar_to_json(const perp_config_node *n)
{
    if (n->secret)
        return json_string("***");
    if (n->defaulted == DEFAULT_FOR_NULL)
        return json_null(); /* as written in the file */
    if (n->written) /* a resolved path: the file's text, not this disk's */
        return json_stringn(n->written, strlen(n->written));
    if (!n->plain)
        return json_stringn(n->text, strlen(n->text));
    if (n->null_like)
        return json_null();
    int64_t i;
    double d;
    int b;
    if (host_parse_int64(n->text, &i))
        return json_integer((json_int_t)i);
    if (host_parse_number(n->text, &d))
        return json_real(d);
    if (host_parse_bool(n->text, &b))
        return json_boolean(b);
    return json_stringn(n->text, strlen(n->text));
}

static json_t *node_to_json(const perp_config_node *n)
{
    if (n->kind == HOST_NODE_SCALAR)
        return scalar_to_json(n);
    json_t *j = n->kind == HOST_NODE_MAP ? json_object() : json_array();
    if (!j)
        return NULL;
    for (size_t i = 0; i < n->n; i++) {
        if (n->items[i]->defaulted == DEFAULT_ADDED)
            continue; /* the snapshot is the file as written */
        json_t *c = node_to_json(n->items[i]);
        int rc = n->kind == HOST_NODE_MAP
                     ? json_object_set_new(j, n->keys[i]->text, c)
                     : json_array_append_new(j, c);
        if (!c || rc != 0) {
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

char *host_config_to_json_redacted(const perp_config_node *n)
{
    if (!n)
        return strdup("null");
    json_t *j = node_to_json(n);
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    return s;
}

/* ------------------------------------------- config-map support */

const perp_config_node *host_cfg_key_node(const perp_config_node *n, size_t i)
{
    if (!n || n->kind != HOST_NODE_MAP || i >= n->n)
        return NULL;
    return n->keys[i];
}

int host_cfg_is_null(const perp_config_node *n)
{
    return n && n->kind == HOST_NODE_SCALAR && n->null_like;
}

int host_cfg_from_env(const perp_config_node *n)
{
    return n ? n->from_env : 0;
}

const perp_config_node *host_cfg_duplicate_of(const perp_config_node *key)
{
    return key ? key->dup_of : NULL;
}

/* Logs key's duplicate error unless said before; the tree is the host's,
 * and saying it once is what the flag is for. */
int host_cfg_say_duplicate_key(const char *component,
                               const perp_config_node *key)
{
    perp_config_node *k = (perp_config_node *)key;
    if (!k || !k->dup_of)
        return 0;
    if (k->dup_said)
        return 1;
    k->dup_said = 1;
    host_log(PERP_LOG_ERROR, component,
             "%s:%d:%d: duplicate key '%s' (first at line %d, column %d)",
             k->file, k->line, k->col, k->text, k->dup_of->line,
             k->dup_of->col);
    return 1;
}

size_t host_cfg_say_duplicates(const char *component, const perp_config_node *n,
                               int deep)
{
    size_t found = 0;
    if (!n || n->kind == HOST_NODE_SCALAR)
        return 0;
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == HOST_NODE_MAP)
            found += (size_t)host_cfg_say_duplicate_key(component, n->keys[i]);
        if (deep)
            found += host_cfg_say_duplicates(component, n->items[i], 1);
    }
    return found;
}

/* A node the host adds, placed where `at` is so an error about it points
 * at the entry that lacks it. */
static perp_config_node *added_node(const perp_config_node *at,
                                    host_node_kind kind, const char *text)
{
    perp_config_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->file = at->file;
    n->dir = at->dir;
    n->line = at->line;
    n->col = at->col;
    n->plain = 1;
    n->defaulted = DEFAULT_ADDED;
    if (text && !(n->text = strdup(text))) {
        free(n);
        return NULL;
    }
    return n;
}

/* Appends key: val to mapping m (both added by the host). */
static const perp_config_node *add_entry(perp_config_node *m, const char *key,
                                         perp_config_node *val)
{
    perp_config_node *k = added_node(m, HOST_NODE_SCALAR, key);
    if (!k || !val || node_append(m, k, val) != 0) {
        node_free(k);
        node_free(val);
        return NULL;
    }
    return val;
}

const perp_config_node *host_cfg_fill_scalar(const perp_config_node *map,
                                             const char *key, const char *text)
{
    perp_config_node *m = (perp_config_node *)map;
    if (!m || m->kind != HOST_NODE_MAP)
        return NULL;
    perp_config_node *v = (perp_config_node *)host_cfg_child(m, key);
    if (v && !(v->kind == HOST_NODE_SCALAR && v->null_like))
        return v; /* given in the file */
    if (v) {
        char *copy = strdup(text);
        if (!copy)
            return NULL;
        free(v->text);
        v->text = copy;
        v->null_like = 0;
        v->defaulted = DEFAULT_FOR_NULL;
        return v;
    }
    return add_entry(m, key, added_node(m, HOST_NODE_SCALAR, text));
}

const perp_config_node *host_cfg_fill_map(const perp_config_node *map,
                                          const char *key)
{
    perp_config_node *m = (perp_config_node *)map;
    if (!m || m->kind != HOST_NODE_MAP)
        return NULL;
    const perp_config_node *v = host_cfg_child(m, key);
    if (v)
        return v->kind == HOST_NODE_MAP ? v : NULL;
    return add_entry(m, key, added_node(m, HOST_NODE_MAP, NULL));
}

void host_cfg_mark_secret(const perp_config_node *n)
{
    perp_config_node *v = (perp_config_node *)n;
    if (!v || v->kind != HOST_NODE_SCALAR)
        return;
    v->secret = 1;
    host_secret_add(v->text);
}

int host_cfg_is_default(const perp_config_node *n)
{
    return n ? n->defaulted != 0 : 0;
}

int host_cfg_set_path(const perp_config_node *n, const char *resolved,
                      host_path_base base)
{
    perp_config_node *v = (perp_config_node *)n;
    if (!v || v->kind != HOST_NODE_SCALAR || !resolved)
        return -1;
    if (strcmp(v->text, resolved) == 0)
        return 0;
    char *copy = strdup(resolved);
    if (!copy)
        return -1;
    if (!v->written)
        v->written = v->text; /* the first text: resolving is idempotent */
    else
        free(v->text);
    v->text = copy;
    v->path_base = (int)base;
    return 0;
}

const char *host_cfg_path_written(const perp_config_node *n,
                                  host_path_base *base)
{
    if (!n || !n->written)
        return NULL;
    if (base)
        *base = (host_path_base)n->path_base;
    return n->written;
}
