/*
 * agent.c — assembles one agent from its YAML and runs its pipeline.
 * (Early skeleton: the pipeline lands in the following commits.)
 */
#include "agent.h"

#include <stdlib.h>

#include "log.h"

struct host_agent {
    int unused;
};

host_agent *host_agent_open(const char *config_path,
                            const host_run_options *opt)
{
    (void)opt;
    host_log(PERP_LOG_ERROR, "agent", "%s: the pipeline is not built yet",
             config_path);
    return NULL;
}

void host_agent_close(host_agent *a)
{
    free(a);
}

int host_agent_run(host_agent *a)
{
    return a ? 0 : 1;
}
