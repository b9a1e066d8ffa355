/* The sign-in flow: device code (RFC 8628), polling, refresh with rotation (RFC 6749 6), and what the
 * identity platform's answers mean. The answers' JSON is read by the platform's binding (oauth_json.h:
 * cJSON on the static arena, which is wiped afterwards: it held the tokens); no cJSON here. */
#include "eas/oauth.h"

#if EAS_ENABLE_OAUTH

#include <string.h>

#include "oauth_int.h"
#include "oauth_json.h"

/* RFC 8628 3.2: without an interval the client waits 5 s; 3.5: slow_down adds 5 s. */
#define DEFAULT_INTERVAL_S 5u
#define SLOW_DOWN_S 5u
#define MAX_INTERVAL_S 120u

static void wipe(void *p, size_t n)
{
    volatile uint8_t *b = p;
    while (n--) *b++ = 0;
}

static void start(eas_oauth_flow *f, const eas_oauth_config *cfg, eas_store *st, uint8_t action)
{
    void (*show)(void *, const char *, const char *, const char *) = f->show;
    void *ctx = f->ctx;
    wipe(f, sizeof *f);
    f->show = show;
    f->ctx = ctx;
    f->cfg = cfg;
    f->st = st;
    f->action = action;
}

void eas_oauth_login_begin(eas_oauth_flow *f, const eas_oauth_config *cfg, eas_store *st)
{
    start(f, cfg, st, EAS_OAUTH_SEND_DEVICECODE);
}

void eas_oauth_refresh_begin(eas_oauth_flow *f, const eas_oauth_config *cfg, eas_store *st)
{
    start(f, cfg, st, EAS_OAUTH_SEND_REFRESH);
    f->refreshing = 1;
    f->err = eas_oauth_tokens_load(st, &f->tokens);
    if (f->err == EAS_OK && f->tokens.refresh_len == 0) f->err = EAS_ERR_NOT_SIGNED_IN;
    if (f->err != EAS_OK) f->action = EAS_OAUTH_FAILED;
}

eas_oauth_action eas_oauth_next(const eas_oauth_flow *f, uint64_t *at_ms)
{
    if (at_ms) *at_ms = f->action == EAS_OAUTH_SEND_POLL ? f->next_ms : 0;
    return (eas_oauth_action)f->action;
}

eas_err eas_oauth_flow_error(const eas_oauth_flow *f) { return f->err; }

static eas_err body_write(void *ctx, const uint8_t *p, size_t len)
{
    eas_oauth_flow *f = ctx;
    if (len > sizeof f->body - f->body_len) return EAS_ERR_NOSPACE;
    memcpy(f->body + f->body_len, p, len);
    f->body_len += len;
    return EAS_OK;
}

eas_sink eas_oauth_body_sink(eas_oauth_flow *f) { return (eas_sink){body_write, f}; }

static eas_oauth_action fail(eas_oauth_flow *f, eas_err e)
{
    f->err = e;
    f->action = EAS_OAUTH_FAILED;
    return EAS_OAUTH_FAILED;
}

void eas_oauth_lost(eas_oauth_flow *f, eas_err err)
{
    wipe(f->body, f->body_len);
    f->body_len = 0;
    (void)fail(f, err == EAS_OK ? EAS_ERR_NET_IO : err);
}

typedef enum { R_PENDING, R_SLOW_DOWN, R_FAILED } refusal;

/* What an error answer means: RFC 6749 5.2 and RFC 8628 3.5 error codes, refined by Entra's AADSTS
 * numbers (the first of error_codes): consent (65001) and Conditional Access (53000-53999) come as
 * invalid_grant or interaction_required. */
static refusal classify(eas_oauth_flow *f, const eas_oauth_answer *ans, uint16_t status, eas_err *err)
{
    const char *e = ans ? ans->error : NULL;
    uint32_t code = ans ? ans->aadsts : 0;
    f->aadsts = code;
    if (e && !strcmp(e, "authorization_pending")) return R_PENDING;
    if (e && !strcmp(e, "slow_down")) return R_SLOW_DOWN;
    if (code == 65001) *err = EAS_ERR_SIGNIN_CONSENT;
    else if (code >= 53000 && code <= 53999) *err = EAS_ERR_SIGNIN_BLOCKED;
    else if (status >= 500 || (e && !strcmp(e, "temporarily_unavailable"))) *err = EAS_ERR_SERVER;
    else if (!e) *err = EAS_ERR_PROTOCOL;
    else if (!strcmp(e, "expired_token") || !strcmp(e, "code_expired")) *err = EAS_ERR_SIGNIN_EXPIRED;
    else if (!strcmp(e, "access_denied") || !strcmp(e, "authorization_declined")) *err = EAS_ERR_SIGNIN_DENIED;
    else if (!strcmp(e, "invalid_client") || !strcmp(e, "unauthorized_client")) *err = EAS_ERR_SIGNIN_CLIENT;
    else if (!strcmp(e, "invalid_scope")) *err = EAS_ERR_SIGNIN_SCOPE;
    else if (!strcmp(e, "invalid_grant") && f->refreshing) *err = EAS_ERR_SIGNIN_REVOKED;
    else if (!strcmp(e, "invalid_grant")) *err = EAS_ERR_SIGNIN_EXPIRED; /* the device code is spent */
    else *err = EAS_ERR_SIGNIN_REFUSED;
    return R_FAILED;
}

