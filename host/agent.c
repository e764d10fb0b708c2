/*
 * agent.c — assembles one agent from its YAML: settings, plugin search
 * path, sinks, backend, feeds, per-symbol indicators, planner and
 * services, each created and validated; and tears it down in reverse.
 * The loop is in agent_run.c, one cycle in agent_cycle.c.
 */
#include "agent_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_path.h"
#include "log.h"

static int64_t agent_now(void *ud)
{
    return host_clock_now(ud);
}

static int where_error(const perp_config_node *n, const char *msg,
                       const char *arg)
{
    char where[256];
    host_cfg_where(n, where, sizeof where);
    host_log(PERP_LOG_ERROR, "agent", "%s: %s%s", where, msg, arg ? arg : "");
    return PERP_EINVAL;
}

static const char *plugin_of(const perp_config_node *node)
{
    const perp_config_node *p = host_cfg_child(node, "plugin");
    return p ? host_cfg_scalar(p) : NULL;
}

/* A component name: the node's `name:` if given, else its plugin. */
static const char *name_of(const perp_config_node *node)
{
    const perp_config_node *n = host_cfg_child(node, "name");
    const char *s = n ? host_cfg_scalar(n) : NULL;
    return s && *s ? s : plugin_of(node);
}

/* One plugin_path entry, resolved against the YAML's folder: a folder
 * that is not there is an error (a path written for another working
 * directory would otherwise go unnoticed while another folder serves). */
static int plugin_dir_of(const perp_config_node *n, const char **out)
{
    const char *d = host_cfg_scalar(n);
    if (!d || !*d)
        return where_error(n, "plugin_path: expected a folder name", NULL);
    int rc = host_cfg_resolve_path("agent", n, 0);
    if (rc != PERP_OK)
        return rc;
    d = host_cfg_scalar(n);
    struct stat st;
    const char *why_not = NULL;
    if (stat(d, &st) != 0)
        why_not = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why_not = "not a folder";
    if (why_not) {
        char why[PATH_MAX + 128], note[2 * PATH_MAX + 160];
        snprintf(why, sizeof why, "plugin_path: %s: %s", d, why_not);
        host_cfg_path_note(n, why, note, sizeof note);
        return where_error(n, why, note);
    }
    *out = d;
    return PERP_OK;
}

static int read_plugin_path(host_agent *a, const perp_config_node *root,
                            const host_run_options *opt)
{
    const perp_config_node *pp = host_cfg_child(root, "plugin_path");
    size_t n_yaml = pp ? host_cfg_len(pp) : 0;
    if (pp && host_cfg_kind(pp) != HOST_NODE_SEQ)
        return where_error(pp, "plugin_path: expected a list of folders", NULL);
    size_t n_extra = opt ? opt->n_extra_plugin_dirs : 0;
    const char **dirs = calloc(n_extra + n_yaml + 1, sizeof *dirs);
    if (!dirs)
        return PERP_ENOMEM;
    for (size_t i = 0; i < n_extra; i++)
        dirs[i] = opt->extra_plugin_dirs[i];
    for (size_t i = 0; i < n_yaml; i++) {
        int rc = plugin_dir_of(host_cfg_at(pp, i), &dirs[n_extra + i]);
        if (rc != PERP_OK) {
            free(dirs);
            return rc;
        }
    }
    host_plugin_path_init(&a->path, dirs, n_extra + n_yaml);
    free(dirs);
    return PERP_OK;
}

/* A list section (feeds, sinks, services): one instance per element. */
static int open_list(host_agent *a, const perp_config_node *root,
                     const char *key, perp_kind kind, int required,
                     host_instance **out, size_t *n_out)
{
    const perp_config_node *seq = host_cfg_child(root, key);
    *out = NULL;
    *n_out = 0;
    if (!seq) {
        if (required)
            return where_error(root, "missing section: ", key);
        return PERP_OK;
    }
    size_t n = host_cfg_len(seq);
    if (host_cfg_kind(seq) != HOST_NODE_SEQ || (required && n == 0))
        return where_error(seq,
                           "expected a list of `- plugin: ...` "
                           "entries under ",
                           key);
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return PERP_ENOMEM;
    /* A refused configuration does not stop the list: the next entries'
     * errors are said too. Only opened instances are counted (a failed
     * open leaves its slot empty for the next). */
    int refused = PERP_OK;
    for (size_t i = 0; i < n; i++) {
        const perp_config_node *node = host_cfg_at(seq, i);
        int rc = host_instance_open(&(*out)[*n_out], &a->path, kind, node,
                                    name_of(node), &a->ctx);
        if (rc == PERP_OK)
            (*n_out)++;
        else if (rc == PERP_EINVAL)
            refused = rc;
        else if (rc != PERP_OK)
            return rc;
    }
    return refused;
}

