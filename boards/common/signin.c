/* The firmware's OAuth sign-in on its console. See signin.h. */
#include "signin.h"

#if EAS_ENABLE_OAUTH

#include <string.h>

#include "console.h"
#include "json_arena.h"

#define BACKOFF_MAX_S 3600u

static uint64_t now_ms(const fw_signin *s) { return s->pal->clock.monotonic_ms(s->pal->clock.ctx); }

/* The service's message and the line a test (or a display's own screen) reads; only what is meant for
 * the user: the URI and the code. */
static void show(void *ctx, const char *message, const char *user_code, const char *uri)
{
    (void)ctx;
    con_puts("signin: ");
    for (const char *c = message; *c; c++) { /* one console line */
        char b[2] = {(unsigned char)*c < 0x20u ? ' ' : *c, '\0'};
        con_puts(b);
    }
    con_puts("\nSIGNIN ");
    con_puts(uri);
    con_puts(" ");
    con_puts(user_code);
    con_puts("\n");
}

eas_err fw_signin_init(fw_signin *s, const fw_account *acc, eas_store *st, eas_exchange *x, const eas_pal *pal)
{
    memset(s, 0, sizeof *s);
    s->cfg = (eas_oauth_config){acc->client_id, acc->tenant, acc->scope, ""};
    s->pal = pal;
    s->st = st;
    eas_err e = eas_oauth_client_init(&s->client, &s->cfg, acc->authority, st, x, pal);
    s->client.flow.show = show;
    return e;
}

int fw_signin_signed_in(fw_signin *s, int say)
{
    eas_oauth_tokens t;
    int in = eas_oauth_tokens_load(s->st, &t) == EAS_OK;
    if (say) con_puts(in ? "signin: signed in (tokens in the store)\n" : "signin: not signed in\n");
    return in;
}

int fw_signin_error(eas_err e) { return e >= EAS_ERR_NOT_SIGNED_IN && e <= EAS_ERR_SIGNIN_REFUSED; }

void fw_signin_start(fw_signin *s, eas_err after)
{
    uint32_t jitter = 0, wait_s = 0;
    if (after != EAS_OK) {
        if (s->pal->entropy.fill) s->pal->entropy.fill(s->pal->entropy.ctx, (uint8_t *)&jitter, sizeof jitter);
        uint32_t base = fw_account_cfg.sync_interval_s ? fw_account_cfg.sync_interval_s : 1u;
        wait_s = eas_backoff_next(s->refusals++, base, BACKOFF_MAX_S, jitter);
        con_puts("signin: ");
        con_puts(eas_err_str(after));
        if (s->client.flow.aadsts) {
            con_puts(" (AADSTS");
            con_putu(s->client.flow.aadsts);
            con_puts(")");
        }
        con_puts("; a new sign-in in ");
        con_putu(wait_s);
        con_puts(" s\n");
    }
    s->round_at_ms = now_ms(s) + (uint64_t)wait_s * 1000u;
    s->waiting = 1;
}

eas_err fw_signin_step(fw_signin *s, eas_wait *w)
{
    if (s->waiting) {
        if (now_ms(s) < s->round_at_ms) {
            w->what = EAS_WAIT_TIME;
            w->until_ms = s->round_at_ms;
            return EAS_ERR_WOULD_BLOCK;
        }
        s->waiting = 0;
        eas_oauth_client_login(&s->client);
    }
    eas_err e = eas_oauth_client_step(&s->client, w);
    if (e == EAS_ERR_WOULD_BLOCK) return e;
    eas_exchange_close(s->client.x);
    if (e == EAS_OK) {
        s->refusals = 0;
        con_puts("signin: signed in\nmem: json arena peak ");
        con_putu(eas_json_arena_peak()); /* for sizing EAS_JSON_ARENA_SIZE */
        con_puts(" of ");
        con_putu(EAS_JSON_ARENA_SIZE);
        con_puts("\n");
        return EAS_OK;
    }
    if (fw_signin_error(e) || e == EAS_ERR_SERVER) { /* refused, or the service is down: again, later */
        fw_signin_start(s, e);
        w->what = EAS_WAIT_TIME;
        w->until_ms = s->round_at_ms;
        return EAS_ERR_WOULD_BLOCK;
    }
    return e;
}

#endif
