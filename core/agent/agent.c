/* The agent's driver and public API: an operation runs as a walk through the phase table
 * (operation.c), one HTTP exchange (exchange.c) per phase that sends something. The driver starts each
 * phase's exchange from its row, reads what MS-ASHTTP says about the response (redirect, throttling,
 * provisioning, an empty answer), and hands a 200 to the row's answer, which names the next phase. */
#include "eas/agent.h"

#include <string.h>

#include "agent_int.h"
#include "directory.h"
#include "eas/log.h"
#include "eas/oauth_client.h"

#define LOG(a) (&(a)->pal->log)

#define MAX_REDIRECTS 3u

static uint64_t now_ms(const eas_agent *a)
{
    return a->pal->clock.monotonic_ms ? a->pal->clock.monotonic_ms(a->pal->clock.ctx) : 0;
}

static eas_err fail(eas_agent *a, eas_err e)
{
    eas_txn_abort(a);
    if (a->redirect_state != EAS_REDIRECT_NONE) { /* back to the configured URL (redirect.c) */
        eas_exchange_close(&a->x);
        eas_redirect_failed(a);
    }
    a->phase = PH_FINISHED;
    a->op = EAS_OP_NONE;
    a->xstate = AX_ENTER;
    return e;
}

/* ------------------------------------------------------------------------ the request */

static eas_err basic_auth(void *ctx, char *out, size_t cap, size_t *len)
{
    const eas_agent *a = ctx;
    eas_basic_credentials cred = {a->cfg->user, strlen(a->cfg->user), a->cfg->password, strlen(a->cfg->password)};
    return eas_auth_basic(&cred, out, cap, len);
}

static uint32_t policy_key_value(const eas_agent *a)
{
    uint32_t v = 0;
    for (const char *p = a->policy_key; *p >= '0' && *p <= '9'; p++) v = v * 10u + (uint32_t)(*p - '0');
    return v;
}

eas_auth eas_agent_auth(const eas_agent *a)
{
    eas_auth auth = a->cfg->auth;
#if EAS_ENABLE_OAUTH
    /* the stream only reads the stored tokens' facts */
    if (a->cfg->oauth) auth = (eas_auth){NULL, (void *)(uintptr_t)&a->bearer, eas_oauth_bearer_stream};
#endif
    if (!auth.write && !auth.stream) {
        auth.write = basic_auth;
        auth.ctx = (void *)(uintptr_t)a; /* basic_auth only reads */
    }
    return auth;
}

/* The ActiveSync head of the phase's command (MS-ASHTTP), the Authorization value written straight in. */
static eas_err ashttp_head(void *ctx, eas_sink out, uint64_t content_length)
{
    eas_agent *a = ctx;
    const eas_phase *p = &eas_phases[a->phase];
    eas_ashttp_request r;
    eas_http_writer hw;
    eas_auth auth = eas_agent_auth(a);
    char scratch[EAS_HTTP_TARGET_MAX + 1];
    memset(&r, 0, sizeof r);
    r.cmd = p->cmd;
    r.version = a->version;
    r.base64_query = a->cfg->base64_query && p->cmd != EAS_CMD_OPTIONS;
    r.user = a->cfg->user;
    r.device_id = a->cfg->device_id;
    r.device_type = a->cfg->device_type;
    r.user_agent = a->cfg->user_agent;
    r.anchor_mailbox = a->cfg->anchor_mailbox;
    /* The policy key goes with every command but Provision. */
    r.policy_key = (p->flags & PH_NO_POLICY_KEY) ? 0 : policy_key_value(a);
    r.content_length = content_length;
    eas_err e = eas_ashttp_write_head(&hw, out, &a->url, &r, &auth, scratch, sizeof scratch);
    memset(scratch, 0, sizeof scratch);
    return e;
}

static eas_err wbxml_body(void *ctx, eas_sink out)
{
    eas_agent *a = ctx;
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, out);
    eas_phases[a->phase].body(a, &w);
    return eas_wbxml_writer_finish(&w);
}

/* A Sync window is marked in flight on flash before the server can see it (operation.c says why). */
static eas_err mark_sending(void *ctx)
{
    eas_agent *a = ctx;
    if (!a->mark_inflight) return EAS_OK;
    const uint8_t mark = 1;
    eas_err e = eas_store_put(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot), &mark, 1);
    if (e == EAS_OK) a->mark_inflight = 0;
    return e;
}

