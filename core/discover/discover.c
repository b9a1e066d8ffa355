/* The Autodiscover candidate order and the bounds on redirects (eas/discover.h). */
#include <string.h>

#include "eas/bytes.h"
#include "eas/discover.h"
#include "eas/url.h"

static const char *const source_names[EAS_DISCOVER_SRC_COUNT] = {
    "config-v2", "config-v1", "outlook-v2", "autodiscover-v2", "domain-v1", "autodiscover-v1", "http-redirect",
    "dns-srv"};

const char *eas_discover_source_name(eas_discover_source s)
{
    return (unsigned)s < EAS_DISCOVER_SRC_COUNT ? source_names[s] : "unknown";
}

/* FNV-1a (eas/bytes.h) continued over a string, ASCII case folded when asked. */
static uint32_t hash_text(uint32_t h, const char *s, int fold)
{
    for (; *s; s++) h = (h ^ (uint8_t)(fold ? eas_ascii_lower(*s) : *s)) * 16777619u;
    return h;
}

/* ---- bounded string building ---- */

typedef struct {
    char *p;
    size_t cap, n;
    int over;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->over || n >= b->cap - b->n) {
        b->over = 1;
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(strbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_pct(strbuf *b, const char *s)
{
    size_t n = 0;
    if (b->over) return;
    /* cap - n - 1: room for the NUL after it. */
    if (eas_url_pct_encode(s, strlen(s), b->p + b->n, b->cap - b->n - 1, &n) != EAS_OK) {
        b->over = 1;
        return;
    }
    b->n += n;
    b->p[b->n] = '\0';
}

/* ---- addresses and hosts ---- */

static int valid_domain(const char *s, size_t n)
{
    size_t label = 0;
    if (n == 0 || n > 253) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-') return 0;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
            if ((label == 0 && c == '-') || ++label > 63) return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && s[n - 1] != '-';
}

/* The offset of the domain in "local@domain", or 0 when it is not such an address. */
static size_t address_domain(const char *a)
{
    size_t n = 0, at = 0;
    unsigned ats = 0;
    for (; n < EAS_DISCOVER_ADDRESS_MAX && a[n] != '\0'; n++) {
        unsigned char c = (unsigned char)a[n];
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '\\') return 0;
        if (c == '@') {
            ats++;
            at = n;
        }
    }
    if (n >= EAS_DISCOVER_ADDRESS_MAX || ats != 1 || at == 0) return 0;
    return valid_domain(a + at + 1, n - at - 1) ? at + 1 : 0;
}

/* host is the domain or a name under it. */
static int in_domain(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);
    if (h > 0 && host[h - 1] == '.') h--;
    if (h < d || (h > d && host[h - d - 1] != '.')) return 0;
    for (size_t i = 0; i < d; i++)
        if (eas_ascii_lower(host[h - d + i]) != eas_ascii_lower(domain[i])) return 0;
    return 1;
}

/* ---- visited candidates ---- */

static uint32_t visit_key(uint8_t method, const char *url)
{
    uint32_t h = 2166136261u ^ method;
    return hash_text(h * 16777619u, url, 0);
}

static int visited(const eas_discover *d, uint32_t k)
{
    for (unsigned i = 0; i < d->nvisited; i++)
        if (d->visited[i] == k) return 1;
    return 0;
}

/* 0 when the bound on candidates per address is reached (then it counts as a loop). */
static int visit(eas_discover *d, uint32_t k)
{
    if (d->nvisited >= sizeof d->visited / sizeof d->visited[0]) return 0;
    d->visited[d->nvisited++] = k;
    return 1;
}

static eas_err set_address(eas_discover *d, const char *address)
{
    size_t dom = address_domain(address);
    uint32_t k;
    if (dom == 0) return EAS_ERR_DISCOVER_ADDRESS;
    k = hash_text(2166136261u, address, 1);
    for (unsigned i = 0; i < d->naddresses; i++)
        if (d->addresses[i] == k) return EAS_ERR_DISCOVER_LOOP;
    if (d->naddresses >= sizeof d->addresses / sizeof d->addresses[0]) return EAS_ERR_DISCOVER_LOOP;
    d->addresses[d->naddresses++] = k;
    memcpy(d->address, address, strlen(address) + 1);
    d->domain = (uint16_t)dom;
    d->step = 0;
    d->nvisited = 0;
    d->have_pending = 0;
    return EAS_OK;
}

