/* Autodiscover on the HTTP exchange (eas/discovery.h). */
#include <string.h>

#include "eas/bytes.h"
#include "eas/discovery.h"

#define DEFAULT_TIMEOUT_MS 30000u

eas_err eas_discovery_start(eas_discovery *d, const eas_discovery_config *cfg)
{
    unsigned flags;
    if (!d || !cfg || !cfg->address) return EAS_ERR_ARG;
    memset(d, 0, sizeof *d);
    d->cfg = cfg;
    d->auth = cfg->auth;
    flags = cfg->flags | (cfg->srv ? 0u : (unsigned)EAS_DISCOVER_NO_SRV);
    return eas_discover_init(&d->m, cfg->address, cfg->base, flags);
}

eas_err eas_discovery_error(const eas_discovery *d) { return (eas_err)d->err; }

const char *eas_discovery_result(const eas_discovery *d, eas_discover_source *source)
{
    return eas_discover_result(&d->m, source);
}

/* ---- the response as it arrives ---- */

static eas_err on_header(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len)
{
    eas_discovery *d = ctx;
    if (!eas_ascii_ieq(name, name_len, "Location")) return EAS_OK;
    if (value_len >= sizeof d->location) {
        d->location_over = 1;
        return EAS_OK;
    }
    memcpy(d->location, value, value_len);
    d->location[value_len] = '\0';
    return EAS_OK;
}

static eas_err pox_body(void *ctx, const uint8_t *data, size_t len)
{
    eas_discovery *d = ctx;
    /* A malformed answer is this candidate's failure, not the exchange's: keep reading, judge at the end. */
    (void)eas_pox_reader_feed(&d->pox, data, len);
    return EAS_OK;
}

static eas_err json_body(void *ctx, const uint8_t *data, size_t len)
{
    eas_discovery *d = ctx;
    if (len > sizeof d->body - d->body_len) {
        d->body_over = 1;
        return EAS_OK;
    }
    memcpy(d->body + d->body_len, data, len);
    d->body_len = (uint16_t)(d->body_len + len);
    return EAS_OK;
}

/* ---- the request ---- */

static eas_err write_head(void *ctx, eas_sink out, uint64_t content_length)
{
    eas_discovery *d = ctx;
    return eas_exchange_write_head(&d->head, out, content_length);
}

static eas_err write_body(void *ctx, eas_sink out)
{
    eas_discovery *d = ctx;
    size_t len = 0;
    return eas_pox_write_request(out, d->c.address, &len);
}

static eas_err start_candidate(eas_discovery *d, eas_exchange *x)
{
    eas_exchange_request r;
    int post = d->c.method == EAS_DISCOVER_POST_XML;
    eas_err e = eas_url_parse(d->c.url, strlen(d->c.url), &d->url);
    if (e != EAS_OK) return e;
    /* The exchange keeps a connection for the next request to the same stream; a candidate on another
     * host must not go down the last one's connection. */
    eas_exchange_close(x);
    memset(&d->head, 0, sizeof d->head);
    d->head.method = post ? "POST" : "GET";
    d->head.url = &d->url;
    d->head.content_type = post ? "text/xml; charset=utf-8" : NULL;
    /* Credentials only where they are asked for and over TLS: the v1 POST. */
    if (post && d->url.scheme == EAS_URL_HTTPS) d->head.auth = d->auth;
    d->headers[0] = d->cfg->user_agent ? "User-Agent" : NULL;
    d->headers[1] = d->cfg->user_agent;
    d->headers[2] = NULL;
    d->head.headers = d->headers;
    d->location[0] = '\0';
    d->location_over = 0;
    d->body_len = 0;
    d->body_over = 0;
    eas_pox_reader_init(&d->pox);
    memset(&r, 0, sizeof r);
    r.url = &d->url;
    r.head = write_head;
    r.body = post ? write_body : NULL;
    r.ctx = d;
    r.response.on_header = on_header;
    r.response.ctx = d;
    if (post) r.response.body = (eas_sink){pox_body, d};
    else if (d->c.method == EAS_DISCOVER_GET_JSON) r.response.body = (eas_sink){json_body, d};
    r.timeout_ms = d->cfg->timeout_ms ? d->cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    return eas_exchange_start(x, &r);
}

/* A Location relative to the candidate ("/x") is made absolute on its origin. */
static int absolute_location(eas_discovery *d)
{
    size_t n = strlen(d->location), k;
    char origin[EAS_URL_HOST_MAX + 16];
    if (d->location_over || n == 0) return 0;
    if (d->location[0] != '/') return 1;
    if (n >= 2 && d->location[1] == '/') return 0; /* scheme-relative: not taken */
    k = (size_t)(strstr(d->c.url, "://") - d->c.url) + 3;
    {
        const char *slash = strchr(d->c.url + k, '/');
        size_t olen = slash ? (size_t)(slash - d->c.url) : strlen(d->c.url);
        if (olen >= sizeof origin || olen + n >= sizeof d->location) return 0;
        memcpy(origin, d->c.url, olen);
        memmove(d->location + olen, d->location, n + 1);
        memcpy(d->location, origin, olen);
    }
    return 1;
}

