/* Autodiscover on POSIX: what the core's discovery (eas/discovery.h, run by the agent) asks of the
 * platform: v2 answers read with cJSON on the arena, SRV records through res_query. */
#include "autodiscover_json.h"
#include "eas_posix.h"

static eas_err read_v2(const char *body, size_t len, char *url, size_t cap)
{
    return eas_autodiscover_v2_parse(body, len, url, cap, NULL, 0);
}

static eas_err lookup_srv(void *ctx, const char *name, char *host, size_t cap, uint16_t *port)
{
    (void)ctx;
    return eas_posix_srv_lookup(name, host, cap, port);
}

void eas_posix_discovery_hooks(eas_discovery_config *cfg)
{
    if (!cfg->v2) cfg->v2 = read_v2;
    if (!cfg->srv && !(cfg->flags & EAS_DISCOVER_NO_SRV)) cfg->srv = lookup_srv;
}