/* ----------------------------------------------------------------------- the response */

static eas_err body_write(void *ctx, const uint8_t *data, size_t len)
{
    eas_agent *a = ctx;
    if (len) a->body_seen = 1;
    if (!a->body_ok) return EAS_OK; /* an error page: drained, not decoded */
    eas_err e = eas_wbxml_reader_feed(&a->reader, data, len);
    if (e != EAS_OK) a->failure.wbxml_offset = eas_wbxml_reader_error_offset(&a->reader);
    return e;
}

static eas_err on_header(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len)
{
    eas_trace_header(ctx, name, name_len, value, value_len);
    return EAS_OK;
}

static eas_err on_head(void *ctx, const eas_http_parser *p)
{
    eas_agent *a = ctx;
    uint16_t status = eas_http_parser_status(p);
    eas_trace_status(a, status);
    /* The account's own URL answered: it is not out of reach (home.c). */
    if (status != 404 && a->redirect_state == EAS_REDIRECT_NONE) a->home_answered = 1;
    /* A redirect is stored once its URL has answered (before the body: no transaction is open yet). */
    if (status == 200 && a->redirect_state == EAS_REDIRECT_UNCONFIRMED && !a->txn_open) {
        eas_err e = eas_redirect_confirmed(a);
        if (e != EAS_OK) return e;
    }
    /* Only a 200 carries a command response; other bodies are drained unread. */
    a->body_ok = status == 200 && eas_phases[a->phase].decoder != NULL;
    /* Not tracing: the reader feeds the phase's decoder itself, without the tee's call per event. */
    if (a->body_ok && EAS_ENABLE_TRACE && a->ev.trace) eas_wbxml_reader_init(&a->reader, &eas_trace_tee, a);
    else if (a->body_ok) eas_wbxml_reader_init(&a->reader, eas_phases[a->phase].decoder, &a->dec);
    return EAS_OK;
}

/* Starts the exchange of the phase's command. */
static eas_err start_exchange(eas_agent *a, const eas_phase *p)
{
    /* A held request (Ping) never follows the last one sooner than EAS_PING_MIN_INTERVAL_S, longer
     * after early answers (operation.c): the phase starts again when the wait is over. */
    if ((p->flags & PH_HELD) && now_ms(a) < a->ping_next_ms) {
        a->wake_ms = a->ping_next_ms;
        a->xstate = AX_WAIT;
        return EAS_OK;
    }
#if EAS_ENABLE_OAUTH
    a->refreshed = 0; /* the next request may need a refresh of its own */
#endif
    a->failure.cmd = p->cmd;
    a->body_ok = 0;
    a->body_seen = 0;
    /* Only the Sync window about to start marks itself in flight (its decoder_init sets this): a mark
     * left by a window whose request never went out (no connection) is not this request's. */
    a->mark_inflight = 0;
    if (p->decoder_init) p->decoder_init(a);
    eas_exchange_request r;
    memset(&r, 0, sizeof r);
    r.url = &a->url;
    r.head = ashttp_head;
    r.body = p->body ? wbxml_body : NULL;
    r.sending = mark_sending;
    r.ctx = a;
    r.response = (eas_http_callbacks){{body_write, a}, on_header, on_head, a};
    /* A Ping is held by the server for the heartbeat: its timeout is the heartbeat plus a margin. */
    uint64_t held_ms = ((uint64_t)a->heartbeat + EAS_PING_MARGIN_S) * 1000u;
    r.timeout_ms = (p->flags & PH_HELD) ? (uint32_t)(held_ms < UINT32_MAX ? held_ms : UINT32_MAX) : EAS_NET_TIMEOUT_MS;
    r.flags = (p->flags & PH_HELD) ? EAS_EXCHANGE_HELD : 0;
    eas_err e = eas_exchange_start(&a->x, &r);
    if (e != EAS_OK) return e;
    eas_trace_request(a);
    a->xstate = AX_EXCHANGE;
    return EAS_OK;
}

/* cfg->oauth's refresh (PH_REFRESH), over its own exchange or this agent's: either way the connection to
 * the ActiveSync server is closed first (the streams are shared, and the next host is another). */