/* What the finished exchange meant for the machine; the eas_err is for the trace. */
static eas_err judge(eas_discovery *d, eas_exchange *x, eas_exchange_outcome o, int *status)
{
    const eas_http_parser *p = eas_exchange_response(x);
    *status = 0;
    if (o != EAS_EXCHANGE_DONE) {
        d->net_err = (uint8_t)eas_exchange_error(x);
        (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
        return eas_exchange_error(x);
    }
    d->answered = 1;
    *status = eas_http_parser_status(p);
    if (*status == 301 || *status == 302 || *status == 303 || *status == 307 || *status == 308) {
        /* A v2 GET that redirects is left (the v1 POST that would follow is not what it asked). */
        if (d->c.method == EAS_DISCOVER_GET_JSON || !absolute_location(d)) {
            (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
            return EAS_ERR_HTTP_STATUS;
        }
        return eas_discover_report(&d->m, EAS_DISCOVER_NEW_URL, d->location);
    }
    if (*status == 401 || *status == 403) {
        if (d->c.method == EAS_DISCOVER_POST_XML) d->saw_auth_failure = 1;
        (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
        return *status == 401 ? EAS_ERR_AUTH : EAS_ERR_FORBIDDEN;
    }
    if (*status != 200 || d->c.method == EAS_DISCOVER_GET_REDIRECT) {
        (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
        return EAS_ERR_HTTP_STATUS;
    }
    if (d->c.method == EAS_DISCOVER_GET_JSON) {
        char url[EAS_URL_MAX];
        eas_err e = EAS_DISCOVER_JSON_MAX == 0 || d->body_over || !d->cfg->v2 ? EAS_ERR_UNSUPPORTED
                                               : d->cfg->v2(d->body, d->body_len, url, sizeof url);
        if (e != EAS_OK) {
            (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
            return e;
        }
        return eas_discover_report(&d->m, EAS_DISCOVER_FOUND, url);
    }
    {
        eas_pox_kind kind = EAS_POX_NONE;
        eas_err e = eas_pox_reader_finish(&d->pox, &kind);
        if (e != EAS_OK) {
            (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
            return e;
        }
        switch (kind) {
        case EAS_POX_URL: return eas_discover_report(&d->m, EAS_DISCOVER_FOUND, d->pox.value);
        case EAS_POX_REDIRECT_ADDR: return eas_discover_report(&d->m, EAS_DISCOVER_NEW_ADDRESS, d->pox.value);
        case EAS_POX_REDIRECT_URL: return eas_discover_report(&d->m, EAS_DISCOVER_NEW_URL, d->pox.value);
        default:
            (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
            return kind == EAS_POX_ERROR ? EAS_ERR_NOT_FOUND : EAS_ERR_PROTOCOL;
        }
    }
}

static eas_discovery_outcome finish(eas_discovery *d, eas_exchange *x, eas_err machine_end)
{
    eas_exchange_close(x);
    if (eas_discover_result(&d->m, NULL)) return EAS_DISCOVERY_DONE;
    if (machine_end == EAS_ERR_DISCOVER_NONE && d->saw_auth_failure) machine_end = EAS_ERR_AUTH;
    else if (machine_end == EAS_ERR_DISCOVER_NONE && !d->answered && d->net_err) machine_end = (eas_err)d->net_err;
    d->err = (uint8_t)machine_end;
    return EAS_DISCOVERY_FAILED;
}

eas_discovery_outcome eas_discovery_step(eas_discovery *d, eas_exchange *x, eas_wait *w)
{
    /* Each pass ends a candidate or returns; candidates are bounded by the machine. */
    for (unsigned guard = 0; guard < 4u * (EAS_DISCOVER_SRC_COUNT + EAS_DISCOVER_MAX_REDIRECTS) *
                                            (EAS_DISCOVER_MAX_REDIRECTS + 1u);
         guard++) {
        eas_err e;
        if (d->running) {
            int status = 0;
            eas_exchange_outcome o = eas_exchange_step(x, w);
            if (o == EAS_EXCHANGE_PENDING) return EAS_DISCOVERY_PENDING;
            d->running = 0;
            e = judge(d, x, o, &status);
            if (d->cfg->trace) d->cfg->trace(d->cfg->trace_ctx, &d->c, status, e);
            if (eas_discover_result(&d->m, NULL)) return finish(d, x, EAS_OK);
            continue;
        }
        e = eas_discover_next(&d->m, &d->c);
        if (e != EAS_OK) return finish(d, x, e);
        if (d->c.method == EAS_DISCOVER_SRV) {
            char host[EAS_URL_HOST_MAX];
            uint16_t port = 0;
            e = d->cfg->srv(d->cfg->srv_ctx, d->c.url, host, sizeof host, &port);
            if (e == EAS_OK) e = eas_discover_srv_target(&d->m, host, port);
            else (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
            if (d->cfg->trace) d->cfg->trace(d->cfg->trace_ctx, &d->c, 0, e);
            continue;
        }
        if (d->c.method == EAS_DISCOVER_GET_JSON && !d->cfg->v2) {
            (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
            continue;
        }
        if ((e = start_candidate(d, x)) != EAS_OK) {
            (void)eas_discover_report(&d->m, EAS_DISCOVER_FAILED, NULL);
            if (d->cfg->trace) d->cfg->trace(d->cfg->trace_ctx, &d->c, 0, e);
            continue;
        }
        d->running = 1;
    }
    w->what = EAS_WAIT_NOW;
    w->until_ms = 0;
    return EAS_DISCOVERY_PENDING;
}