static int open_one(host_agent *a, const perp_config_node *root,
                    const char *key, perp_kind kind, host_instance *out)
{
    const perp_config_node *node = host_cfg_child(root, key);
    if (!node)
        return where_error(root, "missing section: ", key);
    return host_instance_open(out, &a->path, kind, node, name_of(node),
                              &a->ctx);
}

/* Live when any feed is not the replay feed: the clock must then be the
 * wall clock, since a live feed's events arrive in real time. */
static int any_live_feed(const perp_config_node *root)
{
    const perp_config_node *seq = host_cfg_child(root, "feeds");
    for (size_t i = 0; seq && i < host_cfg_len(seq); i++) {
        const char *p = plugin_of(host_cfg_at(seq, i));
        if (p && strcmp(p, "replay") != 0)
            return 1;
    }
    return 0;
}

static int open_markets(host_agent *a)
{
    a->markets = calloc(a->set.n_symbols, sizeof *a->markets);
    if (!a->markets)
        return PERP_ENOMEM;
    for (size_t i = 0; i < a->set.n_symbols; i++) {
        if (host_market_init(&a->markets[i], a->set.symbols[i], a->set.ctx_ms,
                             a->set.history, a->set.series) != PERP_OK)
            return PERP_ENOMEM;
        a->n_markets = i + 1;
    }
    return PERP_OK;
}

/* `timeframe:` of an indicator node: 0 for 1m, 1 for context, -1 bad. */
static int indicator_timeframe(const perp_config_node *node)
{
    const perp_config_node *tf = host_cfg_child(node, "timeframe");
    const char *s = tf ? host_cfg_scalar(tf) : "1m";
    if (s && strcmp(s, "1m") == 0)
        return PERP_TF_1M;
    if (s && (strcmp(s, "context") == 0 || strcmp(s, "ctx") == 0))
        return PERP_TF_CTX;
    where_error(tf, "timeframe: expected 1m or context, found ",
                s ? s : "a non-scalar");
    return -1;
}

static int duplicate_name(const perp_config_node *seq, size_t upto,
                          const char *name)
{
    for (size_t j = 0; j < upto; j++) {
        const char *other = name_of(host_cfg_at(seq, j));
        if (other && strcmp(other, name) == 0)
            return 1;
    }
    return 0;
}

/* One instance per symbol of each listed indicator, bound in YAML order
 * to the outputs before it on the same timeframe. */
static int open_indicator(host_agent *a, const perp_config_node *node,
                          const char *name, int tf)
{
    for (size_t s = 0; s < a->n_markets; s++) {
        host_market *m = &a->markets[s];
        char component[128];
        snprintf(component, sizeof component, "%s/%s", name, m->symbol);
        host_instance inst;
        int rc = host_instance_open(&inst, &a->path, PERP_KIND_INDICATOR, node,
                                    component, &a->ctx);
        if (rc != PERP_OK)
            return rc;
        host_indicator_chain *c = tf == PERP_TF_CTX ? &m->indctx : &m->ind1m;
        if (host_indicator_chain_add(c, &inst, name) != PERP_OK)
            return where_error(node, "indicator cannot be set up: ", name);
    }
    return PERP_OK;
}

static int open_indicators(host_agent *a, const perp_config_node *root)
{
    const perp_config_node *seq = host_cfg_child(root, "indicators");
    if (!seq)
        return PERP_OK;
    if (host_cfg_kind(seq) != HOST_NODE_SEQ)
        return where_error(seq, "indicators: expected a list", NULL);
    int refused = PERP_OK; /* as in open_list: every entry is checked */
    for (size_t i = 0; i < host_cfg_len(seq); i++) {
        const perp_config_node *node = host_cfg_at(seq, i);
        const char *name = name_of(node);
        if (host_cfg_kind(node) != HOST_NODE_MAP || !name || !*name)
            return where_error(node,
                               "indicator: expected a mapping with "
                               "`plugin:` (and optional `name:`)",
                               NULL);
        if (duplicate_name(seq, i, name))
            return where_error(node, "indicator name used twice: ", name);
        int tf = indicator_timeframe(node);
        int rc = tf < 0 ? PERP_EINVAL : open_indicator(a, node, name, tf);
        if (rc == PERP_EINVAL)
            refused = rc;
        else if (rc != PERP_OK)
            return rc;
    }
    return refused;
}

/* Candles a live start fetches for one timeframe: enough that every
 * value the planner is shown of every indicator (agent.series of them)
 * is defined, and the candle history is full. */
