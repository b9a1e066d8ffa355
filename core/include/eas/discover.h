/* From an e-mail address to the ActiveSync URL: which Autodiscover candidate comes next, and what an
 * answer means (docs/DISCOVER.md). The machine makes no request itself: the caller asks for the next
 * candidate, performs it (over verified TLS; the exchange of the agent, or any HTTP client), and reports
 * what it got. All memory is the struct; loops are bounded by the candidate list and
 * EAS_DISCOVER_MAX_REDIRECTS.
 *
 * The order (each step skipped when its flag says so or its URL was tried already for this address):
 *   1. config-v2        GET  {base}/autodiscover/autodiscover.json?Email=ADDR&Protocol=ActiveSync
 *   2. config-v1        POST {base}/autodiscover/autodiscover.xml           (only with a configured base)
 *   3. outlook-v2       GET  https://autodiscover-s.outlook.com/autodiscover/autodiscover.json?...
 *   4. autodiscover-v2  GET  https://autodiscover.DOMAIN/autodiscover/autodiscover.json?...
 *   5. domain-v1        POST https://DOMAIN/autodiscover/autodiscover.xml
 *   6. autodiscover-v1  POST https://autodiscover.DOMAIN/autodiscover/autodiscover.xml
 *   7. http-redirect    GET  http://autodiscover.DOMAIN/autodiscover/autodiscover.xml, no credentials:
 *                       only a redirect to https counts (MS-OXDISCO 3.1.5.2), then POST there
 *   8. dns-srv          SRV  _autodiscover._tcp.DOMAIN, then POST https://TARGET[:PORT]/autodiscover/...
 * A new address (v1 Action/Redirect) starts the list over with that address. A new Autodiscover URL
 * (v1 redirectUrl, an HTTP redirect of a request that carried credentials) is tried next with the same
 * request. Redirects whose origin nothing authenticated (steps 7 and 8) are followed only to a host in
 * the address's domain, since the next request carries the password. Every redirect counts against
 * EAS_DISCOVER_MAX_REDIRECTS; going past it ends discovery with EAS_ERR_DISCOVER_LOOP, and a loop (an
 * address or a URL seen before) abandons that chain. */
#ifndef EAS_DISCOVER_H
#define EAS_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/store.h"

typedef enum {
    EAS_DISCOVER_GET_JSON,     /* Autodiscover v2: GET without credentials, a JSON body */
    EAS_DISCOVER_POST_XML,     /* v1: POST of eas_pox_write_request(address) with credentials */
    EAS_DISCOVER_GET_REDIRECT, /* plain GET without credentials: only a redirect's Location counts */
    EAS_DISCOVER_SRV           /* a DNS SRV lookup of url (a name, not a URL) */
} eas_discover_method;

typedef enum {
    EAS_DISCOVER_SRC_CONFIG_V2, EAS_DISCOVER_SRC_CONFIG_V1, EAS_DISCOVER_SRC_OUTLOOK_V2,
    EAS_DISCOVER_SRC_AUTODISCOVER_V2, EAS_DISCOVER_SRC_DOMAIN_V1, EAS_DISCOVER_SRC_AUTODISCOVER_V1,
    EAS_DISCOVER_SRC_HTTP_REDIRECT, EAS_DISCOVER_SRC_SRV, EAS_DISCOVER_SRC_COUNT
} eas_discover_source;

/* "config-v2", "outlook-v2", ... as in the list above. */
const char *eas_discover_source_name(eas_discover_source s);

enum {
    EAS_DISCOVER_ALLOW_PLAIN_HTTP = 1, /* an http:// base, redirect or result is acceptable */
    EAS_DISCOVER_ONLY_CONFIGURED = 2,  /* steps 1 and 2 only (a private deployment, tests) */
    EAS_DISCOVER_NO_SRV = 4,           /* the port cannot look SRV records up */
    EAS_DISCOVER_NO_HTTP_GET = 8       /* skip step 7 */
};

typedef struct eas_discover_candidate {
    uint8_t method;      /* eas_discover_method */
    uint8_t source;      /* eas_discover_source of the step this chain started from */
    uint8_t redirected;  /* reached by a redirect (a new URL or a new address) */
    const char *url;     /* the request URL, or for SRV the name to look up; valid until the next call */
    const char *address; /* the address to ask for (v2 query, v1 body) */
} eas_discover_candidate;