static eas_oauth_action on_devicecode(eas_oauth_flow *f, const eas_oauth_answer *ans, uint64_t now_ms)
{
    const char *dc = ans->device_code, *uc = ans->user_code, *uri = ans->verification_uri;
    long expires = ans->expires_in, interval = ans->interval;
    size_t n;
    if (!dc || !uc || !uri || expires <= 0) return fail(f, EAS_ERR_PROTOCOL);
    n = strlen(dc);
    if (n == 0 || n >= sizeof f->device_code) return fail(f, EAS_ERR_NOSPACE);
    memcpy(f->device_code, dc, n + 1);
    f->interval_s = interval > 0 ? (uint32_t)(interval < (long)MAX_INTERVAL_S ? interval : (long)MAX_INTERVAL_S)
                                 : DEFAULT_INTERVAL_S;
    f->code_expires_ms = now_ms + (uint64_t)expires * 1000u;
    f->next_ms = now_ms + (uint64_t)f->interval_s * 1000u;
    f->action = EAS_OAUTH_SEND_POLL;
    if (f->show) f->show(f->ctx, ans->message ? ans->message : "", uc, uri);
    return EAS_OAUTH_SEND_POLL;
}

static eas_oauth_action on_tokens(eas_oauth_flow *f, const eas_oauth_answer *ans, uint64_t wall_s)
{
    const char *at = ans->access_token, *rt = ans->refresh_token, *type = ans->token_type;
    long expires = ans->expires_in;
    eas_err e;
    if (!at || ans->malformed || expires <= 0 || !type || (strcmp(type, "Bearer") != 0 && strcmp(type, "bearer") != 0))
        return fail(f, EAS_ERR_PROTOCOL);
    if (rt) {
        e = eas_oauth_tokens_save(f->st, at, strlen(at), rt, strlen(rt), wall_s, (uint32_t)expires, &f->tokens);
    } else {
        /* RFC 6749 6: no new refresh token means the old one stays good. */
        e = eas_oauth_tokens_save_access(f->st, at, strlen(at), wall_s, (uint32_t)expires, &f->tokens);
    }
    if (e != EAS_OK) return fail(f, e);
    f->err = EAS_OK;
    f->action = EAS_OAUTH_DONE;
    return EAS_OAUTH_DONE;
}

eas_oauth_action eas_oauth_response(eas_oauth_flow *f, uint16_t http_status, uint64_t now_ms, uint64_t wall_s)
{
    eas_oauth_answer ans;
    eas_oauth_action next;
    eas_err e;
    uint8_t was = f->action;
    if (was != EAS_OAUTH_SEND_DEVICECODE && was != EAS_OAUTH_SEND_POLL && was != EAS_OAUTH_SEND_REFRESH)
        return fail(f, EAS_ERR_STATE);
    e = eas_oauth_json_parse(f->body, f->body_len, &ans);
    wipe(f->body, f->body_len);
    f->body_len = 0;
    if (http_status == 200 && e == EAS_OK) {
        next = was == EAS_OAUTH_SEND_DEVICECODE ? on_devicecode(f, &ans, now_ms) : on_tokens(f, &ans, wall_s);
    } else if (http_status == 200 || (e != EAS_OK && http_status < 500)) {
        next = fail(f, e == EAS_ERR_NOSPACE ? EAS_ERR_NOSPACE : EAS_ERR_PROTOCOL);
    } else {
        eas_err why = EAS_OK;
        refusal r = classify(f, e == EAS_OK ? &ans : NULL, http_status, &why);
        if (was == EAS_OAUTH_SEND_POLL && (r == R_PENDING || r == R_SLOW_DOWN)) {
            if (r == R_SLOW_DOWN && f->interval_s < MAX_INTERVAL_S) f->interval_s += SLOW_DOWN_S;
            f->polls++;
            f->next_ms = now_ms + (uint64_t)f->interval_s * 1000u;
            next = f->next_ms >= f->code_expires_ms ? fail(f, EAS_ERR_SIGNIN_EXPIRED) : EAS_OAUTH_SEND_POLL;
        } else {
            if (why == EAS_OK) why = EAS_ERR_PROTOCOL; /* pending where no one polls */
            next = fail(f, why);
            /* A refresh the service refused for good: the pair is of no use any more, and keeping it
             * would only send it again. The next start is a new sign-in, not a wedged device. */
            if (f->refreshing && why != EAS_ERR_SERVER && why != EAS_ERR_PROTOCOL)
                (void)eas_oauth_tokens_forget(f->st);
        }
    }
    eas_oauth_json_done();
    return next;
}

#endif
