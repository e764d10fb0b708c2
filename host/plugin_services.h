/*
 * plugin_services.h — builds the perp_host table handed to a plugin
 * instance. One table per instance, so its log lines carry the instance's
 * name. The context (clock, version, symbols, record fan-out) belongs to
 * the caller and must outlive every table made from it.
 */
#ifndef HOST_SERVICES_H
#define HOST_SERVICES_H

#include <stdatomic.h>

#include <perp/sdk.h>

typedef struct host_context {
    const char *version;
    const char *const *symbols;
    size_t n_symbols;
    int64_t (*now)(void *ud); /* NULL: wall clock */
    void *now_ud;
    void (*emit)(void *ud, const perp_record *rec); /* NULL: dropped */
    void *emit_ud;
    const atomic_int *stop; /* non-zero: stopping; NULL: never */
    int64_t cycle_ms;       /* agent.cycle; 0: no agent */
} host_context;

/* Returns a malloc'd table (free with host_services_free); component is
 * copied. */
perp_host *host_services_new(const host_context *ctx, const char *component);
void host_services_free(perp_host *h);

/* The instance's own YAML entry and the keys of it the host owns
 * (borrowed, NULL-terminated): cfg_check_keys on that node lets them
 * pass, so a 1.0/1.1 plugin need not list `timeframe` itself. */
void host_services_set_entry(perp_host *h, const perp_config_node *node,
                             const char *const *host_keys);

/* The ABI minor the instance's plugin was built for (default: this
 * host's). Records are read as that minor wrote them: members appended
 * later are set to their "not reported" value. */
void host_services_set_plugin_abi(perp_host *h, int minor);

/* Wall clock, ms since the epoch. */
int64_t host_wall_ms(void);

#endif
