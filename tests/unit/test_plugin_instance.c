/*
 * One plugin instance (host/plugin_instance.h): opening a real plugin
 * (the jsonl sink from $PERP_BUILD_DIR/lib/perp) from a YAML node parsed
 * by host_config_parse, its own host table, and every error path with the
 * file:line:col of the node at fault.
 *
 * Positions below are 1-based (libyaml's marks + 1, as host/config.c
 * reports them) and counted by hand from the YAML text in pipeline().
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_dir.h"
#include "config.h"
#include "plugin_instance.h"
#include "stderr_capture.h"
#include "temp_dir.h"

typedef struct fixture {
    char *dir;         /* scratch dir, owned */
    char *out;         /* dir/out.jsonl */
    char plugdir[512]; /* $PERP_BUILD_DIR/lib/perp */
    host_config *cfg;  /* owned */
    host_plugin_path path;
    host_context ctx;
} fixture;

/* Line numbers of each sink entry in the YAML (the "- " line):
 *   1 sinks:
 *   2   - plugin: jsonl        good one
 *   3     path: <dir>/out.jsonl
 *   4   - plugin: nope         unknown plugin
 *   5   - plugin: jsonl        refuses its config (unknown key)
 *   6     bogus: 1
 *   7   - name: nameless       no plugin: key
 *   8   - just a scalar        not a mapping
 *   9   - plugin: ""           empty name
 * The mapping of an entry starts at column 5 (after "  - "); the value
 * of `plugin:` at column 13 ("  - plugin: " is 12 characters). */
static void setup(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->dir = temp_dir_new();
    cr_assert(asprintf(&f->out, "%s/out.jsonl", f->dir) > 0);
    char *yaml = NULL;
    cr_assert(asprintf(&yaml,
                       "sinks:\n"
                       "  - plugin: jsonl\n"
                       "    path: %s\n"
                       "  - plugin: nope\n"
                       "  - plugin: jsonl\n"
                       "    bogus: 1\n"
                       "  - name: nameless\n"
                       "  - just a scalar\n"
                       "  - plugin: \"\"\n",
                       f->out) > 0);
    char err[512];
    f->cfg = host_config_parse(yaml, "test.yaml", err, sizeof err);
    free(yaml);
    cr_assert_not_null(f->cfg, "%s", err);
    snprintf(f->plugdir, sizeof f->plugdir, "%s/lib/perp", test_build_dir());
    const char *dirs[1] = {f->plugdir};
    host_plugin_path_init(&f->path, dirs, 1);
    f->ctx.version = "test";
}

static void teardown(fixture *f)
{
    host_plugin_path_free(&f->path);
    host_config_free(f->cfg);
    temp_dir_remove(f->dir);
    free(f->dir);
    free(f->out);
}

static const perp_config_node *entry(fixture *f, size_t i)
{
    const perp_config_node *seq =
        host_cfg_child(host_config_root(f->cfg), "sinks");
    cr_assert_not_null(seq);
    return host_cfg_at(seq, i);
}

static int all_zero(const host_instance *inst)
{
    static const host_instance zero;
    return memcmp(inst, &zero, sizeof zero) == 0;
}

/* Opens entry i expecting failure; returns the captured log (caller
 * frees) after checking the instance was left empty. */
static char *open_fails(fixture *f, size_t i, perp_kind kind)
{
    host_instance inst;
    memset(&inst, 0x5A, sizeof inst);
    stderr_capture_begin();
    int rc =
        host_instance_open(&inst, &f->path, kind, entry(f, i), NULL, &f->ctx);
    char *log = stderr_capture_end();
    cr_assert_neq(rc, PERP_OK, "entry %zu opened: %s", i, log);
    cr_assert(all_zero(&inst), "entry %zu: instance not left empty", i);
    host_instance_close(&inst); /* documented as safe on an empty one */
    return log;
}