static eas_err start_refresh(eas_agent *a)
{
#if EAS_ENABLE_OAUTH
    eas_exchange_close(&a->x);
    eas_oauth_client_refresh(a->cfg->oauth);
    a->xstate = AX_TOKEN;
    return EAS_OK;
#else
    (void)a;
    return EAS_ERR_STATE;
#endif
}

static eas_err step_refresh(eas_agent *a, eas_wait *w)
{
#if EAS_ENABLE_OAUTH
    eas_err e = eas_oauth_client_step(a->cfg->oauth, w);
    if (e == EAS_ERR_WOULD_BLOCK) return e;
    eas_exchange_close(a->cfg->oauth->x); /* the identity platform's connection is not kept */
    a->xstate = AX_ENTER;
    return e == EAS_OK ? eas_op_refreshed(a) : e;
#else
    (void)a, (void)w;
    return EAS_ERR_STATE;
#endif
}

/* Does what the current phase says: decides the next one, or starts its request, or ends. */
static eas_err enter_phase(eas_agent *a)
{
    for (int guard = 0; guard < 8; guard++) {
        const eas_phase *p = &eas_phases[a->phase];
        if (a->phase == PH_FINISHED) {
            a->op = EAS_OP_NONE;
            return EAS_OK;
        }
        if (EAS_ENABLE_OAUTH && (p->flags & PH_TOKEN)) return start_refresh(a);
        if (!p->decide && eas_op_refresh_due(a)) continue; /* the phase is PH_REFRESH now */
        if (!p->decide) {
            eas_err e = start_exchange(a, p);
            if (e != EAS_ERR_NOSPACE || !(p->flags & PH_UNFIT_EMPTY)) return e;
            if ((e = p->answer(a, 1)) != EAS_OK) return e;
            continue;
        }
        if (a->xstate == AX_WAIT) return EAS_OK;
        eas_err e = p->decide(a);
        if (e != EAS_OK) return e;
    }
    return EAS_ERR_STATE;
}

/* A whole response: what MS-ASHTTP says about it, then (a 200) what the phase's answer makes of it. */
static eas_err on_response(eas_agent *a)
{
    const eas_phase *p = &eas_phases[a->phase];
    eas_ashttp_outcome out;
    eas_err e;
    int64_t wall = a->pal->clock.wall_time ? a->pal->clock.wall_time(a->pal->clock.ctx) : -1;
    eas_trace_flush_response(a);
    eas_ashttp_classify(eas_exchange_response(&a->x), wall, &out);
    /* A 200 whose body turned out empty (chunked or ended by the close) means the same as
     * Content-Length: 0. */
    if (out.action == EAS_ASHTTP_OK && !a->body_seen) out.action = EAS_ASHTTP_OK_EMPTY;
    a->failure.http_status = out.status;
#if EAS_ENABLE_OAUTH
    if (out.action == EAS_ASHTTP_OK || out.action == EAS_ASHTTP_OK_EMPTY) a->refused_401 = 0;
#endif
    switch (out.action) {
    case EAS_ASHTTP_OK:
        break;
    case EAS_ASHTTP_OK_EMPTY:
        if (!p->decoder) break; /* OPTIONS: all of it is in the head */
        if (p->flags & (PH_EMPTY_ANSWER | PH_OPTIONAL)) return p->answer(a, 1);
        /* Any other command answered with no content: what a quarantined device gets. */
        return EAS_ERR_QUARANTINED;
    case EAS_ASHTTP_PROVISION:
        eas_txn_abort(a);
        return eas_op_provision_then(a, p->resume_449);
    case EAS_ASHTTP_REDIRECT:
        eas_txn_abort(a);
        /* Without X-MS-Location the client discovers the URL again (MS-ASHTTP), when it was discovered. */
        if (!out.location) return eas_home_moved(a);
        if (a->redirects++ >= MAX_REDIRECTS) return EAS_ERR_HTTP_REDIRECT;
        eas_exchange_close(&a->x);
        /* Checked (scheme, transport, domain) and used; stored only once it answers: redirect.c. */
        return eas_redirect_follow(a, out.location, strlen(out.location)); /* the same phase, at the new place */
    case EAS_ASHTTP_RETRY_LATER: {
        eas_txn_abort(a);
        /* What the server asked, for the application (it waits longer than the agent does). */
        a->failure.retry_after_s = out.retry_after_present ? out.retry_after_s : 0;
        a->failure.throttle_reason[0] = '\0';
        if (out.throttle_reason) {
            size_t n = strlen(out.throttle_reason);
            if (n >= sizeof a->failure.throttle_reason) n = sizeof a->failure.throttle_reason - 1;
            memcpy(a->failure.throttle_reason, out.throttle_reason, n);
            a->failure.throttle_reason[n] = '\0';
        }
        if (a->throttles >= EAS_THROTTLE_RETRIES) return EAS_ERR_THROTTLED;
        uint32_t wait_s = out.retry_after_present ? out.retry_after_s : eas_op_backoff_s(a);
        if ((e = eas_op_wait(a, wait_s)) != EAS_OK) return e;
        EAS_WARN2(LOG(a), "HTTP 503: the server is busy, asking again in %u s (wait %u)", wait_s, a->throttles);
        return EAS_OK;
    }
    case EAS_ASHTTP_FAIL:
    default:
        if (out.err == EAS_ERR_AUTH) {
            /* A 401 answers the credentials, not the request: the server took no Sync window, so its
             * in-flight mark goes (it would make the next sync start the collection from 0). */
            if (a->phase == PH_SYNC && !a->mark_inflight &&
                (e = eas_store_del(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot))) != EAS_OK && e != EAS_ERR_NOT_FOUND)
                return e;
            return eas_op_refused_401(a); /* with OAuth: refreshed once, and sent again */
        }
        if (p->flags & PH_OPTIONAL) return p->answer(a, 1); /* the operation goes on without it */
        /* A request the server refuses outright may be one of a version or command it no longer has. */
        if (out.status == 400 || out.status == 403) eas_op_probe_again(a);
        return out.err != EAS_OK ? out.err : EAS_ERR_HTTP_STATUS;
    }
    if (p->decoder && (e = eas_wbxml_reader_finish(&a->reader)) != EAS_OK) {
        a->failure.wbxml_offset = eas_wbxml_reader_error_offset(&a->reader);
        if (p->flags & PH_OPTIONAL) return p->answer(a, 1);
        return e;
    }
    e = p->answer(a, 0);
    /* Common status 137 (command not supported) and 138 (version not supported): the server changed. */
    if (e != EAS_OK && (a->failure.eas_status == 137 || a->failure.eas_status == 138)) {
        eas_txn_abort(a);
        eas_op_probe_again(a);
    }
    return e;
}

