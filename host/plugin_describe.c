/*
 * plugin_describe.c — prints a plugin's descriptor and config map. One
 * walk over the map (describe_rows) feeds both formats; nested rows are
 * flattened to dotted names ("funding.model", "symbols.<key>.tick_size",
 * "items[].id") so that every key a YAML may hold has one line.
 */
#include "plugin_describe.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plugin_config_map.h"
#include "plugin_instance.h"
#include "plugin_services.h"

#define ROW_TEXT_MAX 512

/* One flattened row, as printed. */
typedef struct row_text {
    char key[160];
    char type[48];
    char def[96];
    char allowed[ROW_TEXT_MAX];
    const char *description;
} row_text;

typedef void (*row_fn)(void *ud, const row_text *r);

static const char *type_word(perp_config_type t)
{
    switch (t) {
    case PERP_CFG_STRING:
        return "string";
    case PERP_CFG_NUMBER:
        return "number";
    case PERP_CFG_INTEGER:
        return "integer";
    case PERP_CFG_BOOL:
        return "bool";
    case PERP_CFG_DURATION:
        return "duration";
    case PERP_CFG_LIST:
        return "list";
    case PERP_CFG_MAPPING:
        return "mapping";
    case PERP_CFG_PATH:
        return "path";
    case PERP_CFG_END:
        break;
    }
    return "?";
}

static void type_text(const perp_config_key *k, char *buf, size_t len)
{
    if (k->type == PERP_CFG_LIST && k->children)
        snprintf(buf, len, "list of mappings");
    else if (k->type == PERP_CFG_LIST && k->item_type)
        snprintf(buf, len, "list of %ss", type_word(k->item_type));
    else if (k->type == PERP_CFG_PATH && (k->flags & PERP_CFG_OUTPUT))
        snprintf(buf, len, "output path");
    else
        snprintf(buf, len, "%s", type_word(k->type));
}

static void default_text(const perp_config_key *k, char *buf, size_t len)
{
    if (k->flags & PERP_CFG_REQUIRED)
        snprintf(buf, len, "required");
    else if (k->flags & PERP_CFG_SECRET)
        snprintf(buf, len, "secret, from ${VAR}");
    else if (k->default_value)
        snprintf(buf, len, "%s",
                 k->default_value[0] ? k->default_value : "\"\"");
    else
        buf[0] = '\0';
}

/* What host_config_map_expected says, without the type noun it starts
 * with ("an integer in 2..100000" -> "2..100000"). */
static void allowed_text(const perp_config_key *k, char *buf, size_t len)
{
    buf[0] = '\0';
    if (k->type == PERP_CFG_MAPPING || k->type == PERP_CFG_BOOL ||
        k->type == PERP_CFG_PATH || (k->type == PERP_CFG_STRING && !k->choices))
        return;
    char full[ROW_TEXT_MAX];
    host_config_map_expected(k, full, sizeof full);
    static const char *const leads[] = {
        "one of ",
        "a list of ",
        "a list",
        "an integer in ",
        "an integer ",
        "a number in ",
        "a number ",
        "a duration in ",
        "a duration such as 250ms, 15s, 5m, 6h or 1d",
        "a duration "};
    const char *rest = full;
    for (size_t i = 0; i < sizeof leads / sizeof leads[0]; i++) {
        size_t n = strlen(leads[i]);
        if (strncmp(full, leads[i], n) == 0) {
            rest = full + n;
            break;
        }
    }
    if (strncmp(rest, ", or ", 5) == 0)
        rest += 5; /* only words: "max" */
    if (strcmp(rest, type_word(k->type)) == 0 || strncmp(rest, "a ", 2) == 0 ||
        strncmp(rest, "an ", 3) == 0)
        rest = ""; /* no bounds: the type says it all */
    snprintf(buf, len, "%s", rest);
}

static void describe_rows(const perp_config_key *map, const char *prefix,
                          row_fn fn, void *ud)
{
    for (size_t i = 0; map && map[i].name; i++) {
        const perp_config_key *k = &map[i];
        row_text r = {.description = k->description ? k->description : ""};
        snprintf(r.key, sizeof r.key, "%s%s", prefix, k->name);
        type_text(k, r.type, sizeof r.type);
        default_text(k, r.def, sizeof r.def);
        allowed_text(k, r.allowed, sizeof r.allowed);
        fn(ud, &r);
        char sub[200];
        if (k->type == PERP_CFG_MAPPING && (k->flags & PERP_CFG_ANY_KEY))
            snprintf(sub, sizeof sub, "%s.<key>.", r.key);
        else if (k->type == PERP_CFG_LIST)
            snprintf(sub, sizeof sub, "%s[].", r.key);
        else
            snprintf(sub, sizeof sub, "%s.", r.key);
        if (k->children)
            describe_rows(k->children, sub, fn, ud);
    }
}

