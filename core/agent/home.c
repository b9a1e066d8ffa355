/* The account's URL from Autodiscover (docs/DISCOVER.md), when the configuration gives none: found
 * once and kept in the store (EAS_KEY_DISCOVERED), found again when the server says the mailbox moved
 * without saying where (a 451 without X-MS-Location, MS-ASHTTP 3.2.5.1) or when the URL stays out of
 * reach: EAS_REDISCOVER_FAILURES operations in a row that got no answer from it (no connection, no
 * name, no TLS, no answer before the timeout, or an HTTP 404: the path is gone), the first at least rediscover_after_s before the
 * last. Any answer from it forgets the count. Discovery runs on the agent's own exchange, inside
 * eas_agent_step like any phase, with the application's work area (eas_discovery).
 *
 * What a new discovery finds replaces the URL only under the rules of a 451 (redirect.c): never from
 * https to http, to the same registrable domain, the address's domain or redirect_hosts. The first
 * discovery (nothing stored) and one the application asks for (EAS_OP_DISCOVER) take what the
 * discovery machine's own rules let through. */
#include <string.h>

#include "agent_int.h"
#include "eas/log.h"

#define LOG(a) (&(a)->pal->log)

enum { WHY_NONE, WHY_FIRST, WHY_ASKED, WHY_MOVED, WHY_DEAD };

static int64_t wall(const eas_agent *a)
{
    return a->pal->clock.wall_time ? a->pal->clock.wall_time(a->pal->clock.ctx) : -1;
}

static int discovers(const eas_agent *a) { return a->cfg->discovery && a->cfg->discovery_work; }

/* The count of unreachable operations, as stored: count, then the first one's wall time (8 bytes,
 * little-endian; all ones when unknown). */
static void dead_save(eas_agent *a)
{
    uint8_t rec[9];
    uint64_t t = (uint64_t)a->dead_since;
    if (a->dead_count == 0) {
        (void)eas_store_del(a->store, EAS_KEY_HOME_DEAD);
        return;
    }
    rec[0] = a->dead_count;
    for (unsigned i = 0; i < 8; i++) rec[1 + i] = (uint8_t)(t >> (8 * i));
    (void)eas_store_put(a->store, EAS_KEY_HOME_DEAD, rec, sizeof rec);
}

static void dead_load(eas_agent *a)
{
    uint8_t rec[9];
    size_t len = 0;
    uint64_t t = 0;
    a->dead_count = 0;
    a->dead_since = -1;
    if (eas_store_get(a->store, EAS_KEY_HOME_DEAD, rec, sizeof rec, &len) != EAS_OK || len != sizeof rec) return;
    for (unsigned i = 0; i < 8; i++) t |= (uint64_t)rec[1 + i] << (8 * i);
    a->dead_count = rec[0];
    a->dead_since = (int64_t)t;
}

/* A URL the agent can use: parsed, and with a transport for its scheme. */
static eas_err usable(const eas_agent *a, const char *url, eas_url *out)
{
    eas_err e = eas_url_parse(url, strlen(url), out);
    if (e != EAS_OK) return e;
    if (out->scheme == EAS_URL_HTTP && (!a->cfg->allow_plain_http || !a->x.plain)) return EAS_ERR_PLAIN_HTTP_REFUSED;
    if (out->scheme == EAS_URL_HTTPS && !a->x.tls) return EAS_ERR_CONFIG;
    return EAS_OK;
}

eas_err eas_home_load(eas_agent *a)
{
    eas_discover_source src;
    eas_url u;
    a->home[0] = '\0';
    a->dead_since = -1;
    if (!discovers(a) || !a->cfg->discovery->address) return EAS_ERR_CONFIG;
    eas_err e = eas_discovered_load(a->store, a->cfg->discovery->address, a->home, sizeof a->home, &src);
    if (e == EAS_ERR_NOT_FOUND) {
        a->home[0] = '\0';
        return EAS_OK; /* the first operation discovers it */
    }
    if (e == EAS_OK && (e = usable(a, a->home, &u)) == EAS_OK) {
        a->url = u;
        a->home_source = (uint8_t)src;
        dead_load(a);
        return EAS_OK;
    }
    /* A record this build cannot use (another transport, a longer URL): discovered again. */
    EAS_WARN(LOG(a), "the stored discovered URL is not usable here: discovering again");
    a->home[0] = '\0';
    return e == EAS_ERR_STORE_CORRUPT ? e : EAS_OK;
}

/* Starts discovery on the agent's exchange; the next steps are eas_home_step's. */
static eas_err start(eas_agent *a, uint8_t why, eas_err resume)
{
    eas_discovery *d = a->cfg->discovery_work;
    eas_txn_abort(a);
    eas_exchange_close(&a->x);
    eas_err e = eas_discovery_start(d, a->cfg->discovery);
    if (e != EAS_OK) return e; /* an address or a base discovery cannot take */
    if (!d->auth.write && !d->auth.stream) d->auth = eas_agent_auth(a);
    a->home_why = why;
    a->home_err = (uint8_t)resume;
    a->xstate = AX_DISCOVER;
    EAS_INFO1(LOG(a), "Autodiscover: running (reason %u)", why);
    return EAS_OK;
}

eas_err eas_home_begin(eas_agent *a)
{
    a->home_why = WHY_NONE;
    a->home_answered = 0;
    a->rediscoveries = 0;
    if (a->op == EAS_OP_DISCOVER) {
        if (!discovers(a)) return EAS_ERR_CONFIG;
        a->phase = PH_FINISHED;
        return start(a, WHY_ASKED, EAS_OK);
    }
    return !a->cfg->url && !a->home[0] ? start(a, WHY_FIRST, EAS_OK) : EAS_OK;
}