eas_err eas_discover_init(eas_discover *d, const char *address, const char *base, unsigned flags)
{
    eas_err e;
    if (!d || !address) return EAS_ERR_ARG;
    memset(d, 0, sizeof *d);
    d->flags = (uint8_t)flags;
    if (base && *base) {
        eas_url u;
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/') n--;
        if ((e = eas_url_parse(base, n, &u)) != EAS_OK) return e == EAS_ERR_NOSPACE ? EAS_ERR_HTTP_URL : e;
        if (u.scheme != EAS_URL_HTTPS && !(flags & EAS_DISCOVER_ALLOW_PLAIN_HTTP)) return EAS_ERR_PLAIN_HTTP_REFUSED;
        if (strchr(base, '?') || n + 40 >= sizeof d->base) return EAS_ERR_HTTP_URL;
        memcpy(d->base, base, n);
        d->base[n] = '\0';
    }
    return set_address(d, address);
}

/* The URL (or SRV name) of a step for the current address; 0 when the step does not apply. */
static int step_url(eas_discover *d, uint8_t step, uint8_t *method)
{
    static const char json[] = "/autodiscover/autodiscover.json?Email=";
    static const char xml[] = "/autodiscover/autodiscover.xml";
    const char *domain = d->address + d->domain;
    strbuf b = {d->url, sizeof d->url, 0, 0};
    int configured = step <= EAS_DISCOVER_SRC_CONFIG_V1;
    d->url[0] = '\0';
    if (configured && d->base[0] == '\0') return 0;
    if (!configured && (d->flags & EAS_DISCOVER_ONLY_CONFIGURED)) return 0;
    switch (step) {
    case EAS_DISCOVER_SRC_CONFIG_V2: sb_str(&b, d->base); break;
    case EAS_DISCOVER_SRC_OUTLOOK_V2: sb_str(&b, "https://autodiscover-s.outlook.com"); break;
    case EAS_DISCOVER_SRC_CONFIG_V1: sb_str(&b, d->base); break;
    case EAS_DISCOVER_SRC_DOMAIN_V1: sb_str(&b, "https://"); sb_str(&b, domain); break;
    case EAS_DISCOVER_SRC_AUTODISCOVER_V2:
    case EAS_DISCOVER_SRC_AUTODISCOVER_V1: sb_str(&b, "https://autodiscover."); sb_str(&b, domain); break;
    case EAS_DISCOVER_SRC_HTTP_REDIRECT:
        if (d->flags & EAS_DISCOVER_NO_HTTP_GET) return 0;
        sb_str(&b, "http://autodiscover.");
        sb_str(&b, domain);
        break;
    case EAS_DISCOVER_SRC_SRV:
        if (d->flags & EAS_DISCOVER_NO_SRV) return 0;
        sb_str(&b, "_autodiscover._tcp.");
        sb_str(&b, domain);
        *method = EAS_DISCOVER_SRV;
        return !b.over;
    default: return 0;
    }
    if (step == EAS_DISCOVER_SRC_CONFIG_V2 || step == EAS_DISCOVER_SRC_OUTLOOK_V2 ||
        step == EAS_DISCOVER_SRC_AUTODISCOVER_V2) {
        sb_str(&b, json);
        sb_pct(&b, d->address);
        sb_str(&b, "&Protocol=ActiveSync");
        *method = EAS_DISCOVER_GET_JSON;
    } else {
        sb_str(&b, xml);
        *method = step == EAS_DISCOVER_SRC_HTTP_REDIRECT ? EAS_DISCOVER_GET_REDIRECT : EAS_DISCOVER_POST_XML;
    }
    return !b.over;
}

eas_err eas_discover_next(eas_discover *d, eas_discover_candidate *c)
{
    if (!d || !c) return EAS_ERR_ARG;
    if (d->found) return EAS_ERR_STATE;
    if (d->ended) return (eas_err)d->ended;
    if (d->have_pending) {
        d->have_pending = 0;
        memcpy(d->url, d->pending, strlen(d->pending) + 1);
        d->method = EAS_DISCOVER_POST_XML;
        d->redirected = 1;
    } else {
        for (;;) {
            uint8_t method = 0;
            if (d->step >= EAS_DISCOVER_SRC_COUNT)
                return d->loop_seen ? EAS_ERR_DISCOVER_LOOP : EAS_ERR_DISCOVER_NONE;
            d->source = d->step++;
            if (!step_url(d, d->source, &method)) continue;
            if (visited(d, visit_key(method, d->url))) continue;
            if (!visit(d, visit_key(method, d->url))) continue;
            d->method = method;
            break;
        }
        d->redirected = d->naddresses > 1;
    }
    c->method = d->method;
    c->source = d->source;
    c->redirected = d->redirected;
    c->url = d->url;
    c->address = d->address;
    return EAS_OK;
}