/* ---------------------------------------------------------------- text */

typedef struct widths {
    size_t key, type, def, allowed;
} widths;

static size_t max_z(size_t a, size_t b)
{
    return a > b ? a : b;
}

static void measure(void *ud, const row_text *r)
{
    widths *w = ud;
    w->key = max_z(w->key, strlen(r->key));
    w->type = max_z(w->type, strlen(r->type));
    w->def = max_z(w->def, strlen(r->def));
    w->allowed = max_z(w->allowed, strlen(r->allowed));
}

typedef struct text_out {
    FILE *out;
    widths w;
} text_out;

static void print_text_row(void *ud, const row_text *r)
{
    text_out *t = ud;
    fprintf(t->out, "  %-*s  %-*s  %-*s  %-*s  %s\n", (int)t->w.key, r->key,
            (int)t->w.type, r->type, (int)t->w.def, r->def[0] ? r->def : "-",
            (int)t->w.allowed, r->allowed[0] ? r->allowed : "-",
            r->description);
}

/* ------------------------------------------------------------ markdown */

/* A table cell: '|' escaped, newlines as spaces. */
static void md_cell(FILE *out, const char *s, int code)
{
    if (!*s) {
        fputs(" ", out);
        return;
    }
    fputs(code ? " `" : " ", out);
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (!code && (*s == '<' || *s == '>'))
            fputs(*s == '<' ? "&lt;" : "&gt;", out); /* not a tag */
        else
            fputc(*s == '\n' ? ' ' : *s, out);
    }
    fputs(code ? "` " : " ", out);
}

static void print_md_row(void *ud, const row_text *r)
{
    FILE *out = ud;
    fputc('|', out);
    md_cell(out, r->key, 1);
    fputc('|', out);
    md_cell(out, r->type, 0);
    fputc('|', out);
    md_cell(out, r->def,
            r->def[0] != '\0' && strcmp(r->def, "required") &&
                strncmp(r->def, "secret", 6));
    fputc('|', out);
    md_cell(out, r->allowed, 0);
    fputc('|', out);
    md_cell(out, r->description, 0);
    fputs("|\n", out);
}

/* -------------------------------------------------------- the instance */

#define HAS_LOOKBACK(vt)                                                       \
    ((vt)->struct_size >=                                                      \
         offsetof(perp_indicator_vtable, lookback) + sizeof((vt)->lookback) && \
     (vt)->lookback)

/* An indicator with its defaults: its outputs and lookback, in words. */
static void indicator_facts(const perp_plugin_descriptor *d,
                            host_describe_format fmt, char *outputs,
                            size_t olen, char *lookback, size_t llen)
{
    const char *q = fmt == HOST_DESCRIBE_MARKDOWN ? "`" : "";
    snprintf(outputs, olen, "unknown (the defaults are refused)");
    lookback[0] = '\0';
    char err[256];
    host_config *cfg = host_config_parse("{}", "<defaults>", err, sizeof err);
    host_context ctx = {.version = "describe"};
    perp_host *h = host_services_new(&ctx, d->name);
    void *self = NULL;
    if (cfg && h &&
        host_plugin_create(d, h, host_config_root(cfg), &self) == PERP_OK) {
        const perp_indicator_vtable *vt = d->vtable;
        size_t n = vt->output_count(self);
        if (n == 1) {
            snprintf(outputs, olen,
                     "one (%s%s%s), shown under the entry's name", q,
                     vt->output_name(self, 0), q);
        } else {
            size_t used = (size_t)snprintf(outputs, olen, "%zu, shown as", n);
            /* "<name>.upper": the entry's name, then the output's. */
            for (size_t i = 0; i < n && used < olen; i++)
                used += (size_t)snprintf(outputs + used, olen - used,
                                         "%s %s<name>.%s%s", i ? "," : "", q,
                                         vt->output_name(self, i), q);
        }
        if (HAS_LOOKBACK(vt))
            snprintf(lookback, llen, "%zu candles", vt->lookback(self));
        vt->destroy(self);
    }
    host_services_free(h);
    host_config_free(cfg);
}