eas_err eas_home_moved(eas_agent *a)
{
    if (a->cfg->url || !discovers(a) || a->rediscoveries) return EAS_ERR_HTTP_REDIRECT;
    EAS_WARN(LOG(a), "HTTP 451 without X-MS-Location: Autodiscover again");
    a->rediscoveries++;
    return start(a, WHY_MOVED, EAS_ERR_HTTP_REDIRECT) == EAS_OK ? EAS_OK : EAS_ERR_HTTP_REDIRECT;
}

static int unreachable(const eas_agent *a, eas_err e)
{
    /* (Only when nothing of the operation was answered: eas_home_failed checks home_answered first.) */
    return e == EAS_ERR_NET_CONNECT || e == EAS_ERR_NET_RESOLVE || e == EAS_ERR_NET_TIMEOUT || e == EAS_ERR_TLS_HANDSHAKE ||
           e == EAS_ERR_TLS_VERIFY || e == EAS_ERR_TLS_IP_NAME || (e == EAS_ERR_HTTP_STATUS && a->failure.http_status == 404);
}

int eas_home_failed(eas_agent *a, eas_err e)
{
    /* Counted on the discovered URL itself only: a 451's redirect falls back to it on its own. */
    if (a->cfg->url || !discovers(a) || !a->home[0] || a->op == EAS_OP_DISCOVER || a->redirect_state != EAS_REDIRECT_NONE)
        return 0;
    if (a->home_answered || !unreachable(a, e)) {
        eas_home_succeeded(a);
        return 0;
    }
    int64_t now = wall(a);
    if (a->dead_count == 0) a->dead_since = now;
    if (a->dead_count < 255u) a->dead_count++;
    eas_txn_abort(a);
    uint32_t span = a->cfg->rediscover_after_s;
    int long_enough = span == 0 || (now >= 0 && a->dead_since >= 0 && now - a->dead_since >= (int64_t)span);
    if (a->dead_count < EAS_REDISCOVER_FAILURES || !long_enough || a->rediscoveries) {
        EAS_WARN2(LOG(a), "the discovered URL could not be reached (%u of %u in a row)", a->dead_count,
                  (unsigned)EAS_REDISCOVER_FAILURES);
        dead_save(a);
        return 0;
    }
    EAS_WARN1(LOG(a), "the discovered URL could not be reached %u times in a row: Autodiscover again", a->dead_count);
    a->dead_count = 0;
    dead_save(a);
    a->rediscoveries++;
    return start(a, WHY_DEAD, e) == EAS_OK;
}

void eas_home_succeeded(eas_agent *a)
{
    if (a->dead_count == 0) return;
    a->dead_count = 0;
    dead_save(a);
}

/* The found URL replaces the account's, and is kept. */
static eas_err take(eas_agent *a, const char *url, eas_discover_source src, const eas_url *u)
{
    eas_err e;
    size_t n = strlen(url);
    if (n >= sizeof a->home) return EAS_ERR_NOSPACE;
    if ((e = eas_discovered_save(a->store, a->cfg->discovery->address, src, url)) != EAS_OK) return e;
    a->home_found = 1;
    a->home_source = (uint8_t)src;
    memcpy(a->home, url, n + 1);
    if (a->cfg->url) return EAS_OK; /* asked for: kept, but a configured URL stays the account's */
    /* A stored 451 redirect belonged to the URL before: its record names that one and is dropped. */
    if (a->redirect_state == EAS_REDIRECT_STORED) (void)eas_store_del(a->store, EAS_KEY_URL);
    a->redirect_state = EAS_REDIRECT_NONE;
    a->url = *u;
    return EAS_OK;
}

eas_err eas_home_step(eas_agent *a, eas_wait *w)
{
    eas_discovery *d = a->cfg->discovery_work;
    eas_discover_source src = EAS_DISCOVER_SRC_CONFIG_V2;
    eas_discovery_outcome o = eas_discovery_step(d, &a->x, w);
    uint8_t why = a->home_why;
    eas_err resume = (eas_err)a->home_err, e;
    eas_url u;
    if (o == EAS_DISCOVERY_PENDING) return EAS_ERR_WOULD_BLOCK;
    a->home_why = WHY_NONE;
    a->xstate = AX_ENTER;
    eas_exchange_close(&a->x);
    if (o == EAS_DISCOVERY_FAILED) {
        e = eas_discovery_error(d);
        EAS_WARN1(LOG(a), "Autodiscover found no URL (error %u)", (unsigned)e);
        /* Again for a URL that failed: what the operation failed with says more than discovery's end. */
        return why == WHY_DEAD ? resume : e;
    }
    const char *url = eas_discovery_result(d, &src);
    if ((e = usable(a, url, &u)) != EAS_OK) return why == WHY_DEAD ? resume : e;
    if (why == WHY_MOVED || why == WHY_DEAD) {
        const char *at = strrchr(a->cfg->discovery->address, '@');
        if (strcmp(url, a->home) == 0) {
            EAS_WARN(LOG(a), "Autodiscover found the same URL again");
            return resume;
        }
        if (eas_redirect_check(a, &u, at ? at + 1 : NULL) != EAS_OK) return resume;
    }
    if ((e = take(a, url, src, &u)) != EAS_OK) return e;
    EAS_INFO(LOG(a), "Autodiscover: the account's URL found and stored");
    return EAS_OK;
}

const char *eas_agent_discovered(const eas_agent *a, eas_discover_source *source)
{
    if (!a->home_found) return NULL;
    if (source) *source = (eas_discover_source)a->home_source;
    return a->home;
}
