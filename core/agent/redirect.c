/* The server's redirect (HTTP 451 with X-MS-Location) and what may come of it. A redirect moves the
 * account, credentials included, so it is followed only within bounds:
 * - never from https to http (whatever allow_plain_http says), never to a scheme without a transport;
 * - only to the configured host's registrable domain, or to a host the configuration names;
 * - used at once, but stored only after the new URL answered a request over (verified) TLS, with the
 *   time: a stored redirect expires after EAS_REDIRECT_TTL_S, and any failed operation on it drops it,
 *   so the next operation starts over from the configured URL;
 * - logged (fixed lines, eas/log.h; eas_agent_redirected_host() tells the application where to).
 */
#include <string.h>

#include "agent_int.h"
#include "eas/bytes.h"
#include "eas/log.h"

#define LOG(a) (&(a)->pal->log)

static int same_ci(const char *a, const char *b) { return eas_ascii_ieq(a, strlen(a), b); }

/* Whether host ends with ".suffix" (or is suffix), case-insensitively. */
static int in_domain(const char *host, const char *suffix)
{
    size_t h = strlen(host), s = strlen(suffix);
    if (h < s || !same_ci(host + h - s, suffix)) return 0;
    return h == s || host[h - s - 1] == '.';
}

/* The registrable domain of a DNS name, without the public suffix list a device cannot carry: the
 * last two labels, or three when the last two look like a country's second level ("co.uk", "com.au":
 * a label of 2-3 characters before a 2-letter one). Errs on the strict side; "redirect_hosts" widens
 * it. NULL for a single label. */
static const char *registrable(const char *host)
{
    const char *dot[3] = {NULL, NULL, NULL}; /* the last three dots, last first */
    for (const char *p = host; *p; p++) {
        if (*p != '.') continue;
        dot[2] = dot[1];
        dot[1] = dot[0];
        dot[0] = p;
    }
    if (!dot[0]) return NULL;
    size_t tld = strlen(dot[0] + 1), sld = (size_t)(dot[0] - (dot[1] ? dot[1] + 1 : host));
    if (tld == 2 && sld >= 2 && sld <= 3) return dot[2] ? dot[2] + 1 : (dot[1] ? host : NULL);
    return dot[1] ? dot[1] + 1 : host;
}

static int is_ipv4(const char *host)
{
    for (; *host; host++)
        if (!((*host >= '0' && *host <= '9') || *host == '.')) return 0;
    return 1;
}

/* scheme://host[:port]/path, the form eas_url_parse reads back. */
static size_t url_text(const eas_url *u, char *out, size_t cap)
{
    char port[8];
    size_t k = sizeof port, n = 0;
    unsigned p = u->port;
    do {
        port[--k] = (char)('0' + p % 10u);
        p /= 10u;
    } while (p && k > 1);
    port[--k] = ':';
    const char *parts[] = {u->scheme == EAS_URL_HTTPS ? "https://" : "http://", u->ipv6 ? "[" : "", u->host,
                           u->ipv6 ? "]" : "", u->port_explicit ? port + k : "", u->path};
    size_t lens[] = {strlen(parts[0]), strlen(parts[1]), strlen(parts[2]), strlen(parts[3]),
                     u->port_explicit ? sizeof port - k : 0, strlen(parts[5])};
    for (int i = 0; i < 6; i++) {
        if (n + lens[i] >= cap) return 0;
        memcpy(out + n, parts[i], lens[i]);
        n += lens[i];
    }
    out[n] = '\0';
    return n;
}


/* The policy of a move (a 451's X-MS-Location, or what discovery finds again for a discovered URL):
 * from the URL in use, to the account's host, its registrable domain, also_domain (discovery: the
 * address's) or a host of redirect_hosts. */
eas_err eas_redirect_check(const eas_agent *a, const eas_url *moved, const char *also_domain)
{
    eas_url configured;
    const char *home = eas_home_url(a);
    if (moved->scheme == EAS_URL_HTTP && a->url.scheme == EAS_URL_HTTPS) {
        EAS_WARN(LOG(a), "a move of the account refused: from https to http");
        return EAS_ERR_HTTP_REDIRECT;
    }
    if (moved->scheme == EAS_URL_HTTP && !a->cfg->allow_plain_http) return EAS_ERR_PLAIN_HTTP_REFUSED;
    if ((moved->scheme == EAS_URL_HTTPS && !a->x.tls) || (moved->scheme == EAS_URL_HTTP && !a->x.plain)) {
        EAS_WARN(LOG(a), "a move of the account refused: no transport for the new URL's scheme");
        return EAS_ERR_HTTP_REDIRECT;
    }
    if (eas_url_parse(home, strlen(home), &configured) != EAS_OK) return EAS_ERR_HTTP_REDIRECT;
    int allowed = same_ci(moved->host, configured.host);
    const char *domain = registrable(configured.host);
    if (!allowed && domain && !configured.ipv6 && !is_ipv4(configured.host))
        allowed = in_domain(moved->host, domain);
    if (!allowed && also_domain && also_domain[0]) allowed = in_domain(moved->host, also_domain);
    for (unsigned i = 0; !allowed && i < a->cfg->redirect_host_count; i++)
        allowed = same_ci(moved->host, a->cfg->redirect_hosts[i]);
    if (!allowed) {
        EAS_WARN(LOG(a), "a move of the account refused: a host outside the configured domain and redirect_hosts");
        return EAS_ERR_HTTP_REDIRECT;
    }
    return EAS_OK;
}