/* ---------------------------------------------------------------- both */

static const perp_config_key *map_of(const perp_plugin_descriptor *d)
{
    return HOST_DESC_HAS(d, config_map) ? d->config_map : NULL;
}

/* "plugin, name" or "plugin, name, timeframe". */
static void entry_keys_text(perp_kind kind, char *buf, size_t len)
{
    const char *const *k = host_entry_keys(kind);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; k[i] && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                 k[i]);
}

static void describe_text(const perp_plugin_descriptor *d, FILE *out)
{
    char host_keys[128];
    entry_keys_text(d->kind, host_keys, sizeof host_keys);
    fprintf(out, "%s %s: %s plugin (ABI %u.%u)\n%s\n", d->name, d->version,
            host_kind_name(d->kind), d->abi_major, d->abi_minor,
            d->description ? d->description : "");
    const perp_config_key *map = map_of(d);
    if (!map) {
        fprintf(out, "\nkeys: no config map (the plugin checks its own "
                     "keys at create)\n");
    } else if (!map[0].name) {
        fprintf(out, "\nkeys: none besides the host's (%s)\n", host_keys);
    } else {
        text_out t = {.out = out,
                      .w = {strlen("KEY"), strlen("TYPE"), strlen("DEFAULT"),
                            strlen("ALLOWED")}};
        describe_rows(map, "", measure, &t.w);
        fprintf(out, "\nkeys (besides the host's %s):\n", host_keys);
        row_text head = {.description = "DESCRIPTION"};
        snprintf(head.key, sizeof head.key, "KEY");
        snprintf(head.type, sizeof head.type, "TYPE");
        snprintf(head.def, sizeof head.def, "DEFAULT");
        snprintf(head.allowed, sizeof head.allowed, "ALLOWED");
        print_text_row(&t, &head);
        describe_rows(map, "", print_text_row, &t);
    }
}

static void describe_markdown(const perp_plugin_descriptor *d, FILE *out)
{
    char host_keys[128];
    entry_keys_text(d->kind, host_keys, sizeof host_keys);
    fprintf(out, "## %s\n\n%s plugin `%s`, version %s (ABI %u.%u): %s.\n\n",
            d->name, host_kind_name(d->kind), d->name, d->version, d->abi_major,
            d->abi_minor, d->description ? d->description : "");
    const perp_config_key *map = map_of(d);
    if (!map) {
        fprintf(out, "No config map: the plugin checks its own keys when "
                     "created.\n");
    } else if (!map[0].name) {
        fprintf(out, "No keys besides the host's (%s).\n", host_keys);
    } else {
        fprintf(out, "Keys besides the host's (%s):\n\n", host_keys);
        fprintf(out, "| key | type | default | allowed | description |\n"
                     "|---|---|---|---|---|\n");
        describe_rows(map, "", print_md_row, out);
    }
}

static void describe_command(const perp_plugin_descriptor *d,
                             host_describe_format fmt, FILE *out)
{
    if (!HOST_DESC_HAS(d, command))
        return;
    const char *usage =
        HOST_DESC_HAS(d, command_usage) ? d->command_usage : "ARGS...\n";
    fprintf(out, fmt == HOST_DESCRIBE_MARKDOWN ? "\nCommand:\n\n```\n"
                                               : "\ncommand:\n");
    for (const char *line = usage; *line;) {
        size_t n = strcspn(line, "\n");
        if (n)
            fprintf(out, "%sperpd %s %.*s\n",
                    fmt == HOST_DESCRIBE_MARKDOWN ? "" : "  ", d->name, (int)n,
                    line);
        line += n + (line[n] == '\n');
    }
    if (fmt == HOST_DESCRIBE_MARKDOWN)
        fprintf(out, "```\n");
}

void host_plugin_describe(const host_plugin *pl, host_describe_format fmt,
                          FILE *out)
{
    const perp_plugin_descriptor *d = pl->desc;
    if (fmt == HOST_DESCRIBE_MARKDOWN)
        describe_markdown(d, out);
    else
        describe_text(d, out);
    describe_command(d, fmt, out);
    if (d->kind == PERP_KIND_INDICATOR) {
        char outputs[512], lookback[64];
        indicator_facts(d, fmt, outputs, sizeof outputs, lookback,
                        sizeof lookback);
        if (fmt == HOST_DESCRIBE_MARKDOWN) {
            fprintf(out, "\nWith the defaults: outputs %s", outputs);
            if (lookback[0])
                fprintf(out, "; lookback %s", lookback);
            fprintf(out, ".\n");
        } else {
            fprintf(out, "\noutputs (with the defaults): %s\n", outputs);
            if (lookback[0])
                fprintf(out, "lookback (with the defaults): %s\n", lookback);
        }
    }
    if (fmt == HOST_DESCRIBE_MARKDOWN)
        fputc('\n', out);
}

