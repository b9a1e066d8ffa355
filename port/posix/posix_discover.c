/* Autodiscover on POSIX: the core's discovery (eas/discovery.h) on an exchange of its own over the
 * PAL's TLS and plain streams, waiting in poll() between steps; v2 answers read with cJSON on the
 * arena, SRV records through res_query. */
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

eas_err eas_posix_discover(eas_discovery_config *cfg, const eas_pal *pal, eas_transport *tls, eas_transport *plain,
                           const eas_posix_tcp *tcp, eas_discovery *d, eas_exchange *x)
{
    eas_err e;
    if (!cfg->v2) cfg->v2 = read_v2;
    if (!cfg->srv && !(cfg->flags & EAS_DISCOVER_NO_SRV)) cfg->srv = lookup_srv;
    if ((e = eas_discovery_start(d, cfg)) != EAS_OK) return e;
    eas_exchange_init(x, tls, plain, pal);
    for (;;) {
        eas_wait w = {0, 0};
        eas_discovery_outcome o = eas_discovery_step(d, x, &w);
        if (o == EAS_DISCOVERY_DONE) return EAS_OK;
        if (o == EAS_DISCOVERY_FAILED) return eas_discovery_error(d);
        eas_posix_wait_as(&w, &pal->clock, tcp);
    }
}