eas_err eas_redirect_follow(eas_agent *a, const char *location, size_t len)
{
    eas_url moved;
    if (eas_url_parse(location, len, &moved) != EAS_OK) return EAS_ERR_HTTP_REDIRECT;
    eas_err e = eas_redirect_check(a, &moved, NULL);
    if (e != EAS_OK) return e;
    EAS_WARN(LOG(a), "HTTP 451: the account moved; the new URL is used, stored once it answers");
    a->url = moved;
    a->redirect_state = EAS_REDIRECT_UNCONFIRMED;
    return EAS_OK;
}

/* Stored as "configured-url\nredirect-url\nseconds": kept only while the configuration is the same,
 * and until it expires. */
eas_err eas_redirect_confirmed(eas_agent *a)
{
    /* Built in the exchange's buffer: the request has gone out when its answer's head arrives (and is
     * never sent again once an answer has begun). */
    char *b = (char *)a->x.buf;
    size_t cap = sizeof a->x.buf < EAS_STORE_MAX_VALUE ? sizeof a->x.buf : EAS_STORE_MAX_VALUE;
    const char *home = eas_home_url(a);
    size_t cfg_len = strlen(home), n;
    char digits[21];
    size_t k = sizeof digits;
    int64_t now = a->pal->clock.wall_time ? a->pal->clock.wall_time(a->pal->clock.ctx) : -1;
    a->redirect_state = EAS_REDIRECT_STORED;
    /* Plain http is never stored (nothing verified who answered), nor without a clock to expire it. */
    if (a->url.scheme != EAS_URL_HTTPS || now < 0) return EAS_OK;
    uint64_t t = (uint64_t)now;
    do {
        digits[--k] = (char)('0' + t % 10u);
        t /= 10u;
    } while (t && k > 0);
    if (cfg_len + 2 + (sizeof digits - k) >= cap) return EAS_OK;
    memcpy(b, home, cfg_len);
    b[cfg_len] = '\n';
    if ((n = url_text(&a->url, b + cfg_len + 1, cap - cfg_len - 2 - (sizeof digits - k))) == 0) return EAS_OK;
    b[cfg_len + 1 + n] = '\n';
    memcpy(b + cfg_len + 2 + n, digits + k, sizeof digits - k);
    EAS_INFO(LOG(a), "HTTP 451: the new URL answered over TLS; stored");
    return eas_store_put(a->store, EAS_KEY_URL, b, cfg_len + 2 + n + (sizeof digits - k));
}

void eas_redirect_failed(eas_agent *a)
{
    if (a->redirect_state == EAS_REDIRECT_NONE) return;
    EAS_WARN(LOG(a), "the redirected URL failed: back to the configured URL");
    if (a->redirect_state == EAS_REDIRECT_STORED) (void)eas_store_del(a->store, EAS_KEY_URL);
    a->redirect_state = EAS_REDIRECT_NONE;
    (void)eas_url_parse(eas_home_url(a), strlen(eas_home_url(a)), &a->url);
}

void eas_redirect_load(eas_agent *a, char *rec)
{
    const char *home = eas_home_url(a);
    size_t cfg_len = strlen(home);
    char *sep = strchr(rec, '\n');
    char *when = sep ? strchr(sep + 1, '\n') : NULL;
    int64_t now = a->pal->clock.wall_time ? a->pal->clock.wall_time(a->pal->clock.ctx) : -1;
    eas_url moved;
    uint64_t t = 0;
    if (!sep || (size_t)(sep - rec) != cfg_len || memcmp(rec, home, cfg_len) != 0) return;
    if (!when || !when[1]) goto drop; /* an older record, stored before it had been confirmed */
    for (const char *p = when + 1; *p; p++) {
        if (*p < '0' || *p > '9' || t > UINT64_C(1) << 60) goto drop;
        t = t * 10u + (uint64_t)(*p - '0');
    }
    *when = '\0';
    if (now < 0 || (uint64_t)now < t || (uint64_t)now - t > EAS_REDIRECT_TTL_S) goto drop;
    if (eas_url_parse(sep + 1, strlen(sep + 1), &moved) != EAS_OK) goto drop;
    /* The same rules as when it was taken: a state written by an older version, or a transport this
     * run does not have, falls back to the configured URL instead of failing every run. */
    if (eas_redirect_check(a, &moved, NULL) != EAS_OK) goto drop;
    a->url = moved;
    a->redirect_state = EAS_REDIRECT_STORED;
    return;
drop:
    EAS_INFO(LOG(a), "the stored redirect expired or is not usable here: the configured URL");
    (void)eas_store_del(a->store, EAS_KEY_URL);
}