/* How the exchange ended, for the operation. */
static eas_err on_outcome(eas_agent *a, eas_exchange_outcome o)
{
    const eas_phase *p = &eas_phases[a->phase];
    eas_err e = eas_exchange_error(&a->x);
    a->xstate = AX_ENTER;
    switch (o) {
    case EAS_EXCHANGE_DONE: return on_response(a);
    case EAS_EXCHANGE_CUT: return p->cut ? p->cut(a) : e;
    case EAS_EXCHANGE_FAILED:
        /* A response cut short or malformed: the part the printer holds goes out. */
        if (e != EAS_ERR_NET_TIMEOUT) eas_trace_flush_response(a);
        /* A body the decoder refused, of a request the operation can do without. */
        if ((p->flags & PH_OPTIONAL) && eas_err_kind_of(e) == EAS_KIND_PROTOCOL) {
            eas_txn_abort(a);
            return p->answer(a, 1);
        }
        return e;
    default: return e;
    }
}

/* ----------------------------------------------------------------------------------- public */

eas_err eas_agent_init(eas_agent *a, const eas_agent_config *cfg, const eas_pal *pal, eas_transport *tls,
                       eas_transport *plain, eas_store *store, const eas_agent_events *events)
{
    memset(a, 0, sizeof *a);
#if EAS_ENABLE_OAUTH
    const int oauth = cfg && cfg->oauth;
#else
    const int oauth = 0;
#endif
    if (!cfg || !pal || !store || (!cfg->url && !(cfg->discovery && cfg->discovery_work)) || !cfg->user ||
        !cfg->device_id || !cfg->device_type || (!cfg->password && !cfg->auth.write && !cfg->auth.stream && !oauth))
        return EAS_ERR_CONFIG;
    a->cfg = cfg;
    a->pal = pal;
    a->store = store;
#if EAS_ENABLE_OAUTH
    a->bearer.st = store;
#endif
    eas_exchange_init(&a->x, tls, plain, pal);
    if (events) a->ev = *events;
    /* Hashes of ServerIds in RAM are salted: a server cannot aim collisions at them. */
    if (pal->entropy.fill) pal->entropy.fill(pal->entropy.ctx, (uint8_t *)&a->hash_salt, sizeof a->hash_salt);
    eas_err e;
    if (cfg->url) {
        if ((e = eas_url_parse(cfg->url, strlen(cfg->url), &a->url)) != EAS_OK) return e;
        if (a->url.scheme == EAS_URL_HTTP && (!cfg->allow_plain_http || !plain)) return EAS_ERR_PLAIN_HTTP_REFUSED;
        if (a->url.scheme == EAS_URL_HTTPS && !tls) return EAS_ERR_CONFIG;
    } else if ((e = eas_home_load(a)) != EAS_OK) { /* the discovered URL, or none yet */
        return e;
    }
    e = eas_account_load(a);
    if (e == EAS_OK) e = eas_outbox_load(a);
    if (e != EAS_OK) return e;
    /* A stored redirect must obey the same rule as the configured URL. */
    if (eas_home_url(a)[0] && a->url.scheme == EAS_URL_HTTP && (!cfg->allow_plain_http || !plain))
        return EAS_ERR_PLAIN_HTTP_REFUSED;
    a->heartbeat = EAS_PING_START_S;
    /* A configured fixed version wins over what was negotiated before. */
    if (cfg->protocol_version) a->version = cfg->protocol_version;
    return EAS_OK;
}