static eas_err count_redirect(eas_discover *d)
{
    if (d->redirects >= EAS_DISCOVER_MAX_REDIRECTS) {
        d->ended = EAS_ERR_DISCOVER_LOOP;
        return EAS_ERR_DISCOVER_LOOP;
    }
    d->redirects++;
    return EAS_OK;
}

/* A URL the next request may go to: parsed, https unless plain http is allowed, and for a redirect
 * nothing authenticated, in the address's domain. */
static eas_err acceptable(const eas_discover *d, const char *value, int untrusted)
{
    eas_url u;
    size_t n = strlen(value);
    eas_err e = eas_url_parse(value, n, &u);
    if (e != EAS_OK) return e == EAS_ERR_NOSPACE ? EAS_ERR_HTTP_URL : e;
    if (u.scheme != EAS_URL_HTTPS && !(d->flags & EAS_DISCOVER_ALLOW_PLAIN_HTTP)) return EAS_ERR_PLAIN_HTTP_REFUSED;
    if (untrusted && (u.ipv6 || !in_domain(u.host, d->address + d->domain))) return EAS_ERR_FORBIDDEN;
    return EAS_OK;
}

static eas_err queue_url(eas_discover *d, const char *value, int untrusted)
{
    eas_err e = acceptable(d, value, untrusted);
    uint32_t k;
    if (e != EAS_OK) return e;
    if ((e = count_redirect(d)) != EAS_OK) return e;
    k = visit_key(EAS_DISCOVER_POST_XML, value);
    if (visited(d, k) || !visit(d, k)) {
        d->loop_seen = 1;
        return EAS_ERR_DISCOVER_LOOP;
    }
    memcpy(d->pending, value, strlen(value) + 1);
    d->have_pending = 1;
    return EAS_OK;
}

eas_err eas_discover_report(eas_discover *d, eas_discover_outcome outcome, const char *value)
{
    eas_err e;
    if (!d) return EAS_ERR_ARG;
    if (d->found || d->ended) return EAS_ERR_STATE;
    if (outcome != EAS_DISCOVER_FAILED && !value) return EAS_ERR_ARG;
    if (outcome != EAS_DISCOVER_FAILED && strlen(value) >= EAS_URL_MAX) return EAS_ERR_HTTP_URL;
    switch (outcome) {
    case EAS_DISCOVER_FAILED: return EAS_OK;
    case EAS_DISCOVER_FOUND:
        if ((e = acceptable(d, value, 0)) != EAS_OK) return e;
        memcpy(d->pending, value, strlen(value) + 1);
        d->found = 1;
        return EAS_OK;
    case EAS_DISCOVER_NEW_ADDRESS:
        if (address_domain(value) == 0) return EAS_ERR_DISCOVER_ADDRESS;
        if ((e = count_redirect(d)) != EAS_OK) return e;
        if ((e = set_address(d, value)) == EAS_ERR_DISCOVER_LOOP) d->loop_seen = 1;
        return e;
    case EAS_DISCOVER_NEW_URL:
        /* The plain GET of step 7 was authenticated by nothing; a redirect of a TLS request was sent by
         * the server its certificate names. */
        return queue_url(d, value, d->method == EAS_DISCOVER_GET_REDIRECT);
    default: return EAS_ERR_ARG;
    }
}

eas_err eas_discover_srv_target(eas_discover *d, const char *host, uint16_t port)
{
    char url[EAS_URL_HOST_MAX + 48];
    strbuf b = {url, sizeof url, 0, 0};
    char digits[6];
    size_t n = 0;
    if (!d || !host || port == 0) return EAS_ERR_ARG;
    if (d->found || d->ended) return EAS_ERR_STATE;
    if (d->method != EAS_DISCOVER_SRV) return EAS_ERR_STATE;
    sb_str(&b, "https://");
    sb_str(&b, host);
    if (b.n > 8 && url[b.n - 1] == '.') url[--b.n] = '\0';
    if (port != 443) {
        for (uint16_t p = port; p > 0 && n < sizeof digits; p /= 10) digits[n++] = (char)('0' + p % 10);
        sb_str(&b, ":");
        while (n > 0) sb_put(&b, &digits[--n], 1);
    }
    sb_str(&b, "/autodiscover/autodiscover.xml");
    if (b.over) return EAS_ERR_NOSPACE;
    return queue_url(d, url, 1);
}

const char *eas_discover_result(const eas_discover *d, eas_discover_source *source)
{
    if (!d || !d->found) return NULL;
    if (source) *source = (eas_discover_source)d->source;
    return d->pending;
}