static size_t warmup_count(const host_indicator_chain *c, size_t history,
                           size_t series)
{
    size_t need = host_indicator_chain_warmup(c);
    size_t n = need ? need + series - 1 : 0;
    return n > history ? n : history;
}

/* The live warm-up per timeframe from the largest lookback (every market
 * has the same chains); agent.warmup overrides the 1m count. */
static void size_warmup(host_agent *a)
{
    if (a->n_markets == 0)
        return;
    const host_market *m = &a->markets[0];
    host_agent_settings *s = &a->set;
    s->warmup_ctx = warmup_count(&m->indctx, s->history, s->series);
    s->warmup_1m = warmup_count(&m->ind1m, s->history, s->series);
    if (!s->warmup_override)
        return;
    size_t need = host_indicator_chain_warmup(&m->ind1m);
    if (s->warmup_override < need)
        host_log(PERP_LOG_WARN, "agent",
                 "agent.warmup %zu is below the %zu one-minute candles the "
                 "indicators need: they start cold",
                 s->warmup_override, need);
    s->warmup_1m =
        s->warmup_override > s->history ? s->warmup_override : s->history;
}

/* limits.max_leverage defaults to the backend's rule for the first
 * symbol (the venue's cap). */
static void default_max_leverage(host_agent *a)
{
    const perp_backend_vtable *vt = a->backend.vtable;
    perp_symbol_rules r;
    memset(&r, 0, sizeof r);
    if (a->set.max_leverage_set)
        return;
    if (vt->rules &&
        vt->rules(a->backend.self, a->set.symbols[0], &r) == PERP_OK &&
        r.max_leverage >= 1)
        a->set.limits.max_leverage = r.max_leverage;
    else
        a->set.limits.max_leverage = 1;
}

/* What every cycle reuses: the observation view (sized now that the
 * indicator chains are complete), the record text buffer, the hold run.
 * Live, holds are written at least hourly so a dashboard keeps up. */
static int open_cycle_state(host_agent *a)
{
    if (host_obs_view_init(&a->view, a->markets, a->n_markets) != PERP_OK)
        return PERP_ENOMEM;
    host_jw_init(&a->obs_text, 64 * 1024);
    int64_t per_hour = 3600000 / a->set.cycle_ms;
    if (host_hold_run_init(&a->holds, a->live ? (per_hour > 1 ? per_hour : 1)
                                              : 0) != PERP_OK)
        return PERP_ENOMEM;
    return PERP_OK;
}

static int assemble(host_agent *a, const perp_config_node *root,
                    const host_run_options *opt)
{
    if (host_agent_check_top_level(root) != PERP_OK ||
        host_agent_settings_read(root, &a->set) != PERP_OK ||
        read_plugin_path(a, root, opt) != PERP_OK)
        return PERP_EINVAL;
    a->backtest = opt && opt->backtest;
    int feeds_shared = opt && opt->feeds_shared && !a->backtest;
    a->live = feeds_shared || (!a->backtest && any_live_feed(root));
    host_clock_init(&a->clock, a->live);
    a->book = host_trade_book_new();
    if (!a->book)
        return PERP_ENOMEM;
    host_record_bus_init(&a->bus, a->set.version, &a->clock, a->book);
    a->ctx.version = a->set.version;
    a->ctx.symbols = a->set.symbols;
    a->ctx.n_symbols = a->set.n_symbols;
    a->ctx.now = agent_now;
    a->ctx.now_ud = &a->clock;
    a->ctx.emit = host_record_bus_emit;
    a->ctx.emit_ud = &a->bus;
    a->ctx.cycle_ms = a->set.cycle_ms;
    int rc =
        open_list(a, root, "sinks", PERP_KIND_SINK, 0, &a->sinks, &a->n_sinks);
    host_record_bus_set_sinks(&a->bus, a->sinks, a->n_sinks);
    if (rc == PERP_OK)
        rc = open_one(a, root, "backend", PERP_KIND_BACKEND, &a->backend);
    if (rc == PERP_OK && !a->backtest && !feeds_shared)
        rc = open_list(a, root, "feeds", PERP_KIND_FEED, 1, &a->feeds,
                       &a->n_feeds);
    if (rc == PERP_OK)
        rc = open_markets(a);
    if (rc == PERP_OK)
        rc = open_indicators(a, root);
    if (rc == PERP_OK)
        size_warmup(a);
    if (rc == PERP_OK)
        rc = open_one(a, root, "planner", PERP_KIND_PLANNER, &a->planner);
    if (rc == PERP_OK && !a->backtest)
        rc = open_list(a, root, "services", PERP_KIND_SERVICE, 0, &a->services,
                       &a->n_services);
    if (rc == PERP_OK)
        default_max_leverage(a);
    if (rc == PERP_OK)
        rc = open_cycle_state(a);
    return rc;
}