eas_err eas_agent_begin(eas_agent *a, eas_op op)
{
    if (a->op != EAS_OP_NONE) return EAS_ERR_STATE;
    if (op < EAS_OP_CONNECT || op > EAS_OP_DISCOVER) return EAS_ERR_ARG;
    if (op == EAS_OP_RESPOND && !a->respond_with) return EAS_ERR_STATE;
    if (EAS_OP_IS_LOOKUP(op) && a->lookup.ready != op) return EAS_ERR_STATE;
#if EAS_ENABLE_OAUTH
    if (a->cfg->oauth) { /* the tokens a sign-in (or the last operation's refresh) stored */
        eas_err e = eas_oauth_tokens_load(a->store, &a->bearer.tokens);
        if (e != EAS_OK) return e;
        a->refreshed = a->refused_401 = 0;
    }
#endif
    a->lookup.ready = 0; /* a lookup is set up anew for each run */
    if (op == EAS_OP_SYNC_CHANGED) a->sync_only = a->ping_changed;
    a->ping_result = EAS_PING_NONE;
    a->ping_retries = 0;
    a->op = (uint8_t)op;
    a->phase = PH_START;
    a->redirects = a->provisions = a->throttles = a->resets = a->hierarchy_syncs = a->sync_init_tried = 0;
    a->coll_slot = 0;
    memset(&a->failure, 0, sizeof a->failure);
    a->xstate = AX_ENTER;
    /* Without a URL yet, discovery first (home.c). */
    eas_err e = eas_home_begin(a);
    if (e != EAS_OK) a->op = EAS_OP_NONE;
    return e;
}

