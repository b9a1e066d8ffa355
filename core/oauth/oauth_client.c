/* The sign-in over an HTTP exchange (eas/exchange.h): the flow's requests as POSTs to the identity
 * platform, its answers fed back, the polling interval waited out without blocking. */
#include "eas/oauth_client.h"

#if EAS_ENABLE_OAUTH

#include <string.h>

#define REQUEST_TIMEOUT_MS 30000u

static const char *const json_accept[] = {"Accept", "application/json", NULL};

static eas_err head_fn(void *ctx, eas_sink out, uint64_t content_length)
{
    eas_oauth_client *c = ctx;
    return eas_exchange_write_head(&c->head, out, content_length);
}

static eas_err body_fn(void *ctx, eas_sink out)
{
    eas_oauth_client *c = ctx;
    switch (eas_oauth_next(&c->flow, NULL)) {
    case EAS_OAUTH_SEND_DEVICECODE: return eas_oauth_devicecode_body(c->cfg, out, NULL);
    case EAS_OAUTH_SEND_POLL: return eas_oauth_poll_body(c->cfg, c->flow.device_code, out, NULL);
    case EAS_OAUTH_SEND_REFRESH: return eas_oauth_refresh_body(c->cfg, c->flow.st, &c->flow.tokens, out, NULL);
    default: return EAS_ERR_STATE;
    }
}

eas_err eas_oauth_client_init(eas_oauth_client *c, const eas_oauth_config *cfg, const char *authority,
                              eas_store *st, eas_exchange *x, const eas_pal *pal)
{
    eas_err e;
    if (!c || !cfg || !authority || !st || !x || !pal) return EAS_ERR_ARG;
    memset(c, 0, sizeof *c);
    if ((e = eas_url_parse(authority, strlen(authority), &c->authority)) != EAS_OK) return e;
    c->cfg_copy = *cfg;
    c->cfg_copy.base_path = strcmp(c->authority.path, "/") ? c->authority.path : "";
    c->cfg = &c->cfg_copy;
    c->st = st;
    c->x = x;
    c->pal = pal;
    return EAS_OK;
}

void eas_oauth_client_login(eas_oauth_client *c)
{
    eas_oauth_login_begin(&c->flow, c->cfg, c->st);
    c->busy = 0;
}

void eas_oauth_client_refresh(eas_oauth_client *c)
{
    eas_oauth_refresh_begin(&c->flow, c->cfg, c->st);
    c->busy = 0;
}

static uint64_t now_ms(const eas_oauth_client *c) { return c->pal->clock.monotonic_ms(c->pal->clock.ctx); }

static eas_err start(eas_oauth_client *c, eas_oauth_endpoint ep)
{
    eas_exchange_request r;
    eas_err e = eas_oauth_target(c->cfg, ep, c->target, sizeof c->target, NULL);
    if (e != EAS_OK) return e;
    memset(&c->head, 0, sizeof c->head);
    c->head.method = "POST";
    c->head.target = c->target;
    c->head.content_type = "application/x-www-form-urlencoded";
    c->head.headers = json_accept;
    c->head.url = &c->authority;
    memset(&r, 0, sizeof r);
    r.url = &c->authority;
    r.head = head_fn;
    r.body = body_fn;
    r.ctx = c;
    r.response.body = eas_oauth_body_sink(&c->flow);
    r.timeout_ms = REQUEST_TIMEOUT_MS;
    c->flow.body_len = 0;
    if ((e = eas_exchange_start(c->x, &r)) != EAS_OK) return e;
    c->busy = 1;
    return EAS_OK;
}

eas_err eas_oauth_client_step(eas_oauth_client *c, eas_wait *w)
{
    for (unsigned guard = 0; guard < 8u; guard++) {
        if (c->busy) {
            eas_exchange_outcome o = eas_exchange_step(c->x, w);
            if (o == EAS_EXCHANGE_PENDING) return EAS_ERR_WOULD_BLOCK;
            c->busy = 0;
            if (o != EAS_EXCHANGE_DONE) {
                eas_oauth_lost(&c->flow, eas_exchange_error(c->x));
                eas_exchange_close(c->x);
                return eas_oauth_flow_error(&c->flow);
            }
            int64_t wall = c->pal->clock.wall_time(c->pal->clock.ctx);
            if (wall < 0) {
                eas_oauth_lost(&c->flow, EAS_ERR_STATE); /* no time: the token's expiry would be wrong */
                return EAS_ERR_STATE;
            }
            (void)eas_oauth_response(&c->flow, eas_exchange_response(c->x)->status, now_ms(c), (uint64_t)wall);
            continue;
        }
        uint64_t at = 0;
        eas_oauth_action a = eas_oauth_next(&c->flow, &at);
        eas_err e;
        switch (a) {
        case EAS_OAUTH_DONE: return EAS_OK;
        case EAS_OAUTH_FAILED: return eas_oauth_flow_error(&c->flow);
        case EAS_OAUTH_SEND_POLL:
            if (now_ms(c) < at) {
                w->what = EAS_WAIT_TIME;
                w->until_ms = at;
                return EAS_ERR_WOULD_BLOCK;
            }
            e = start(c, EAS_OAUTH_TOKEN);
            break;
        case EAS_OAUTH_SEND_DEVICECODE: e = start(c, EAS_OAUTH_DEVICECODE); break;
        default: e = start(c, EAS_OAUTH_TOKEN); break;
        }
        if (e != EAS_OK) {
            eas_oauth_lost(&c->flow, e);
            return e;
        }
    }
    return EAS_ERR_WOULD_BLOCK;
}

#endif
