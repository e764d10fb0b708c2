/*
 * plugin_services.c — the perp_host table a plugin instance calls. Each
 * instance gets its own table so every log line and config error carries
 * the instance's name without the plugin having to pass it.
 */
#include "plugin_services.h"

#include "config.h"
#include "config_path.h"
#include "decision_json.h"
#include "log.h"
#include "observation_json.h"
#include "prompt_render.h"
#include "prompt_tokens.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The table comes first so a perp_host * is also a services *. */
typedef struct services {
    perp_host h;
    const host_context *ctx;       /* borrowed, outlives the table */
    char *component;               /* owned */
    const perp_config_node *entry; /* borrowed: the instance's YAML entry */
    const char *const *entry_keys; /* borrowed: the host's keys of it */
    int plugin_minor;              /* the plugin's ABI minor (1.x) */
} services;

static const services *svc_of(const perp_host *h)
{
    return (const services *)h->host_ctx;
}

static const char *component_of(const perp_host *h)
{
    return svc_of(h)->component;
}

int64_t host_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void svc_log(const perp_host *h, perp_log_level lvl, const char *fmt,
                    ...) PERP_PRINTF(3, 4);

static void svc_log(const perp_host *h, perp_log_level lvl, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    host_logv(lvl, component_of(h), fmt, ap);
    va_end(ap);
}

static int64_t svc_now_ms(const perp_host *h)
{
    const host_context *ctx = svc_of(h)->ctx;
    if (ctx && ctx->now)
        return ctx->now(ctx->now_ud);
    return host_wall_ms();
}

static int svc_cfg_str(const perp_host *h, const perp_config_node *node,
                       const char *key, const char *def, const char **out)
{
    return host_cfg_get_str(component_of(h), node, key, def, out);
}

static int svc_cfg_num(const perp_host *h, const perp_config_node *node,
                       const char *key, double def, double *out)
{
    return host_cfg_get_num(component_of(h), node, key, def, out);
}

static int svc_cfg_int(const perp_host *h, const perp_config_node *node,
                       const char *key, int64_t def, int64_t *out)
{
    return host_cfg_get_int(component_of(h), node, key, def, out);
}

static int svc_cfg_bool(const perp_host *h, const perp_config_node *node,
                        const char *key, int def, int *out)
{
    return host_cfg_get_bool(component_of(h), node, key, def, out);
}

static int svc_cfg_duration_ms(const perp_host *h, const perp_config_node *node,
                               const char *key, int64_t def, int64_t *out)
{
    return host_cfg_get_duration_ms(component_of(h), node, key, def, out);
}

static int svc_cfg_error(const perp_host *h, const perp_config_node *node,
                         const char *fmt, ...) PERP_PRINTF(3, 4);

static int svc_cfg_error(const perp_host *h, const perp_config_node *node,
                         const char *fmt, ...)
{
    char where[512];
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    host_cfg_where(node, where, sizeof where);
    /* A resolved path: say it as written too (config_path.h). */
    char note[2 * PATH_MAX + 160];
    host_cfg_path_note(node, msg, note, sizeof note);
    host_log(PERP_LOG_ERROR, component_of(h), "%s: %s%s", where,
             msg ? msg : "invalid configuration", note);
    free(msg);
    return PERP_EINVAL;
}

/* On the instance's own entry the host's keys pass as well as the
 * plugin's (a list of both, built on the stack). */
static int svc_cfg_check_keys(const perp_host *h, const perp_config_node *node,
                              const char *const *allowed)
{
    const services *s = svc_of(h);
    if (!node || node != s->entry || !s->entry_keys)
        return host_cfg_check_keys(component_of(h), node, allowed);
    size_t na = 0, ne = 0;
    while (allowed && allowed[na])
        na++;
    while (s->entry_keys[ne])
        ne++;
    const char **both = calloc(na + ne + 1, sizeof *both);
    if (!both)
        return PERP_ENOMEM;
    for (size_t i = 0; i < na; i++)
        both[i] = allowed[i];
    size_t n = na;
    for (size_t i = 0; i < ne; i++) {
        const char *k = s->entry_keys[i];
        if (strcmp(k, "plugin") != 0 && strcmp(k, "name") != 0)
            both[n++] = k; /* those two always pass, and are listed */
    }
    int rc = host_cfg_check_keys(component_of(h), node, both);
    free(both);
    return rc;
}

static const char *svc_agent_version(const perp_host *h)
{
    const host_context *ctx = svc_of(h)->ctx;
    return ctx && ctx->version ? ctx->version : "";
}

static size_t svc_symbol_count(const perp_host *h)
{
    const host_context *ctx = svc_of(h)->ctx;
    return ctx ? ctx->n_symbols : 0;
}