eas_err eas_agent_step(eas_agent *a, eas_wait *w)
{
    eas_wait dummy;
    if (!w) w = &dummy;
    w->what = 0;
    w->until_ms = 0;
    /* Each pass either finishes, waits, or moves the operation on; the bound only guards a bug. */
    for (int guard = 0; guard < 64; guard++) {
        eas_err e;
        if (a->op == EAS_OP_NONE) return EAS_ERR_STATE;
        switch (a->xstate) {
        case AX_WAIT:
            if (now_ms(a) < a->wake_ms) {
                w->what = EAS_WAIT_TIME;
                w->until_ms = a->wake_ms;
                return EAS_ERR_WOULD_BLOCK;
            }
            a->xstate = AX_ENTER;
            continue;
        case AX_TOKEN:
            e = step_refresh(a, w);
            if (e == EAS_ERR_WOULD_BLOCK) return e;
            if (e != EAS_OK) return fail(a, e);
            break;
        case AX_DISCOVER:
            e = eas_home_step(a, w);
            if (e == EAS_ERR_WOULD_BLOCK) return e;
            if (e != EAS_OK) return fail(a, e);
            break;
        case AX_EXCHANGE: {
            eas_exchange_outcome o = eas_exchange_step(&a->x, w);
            if (o == EAS_EXCHANGE_PENDING) return EAS_ERR_WOULD_BLOCK;
            e = on_outcome(a, o);
            if (e != EAS_OK && eas_home_failed(a, e)) continue; /* unreachable for long: discovered again */
            if (e != EAS_OK) return fail(a, e);
            if (a->xstate == AX_WAIT || a->xstate == AX_DISCOVER) continue;
            if (a->yield && a->phase != PH_FINISHED) { /* a window is on flash: the application's turn */
                a->yield = 0;
                w->what = EAS_WAIT_TIME | EAS_WAIT_NOW;
                w->until_ms = now_ms(a);
                return EAS_ERR_WOULD_BLOCK;
            }
            break;
        }
        default:
            break;
        }
        e = enter_phase(a);
        if (e != EAS_OK && eas_home_failed(a, e)) continue;
        if (e != EAS_OK) return fail(a, e);
        if (a->op == EAS_OP_NONE) {
            eas_home_succeeded(a);
            return EAS_OK;
        }
    }
    w->what = EAS_WAIT_TIME | EAS_WAIT_NOW;
    w->until_ms = now_ms(a);
    return EAS_ERR_WOULD_BLOCK;
}

void eas_agent_close(eas_agent *a) { eas_exchange_close(&a->x); }

eas_exchange *eas_agent_exchange(eas_agent *a) { return &a->x; }

const eas_agent_failure *eas_agent_last_failure(const eas_agent *a) { return &a->failure; }

const char *eas_agent_response_header(const eas_agent *a, eas_http_hdr h)
{
    return eas_http_parser_header(eas_exchange_response(&a->x), h, NULL);
}

uint8_t eas_agent_version(const eas_agent *a) { return a->version; }

eas_err eas_agent_primary_address(eas_agent *a, char *out, size_t cap)
{
    uint8_t rec[4 + EAS_DISCOVER_ADDRESS_MAX]; /* 4 bytes of CRC, then the address */
    size_t len = 0;
    if (!out || cap == 0) return EAS_ERR_ARG;
    out[0] = '\0';
    eas_err e = eas_store_get(a->store, EAS_KEY_SETTINGS, rec, sizeof rec, &len);
    if (e == EAS_ERR_NOT_FOUND) return EAS_OK;
    if (e != EAS_OK) return e == EAS_ERR_NOSPACE ? EAS_ERR_STORE_CORRUPT : e;
    if (len < 4) return EAS_ERR_STORE_CORRUPT;
    if (len - 4 >= cap) return EAS_ERR_NOSPACE;
    memcpy(out, rec + 4, len - 4);
    out[len - 4] = '\0';
    return EAS_OK;
}

eas_ping_result eas_agent_ping_result(const eas_agent *a) { return (eas_ping_result)a->ping_result; }

uint64_t eas_agent_next_ping_ms(const eas_agent *a) { return a->ping_next_ms; }

const char *eas_agent_redirected_host(const eas_agent *a)
{
    return a->redirect_state != EAS_REDIRECT_NONE ? a->url.host : NULL;
}

uint32_t eas_agent_heartbeat(const eas_agent *a) { return a->heartbeat; }

void eas_agent_cap_heartbeat(eas_agent *a, uint32_t s)
{
    if (s < EAS_PING_MIN_S) s = EAS_PING_MIN_S;
    if (a->heartbeat > s) a->heartbeat = s;
}

unsigned eas_agent_folders_skipped(const eas_agent *a) { return a->folders_skipped; }

unsigned eas_agent_folder_count(const eas_agent *a)
{
    unsigned n = 0;
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) n += (unsigned)((a->folder_used >> s) & 1u);
    return n;
}

eas_err eas_agent_folder_get(eas_agent *a, unsigned i, eas_folder *out)
{
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        if (i-- > 0) continue;
        return eas_account_folder_at(a, s, out);
    }
    return EAS_ERR_NOT_FOUND;
}

typedef struct items_walk {
    eas_agent *a;
    const eas_folder *f;
    eas_item_visit_fn fn;
    void *ctx;
    uint8_t rec[EAS_ITEM_RECORD_MAX];
} items_walk;