void host_plugin_describe_heading(FILE *out)
{
    fputs("# Plugins\n"
          "\n"
          "Generated by `make docs` (`perpd plugins --describe-all "
          "--markdown`) from\n"
          "each plugin's descriptor and config map: edit those, not this "
          "file. A test\n"
          "fails when this file is stale. `perpd plugins --describe NAME` "
          "prints the\n"
          "same for any plugin on the plugin path.\n"
          "\n"
          "The host checks an entry against its plugin's map before "
          "`create()`:\n"
          "types, ranges, allowed values, unknown keys (with a \"did you "
          "mean\"),\n"
          "duplicates and required keys, each error with file:line:col; "
          "then it\n"
          "fills in the defaults. Every entry also takes the host's keys "
          "`plugin`\n"
          "and `name`; an indicator also `timeframe` (`1m` or `context`). "
          "A duration\n"
          "is written `250ms`, `15s`, `5m`, `6h`, `1d` or as seconds. A "
          "path written\n"
          "relative follows the YAML file's folder (after `${VAR}` "
          "expansion); a\n"
          "relative default follows the data folder (`share/perp`), an "
          "output path's\n"
          "default the YAML file's folder (README: Paths in a pipeline).\n"
          "\n",
          out);
}

/* ------------------------------------------------------------ commands */

int host_plugin_describe_name(const host_plugin_path *p, const char *name,
                              host_describe_format fmt, FILE *out)
{
    char file[PATH_MAX], why[600];
    host_plugin pl;
    if (!host_plugin_locate(p, name, file, sizeof file)) {
        fprintf(stderr, "perpd: no plugin '%s' on the plugin path\n", name);
        return 1;
    }
    if (host_plugin_open_file(file, 0, &pl, why, sizeof why) != PERP_OK) {
        fprintf(stderr, "perpd: %s\n", why);
        return 1;
    }
    host_plugin_describe(&pl, fmt, out);
    host_plugin_close(&pl);
    return 0;
}

typedef struct found {
    perp_kind kind;
    char *name, *path; /* owned */
} found;

typedef struct found_list {
    found *v;
    size_t n;
} found_list;

static void collect(void *ud, const char *path, const host_plugin *pl,
                    const char *why)
{
    (void)why;
    found_list *l = ud;
    if (!pl)
        return;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].name, pl->desc->name) == 0)
            return; /* an earlier folder has it */
    }
    found *grown = realloc(l->v, (l->n + 1) * sizeof *grown);
    if (!grown)
        return;
    l->v = grown;
    found *f = &l->v[l->n];
    f->kind = pl->desc->kind;
    f->name = strdup(pl->desc->name);
    f->path = strdup(path);
    if (f->name && f->path)
        l->n++;
    else {
        free(f->name);
        free(f->path);
    }
}

/* Feeds first, as a pipeline reads: the kinds' order, then the name. */
static int by_kind_then_name(const void *a, const void *b)
{
    const found *x = a, *y = b;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return strcmp(x->name, y->name);
}

int host_plugin_describe_every(const host_plugin_path *p,
                               host_describe_format fmt, FILE *out)
{
    found_list l = {0};
    for (size_t i = 0; i < p->n; i++)
        host_plugin_scan(p->dirs[i], collect, &l);
    qsort(l.v, l.n, sizeof *l.v, by_kind_then_name);
    for (size_t i = 0; i < l.n; i++) {
        host_plugin pl;
        char why[600];
        if (host_plugin_open_file(l.v[i].path, 0, &pl, why, sizeof why) ==
            PERP_OK) {
            if (fmt == HOST_DESCRIBE_TEXT && i > 0)
                fputc('\n', out);
            host_plugin_describe(&pl, fmt, out);
            host_plugin_close(&pl);
        }
        free(l.v[i].name);
        free(l.v[i].path);
    }
    free(l.v);
    if (l.n == 0)
        fprintf(stderr, "perpd: no plugins found\n");
    return l.n ? 0 : 1;
}