Test(plugin_instance, opens_creates_and_closes_a_real_sink)
{
    fixture f;
    setup(&f);
    host_instance inst;
    cr_assert_eq(host_instance_open(&inst, &f.path, PERP_KIND_SINK,
                                    entry(&f, 0), "sink.main", &f.ctx),
                 PERP_OK);
    cr_assert_str_eq(inst.name, "sink.main");
    cr_assert_str_eq(inst.plugin_name, "jsonl");
    cr_assert_eq(inst.node, entry(&f, 0));
    cr_assert_not_null(inst.self);
    cr_assert_not_null(inst.host);
    cr_assert_eq(inst.vtable, inst.plugin.desc->vtable);
    cr_assert_str_eq(inst.plugin.desc->name, "jsonl");
    /* create() read `path:` from this node: jsonl opens it for append. */
    cr_assert_eq(access(f.out, F_OK), 0, "%s not created", f.out);

    /* The instance's own host table logs under its component name. */
    stderr_capture_begin();
    inst.host->log(inst.host, PERP_LOG_WARN, "hello %d", 7);
    char *log = stderr_capture_end();
    cr_assert_not_null(strstr(log, " sink.main hello 7"), "log: %s", log);
    free(log);

    /* A record written through the vtable lands in the file. */
    const perp_sink_vtable *vt = inst.vtable;
    perp_record r;
    memset(&r, 0, sizeof r);
    r.type = PERP_REC_EQUITY;
    r.ts = 1680000000000LL;
    r.version = "test";
    r.u.equity.equity = 1234.5;
    cr_assert_eq(vt->write(inst.self, &r), PERP_OK);
    host_instance_close(&inst);
    cr_assert(all_zero(&inst));
    FILE *fp = fopen(f.out, "r");
    cr_assert_not_null(fp);
    char line[1024] = "";
    cr_assert_not_null(fgets(line, sizeof line, fp));
    fclose(fp);
    cr_assert_not_null(strstr(line, "\"type\":\"equity\""), "%s", line);
    cr_assert_not_null(strstr(line, "1234.5"), "%s", line);
    teardown(&f);
}

Test(plugin_instance, component_defaults_to_the_plugin_name)
{
    fixture f;
    setup(&f);
    host_instance inst;
    cr_assert_eq(host_instance_open(&inst, &f.path, PERP_KIND_SINK,
                                    entry(&f, 0), NULL, &f.ctx),
                 PERP_OK);
    cr_assert_str_eq(inst.name, "jsonl");
    host_instance_close(&inst);
    host_instance_close(&inst); /* twice: the second is on an empty one */
    teardown(&f);
}

Test(plugin_instance, an_unknown_plugin_names_the_plugin_value_position)
{
    fixture f;
    setup(&f);
    char *log = open_fails(&f, 1, PERP_KIND_SINK);
    /* Line 4, the value `nope` at column 13; then the loader's reason
     * with the directories it searched. */
    cr_assert_not_null(
        strstr(log, "test.yaml:4:13: plugin 'nope': no plugin 'nope' in: "),
        "log: %s", log);
    cr_assert_not_null(strstr(log, f.plugdir), "log: %s", log);
    free(log);
    teardown(&f);
}

Test(plugin_instance, a_plugin_of_another_kind_is_refused)
{
    fixture f;
    setup(&f);
    char *log = open_fails(&f, 0, PERP_KIND_PLANNER);
    cr_assert_not_null(strstr(log, "test.yaml:2:13: plugin 'jsonl': "),
                       "log: %s", log);
    cr_assert_not_null(strstr(log, "is a sink plugin, expected a planner"),
                       "log: %s", log);
    free(log);
    /* Refused before create(): the sink did not open its file. */
    cr_assert_neq(access(f.out, F_OK), 0);
    teardown(&f);
}

Test(plugin_instance, a_refused_configuration_names_the_entry)
{
    fixture f;
    setup(&f);
    char *log = open_fails(&f, 2, PERP_KIND_SINK);
    /* The entry's mapping begins at line 5, column 5. The plugin's own
     * complaint (about `bogus`, line 6) comes first, through its host
     * table; the host's summary line follows. */
    cr_assert_not_null(
        strstr(log, "test.yaml:5:5: plugin 'jsonl' refused its configuration"),
        "log: %s", log);
    cr_assert_not_null(strstr(log, "test.yaml:6:5"), "log: %s", log);
    cr_assert_not_null(strstr(log, "bogus"), "log: %s", log);
    free(log);
    teardown(&f);
}

Test(plugin_instance, an_entry_without_plugin_key_is_an_error)
{
    fixture f;
    setup(&f);
    char *log = open_fails(&f, 3, PERP_KIND_SINK);
    cr_assert_not_null(strstr(log, "test.yaml:7:5: plugin: missing"), "log: %s",
                       log);
    free(log);
    log = open_fails(&f, 5, PERP_KIND_SINK); /* plugin: "" */
    cr_assert_not_null(strstr(log, "test.yaml:9:5: plugin: missing"), "log: %s",
                       log);
    free(log);
    teardown(&f);
}

Test(plugin_instance, a_scalar_or_missing_node_is_an_error)
{
    fixture f;
    setup(&f);
    char *log = open_fails(&f, 4, PERP_KIND_SINK);
    cr_assert_not_null(strstr(log, "test.yaml:8:5: expected a mapping"),
                       "log: %s", log);
    free(log);
    host_instance inst;
    stderr_capture_begin();
    int rc =
        host_instance_open(&inst, &f.path, PERP_KIND_SINK, NULL, NULL, &f.ctx);
    log = stderr_capture_end();
    cr_assert_eq(rc, PERP_EINVAL);
    cr_assert(all_zero(&inst));
    cr_assert_not_null(strstr(log, "expected a mapping"), "log: %s", log);
    free(log);
    teardown(&f);
}
