/* Autodiscover run on the agent's HTTP exchange (eas/exchange.h): the candidate machine of
 * eas/discover.h, each candidate one exchange, each answer read as it arrives (v1 through the
 * streaming reader, v2 into a small buffer for the platform's JSON reader, a redirect's Location from
 * the headers). Driven by steps like the agent: no blocking but the optional SRV hook's. */
#ifndef EAS_DISCOVERY_H
#define EAS_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "eas/autodiscover.h"
#include "eas/discover.h"
#include "eas/exchange.h"

/* Longest v2 JSON answer kept (they are a few hundred bytes); a longer one counts as failed. 0: no
 * buffer (a port without a v2 reader: its v2 steps fail without a request). */
#ifndef EAS_DISCOVER_JSON_MAX
#define EAS_DISCOVER_JSON_MAX 1024u
#endif

/* The platform's reader of a v2 answer (platform/autodiscover_json.h on POSIX): the Url into url. */
typedef eas_err (*eas_discovery_v2_fn)(const char *body, size_t len, char *url, size_t cap);
/* A DNS SRV lookup (eas_posix_srv_lookup on POSIX): the best target and its port. */
typedef eas_err (*eas_discovery_srv_fn)(void *ctx, const char *name, char *host, size_t cap, uint16_t *port);
/* Told each candidate's end: the HTTP status (0 when there was no response) and what it meant. For
 * --verbose; never given credentials. */
typedef void (*eas_discovery_trace_fn)(void *ctx, const eas_discover_candidate *c, int status, eas_err result);

typedef struct eas_discovery_config {
    const char *address;       /* the e-mail address */
    const char *base;          /* the configured "autodiscover_url", or NULL */
    unsigned flags;            /* EAS_DISCOVER_*; NO_SRV is implied without srv */
    eas_auth auth;             /* the v1 POSTs' credentials (Basic or Bearer) */
    const char *user_agent;    /* NULL: none */
    eas_discovery_v2_fn v2;    /* NULL: the v2 steps fail at once (a port without a JSON reader) */
    eas_discovery_srv_fn srv;  /* NULL: no SRV step */
    void *srv_ctx;
    eas_discovery_trace_fn trace;
    void *trace_ctx;
    uint32_t timeout_ms;       /* per candidate, connection included (0: 30 s) */
} eas_discovery_config;

typedef enum {
    EAS_DISCOVERY_PENDING = 0, /* call eas_discovery_step again after *wait */
    EAS_DISCOVERY_DONE,        /* eas_discovery_result() */
    EAS_DISCOVERY_FAILED       /* eas_discovery_error() */
} eas_discovery_outcome;

typedef struct eas_discovery {
    eas_discover m;
    eas_pox_reader pox;
    eas_discover_candidate c;
    eas_url url;
    eas_exchange_head head;
    const char *headers[3];
    const eas_discovery_config *cfg;
    eas_auth auth; /* the v1 POSTs' credentials: cfg->auth, or what the caller puts here after start */
    char location[EAS_URL_MAX];
    char body[EAS_DISCOVER_JSON_MAX > 0 ? EAS_DISCOVER_JSON_MAX : 1];
    uint16_t body_len;
    uint8_t running, body_over, location_over, err;
    uint8_t saw_auth_failure, answered, net_err;
} eas_discovery;

/* Starts a discovery for cfg->address (cfg must live until the end). Errors of eas_discover_init. */
eas_err eas_discovery_start(eas_discovery *d, const eas_discovery_config *cfg);

/* Moves the discovery on over x (the agent's exchange, or one of its own: tls for https candidates,
 * plain for the one http-redirect probe). DONE: the result is there; FAILED: eas_discovery_error() is
 * EAS_ERR_DISCOVER_NONE or _LOOP, or EAS_ERR_AUTH when a v1 server refused the credentials and nothing
 * else answered, or a network error when nothing answered at all. */
eas_discovery_outcome eas_discovery_step(eas_discovery *d, eas_exchange *x, eas_wait *wait);

eas_err eas_discovery_error(const eas_discovery *d);
const char *eas_discovery_result(const eas_discovery *d, eas_discover_source *source);

#endif