typedef enum {
    EAS_DISCOVER_FAILED,      /* nothing usable: an error status, not found, a network error */
    EAS_DISCOVER_FOUND,       /* value: the ActiveSync URL */
    EAS_DISCOVER_NEW_ADDRESS, /* value: start over with this address (v1 Action/Redirect, RedirectAddr) */
    EAS_DISCOVER_NEW_URL      /* value: send the v1 request there (redirectUrl, an HTTP redirect) */
} eas_discover_outcome;

typedef struct eas_discover {
    char address[EAS_DISCOVER_ADDRESS_MAX];
    char base[EAS_URL_MAX];    /* the configured base without a trailing '/', or empty */
    char url[EAS_URL_MAX];     /* the current candidate */
    char pending[EAS_URL_MAX]; /* a redirect to try next, or the result once found */
    uint32_t visited[2u * EAS_DISCOVER_MAX_REDIRECTS + EAS_DISCOVER_SRC_COUNT];
    uint32_t addresses[EAS_DISCOVER_MAX_REDIRECTS + 1u];
    uint16_t domain;           /* offset of the domain in address */
    uint8_t flags, step, source, method;
    uint8_t have_pending, found, redirected, loop_seen, redirects, nvisited, naddresses;
    uint8_t ended;             /* eas_err that ended discovery (past the redirect bound), or 0 */
} eas_discover;

/* address: "local@domain" (one '@', a DNS name after it). base: NULL or "https://host[:port][/path]".
 * EAS_ERR_DISCOVER_ADDRESS for an address that is not one; EAS_ERR_HTTP_URL for a bad base,
 * EAS_ERR_PLAIN_HTTP_REFUSED for an http base without EAS_DISCOVER_ALLOW_PLAIN_HTTP. */
eas_err eas_discover_init(eas_discover *d, const char *address, const char *base, unsigned flags);

/* The next candidate to try. EAS_ERR_DISCOVER_NONE when the list is done without a result,
 * EAS_ERR_DISCOVER_LOOP when it is done and a loop was seen or the redirect bound passed, EAS_ERR_STATE
 * once found. */
eas_err eas_discover_next(eas_discover *d, eas_discover_candidate *c);

/* What the last candidate gave. A FOUND value that is not an https URL (http with ALLOW_PLAIN_HTTP) is
 * EAS_ERR_HTTP_URL or EAS_ERR_PLAIN_HTTP_REFUSED and counts as FAILED; a NEW_ADDRESS that is not an
 * address is EAS_ERR_DISCOVER_ADDRESS, a redirect refused for its scheme or host is
 * EAS_ERR_PLAIN_HTTP_REFUSED or EAS_ERR_FORBIDDEN, a loop EAS_ERR_DISCOVER_LOOP: all of them leave the
 * machine ready for the next candidate (the return value is for the caller's log). */
eas_err eas_discover_report(eas_discover *d, eas_discover_outcome outcome, const char *value);

/* The SRV lookup's answer: the target host and port become the next candidate. */
eas_err eas_discover_srv_target(eas_discover *d, const char *host, uint16_t port);

/* After FOUND: the ActiveSync URL and where it came from; NULL before. */
const char *eas_discover_result(const eas_discover *d, eas_discover_source *source);

/* The account state's key for the result (beside the agent's own keys, which leave it free). */
#define EAS_KEY_DISCOVERED 0x00000010u

/* The result kept in the account's state (key EAS_KEY_DISCOVERED), for the address it
 * was found for: a later run without a configured URL uses it. One store put, power-cut safe. */
eas_err eas_discovered_save(eas_store *st, const char *address, eas_discover_source source, const char *url);
/* The stored URL when it was found for address (ASCII case ignored); EAS_ERR_NOT_FOUND when there is
 * none or it was for another address, EAS_ERR_STORE_CORRUPT for a record that does not parse. */
eas_err eas_discovered_load(eas_store *st, const char *address, char *url, size_t cap, eas_discover_source *source);

/* The best target of a DNS answer to an SRV query (RFC 2782): the lowest priority, then the highest
 * weight (a device asks once, so the weighted choice among equals is the heaviest one), a target of "."
 * skipped. host is written as a NUL-terminated name without the final dot. EAS_ERR_NOT_FOUND when the
 * answer has no usable record, EAS_ERR_DNS_MALFORMED for a message that does not parse (compression
 * pointers are followed forward-safe and at most 64 times), EAS_ERR_NOSPACE when the name does not fit. */
eas_err eas_dns_srv_best(const uint8_t *msg, size_t len, char *host, size_t cap, uint16_t *port);

#endif