host_agent *host_agent_open(const char *config_path,
                            const host_run_options *opt)
{
    host_agent *a = calloc(1, sizeof *a);
    if (!a) {
        host_log(PERP_LOG_ERROR, "agent", "out of memory");
        return NULL;
    }
    char err[512];
    /* Duplicates kept, so every error of the file is said in one pass:
     * each check says those of the mapping it reads, and the sweep
     * below those of any mapping no check reached. */
    a->cfg = host_config_load_keep_duplicates(config_path, err, sizeof err);
    if (!a->cfg) {
        host_log(PERP_LOG_ERROR, "agent", "%s", err);
        free(a);
        return NULL;
    }
    a->max_cycles = opt ? opt->max_cycles : 0;
    a->bench_value = NAN;
    int rc = assemble(a, host_config_root(a->cfg), opt);
    if (host_cfg_say_duplicates("config", host_config_root(a->cfg), 1) > 0)
        rc = PERP_EINVAL;
    if (rc != PERP_OK) {
        host_agent_close(a);
        return NULL;
    }
    host_planner_worker_init(&a->worker, a->planner.vtable, a->planner.self);
    return a;
}

void host_agent_set_tap(host_agent *a,
                        void (*tap)(void *ud, const perp_record *rec), void *ud)
{
    host_record_bus_set_tap(&a->bus, tap, ud);
}

/* `perpd serve`: the plugin path and the services of a pipeline file,
 * nothing else (no feed, backend or planner is created), with a context
 * that has no agent: a dashboard reads the database, not this process. */
static int assemble_services(host_agent *a, const perp_config_node *root,
                             const host_run_options *opt)
{
    if (host_agent_check_top_level(root) != PERP_OK ||
        read_plugin_path(a, root, opt) != PERP_OK)
        return PERP_EINVAL;
    if (!host_cfg_child(root, "services"))
        return where_error(root, "missing section: ", "services");
    return open_list(a, root, "services", PERP_KIND_SERVICE, 1, &a->services,
                     &a->n_services);
}

host_agent *host_agent_open_services(const char *config_path,
                                     const host_run_options *opt)
{
    host_agent *a = calloc(1, sizeof *a);
    if (!a) {
        host_log(PERP_LOG_ERROR, "agent", "out of memory");
        return NULL;
    }
    char err[512];
    a->cfg = host_config_load_keep_duplicates(config_path, err, sizeof err);
    if (!a->cfg) {
        host_log(PERP_LOG_ERROR, "agent", "%s", err);
        free(a);
        return NULL;
    }
    const perp_config_node *root = host_config_root(a->cfg);
    int rc = assemble_services(a, root, opt);
    if (host_cfg_say_duplicates("config", host_cfg_child(root, "services"), 1) >
        0)
        rc = PERP_EINVAL;
    if (rc != PERP_OK) {
        host_agent_close(a);
        return NULL;
    }
    return a;
}

static void close_list(host_instance *list, size_t n)
{
    for (size_t i = n; i-- > 0;)
        host_instance_close(&list[i]);
    free(list);
}

void host_agent_close(host_agent *a)
{
    if (!a)
        return;
    host_planner_worker_finish(&a->worker);
    for (size_t i = a->n_services; a->services_started && i-- > 0;) {
        const perp_service_vtable *vt = a->services[i].vtable;
        vt->stop(a->services[i].self);
    }
    close_list(a->services, a->n_services);
    host_instance_close(&a->planner);
    for (size_t i = 0; !a->markets_shared && i < a->n_markets; i++)
        host_market_free(&a->markets[i]);
    if (!a->markets_shared)
        free(a->markets);
    close_list(a->feeds, a->n_feeds);
    host_instance_close(&a->backend);
    if (a->book) {
        host_record_bus_flush(&a->bus);
        host_record_bus_set_sinks(&a->bus, NULL, 0);
        host_record_bus_destroy(&a->bus);
    }
    close_list(a->sinks, a->n_sinks);
    host_trade_book_free(a->book);
    host_agent_feedback_clear(a);
    free(a->feedback);
    for (size_t i = 0; i < a->n_shown; i++)
        free(a->shown[i]);
    free(a->shown);
    host_obs_view_free(&a->view);
    host_jw_free(&a->obs_text);
    host_hold_run_free(&a->holds);
    host_plugin_path_free(&a->path);
    host_config_free(a->cfg);
    free(a);
}