static eas_err items_visit(void *ctx, uint32_t key, size_t len)
{
    items_walk *w = ctx;
    eas_err e = eas_store_get(w->a->store, key, w->rec, sizeof w->rec, &len);
    if (e != EAS_OK) return e;
    if (eas_item_flags(w->rec, len) & EAS_ITEM_TOMB) return EAS_OK;
    return w->fn(w->ctx, w->f, w->rec, len);
}

eas_err eas_agent_items(eas_agent *a, eas_class cls, eas_item_visit_fn fn, void *ctx)
{
    eas_folder f;
    items_walk w = {a, &f, fn, ctx, {0}};
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        eas_err e = eas_account_folder_at(a, s, &f);
        if (e != EAS_OK) return e;
        if (cls != EAS_CLASS_NONE && eas_class_of_folder_type(f.type) != cls) continue;
        /* Item keys are hashes: key order means nothing, and the unordered walk needs no scans. */
        e = eas_store_visit_range(a->store, EAS_KEY_ITEM_BASE(s), EAS_KEY_ITEM_LAST(s), items_visit, &w);
        if (e != EAS_OK) return e;
    }
    return EAS_OK;
}

eas_err eas_agent_respond(eas_agent *a, const char *folder_id, const char *item_id, eas_user_response r,
                          const char *instance)
{
    if (r < EAS_RESPONSE_ACCEPT || r > EAS_RESPONSE_DECLINE) return EAS_ERR_ARG;
    if (strlen(folder_id) >= sizeof a->respond_folder || strlen(item_id) >= sizeof a->respond_item ||
        (instance && strlen(instance) >= sizeof a->respond_instance))
        return EAS_ERR_ARG;
    if (eas_account_find_folder(a, folder_id) < 0) return EAS_ERR_NOT_FOUND;
    a->respond_with = (uint8_t)r;
    strcpy(a->respond_folder, folder_id);
    strcpy(a->respond_item, item_id);
    if (instance) strcpy(a->respond_instance, instance);
    else a->respond_instance[0] = '\0';
    return EAS_OK;
}

void eas_agent_get_info(eas_agent *a, eas_agent_info *out)
{
    eas_url configured;
    memset(out, 0, sizeof *out);
    out->version = a->version;
    out->provisioned = a->provisioned;
    out->has_policy_key = a->policy_key[0] != '\0';
    out->server_versions = a->server_versions;
    out->folders = eas_agent_folder_count(a);
    out->pending = eas_agent_pending(a);
    out->folder_sync_key = a->folder_key;
    out->url = &a->url;
    out->discovered_url = !a->cfg->url && a->home[0] ? a->home : NULL;
    out->redirected = eas_url_parse(eas_home_url(a), strlen(eas_home_url(a)), &configured) == EAS_OK &&
                      (strcmp(configured.host, a->url.host) != 0 || strcmp(configured.path, a->url.path) != 0 ||
                       configured.port != a->url.port || configured.scheme != a->url.scheme);
}

static eas_err count_visit(void *ctx, uint32_t key, size_t len)
{
    (void)key, (void)len;
    (*(uint32_t *)ctx)++;
    return EAS_OK;
}

eas_err eas_agent_folder_state(eas_agent *a, const char *folder_id, eas_folder_state *out)
{
    char key[EAS_SYNC_KEY_MAX];
    uint8_t mark[4];
    size_t len = 0;
    eas_folder f;
    memset(out, 0, sizeof *out);
    int slot = eas_account_find_folder(a, folder_id);
    if (slot < 0) return EAS_ERR_NOT_FOUND;
    eas_err e = eas_account_folder_at(a, (unsigned)slot, &f);
    if (e == EAS_OK) e = eas_coll_get_key(a, (unsigned)slot, key, sizeof key);
    if (e != EAS_OK) return e;
    out->synced = strcmp(key, "0") != 0;
    out->kept = eas_op_class_kept(a, (uint8_t)eas_class_of_folder_type(f.type));
    out->lost_window = eas_store_get(a->store, EAS_KEY_COLL_INFLIGHT(slot), mark, sizeof mark, &len) == EAS_OK;
    /* Tombs count too: they are few, and this is a status line, not an inventory. */
    return eas_store_visit_range(a->store, EAS_KEY_ITEM_BASE(slot), EAS_KEY_ITEM_LAST(slot), count_visit, &out->items);
}