static const char *svc_symbol_at(const perp_host *h, size_t i)
{
    const host_context *ctx = svc_of(h)->ctx;
    if (!ctx || i >= ctx->n_symbols)
        return NULL;
    return ctx->symbols[i];
}

static void svc_emit(const perp_host *h, const perp_record *rec)
{
    const services *s = svc_of(h);
    const host_context *ctx = s->ctx;
    if (!ctx || !ctx->emit || !rec)
        return;
    if (rec->type == PERP_REC_LLM_CALL && s->plugin_minor < 2) {
        /* cached_tokens came with 1.2: a 1.0/1.1 planner never set it,
         * so whatever its stack held there would be counted and billed. */
        perp_record r = *rec;
        r.u.llm_call.cached_tokens = -1;
        ctx->emit(ctx->emit_ud, &r);
        return;
    }
    ctx->emit(ctx->emit_ud, rec);
}

static int svc_stopping(const perp_host *h)
{
    const host_context *ctx = svc_of(h)->ctx;
    return ctx && ctx->stop && atomic_load(ctx->stop);
}

static char *svc_observation_json(const perp_host *h,
                                  const perp_observation *obs)
{
    (void)h;
    return obs ? host_observation_to_json(obs) : NULL;
}

static perp_status svc_prompt_render(const perp_host *h,
                                     const perp_observation *obs,
                                     const perp_prompt_options *opt,
                                     perp_prompt_text *out)
{
    (void)h;
    return host_prompt_render(obs, opt, out);
}

static int64_t svc_prompt_tokens(const perp_host *h, const char *text)
{
    (void)h;
    return text ? prompt_tokens_estimate(text, strlen(text)) : 0;
}

static int64_t svc_cycle_ms(const perp_host *h)
{
    const host_context *ctx = svc_of(h)->ctx;
    return ctx ? ctx->cycle_ms : 0;
}

static void svc_free_mem(void *p)
{
    free(p);
}

static int svc_decision_from_json(const perp_host *h, const char *text,
                                  perp_decision *out, char *err, size_t err_len)
{
    (void)h;
    return host_decision_from_json(text, out, err, err_len);
}

static int svc_decision_from_json_strict(const perp_host *h, const char *text,
                                         perp_decision *out, char *err,
                                         size_t err_len)
{
    (void)h;
    return host_decision_from_json_strict(text, out, err, err_len);
}

perp_host *host_services_new(const host_context *ctx, const char *component)
{
    services *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->component = strdup(component ? component : "plugin");
    if (!s->component) {
        free(s);
        return NULL;
    }
    s->ctx = ctx;
    s->plugin_minor = PERP_ABI_MINOR;
    perp_host *h = &s->h;
    h->struct_size = sizeof *h;
    h->abi_major = PERP_ABI_MAJOR;
    h->abi_minor = PERP_ABI_MINOR;
    h->log = svc_log;
    h->now_ms = svc_now_ms;
    h->cfg_child = host_cfg_child;
    h->cfg_str = svc_cfg_str;
    h->cfg_num = svc_cfg_num;
    h->cfg_int = svc_cfg_int;
    h->cfg_bool = svc_cfg_bool;
    h->cfg_duration_ms = svc_cfg_duration_ms;
    h->cfg_len = host_cfg_len;
    h->cfg_at = host_cfg_at;
    h->cfg_scalar = host_cfg_scalar;
    h->cfg_error = svc_cfg_error;
    h->cfg_check_keys = svc_cfg_check_keys;
    h->agent_version = svc_agent_version;
    h->symbol_count = svc_symbol_count;
    h->symbol_at = svc_symbol_at;
    h->emit = svc_emit;
    h->observation_json = svc_observation_json;
    h->free_mem = svc_free_mem;
    h->decision_from_json = svc_decision_from_json;
    h->decision_from_json_strict = svc_decision_from_json_strict;
    h->host_ctx = s;
    h->stopping = svc_stopping;
    h->prompt_render = svc_prompt_render;
    h->prompt_tokens = svc_prompt_tokens;
    h->cycle_ms = svc_cycle_ms;
    return h;
}

void host_services_set_entry(perp_host *h, const perp_config_node *node,
                             const char *const *host_keys)
{
    services *s = h->host_ctx;
    s->entry = node;
    s->entry_keys = host_keys;
}

void host_services_free(perp_host *h)
{
    if (!h)
        return;
    services *s = h->host_ctx;
    free(s->component);
    free(s);
}

void host_services_set_plugin_abi(perp_host *h, int minor)
{
    ((services *)h->host_ctx)->plugin_minor = minor;
}
